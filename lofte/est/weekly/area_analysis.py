"""The area analysis: which of the kommun's areas most need action, and what happened around each action.

Per area (the kommun's own subdivisions, plus "inget delområde" for reports placed only in the kommun or not
at all) the reviewed reports of a year or quarter are compared with the period before and the same period a
year earlier, with the exact test, and ranked: certain rises first, then by the number of reports, the rise
against the period before, and the name (the rule and the method are in `analysis/est.py`). Each area's dispersion
comes from its own ten periods before, cut to the same days, read in the same grouped query.

For each action with a place (a point, else an area) decided in the period, the reviewed reports within the
partnership's `effect_radius_m` of the point, or in the area, are counted in the `effect_weeks` weeks before and
after the day of the meeting that decided it, and beside them the same windows at comparable places without the
action: the partnership's other located reports in squares of the same area as the action's circle. The verdict is
drawn against those control places (`analysis.est.controlled`). Before and after is not proof of effect.

A period or window that began before the partnership's EST started has no data (`analysis/est.py` defines the
start): its count is None, never 0, and a comparison with it says "ingen jämförelse (inga data)".

Reads in at most five queries whatever the number of reports: the settings (with the EST's start), the grouped area counts, the area
names, the actions, their areas' boundaries, and the bare coordinates of every reviewed report in the actions'
windows (the action's place and its control).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Value, When
from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep

from lofte.analysis.est import (
    STOCKHOLM,
    AreaRow,
    Effect,
    Period,
    PeriodWindows,
    Window,
    area_dispersion,
    area_row,
    area_tests,
    correct_areas,
    effect,
    effect_windows,
    has_data,
    history_windows,
    known,
    period_windows,
    rank_areas,
)
from lofte.analysis.variation import Dispersion
from lofte.areas.models import Area
from lofte.est import places
from lofte.est.models import EstSettings, Measure
from lofte.est.weekly.queries import NO_AREA, counted, no_area_label, settings_and_start
from lofte.partnerships.models import Partnership

THIS, PREVIOUS, YEAR_EARLIER, HISTORY = 0, 1, 2, 3


@dataclass(frozen=True)
class ActionEffect:
    action: Measure
    effect: Effect

    @property
    def place(self) -> str:
        action = self.action
        if action.place_name:
            return action.place_name
        return action.area.name if action.area_id and action.area else ""


@dataclass
class AreaAnalysis:
    period: Period
    windows: PeriodWindows
    rows: list[AreaRow]  # ranked, most in need of action first
    started_on: date | None  # the first day the EST has data
    effects: list[ActionEffect]
    effect_radius_m: int
    effect_weeks: int

    @property
    def tests(self) -> int:
        """How many comparisons the areas table tests at once (the family its correction is for)."""
        return area_tests(self.rows)

    @property
    def before_start(self) -> bool:
        """Whether a period compared began before the EST started, so it has no data."""
        windows = self.windows
        compared = [windows.this, windows.previous, *([windows.year_earlier] if windows.year_earlier else [])]
        return not all(has_data(window.start, self.started_on) for window in compared)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM)


def _between(window: Window) -> Q:
    return Q(occurred_at__gte=_moment(window.start), occurred_at__lt=_moment(window.end))


def analyse(partnership: Partnership, period: Period, *, today: date) -> AreaAnalysis:
    """ValueError when the period has not started."""
    windows = period_windows(period, today)
    settings, start = settings_and_start(partnership)
    return AreaAnalysis(
        period=period,
        windows=windows,
        rows=rank_areas(correct_areas(_area_rows(partnership, period, windows, start))),
        started_on=start,
        effects=_effects(partnership, period, settings, start, today),
        effect_radius_m=settings.effect_radius_m,
        effect_weeks=settings.effect_weeks,
    )


# Areas


def _area_rows(partnership: Partnership, period: Period, windows: PeriodWindows, start: date | None) -> list[AreaRow]:
    named = [(windows.this, THIS), (windows.previous, PREVIOUS)]
    if windows.year_earlier is not None:
        named.append((windows.year_earlier, YEAR_EARLIER))
    history = history_windows(period, windows)
    named += [(each, HISTORY + n) for n, each in enumerate(history)]
    window = Q()
    for each, _slot in named:
        window |= _between(each)
    # A window in two roles (the year earlier is also one of the history's quarters) is counted in its first.
    slot = Case(*(When(_between(each), then=Value(n)) for each, n in named), output_field=IntegerField())
    grouped = (
        counted(partnership)
        .filter(window)
        .annotate(slot=slot)
        .values("area_id", "slot")
        .annotate(n=Count("id"))
        .values_list("area_id", "slot", "n")
    )
    counts: dict[int | None, list[int | None]] = {}
    past: dict[int | None, list[int]] = {}
    kommun = partnership.area_id
    for area_id, n_slot, n in grouped:
        key = None if area_id == kommun else area_id
        slots = counts.setdefault(key, [0, 0, 0 if windows.year_earlier else None])
        earlier = past.setdefault(key, [0] * len(history))
        if n_slot >= HISTORY:
            earlier[n_slot - HISTORY] += n
        else:
            slots[n_slot] = (slots[n_slot] or 0) + n
    year_slot = next((n for n, each in enumerate(history) if each == windows.year_earlier), None)

    def dispersion(key: int | None) -> Dispersion:
        earlier = list(past.get(key, [0] * len(history)))
        earlier[-1] = counts[key][PREVIOUS] or 0  # the period before is the history's last, counted in its own slot
        if year_slot is not None:
            earlier[year_slot] = counts[key][YEAR_EARLIER] or 0
        return area_dispersion([known(n, each.start, start) for n, each in zip(earlier, history, strict=True)])

    ids = [pk for pk in counts if pk is not None]
    names = {a.pk: a for a in Area.objects.filter(pk__in=ids).only("id", "code", "name")} if ids else {}
    rows = []
    for pk, slots in counts.items():
        if pk is None:
            rows.append(area_row(NO_AREA, no_area_label(), slots, windows, start=start, dispersion=dispersion(pk)))
        elif pk in names:
            found = names[pk]
            rows.append(area_row(found.code, found.name, slots, windows, start=start, dispersion=dispersion(pk)))
    return rows


# Actions


def _effects(
    partnership: Partnership, period: Period, settings: EstSettings, start: date | None, today: date
) -> list[ActionEffect]:
    radius_m, weeks = settings.effect_radius_m, settings.effect_weeks
    actions = list(
        Measure.objects.filter(
            Q(latitude__isnull=False) | Q(area__isnull=False),
            partnership=partnership,
            meeting__held_on__gte=period.start,
            meeting__held_on__lt=period.end,
        )
        .select_related("meeting", "organisation", "area")
        .defer("area__geometry")
        .order_by("meeting__held_on", "id")
    )
    if not actions:
        return []
    area_ids = {a.area_id for a in actions if a.latitude is None and a.area_id is not None}
    shapes = _shapes(area_ids)
    rows = _candidates(partnership, actions, weeks, today)
    return [
        ActionEffect(
            action,
            effect(
                _days_near(action, rows, shapes, radius_m, partnership),
                action.meeting.held_on,
                weeks,
                today,
                start=start,
                control=_control(action, rows, shapes, radius_m, partnership),
            ),
        )
        for action in actions
    ]


def _control(
    action: Measure, rows: list[Candidate], shapes: dict[int, _Shape], radius_m: int, partnership: Partnership
) -> list[list[date]]:
    """Comparable places without the action: the partnership's located reports outside the action's place, in
    squares of the same area as its circle (side √π × radius), each square one place."""
    if action.latitude is None and action.area_id == partnership.area_id:
        return []  # an action for the whole kommun has nothing beside it
    inside = set(map(id, _rows_near(action, rows, shapes, radius_m, partnership)))
    side = max(1, round(math.sqrt(math.pi) * radius_m))
    cells: dict[tuple[int, int], list[date]] = {}
    for row in rows:
        lat, lng, _area, day = row
        if id(row) in inside or lat is None or lng is None:
            continue
        cells.setdefault(places.grid_cell(places.LatLng(lat, lng), side), []).append(day)
    return list(cells.values())


@dataclass(frozen=True)
class _Shape:
    prepared: PreparedGeometry | None
    bbox: tuple[float, float, float, float] | None  # west, south, east, north


def _shapes(area_ids: set[int]) -> dict[int, _Shape]:
    if not area_ids:
        return {}
    rows = Area.objects.filter(pk__in=area_ids).values_list("id", "geometry", "bbox")
    return {
        pk: _Shape(prep(shape(geometry)) if geometry else None, tuple(bbox) if bbox else None)
        for pk, geometry, bbox in rows
    }


Candidate = tuple[float | None, float | None, int | None, date]  # latitude, longitude, area id, local day


def _candidates(partnership: Partnership, actions: list[Measure], weeks: int, today: date) -> list[Candidate]:
    """Reviewed reports in the union of the actions' windows, everywhere in the partnership: the action's place and
    the comparable places beside it (the control)."""
    windows = [effect_windows(a.meeting.held_on, weeks, today) for a in actions]
    start = min(before.start for before, _after in windows)
    end = max(after.end for _before, after in windows)
    rows = (
        counted(partnership)
        .filter(occurred_at__gte=_moment(start), occurred_at__lt=_moment(end + timedelta(days=1)))
        .values_list("latitude", "longitude", "area_id", "occurred_at")
    )
    return [(lat, lng, area, when.astimezone(STOCKHOLM).date()) for lat, lng, area, when in rows]


def _days_near(
    action: Measure, rows: list[Candidate], shapes: dict[int, _Shape], radius_m: int, partnership: Partnership
) -> list[date]:
    return [row[3] for row in _rows_near(action, rows, shapes, radius_m, partnership)]


def _rows_near(
    action: Measure, rows: list[Candidate], shapes: dict[int, _Shape], radius_m: int, partnership: Partnership
) -> list[Candidate]:
    if action.latitude is not None and action.longitude is not None:
        centre = places.LatLng(action.latitude, action.longitude)
        return [
            row
            for row in rows
            if row[0] is not None
            and row[1] is not None
            and places.distance_m(centre, places.LatLng(row[0], row[1])) <= radius_m
        ]
    if action.area_id == partnership.area_id:
        return list(rows)
    found = shapes.get(action.area_id) if action.area_id else None
    return [row for row in rows if row[2] == action.area_id or _inside(found, row[0], row[1])]


def _inside(found: _Shape | None, lat: float | None, lng: float | None) -> bool:
    if found is None or found.prepared is None or lat is None or lng is None:
        return False
    return bool(found.prepared.contains(Point(lng, lat)))


def describe_windows(analysis: AreaAnalysis) -> dict[str, Any]:
    """The dates compared, for the page."""
    windows = analysis.windows
    last = timedelta(days=1)
    return {
        "this": (windows.this.start, windows.this.end - last),
        "previous": (windows.previous.start, windows.previous.end - last),
        "year_earlier": (windows.year_earlier.start, windows.year_earlier.end - last) if windows.year_earlier else None,
    }
