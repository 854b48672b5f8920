"""Patterns in time and place for Polisen's public events.

Method: plain counting. Events are counted by type; by weekday and hour in a 7 × 24 matrix
(Monday first, hours 0–23); by calendar month ("YYYY-MM"); by season (vinter December–February,
var March–May, sommar June–August, host September–November, as ASCII codes with Swedish labels);
and places named at least twice are listed as repeat places.

Assumptions: every time is timezone-aware and is read in Europe/Stockholm local time, because
"Friday night" means Swedish clock time, including summer time; a naive time raises ValueError
rather than being guessed. Months without events are left out of the month counts, since the
function cannot know whether nothing happened or nothing was collected; a caller that knows the
collection period can fill in zeros. Polisen's place is often only the kommun's name, so repeat
places are only as good as the place strings given; blank places are ignored. Seasons and months
pool all years, so a long series with a trend can make one season look larger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

STOCKHOLM: Final = ZoneInfo("Europe/Stockholm")
SEASONS: Final = ("vinter", "var", "sommar", "host")
SEASON_LABELS: Final = MappingProxyType({"vinter": "vinter", "var": "vår", "sommar": "sommar", "host": "höst"})
_SEASON_OF_MONTH: Final = {month: SEASONS[month % 12 // 3] for month in range(1, 13)}


@dataclass(frozen=True)
class PoliceEvent:
    occurred_at: datetime
    type: str
    place: str
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Count:
    key: str
    count: int


def counts_by_type(events: Iterable[PoliceEvent]) -> list[Count]:
    """Event types, most frequent first (ties alphabetically)."""
    return _most_common(Counter(event.type for event in events))


def weekday_hour_matrix(events: Iterable[PoliceEvent]) -> tuple[tuple[int, ...], ...]:
    """Counts as 7 rows (Monday first) of 24 hours in Stockholm time."""
    cells = Counter((local.weekday(), local.hour) for local in map(_local_time, events))
    return tuple(tuple(cells[(day, hour)] for hour in range(24)) for day in range(7))


def counts_by_month(events: Iterable[PoliceEvent]) -> list[Count]:
    """Counts per "YYYY-MM" in Stockholm time, oldest first; months without events are absent."""
    months = Counter(f"{local.year:04d}-{local.month:02d}" for local in map(_local_time, events))
    return [Count(month, months[month]) for month in sorted(months)]


def counts_by_season(events: Iterable[PoliceEvent]) -> list[Count]:
    """Counts for all four seasons in the order vinter, var, sommar, host, zeros included."""
    seasons = Counter(_SEASON_OF_MONTH[local.month] for local in map(_local_time, events))
    return [Count(season, seasons[season]) for season in SEASONS]


def repeat_places(events: Iterable[PoliceEvent], minimum: int = 2) -> list[Count]:
    """Places named at least ``minimum`` times, most frequent first (ties alphabetically)."""
    places = Counter(event.place.strip() for event in events if event.place.strip())
    return [item for item in _most_common(places) if item.count >= minimum]


def season_of_month(month: int) -> str:
    return _SEASON_OF_MONTH[month]


def _local_time(event: PoliceEvent) -> datetime:
    if event.occurred_at.utcoffset() is None:
        raise ValueError(f"naive datetime for an event: {event.occurred_at!r}")
    return event.occurred_at.astimezone(STOCKHOLM)


def _most_common(counter: Counter[str]) -> list[Count]:
    return [Count(key, count) for key, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]
