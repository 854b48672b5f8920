"""The lägesbild dashboard of an area: key figures with their verdicts, series over time, police events."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lofte.analysis import events as patterns
from lofte.analysis.hotspots import EARTH_RADIUS_M, MIN_POINTS, TOO_FEW_POINTS, HotspotCell, Hotspots, find_hotspots
from lofte.analysis.multiple import BH, correct_trends, tests_in
from lofte.analysis.ranking import Priority
from lofte.analysis.trend import Trend
from lofte.analysis.variation import Dispersion
from lofte.analysis.verdicts import LABELS
from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.lib import charts, tables
from lofte.lib.http import attachment
from lofte.lib.uncertainty import correction_sentence
from lofte.partnerships.access import Can, can_anywhere
from lofte.situation import comparisons, queries
from lofte.situation.forms import DashboardChoice, DashboardForm
from lofte.statistics.models import Metric

EVENT_DAYS = 365
TOP_TYPES = 12
WEEKDAYS = ["mån", "tis", "ons", "tor", "fre", "lör", "sön"]
TABLES = ("nyckeltal", "trender", "indikatorer", "jamforelser", "prioriteringar", "serier", "handelser", "heta-punkter")
# Survey and other indicators are shown beside the crime statistics, without tests meant for counts.
INDICATOR_UNITS = (Metric.Unit.PROCENT, Metric.Unit.INDEX)
HOTSPOT_CELL_M = 500
HOTSPOT_ROWS = 20


def _area_for(request: HttpRequest, code: str) -> Area:
    if not can_anywhere(request.user, Can.VIEW):
        raise PermissionDenied
    area = queries.get_area(code)
    if area is None:
        raise Http404("No such area")
    return area


def _filters(request: HttpRequest, area: Area) -> tuple[DashboardForm, DashboardChoice | None]:
    years = queries.years_with_data(area)
    metrics = list(
        Metric.objects.filter(series__area=area, series__observations__period_kind="year")
        .distinct()
        .order_by("code")
        .values_list("code", "name")
    )
    kommuner = comparisons.kommun_choices() if area.kind == Area.Kind.KOMMUN else []
    form = DashboardForm(request.GET or None, years=years, metrics=metrics, kommuner=kommuner)
    return form, form.choice()


@dataclass(frozen=True)
class Analysis:
    """Everything the dashboard and its exports compute for the chosen years."""

    summary: list[tuple[queries.MetricSummary, Trend | None]]
    indicators: list[queries.MetricSummary]
    series: list[queries.MetricSeries]
    compared: list[comparisons.MetricComparison]
    peers: list[str]
    priorities: list[Priority]


def _analysis(request: HttpRequest, area: Area, choice: DashboardChoice) -> Analysis:
    series = queries.yearly_series(area, choice.start, choice.year, choice.metrics)
    rows = queries.area_summary(area, choice.year, choice.base, choice.metrics)
    counts = [row for row in rows if row.unit not in INDICATOR_UNITS]
    trends = _trends(series, counts)
    peers: list[str] = []
    compared: list[comparisons.MetricComparison] = []
    if area.kind == Area.Kind.KOMMUN and counts:
        metrics = [row.metric for row in counts]
        compared, peers = comparisons.compare_area(area, choice.year, metrics, choice.peers or None)
    return Analysis(
        summary=[(row, trends.get(row.metric)) for row in counts],
        indicators=[row for row in rows if row.unit in INDICATOR_UNITS],
        series=series,
        compared=compared,
        peers=peers,
        priorities=_priorities(request, area, choice, counts, trends, compared),
    )


def _priorities(
    request: HttpRequest,
    area: Area,
    choice: DashboardChoice,
    rows: list[queries.MetricSummary],
    trends: dict[str, Trend | None],
    compared: list[comparisons.MetricComparison],
) -> list[Priority]:
    ranked = set(comparisons.ranked_metrics([row.metric for row in rows]))
    candidates = [row for row in rows if row.metric in ranked and row.value is not None]
    if len(candidates) < 2:
        return []
    peers = {c.metric: ref.comparison for c in compared if (ref := c.reference("peers"))}
    signals = comparisons.dialogue_signals(
        request.user, area, choice.year, [(row.metric, row.name) for row in candidates]
    )
    return comparisons.rank(
        comparisons.Category(
            row.metric,
            row.name,
            row.value or 0,
            trend=trends.get(row.metric),
            peers=peers.get(row.metric),
            signal=signals[row.metric].share if row.metric in signals else None,
            signal_reason=signals[row.metric].reason if row.metric in signals else None,
        )
        for row in candidates
    )


def _trends(series: list[queries.MetricSeries], rows: list[queries.MetricSummary]) -> dict[str, Trend | None]:
    """The trends of the table's metrics, their verdicts corrected as one table's (Benjamini–Hochberg)."""
    found = {s.code: queries.series_trend(s) for s in series}
    corrected = correct_trends([found.get(row.metric) for row in rows], BH)
    return {row.metric: trend for row, trend in zip(rows, corrected, strict=True)}


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_for(request, code)
    form, choice = _filters(request, area)
    context: dict[str, Any] = {"area": area, "form": form, "choice": choice, "tables": TABLES}
    if choice is not None:
        analysis = _analysis(request, area, choice)
        names = form.kommun_names
        context.update(
            analysis=analysis,
            summary=analysis.summary,
            trends=[(row, trend) for row, trend in analysis.summary if trend is not None],
            summary_tests=tests_in([row.p_value for row, _trend in analysis.summary]),
            trend_tests=tests_in([trend.p_value if trend else None for _row, trend in analysis.summary]),
            series=[(s, _line(s)) for s in analysis.series],
            peer_names=[names.get(code, code) for code in analysis.peers],
            compared=[metric for metric in analysis.compared if metric.available],
            not_compared=[metric for metric in analysis.compared if not metric.available],
        )
    context.update(_events(area))
    context.update(_places(area))
    return render(request, "situation/dashboard.html", context)


def _places(area: Area) -> dict[str, Any]:
    """The parts of a kommun that have their own dashboard, or the kommun a part belongs to."""
    if area.kind in SUBDIVISION_KINDS:
        return {"kommun": Area.objects.only("code", "name", "kind").filter(children=area).first()}
    parts = Area.objects.filter(parent=area, kind__in=SUBDIVISION_KINDS).order_by("kind", "name")
    return {"districts": list(parts.only("code", "name", "kind"))}


def _svg(markup: str) -> SafeString:
    """lofte.lib.charts escapes every text it writes into the SVG."""
    return mark_safe(markup)  # noqa: S308


def _line(series: queries.MetricSeries) -> SafeString:
    # A year without a value breaks the line instead of joining its neighbours.
    points = [(str(year), p.value if p else None, p.preliminary if p else False) for year, p in queries.by_year(series)]
    return _svg(
        charts.line_chart(
            [charts.ChartSeries(series.name, points)],
            title=series.name,
            unit=series.unit.replace("_", " "),
            description=f"{series.attribution}. " + _("Värdena finns i tabellen under diagrammet."),
        )
    )


def _events(area: Area) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=EVENT_DAYS)
    found = queries.event_patterns(area, since)
    if not found.total:
        return {"event_count": 0}
    return {
        "event_count": found.total,
        "event_types": found.by_type,
        "types_chart": _svg(
            charts.bar_chart(
                [(c.key, float(c.count)) for c in found.by_type[:TOP_TYPES]],
                title=_("Händelser per typ"),
                unit=_("händelser"),
            )
        ),
        "heatmap": _svg(
            charts.heatmap(
                found.matrix,
                rows=WEEKDAYS,
                columns=[f"{h:02d}" for h in range(24)],
                title=_("Händelser per veckodag och timme"),
            )
        ),
        "matrix": found.matrix,
        "months_chart": _svg(
            charts.bar_chart(
                [(c.key, float(c.count)) for c in found.months],
                title=_("Händelser per månad"),
                unit=_("händelser"),
            )
        ),
        "months": found.months,
        "seasons": [(patterns.SEASON_LABELS[c.key], c.count) for c in found.seasons],
        "repeat_places": found.repeat_places[:10],
        **_hotspots(found),
    }


def _hotspots(found: queries.EventPatterns) -> dict[str, Any]:
    """Gi* hot spots on a grid of 500 m cells (randomisation test, corrected over the grid), drawn on the map only
    when the map is assessed: enough events, at coordinates precise enough."""
    spots = _find_hotspots(found)
    hot = sorted((cell for cell in spots.cells if cell.hot), key=lambda cell: (cell.p_adjusted, -cell.z))
    overlay = [_cell_feature(cell, spots.cell_size_m) for cell in hot] if spots.assessed else []
    return {"hotspots": spots, "hot_cells": hot[:HOTSPOT_ROWS] if spots.assessed else [], "hotspot_overlay": overlay}


def _find_hotspots(found: queries.EventPatterns) -> Hotspots:
    return find_hotspots(found.coordinates, cell_size_m=HOTSPOT_CELL_M, weights=found.weights)


def _cell_feature(cell: HotspotCell, size_m: float) -> dict[str, Any]:
    """The cell as a GeoJSON square around its centre (the same local projection as the analysis, inverted)."""
    half_lat = size_m / 2 / EARTH_RADIUS_M * 180 / math.pi
    half_lng = half_lat / math.cos(math.radians(cell.lat))
    south, north, west, east = cell.lat - half_lat, cell.lat + half_lat, cell.lng - half_lng, cell.lng + half_lng
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    label = _("Het punkt: %(count)s händelser, Gi* z = %(z)s, justerat p = %(p)s") % {
        "count": cell.count,
        "z": f"{cell.z:.2f}",
        "p": f"{cell.p_adjusted:.3f}" if cell.p_adjusted >= 0.001 else "< 0.001",
    }
    return {
        "type": "Feature",
        "properties": {"name": label, "count": cell.count, "z": round(cell.z, 2), "p": cell.p_adjusted},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@login_required
def export(request: HttpRequest, code: str, table: str, fmt: str) -> HttpResponse:
    """Every table of the dashboard as CSV or Excel, with the same filters."""
    area = _area_for(request, code)
    if table not in TABLES or fmt not in tables.CONTENT_TYPES:
        raise Http404("No such table")
    _form, choice = _filters(request, area)
    headers, rows, note = _table(request, area, table, choice)
    content = tables.render(fmt, table, headers, rows, note=note)
    return attachment(content, tables.CONTENT_TYPES[fmt], f"{slugify(area.name)}-{table}.{fmt}")


def _table(
    request: HttpRequest, area: Area, table: str, choice: DashboardChoice | None
) -> tuple[list[str], list[list[Any]], str]:
    if table in ("handelser", "heta-punkter"):
        found = queries.event_patterns(area, timezone.now() - timedelta(days=EVENT_DAYS))
        if table == "handelser":
            return [_("typ"), _("antal")], [[c.key, c.count] for c in found.by_type], "Källa: Polisen"
        return _hotspot_table(_find_hotspots(found))
    if choice is None:
        return [], [], ""
    if table == "serier":
        return _series_table(queries.yearly_series(area, choice.start, choice.year, choice.metrics))
    analysis = _analysis(request, area, choice)
    if table == "jamforelser":
        return _comparison_table(analysis.compared, choice.year)
    if table == "prioriteringar":
        headers = [_("rang"), _("kod"), _("mått"), _("poäng"), _("skäl")]
        rows = [[p.rank, p.code, p.name, p.score, " ".join(p.reasons)] for p in analysis.priorities]
        return headers, rows, ""
    if table == "trender":
        return _trend_table(analysis.summary, choice)
    headers = [_("kod"), _("mått"), _("enhet"), str(choice.year), _("per 100 000"), str(choice.base)]
    headers += [_("förändring"), _("förändring %"), _("p-värde"), _("bedömning"), _("källa")]
    headers += [_("preliminär"), _("95 % KI, lägre"), _("95 % KI, övre"), _("p-värde, justerat")]
    headers += [_("bedömning utan justering"), _("spridning (φ)"), _("frihetsgrader")]
    if table == "indikatorer":
        return headers, [_summary_row(row) for row in analysis.indicators], ""
    figures = [row for row, _trend in analysis.summary]
    note = correction_sentence(tests_in([row.p_value for row in figures]))
    return headers, [_summary_row(row) for row in figures], note


def _trend_table(
    summary: list[tuple[queries.MetricSummary, Trend | None]], choice: DashboardChoice
) -> tuple[list[str], list[list[Any]], str]:
    headers = [_("kod"), _("mått"), _("år"), _("förändring % per år"), _("95 % KI, lägre"), _("95 % KI, övre")]
    headers += [_("p-värde"), _("p-värde, justerat"), _("bedömning"), _("bedömning utan justering"), _("källa")]
    trends = [(row, trend) for row, trend in summary if trend is not None]
    rows: list[list[Any]] = [
        [row.metric, row.name, f"{choice.start}–{choice.year}", round(t.change_pct, 2), t.ci_low, t.ci_high,
         t.p_value, t.p_adjusted, t.label, LABELS[t.verdict_alone or t.verdict], row.attribution]
        for row, t in trends
    ]  # fmt: skip
    return headers, rows, correction_sentence(tests_in([t.p_value for _row, t in trends]))


def _series_table(series: list[queries.MetricSeries]) -> tuple[list[str], list[list[Any]], str]:
    headers = [_("kod"), _("mått"), _("år"), _("värde"), _("per 100 000"), _("preliminär"), _("status"), _("källa")]
    rows = [
        [s.code, s.name, p.year, p.value, p.per_100k, p.preliminary, p.status, s.attribution]
        for s in series
        for p in s.points
    ]
    return headers, rows, ""


def _comparison_table(
    compared: list[comparisons.MetricComparison], year: int
) -> tuple[list[str], list[list[Any]], str]:
    headers = [_("kod"), _("mått"), _("jämfört med"), _("per 100 000 här"), _("per 100 000 där")]
    headers += [_("kvot"), _("95 % KI, lägre"), _("95 % KI, övre"), _("p-värde"), _("bedömning"), _("anmärkning")]
    headers += [_("p-värde, justerat"), _("bedömning utan justering")]
    rows = []
    for metric in compared:
        for ref in metric.references:
            c = ref.comparison
            figures = [c.area_rate, c.reference_rate, c.rate_ratio, c.ci_low, c.ci_high, c.p_value] if c else [None] * 6
            alone = LABELS[c.verdict_alone] if c and c.verdict_alone else None
            rows.append([metric.metric, metric.name, ref.name, *figures, ref.label, ref.note])
            rows[-1] += [c.p_adjusted if c else None, alone]
    tests = getattr(compared, "tests", 0)
    note = " ".join(part for part in (str(year), correction_sentence(tests, differences=True)) if part)
    return headers, rows, note


def _hotspot_table(found: Hotspots) -> tuple[list[str], list[list[Any]], str]:
    headers = [_("latitud"), _("longitud"), _("händelser"), "z (Gi*)", _("p-värde (slumptest)")]
    headers += [_("justerat p-värde"), _("het punkt")]
    cells = sorted(found.cells, key=lambda cell: -cell.z)
    rows = [[round(c.lat, 5), round(c.lng, 5), c.count, round(c.z, 3), c.p, c.p_adjusted, c.hot] for c in cells]
    note = _(
        "Rutor om %(size)s m. p-värdet är chansen att rutan och dess grannar får minst så många händelser om samma "
        "antal fördelas slumpmässigt över rutorna; det justerade p-värdet tar hänsyn till att %(tested)s rutor prövas "
        "(Benjamini–Hochberg). Het punkt: justerat p under 0,05."
    ) % {"size": int(found.cell_size_m), "tested": found.tested}
    if found.reason == TOO_FEW_POINTS:
        note += " " + _("Färre än %(minimum)s händelser: ingen bedömning av heta punkter.") % {"minimum": MIN_POINTS}
    elif not found.precise:
        note += " " + _("Koordinaterna är för grova för heta punkter.")
    return headers, rows, note


def _summary_row(s: queries.MetricSummary) -> list[Any]:
    figures = [s.value, s.per_100k, s.previous, s.change, s.change_pct, s.p_value]
    verdict = [s.verdict_label or s.no_comparison or None, s.attribution]
    uncertainty = [s.preliminary, s.ci_low, s.ci_high, s.p_adjusted, s.verdict_alone_label]
    dispersion: list[Any] = [s.dispersion.phi, _df(s.dispersion)] if s.dispersion else [None, None]
    return [s.metric, s.name, s.unit, *figures, *verdict, *uncertainty, *dispersion]


def _df(dispersion: Dispersion) -> float | str:
    """The degrees of freedom of an estimated φ; "antaget" for the assumed one (no degrees of freedom)."""
    return _("antaget") if dispersion.assumed else dispersion.df
