"""Downloads from EST: the weekly lägesbild as PDF and as a table, and every report for analysts.

The week's table keeps the unadjusted p-values in the columns they always had (scripts rely on them) and adds, at
the end, the p-values adjusted for the table's number of comparisons (Benjamini–Hochberg; the verdicts follow those)
and each comparison's interval in words.

The week's PDF is laid out by WeasyPrint from `est/week_pdf.html`, with an inline SVG map (the kommun's outline,
the week's points as the reader may see them, repeat places and Polisen's events) and fetches nothing.

The report export (`incident_rows`) is for reviewers only: one row per report with every lifecycle timestamp,
read in one query. Its columns have stable ASCII names (the model's field names) so scripts and other kommuner
can rely on them; times are ISO 8601 in Swedish time with their offset. The reporter appears only as the
reporting organisation, never by name or e-mail address.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lofte.analysis.est import STOCKHOLM, WeekRow
from lofte.analysis.hotspots import EARTH_RADIUS_M
from lofte.est import categories as reference
from lofte.est.models import Incident
from lofte.est.weekly.queries import POLICE_SOURCE, WeeklyPicture
from lofte.lib.documents import render_pdf
from lofte.lib.tables import Cell
from lofte.lib.uncertainty import interval_words
from lofte.partnerships.models import Partnership

# The week as a table


def week_table(picture: WeeklyPicture) -> tuple[list[str], list[list[Cell]], str]:
    headers = [
        _("grupp"),
        _("kod"),
        _("namn"),
        _("denna vecka"),
        _("förra veckan"),
        _("snitt fyra veckor före"),
        _("p-värde mot fyra veckor"),
        _("bedömning mot fyra veckor"),
        _("samma vecka förra året"),
        _("p-värde mot förra året"),
        _("bedömning mot förra året"),
        _("justerat p-värde mot fyra veckor"),
        _("intervall mot fyra veckor"),
        _("justerat p-värde mot förra året"),
        _("intervall mot förra året"),
    ]
    rows: list[list[Cell]] = [_week_cells(_("totalt"), picture.total)]
    for row in picture.categories:
        rows.append(_week_cells(_("underkategori") if row.level else _("huvudkategori"), row))
    rows.extend(_week_cells(_("område"), row) for row in picture.areas)
    note = _("Granskade rapporter, vecka %(week)s %(year)s (%(start)s–%(end)s).") % {
        "week": picture.iso_week,
        "year": picture.iso_year,
        "start": picture.week.monday.isoformat(),
        "end": picture.week.sunday.isoformat(),
    }
    note += " " + _(
        "p-värdena är ojusterade; bedömningarna följer p-värdena justerade för varje tabells många jämförelser "
        "(Benjamini–Hochberg), som står i egna kolumner."
    )
    return headers, rows, note


def _week_cells(group: str, row: WeekRow) -> list[Cell]:
    year = row.vs_last_year
    return [
        group,
        row.key,
        row.label,
        row.this,
        row.last_week,
        row.four_week_mean,
        _rounded(row.vs_four_weeks.p_value),
        row.verdict_label,
        row.last_year,
        _rounded(year.p_value) if year else None,
        year.label if year else None,
        _rounded(row.vs_four_weeks.p_adjusted),
        interval_words(row.vs_four_weeks.ci_low, row.vs_four_weeks.ci_high) or None,
        _rounded(year.p_adjusted) if year else None,
        (interval_words(year.ci_low, year.ci_high) or None) if year else None,
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def police_table(picture: WeeklyPicture) -> list[list[Cell]]:
    return [[_local(e.occurred_at), e.type, e.name, e.place, POLICE_SOURCE] for e in picture.police_events]


# The week as PDF


def render_week_pdf(picture: WeeklyPicture, outline: Any) -> bytes:
    """An A4 PDF; `outline` is the kommun's GeoJSON geometry (or None) for the map."""
    context = {"picture": picture, "map": svg_map(picture, outline), "police_source": POLICE_SOURCE}
    return render_pdf("est/week_pdf.html", context)


SVG_WIDTH = 640


def svg_map(picture: WeeklyPicture, outline: Any) -> SafeString:
    """The kommun's outline with the week's points, repeat places and Polisen's events, in a local projection."""
    rings = list(_rings(outline))
    coords = [xy for ring in rings for xy in ring]
    coords += [(p.lng, p.lat) for p in picture.points] + [(r.lng, r.lat) for r in picture.repeat_places]
    if not coords:
        return mark_safe("")
    west, east = min(x for x, _y in coords), max(x for x, _y in coords)
    south, north = min(y for _x, y in coords), max(y for _x, y in coords)
    scale_x = math.cos(math.radians((south + north) / 2))
    width_m = max((east - west) * scale_x, 1e-6)
    height_m = max(north - south, 1e-6)
    height = max(120, round(SVG_WIDTH * height_m / width_m))
    pad = 8

    def xy(lng: float, lat: float) -> tuple[float, float]:
        x = pad + (lng - west) * scale_x / width_m * (SVG_WIDTH - 2 * pad)
        return x, pad + (north - lat) / height_m * (height - 2 * pad)

    def pairs(coordinates: list[tuple[float, float]]) -> str:
        return " ".join("{:.1f},{:.1f}".format(*xy(lng, lat)) for lng, lat in coordinates)

    label = escape(_("Karta över veckans rapporter"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {height}" role="img" aria-label="{label}">'
        f"<title>{label}</title>"  # the alternative text of the map's figure in the tagged PDF
    ]
    for ring in rings:
        parts.append(f'<polygon points="{pairs(ring)}" fill="#eef3f9" stroke="#1d4e89" stroke-width="1.5"/>')
    for cell in picture.hot_cells:
        corner = _square(cell.lat, cell.lng, picture.hotspot_cell_m)
        parts.append(f'<polygon points="{pairs(corner)}" fill="#e5383b" opacity="0.4"/>')
    for place in picture.repeat_places:
        cx, cy = xy(place.lng, place.lat)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="9" fill="none" stroke="#b3541e" stroke-width="2.5"/>')
    for point in picture.points:
        cx, cy = xy(point.lng, point.lat)
        radius = 3 + min(point.count, 9)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" fill="#2b6cb0" opacity="0.8" stroke="#fff"/>')
    for event in picture.police_events:
        if event.lat is None or event.lng is None:
            continue
        cx, cy = xy(event.lng, event.lat)
        parts.append(f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="#222" stroke="#fff"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and one escaped label


def _rings(geometry: Any) -> Iterator[list[tuple[float, float]]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon."""
    if not isinstance(geometry, dict):
        return
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    for polygon in polygons:
        if polygon:
            yield [(float(x), float(y)) for x, y, *_rest in polygon[0]]


def _square(lat: float, lng: float, size_m: float) -> list[tuple[float, float]]:
    half_lat = size_m / 2 / EARTH_RADIUS_M * 180 / math.pi
    half_lng = half_lat / math.cos(math.radians(lat))
    return [
        (lng - half_lng, lat - half_lat),
        (lng + half_lng, lat - half_lat),
        (lng + half_lng, lat + half_lat),
        (lng - half_lng, lat + half_lat),
    ]


# Every report, for reviewers


INCIDENT_COLUMNS = [
    "id",
    "category_code",
    "category_name",
    "main_category_code",
    "main_category_name",
    "occurred_at",
    "reported_at",
    "reviewed_at",
    "action_decided_at",
    "resolved_at",
    "closed_at",
    "rejected_at",
    "merged_at",
    "updated_at",
    "status",
    "area_code",
    "area_name",
    "latitude",
    "longitude",
    "address",
    "place_name",
    "persons",
    "unsafety",
    "police_report_number",
    "reporting_organisation",
    "routed_to",
    "duplicate_of",
    "source",
    "is_demo",
    "description",
]
TIMES = (
    "occurred_at",
    "reported_at",
    "reviewed_at",
    "action_decided_at",
    "resolved_at",
    "closed_at",
    "rejected_at",
    "merged_at",
    "updated_at",
)
READ = (
    "id",
    "category__code",
    "category__name",
    "category__parent__code",
    "category__parent__name",
    *TIMES,
    "status",
    "area__code",
    "area__name",
    "latitude",
    "longitude",
    "address",
    "place_name",
    "persons",
    "unsafety",
    "police_report_number",
    "organisation__name",
    "routed_to__name",
    "duplicate_of_id",
    "source",
    "is_demo",
    "description",
)


def incident_rows(partnership: Partnership, since: date | None = None, until: date | None = None) -> list[list[Cell]]:
    """Every report of the partnership that happened between the two days (both included), oldest first."""
    incidents = Incident.objects.filter(partnership=partnership)
    if since is not None:
        incidents = incidents.filter(occurred_at__gte=_moment(since))
    if until is not None:
        incidents = incidents.filter(occurred_at__lt=_moment(until + timedelta(days=1)))
    rows = incidents.order_by("occurred_at", "id").values_list(*READ)
    return [_incident_cells(row) for row in rows.iterator(chunk_size=2000)]


def _incident_cells(row: Sequence[Any]) -> list[Cell]:
    values = dict(zip(READ, row, strict=True))
    code, name = values["category__code"], values["category__name"]
    main_code, main_name = values["category__parent__code"], values["category__parent__name"]
    if main_code is None:
        main_code, main_name = code, name
    return [
        values["id"],
        code,
        _label(code, name),
        main_code,
        _label(main_code, main_name),
        *(_local(values[field]) for field in TIMES),
        values["status"],
        values["area__code"],
        values["area__name"],
        values["latitude"],
        values["longitude"],
        values["address"],
        values["place_name"],
        values["persons"],
        values["unsafety"],
        values["police_report_number"],
        values["organisation__name"],
        values["routed_to__name"],
        values["duplicate_of_id"],
        values["source"],
        values["is_demo"],
        values["description"],
    ]


def _label(code: str, name: str) -> str:
    if name:
        return name
    found = reference.BY_CODE.get(code)
    return str(found.name) if found else code


def _local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(STOCKHOLM).isoformat(sep=" ", timespec="seconds")


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM)
