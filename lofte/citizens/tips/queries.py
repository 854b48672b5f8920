"""What the public tip pages read: the categories a citizen may choose, and the public map of reviewed reports.

The public map shows reviewed reports of any source from the last 90 days, generalised to the partnership's grid
(`est.places.generalise`) and counted per cell, category and week: never a description, an exact place or a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.est.categories import BY_CODE
from lofte.est.models import Category, Incident
from lofte.est.places import LatLng, generalise
from lofte.est.queries import categories_of, leaf_categories, settings_of
from lofte.partnerships.models import Partnership

MAP_DAYS = 90
S = Incident.Status
# Reviewed and still standing: not waiting for review, not rejected (merged reports are left out by merged_at).
ON_MAP = (S.GRANSKAD, S.ATGARD_BESLUTAD, S.ATGARDAD, S.AVSLUTAD)


def citizen_categories(partnership: Partnership) -> list[Category]:
    """The categories the public may use: the partnership's active leaf categories marked for citizens."""
    categories = categories_of(partnership)
    by_pk = {c.pk: c for c in categories}
    chosen = [c for c in leaf_categories(categories) if c.citizen]
    for category in chosen:  # the main category's name, for grouping, without a query each
        category.parent = by_pk.get(category.parent_id) if category.parent_id else None
    return chosen


@dataclass(frozen=True)
class MapRow:
    """Reports of one category in one week in one grid cell."""

    lat: float
    lng: float
    category: str
    week: str
    count: int


@dataclass(frozen=True)
class TipsMap:
    rows: list[MapRow]
    cells: list[dict[str, Any]]
    total: int
    without_point: int
    grid_m: int
    days: int


def public_map(partnership: Partnership, *, now: datetime | None = None) -> TipsMap:
    """The partnership's reviewed reports of the last `MAP_DAYS` days, per grid cell, category and week (two
    queries: the settings and the reports)."""
    now = now or timezone.now()
    grid_m = settings_of(partnership).grid_m
    reports = (
        Incident.objects.filter(
            partnership=partnership,
            status__in=ON_MAP,
            merged_at__isnull=True,
            duplicate_of__isnull=True,
            occurred_at__gte=now - timedelta(days=MAP_DAYS),
            occurred_at__lte=now,
        )
        .order_by()
        .values_list("latitude", "longitude", "occurred_at", "category__code", "category__name")
    )
    counts: Counter[tuple[LatLng, str, tuple[int, int]]] = Counter()
    without_point = 0
    for lat, lng, occurred_at, code, name in reports:
        if lat is None or lng is None:
            without_point += 1
            continue
        counts[(generalise(LatLng(lat, lng), grid_m), _label(code, name), _week(occurred_at))] += 1
    # Newest week first; within a week by category, then from north to south.
    ordered = sorted(counts.items(), key=lambda item: (item[0][2], item[0][0].lat), reverse=True)
    ordered.sort(key=lambda item: (-item[0][2][0], -item[0][2][1], item[0][1]))
    rows = [MapRow(cell.lat, cell.lng, category, _week_label(week), count) for (cell, category, week), count in ordered]
    return TipsMap(rows, _cells(rows), sum(counts.values()), without_point, grid_m, MAP_DAYS)


def _cells(rows: list[MapRow]) -> list[dict[str, Any]]:
    """The rows grouped by cell, for the map script."""
    grouped: dict[tuple[float, float], list[MapRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.lat, row.lng)].append(row)
    return [
        {
            "lat": lat,
            "lng": lng,
            "count": sum(row.count for row in cell_rows),
            "items": [{"category": row.category, "week": row.week, "count": row.count} for row in cell_rows],
        }
        for (lat, lng), cell_rows in sorted(grouped.items())
    ]


def _label(code: str, name: str) -> str:
    if name:
        return name
    found = BY_CODE.get(code)
    return str(found.name) if found else code


def _week(moment: datetime) -> tuple[int, int]:
    year, week, _day = timezone.localtime(moment).isocalendar()
    return year, week


def _week_label(week: tuple[int, int]) -> str:
    return _("vecka %(week)s, %(year)s") % {"week": week[1], "year": week[0]}
