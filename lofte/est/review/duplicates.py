"""Duplicate suggestions: other reports that are probably about the same incident.

Two reports are suggested as duplicates when they are in the same category, happened within the partnership's
`duplicate_hours` of each other, and lie within its `duplicate_distance_m` metres. A report without a point is
compared by place instead: the same area and the same address (or place name) text. Rejected reports and
reports already merged into another one are never suggested.

The database narrows the search (the time window, and a latitude/longitude box around each point, which holds
every point within the distance); the exact distance is then computed with the haversine formula
(`places.distance_m`). Suggestions for a whole page of reports come from one query.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Protocol

from django.db.models import Q
from django.utils.translation import gettext as _

from lofte.est import places
from lofte.est.models import EstSettings, Incident

# The box is widened a little so that rounding never drops a point on its edge; the exact test follows.
BOX_MARGIN = 1.01


@dataclass(frozen=True, slots=True)
class Rule:
    distance_m: int
    hours: int

    @classmethod
    def of(cls, settings: EstSettings) -> Rule:
        return cls(settings.duplicate_distance_m, settings.duplicate_hours)

    def describe(self) -> str:
        return _("Förslag: samma kategori inom %(metres)s m och %(hours)s timmar.") % {
            "metres": self.distance_m,
            "hours": self.hours,
        }


class Report(Protocol):
    """What the comparison reads of a report (an `Incident` has all of it)."""

    category_id: int
    occurred_at: datetime
    latitude: float | None
    longitude: float | None
    area_id: int | None
    address: str
    place_name: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    incident: Incident
    distance_m: float | None  # None: matched on area and address, not on a point
    hours: float


def place_text(report: Report) -> str:
    """The address, else the place name, compared without case or extra spaces."""
    return " ".join((report.address or report.place_name).split()).casefold()


def compare(a: Report, b: Report, rule: Rule) -> tuple[float | None, float] | None:
    """(distance in metres or None, hours apart) if `b` may be a duplicate of `a` under `rule`; else None."""
    if a.category_id != b.category_id:
        return None
    hours = abs((a.occurred_at - b.occurred_at).total_seconds()) / 3600
    if hours > rule.hours:
        return None
    if a.latitude is not None and a.longitude is not None and b.latitude is not None and b.longitude is not None:
        distance = places.distance_m(places.LatLng(a.latitude, a.longitude), places.LatLng(b.latitude, b.longitude))
        return (distance, hours) if distance <= rule.distance_m else None
    text = place_text(a)
    if text and a.area_id == b.area_id and text == place_text(b):
        return None, hours
    return None


def box(latitude: float, distance_m: float) -> tuple[float, float]:
    """Half the height and half the width, in degrees, of a box around the latitude that holds the distance."""
    half_height = distance_m / places.METRES_PER_DEGREE_LAT * BOX_MARGIN
    cos = max(math.cos(math.radians(latitude)), 1e-6)
    return half_height, min(half_height / cos, 180.0)


def _near(incident: Incident, rule: Rule) -> Q:
    """A superset of the reports `compare` may accept for this one, for the database."""
    window = timedelta(hours=rule.hours)
    found = Q(
        category_id=incident.category_id,
        occurred_at__gte=incident.occurred_at - window,
        occurred_at__lte=incident.occurred_at + window,
    )
    by_text = Q(area_id=incident.area_id)
    if incident.latitude is None or incident.longitude is None:
        return found & by_text
    dlat, dlng = box(incident.latitude, rule.distance_m)
    by_point = Q(
        latitude__gte=incident.latitude - dlat,
        latitude__lte=incident.latitude + dlat,
        longitude__gte=incident.longitude - dlng,
        longitude__lte=incident.longitude + dlng,
    )
    return found & (by_point | (Q(latitude__isnull=True) & by_text))


def suggestions(incidents: Sequence[Incident], rule: Rule) -> dict[int, list[Suggestion]]:
    """The suggestions for each of these reports (of one partnership), in one query, closest first."""
    if not incidents:
        return {}
    candidates = list(
        Incident.objects.filter(partnership_id=incidents[0].partnership_id)
        .filter(reduce(or_, (_near(incident, rule) for incident in incidents)))
        .exclude(status=Incident.Status.AVVISAD)
        .filter(duplicate_of__isnull=True, merged_at__isnull=True)
        .select_related("category", "area")
        .defer("area__geometry")
        .order_by("occurred_at", "id")
    )
    return {incident.pk: _matching(incident, candidates, rule) for incident in incidents}


def _matching(incident: Incident, candidates: Iterable[Incident], rule: Rule) -> list[Suggestion]:
    found = []
    for candidate in candidates:
        if candidate.pk == incident.pk:
            continue
        if (match := compare(incident, candidate, rule)) is not None:
            found.append(Suggestion(candidate, *match))
    return sorted(found, key=lambda s: (s.distance_m or 0.0, s.hours, s.incident.pk))


def suggestions_for(incident: Incident, rule: Rule) -> list[Suggestion]:
    return suggestions([incident], rule)[incident.pk]
