"""Local clock times on the nights the clocks change: which exist, which happen twice, and which instant is meant.

In Sweden the clocks go forward on the last Sunday of March (02:00 becomes 03:00, so 02:00–02:59 never happens
that night) and back on the last Sunday of October (03:00 becomes 02:00, so 02:00–02:59 happens twice: first in
summer time, UTC+2, then in winter time, UTC+1). A reporter types a clock time without an offset; Python's
zoneinfo gives any such time an offset without complaint (`fold` picks one of two), so a time that did not exist
would silently move an hour and a repeated one would silently be the first. These few functions say which case a
time is, so the report form can refuse the one and ask about the other; Open311 gets its offset from the client.

Hand-written because neither the standard library nor Django answers "does this wall-clock time exist" (Django's
form field refuses both cases with one generic message); plain functions over `zoneinfo`, no Django.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

MINUTE = timedelta(minutes=1)
LONGEST_GAP = timedelta(hours=3)  # longer than any change of clock in use


class Kind(StrEnum):
    ONCE = "once"
    TWICE = "twice"  # the hour that is repeated when the clocks go back
    NEVER = "never"  # the hour that is skipped when the clocks go forward


def kind(naive: datetime, zone: tzinfo) -> Kind:
    """Whether the clock in `zone` showed this wall-clock time once, twice or never."""
    if not _exists(naive, zone):
        return Kind.NEVER
    first, second = (naive.replace(tzinfo=zone, fold=fold).utcoffset() for fold in (0, 1))
    return Kind.TWICE if first != second else Kind.ONCE


def instant(naive: datetime, zone: tzinfo, fold: int = 0) -> datetime:
    """The moment the wall-clock time means, in UTC; `fold` 0 is the first of a repeated time, 1 the second.
    Call only for a time that exists (`kind` is not NEVER). In UTC because a datetime in the repeated hour with
    `fold=1` is never equal to one in another zone (PEP 495), even when it is the same moment."""
    return naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def skipped(naive: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The wall-clock span the clock jumped over around a time that never happened: its first missing minute and
    the first minute after it (02:00 and 03:00 on a Swedish spring night)."""
    start = naive.replace(second=0, microsecond=0)
    while not _exists(start - MINUTE, zone) and naive - start < LONGEST_GAP:
        start -= MINUTE
    end = naive.replace(second=0, microsecond=0) + MINUTE
    while not _exists(end, zone) and end - naive < LONGEST_GAP:
        end += MINUTE
    return start, end


def _exists(naive: datetime, zone: tzinfo) -> bool:
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive.replace(tzinfo=None)
