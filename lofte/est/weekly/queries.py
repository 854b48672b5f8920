"""The weekly lägesbild: what the partnership's reviewed reports say about one ISO week, for the EST meeting.

Read only: `compile_week` (and `get_week_for_user`, the same for a member, 404 for a week that does not exist)
and `map_data`, what the map may show.

A report counts when it is reviewed and neither rejected nor merged into another (status granskad, åtgärd
beslutad, åtgärdad or avslutad, and no `duplicate_of`), in the week its `occurred_at` falls in (Monday 00:00
to Sunday 24:00, Swedish time). The numbers and their tests are in `analysis/est.py`.

`compile_week` reads everything in at most nine queries whatever the number of reports: the counts are grouped by the
database (category × area × week × whether before the same weekday and hour as now), over this week, the 26 weeks
before (the rows' dispersion) and last year's, and only the four weeks' points are read, as bare coordinates.

Places: reviewers (`est.access.can_review`) get the week's exact points; everyone else gets them snapped to
the centre of the partnership's grid cell (`EstSettings.grid_m`), counted per cell, and every figure derived
for them (repeat places, hot spots) is computed from the snapped points, so nothing finer than a cell can be
read back. Repeat places are grid cells with at least 2 reports in the week or 3 in the four weeks ending with
it. Hot spots are Getis-Ord Gi* over the same four weeks' points (`analysis.hotspots`: an exact randomisation
test of the points over the cells, corrected over the grid with Benjamini–Hochberg), in cells of twice the grid
(at least 500 m), shown only when that analysis makes a claim (at least 30 reports, at places precise enough),
and only the hot cells that hold reports themselves (a cluster also makes its empty neighbours hot).

Weeks before the partnership's EST started (`analysis.est_start`: the earlier of `EstSettings.started_on` and the
day its first report reached Löfte) have no data: they are never counted as 0, and a comparison with one of them
says "ingen jämförelse (inga data)". The start is read with the settings, in the same query.

Polisen's events of the week in the kommun are shown beside them (Källa: Polisen); their coordinates are the
kommun's or a town's centre, not the scene.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.analysis.est import (
    ASSUMED_WEEKLY,
    HISTORY_WEEKS,
    WEEKS_BEFORE,
    Coverage,
    Week,
    WeekCounts,
    WeekRow,
    correct_rows,
    est_start,
    repeat_places,
    tally,
    tests_in_rows,
    total,
    week_row,
    weekly_dispersion,
)
from lofte.analysis.hotspots import EARTH_RADIUS_M, HotspotCell, Hotspots, find_hotspots
from lofte.analysis.variation import Dispersion
from lofte.areas.models import Area
from lofte.est import places
from lofte.est.access import can_review
from lofte.est.models import Category, EstSettings, Incident, Measure, Meeting, WeekNote
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Partnership
from lofte.statistics.models import Event

S = Incident.Status
REVIEWED = (S.GRANSKAD, S.ATGARD_BESLUTAD, S.ATGARDAD, S.AVSLUTAD)
LAST_YEAR = -1
NO_AREA = "ingen"
MIN_HOTSPOT_CELL_M = 500
POLICE_SOURCE = "Källa: Polisen"


def counted(partnership: Partnership) -> QuerySet[Incident]:
    """The reports that count in the lägesbild: reviewed, not rejected, not merged."""
    return Incident.objects.filter(partnership=partnership, status__in=REVIEWED, duplicate_of__isnull=True).order_by()


def settings_and_start(partnership: Partnership) -> tuple[EstSettings, date | None]:
    """The partnership's EST settings and the first day its EST has data, in one query once the settings exist."""
    first = Incident.objects.filter(partnership=OuterRef("partnership")).order_by("reported_at", "id")
    found = (
        EstSettings.objects.filter(partnership=partnership)
        .annotate(first_report=Subquery(first.values("reported_at")[:1]))
        .first()
    )
    if found is None:  # a partnership not set up (est/setup.py): the defaults, unsaved, and the first report
        reports = Incident.objects.filter(partnership=partnership).order_by("reported_at", "id")
        first_report = reports.values_list("reported_at", flat=True).first()
        return EstSettings(partnership=partnership), est_start(None, first_report)
    return found, est_start(found.started_on, found.first_report)


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lng: float
    count: int
    label: str


@dataclass(frozen=True)
class RepeatPlace:
    lat: float
    lng: float
    this_week: int
    four_weeks: int


@dataclass(frozen=True)
class PoliceEvent:
    occurred_at: datetime
    type: str
    name: str
    place: str
    url: str
    lat: float | None
    lng: float | None


@dataclass
class WeeklyPicture:
    partnership: Partnership
    week: Week
    precise: bool
    grid_m: int
    has_last_year: bool
    started_on: date | None  # the first day the partnership's EST has data; None before it has any
    coverage: Coverage  # which of the weeks compared have data
    elapsed: float  # the share of the week that has passed: 1 when it is over
    total: WeekRow
    categories: list[WeekRow]  # each main category followed by its subcategories
    areas: list[WeekRow]
    points: list[MapPoint]
    unlocated: int  # reports of the week without a point
    demo: int  # reports of the week that are generated demo data
    repeat_places: list[RepeatPlace]
    hotspots: Hotspots
    hot_cells: list[HotspotCell]  # empty unless the hot spots are meaningful
    police_events: list[PoliceEvent]
    open_actions: list[Measure]
    note: WeekNote | None
    meeting: Meeting | None

    @property
    def iso_year(self) -> int:
        return self.week.year

    @property
    def iso_week(self) -> int:
        return self.week.week

    @property
    def under_way(self) -> bool:
        return self.elapsed < 1

    @property
    def category_tests(self) -> int:
        return tests_in_rows(self.categories)

    @property
    def area_tests(self) -> int:
        return tests_in_rows(self.areas)

    @property
    def total_tests(self) -> int:
        return tests_in_rows([self.total])

    @property
    def hotspot_cell_m(self) -> int:
        return hotspot_cell_m(self.grid_m)

    @property
    def before_start(self) -> bool:
        """Whether a week compared began before the EST started, so some comparisons have no data."""
        weeks = self.coverage
        return not (weeks.this and all(weeks.before) and (weeks.last_year or not self.has_last_year))


def get_week_for_user(
    access: PartnershipAccess, iso_year: int, iso_week: int, *, precise: bool | None = None
) -> WeeklyPicture:
    """The week's lägesbild as the member may see it (exact places for reviewers unless `precise` says otherwise);
    404 for a week that does not exist."""
    exact = can_review(access) if precise is None else precise
    try:
        return compile_week(access.partnership, iso_year, iso_week, precise=exact)
    except ValueError:
        raise Http404("No such week") from None


def hotspot_cell_m(grid_m: int) -> int:
    return max(MIN_HOTSPOT_CELL_M, 2 * grid_m)


def compile_week(
    partnership: Partnership, iso_year: int, iso_week: int, *, precise: bool, now: datetime | None = None
) -> WeeklyPicture:
    """The week's lägesbild; ValueError for a week that does not exist (such as week 53 of a 52-week year).
    `now` (the clock by default) decides how much of a week under way has passed."""
    week = Week(iso_year, iso_week)
    moment = now or timezone.now()
    elapsed = week.elapsed(moment)
    settings, started_on = settings_and_start(partnership)
    grid_m = settings.grid_m
    coverage = Coverage.of(week, started_on)
    categories = list(Category.objects.filter(partnership=partnership))
    last_year = week.same_week_last_year()
    rows = _counts(partnership, week, last_year, week.offset(moment))
    by_category = tally(((c, back, early, n) for c, _a, back, early, n in rows), last_year is not None)
    by_area = tally(((a, back, early, n) for _c, a, back, early, n in rows), last_year is not None)
    everything = total(by_category.values(), last_year is not None)
    whole = weekly_dispersion(everything, coverage)
    shown = Shown(coverage, to_come=elapsed <= 0, fallback=whole)
    located, demo = _points(partnership, week)
    this_week = [point for point in located if point[3] >= week.start]
    points = _map_points(this_week, categories, grid_m, precise=precise)
    spots = _hotspots(located, grid_m, precise=precise)
    return WeeklyPicture(
        partnership=partnership,
        week=week,
        precise=precise,
        grid_m=grid_m,
        has_last_year=last_year is not None,
        started_on=started_on,
        coverage=shown.coverage,
        elapsed=elapsed,
        total=correct_rows([shown.row("total", _("Alla rapporter"), everything, dispersion=whole)])[0],
        categories=correct_rows(_category_rows(categories, by_category, shown)),
        areas=correct_rows(_area_rows(partnership, by_area, shown)),
        points=points,
        unlocated=everything.this - len(this_week),
        demo=demo,
        repeat_places=_repeat_places(located, week, grid_m),
        hotspots=spots,
        hot_cells=_hot_cells(spots),
        police_events=_police_events(partnership, week),
        open_actions=open_measures(partnership, week),
        note=WeekNote.objects.filter(partnership=partnership, iso_year=week.year, iso_week=week.week).first(),
        meeting=Meeting.objects.filter(partnership=partnership, iso_year=week.year, iso_week=week.week).first(),
    )


# Counting


@dataclass(frozen=True)
class Shown:
    """How the week's rows are compared: which weeks have data, whether the week is still to come, and the
    dispersion of a row whose own weeks are too few (the whole EST's)."""

    coverage: Coverage
    to_come: bool
    fallback: Dispersion = ASSUMED_WEEKLY

    def row(
        self, key: str, label: str, counts: WeekCounts, level: int = 0, dispersion: Dispersion | None = None
    ) -> WeekRow:
        found = dispersion or weekly_dispersion(counts, self.coverage, self.fallback)
        return week_row(key, label, counts, level, coverage=self.coverage, dispersion=found, to_come=self.to_come)


def _counts(
    partnership: Partnership, week: Week, last_year: Week | None, offset: timedelta
) -> list[tuple[int, int | None, int, bool, int]]:
    """(category id, area id, weeks back, early, n): one grouped query over this week, the 26 before and last year.
    `early` says whether the reports came before the same weekday and hour as `offset` into their week (always for
    this week and for a week that is over): the comparisons count those, the dispersion whole weeks."""
    weeks = [(week.shifted(-back), back) for back in range(HISTORY_WEEKS + 1)]
    if last_year is not None:
        weeks.append((last_year, LAST_YEAR))
    window = Q()
    for each, _back in weeks:
        window |= Q(occurred_at__gte=each.start, occurred_at__lt=each.end)
    bucket = Case(
        *(When(occurred_at__gte=each.start, occurred_at__lt=each.end, then=Value(back)) for each, back in weeks),
        output_field=IntegerField(),
    )
    early = Case(
        *(
            When(occurred_at__gte=each.start, occurred_at__lt=each.until(offset), then=Value(1))
            for each, back in weeks
            if 0 < back <= WEEKS_BEFORE or back == LAST_YEAR
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    grouped = (
        counted(partnership)
        .filter(window)
        .annotate(back=bucket, early=early)
        .values("category_id", "area_id", "back", "early")
        .annotate(n=Count("id"))
        .values_list("category_id", "area_id", "back", "early", "n")
    )
    return [(c, a, back, bool(is_early) or back == 0, n) for c, a, back, is_early, n in grouped]


def _category_rows(categories: list[Category], counts: dict[int, WeekCounts], shown: Shown) -> list[WeekRow]:
    has_last_year = any(c.last_year is not None for c in counts.values())
    main: dict[int, list[Category]] = defaultdict(list)
    for category in categories:
        if category.pk in counts and category.parent_id is not None:
            main[category.parent_id].append(category)
    rows = []
    for category in categories:
        if category.parent_id is not None:
            continue
        children = main.get(category.pk, [])
        parts = [counts[c.pk] for c in children] + ([counts[category.pk]] if category.pk in counts else [])
        if not parts:
            continue
        rows.append(shown.row(category.code, category.label, total(parts, has_last_year)))
        rows.extend(shown.row(c.code, c.label, counts[c.pk], level=1) for c in children)
    return rows


def _area_rows(partnership: Partnership, counts: dict[int | None, WeekCounts], shown: Shown) -> list[WeekRow]:
    has_last_year = any(c.last_year is not None for c in counts.values())
    kommun_id = partnership.area_id
    named = {pk for pk in counts if pk is not None and pk != kommun_id}
    areas = Area.objects.filter(pk__in=named).only("id", "code", "name").order_by("name") if named else []
    rows = [shown.row(area.code, area.name, counts[area.pk]) for area in areas]
    rest = [c for pk, c in counts.items() if pk not in named]
    if rest:
        rows.append(shown.row(NO_AREA, no_area_label(), total(rest, has_last_year)))
    return rows


def no_area_label() -> str:
    return _("Inget delområde (bara kommunen)")


# Places


Located = tuple[int, float, float, datetime]  # category id, latitude, longitude, occurred_at


def _points(partnership: Partnership, week: Week) -> tuple[list[Located], int]:
    """The located reports of the four weeks ending with this one, as bare coordinates, and how many of this week's
    are demo data; one query."""
    start = week.shifted(-(WEEKS_BEFORE - 1)).start
    rows = (
        counted(partnership)
        .filter(occurred_at__gte=start, occurred_at__lt=week.end, latitude__isnull=False, longitude__isnull=False)
        .values_list("category_id", "latitude", "longitude", "occurred_at", "is_demo")
    )
    located, demo = [], 0
    for c, lat, lng, when, is_demo in rows:
        if lat is not None and lng is not None:
            located.append((c, lat, lng, when))
            demo += bool(is_demo and when >= week.start)
    return located, demo


def _cell(point: Located, grid_m: int) -> tuple[int, int]:
    return places.grid_cell(places.LatLng(point[1], point[2]), grid_m)


def _map_points(located: list[Located], categories: list[Category], grid_m: int, *, precise: bool) -> list[MapPoint]:
    labels = {c.pk: c.label for c in categories}
    if precise:
        return [MapPoint(lat, lng, 1, labels.get(c, "")) for c, lat, lng, _when in located]
    cells: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for point in located:
        cells[_cell(point, grid_m)][labels.get(point[0], "")] += 1
    result = []
    for cell, found in sorted(cells.items()):
        centre = places.cell_centre(cell, grid_m)
        label = ", ".join(f"{name} ({n})" for name, n in found.most_common())
        result.append(MapPoint(centre.lat, centre.lng, sum(found.values()), label))
    return result


def _repeat_places(located: list[Located], week: Week, grid_m: int) -> list[RepeatPlace]:
    in_week: Counter[tuple[int, int]] = Counter()
    in_four: Counter[tuple[int, int]] = Counter()
    for point in located:
        cell = _cell(point, grid_m)
        in_four[cell] += 1
        if point[3] >= week.start:
            in_week[cell] += 1
    found = repeat_places(in_week, in_four)
    return [RepeatPlace(*_centre(cell, grid_m), n_week, n_four) for cell, n_week, n_four in found]


def _centre(cell: tuple[int, int], grid_m: int) -> tuple[float, float]:
    centre = places.cell_centre(cell, grid_m)
    return centre.lat, centre.lng


def _hotspots(located: list[Located], grid_m: int, *, precise: bool) -> Hotspots:
    """Gi* over the four weeks; for those who see generalised places, over the cell centres, weighted."""
    size = hotspot_cell_m(grid_m)
    if precise:
        return find_hotspots([(lat, lng) for _c, lat, lng, _w in located], cell_size_m=size)
    cells = Counter(_cell(point, grid_m) for point in located)
    centres = [_centre(cell, grid_m) for cell in cells]
    return find_hotspots(centres, cell_size_m=size, weights=list(cells.values()))


def _hot_cells(spots: Hotspots) -> list[HotspotCell]:
    """The hot cells that hold reports themselves, clearest first; none when the map makes no claim (too few reports
    or places too coarse)."""
    if not spots.assessed:
        return []
    return sorted((c for c in spots.cells if c.hot and c.count > 0), key=lambda c: (c.p_adjusted, -c.z, -c.count))


# Beside the reports


def _police_events(partnership: Partnership, week: Week) -> list[PoliceEvent]:
    rows = (
        Event.objects.filter(area_id=partnership.area_id, occurred_at__gte=week.start, occurred_at__lt=week.end)
        .order_by("occurred_at", "id")
        .values_list("occurred_at", "type", "name", "location_name", "url", "lat", "lng")
    )
    return [PoliceEvent(*row) for row in rows]


def open_measures(partnership: Partnership, week: Week) -> list[Measure]:
    """The actions decided at meetings up to this week that are not done or stopped, soonest due first."""
    up_to_week = Q(meeting__iso_year__lt=week.year) | Q(meeting__iso_year=week.year, meeting__iso_week__lte=week.week)
    actions = (
        Measure.objects.filter(up_to_week, partnership=partnership, status__in=Measure.OPEN)
        .select_related("meeting", "organisation", "area")  # the cards name the area (_week_actions.html)
        .defer("area__geometry")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    return list(actions)


# For the map


def map_data(picture: WeeklyPicture) -> dict[str, Any]:
    """What est-week.js draws, for json_script: nothing here is finer than the reader may see."""
    return {
        "precise": picture.precise,
        "points": [{"lat": p.lat, "lng": p.lng, "count": p.count, "label": p.label} for p in picture.points],
        "repeat": [
            {
                "lat": r.lat,
                "lng": r.lng,
                "label": _("Återkommande plats: %(week)s rapporter i veckan, %(four)s på fyra veckor")
                % {"week": r.this_week, "four": r.four_weeks},
            }
            for r in picture.repeat_places
        ],
        "hot": [cell_feature(cell, picture.hotspot_cell_m) for cell in picture.hot_cells],
        "police": _police_markers(picture.police_events),
    }


def _police_markers(events: list[PoliceEvent]) -> list[dict[str, Any]]:
    """One marker per coordinate: Polisen gives the kommun's or a town's centre, so many events share one."""
    grouped: dict[tuple[float, float], list[str]] = defaultdict(list)
    for event in events:
        if event.lat is not None and event.lng is not None:
            grouped[(event.lat, event.lng)].append(event.type)
    return [
        {"lat": lat, "lng": lng, "count": len(types), "label": f"{POLICE_SOURCE}: " + ", ".join(sorted(types))}
        for (lat, lng), types in grouped.items()
    ]


def cell_feature(cell: HotspotCell, size_m: float) -> dict[str, Any]:
    """A hot spot cell as a GeoJSON square around its centre."""
    half_lat = size_m / 2 / EARTH_RADIUS_M * 180 / math.pi
    half_lng = half_lat / math.cos(math.radians(cell.lat))
    south, north, west, east = cell.lat - half_lat, cell.lat + half_lat, cell.lng - half_lng, cell.lng + half_lng
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    label = _("Het punkt: %(count)s rapporter på fyra veckor, Gi* z = %(z)s, justerat p = %(p)s") % {
        "count": cell.count,
        "z": f"{cell.z:.2f}",
        "p": f"{cell.p_adjusted:.3f}" if cell.p_adjusted >= 0.001 else "< 0.001",
    }
    return {
        "type": "Feature",
        "properties": {"name": label},
        "geometry": {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]},
    }
