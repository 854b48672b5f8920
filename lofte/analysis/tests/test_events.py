from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lofte.analysis.events import (
    Count,
    PoliceEvent,
    counts_by_month,
    counts_by_season,
    counts_by_type,
    repeat_places,
    weekday_hour_matrix,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _event(occurred_at: datetime, type_: str = "Stöld", place: str = "Mjölby") -> PoliceEvent:
    return PoliceEvent(occurred_at=occurred_at, type=type_, place=place)


EVENTS = [
    # Friday 2025-01-10 23:30 UTC is Saturday 00:30 in Stockholm (winter time, UTC+1).
    _event(datetime(2025, 1, 10, 23, 30, tzinfo=UTC), "Stöld", "Mjölby, Resecentrum"),
    # Monday 2025-07-07 20:15 UTC is 22:15 in Stockholm (summer time, UTC+2).
    _event(datetime(2025, 7, 7, 20, 15, tzinfo=UTC), "Misshandel", "Mjölby, Resecentrum"),
    _event(datetime(2025, 7, 7, 22, 10, tzinfo=STOCKHOLM), "Misshandel", "Mjölby, Stora torget"),
    _event(datetime(2024, 12, 31, 12, 0, tzinfo=STOCKHOLM), "Brand", "Mantorp"),
    _event(datetime(2025, 4, 1, 9, 0, tzinfo=STOCKHOLM), "Stöld", "  "),
    _event(datetime(2025, 10, 3, 9, 0, tzinfo=STOCKHOLM), "Stöld", "mjölby, resecentrum"),
]


def test_it_counts_types_most_frequent_first() -> None:
    assert counts_by_type(EVENTS) == [Count("Stöld", 3), Count("Misshandel", 2), Count("Brand", 1)]


def test_it_builds_a_weekday_hour_matrix_in_stockholm_time() -> None:
    matrix = weekday_hour_matrix(EVENTS)
    assert (len(matrix), {len(row) for row in matrix}) == (7, {24})
    assert matrix[5][0] == 1  # Saturday 00:30, not Friday 23:30
    assert matrix[0][22] == 2  # Monday 22:15 and 22:10
    assert sum(map(sum, matrix)) == len(EVENTS)


def test_it_counts_months_in_order() -> None:
    assert counts_by_month(EVENTS) == [
        Count("2024-12", 1),
        Count("2025-01", 1),
        Count("2025-04", 1),
        Count("2025-07", 2),
        Count("2025-10", 1),
    ]


def test_it_counts_all_four_seasons() -> None:
    assert counts_by_season(EVENTS) == [Count("vinter", 2), Count("var", 1), Count("sommar", 2), Count("host", 1)]
    assert counts_by_season([]) == [Count("vinter", 0), Count("var", 0), Count("sommar", 0), Count("host", 0)]


def test_it_lists_places_named_at_least_twice() -> None:
    assert repeat_places(EVENTS) == [Count("Mjölby, Resecentrum", 2)]
    assert repeat_places(EVENTS, minimum=1)[-1] == Count("mjölby, resecentrum", 1)


def test_it_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        weekday_hour_matrix([_event(datetime(2025, 1, 1, 12, 0))])  # noqa: DTZ001
