"""When a job is due: an interval counted from a fixed epoch, or a clock time in Europe/Stockholm (daily, or on one
weekday). Pure: no Django, so the DST nights are easy to test.

A clock time has one slot per local date, whatever the clock does that night:
- the spring night (last Sunday of March) skips 02:00–03:00. A 02:30 that does not exist is read with the offset
  before the change (PEP 495, fold=0), which is 01:30 UTC, 03:30 summer time: the job still runs, once.
- the autumn night (last Sunday of October) has 02:00–03:00 twice. The first 02:30 (summer time, 00:30 UTC) is
  the slot; the second is not another slot, so the job runs once.
An interval is counted in UTC, so the autumn night's repeated hour has its own half-hour slots, as it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight UTC; intervals of whole minutes line up on it
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Every:
    """Every `interval`, on the multiples of it since EPOCH (every 30 minutes: hh:00 and hh:30)."""

    interval: timedelta

    @property
    def period(self) -> timedelta:
        return self.interval

    def latest(self, now: datetime) -> datetime:
        """The latest slot at or before `now`."""
        return EPOCH + ((now - EPOCH) // self.interval) * self.interval

    def next(self, now: datetime) -> datetime:
        """The first slot after `now`."""
        return self.latest(now) + self.interval


@dataclass(frozen=True)
class At:
    """At a clock time in Europe/Stockholm, every day or on one weekday (0 = Monday)."""

    clock: time
    weekday: int | None = None

    @property
    def period(self) -> timedelta:
        return DAY if self.weekday is None else 7 * DAY

    def on(self, day: date) -> datetime | None:
        """The slot on the local date `day` (in UTC), or None when the job does not run that day."""
        if self.weekday is not None and day.weekday() != self.weekday:
            return None
        return datetime.combine(day, self.clock, tzinfo=STOCKHOLM).astimezone(UTC)

    def latest(self, now: datetime) -> datetime:
        today = now.astimezone(STOCKHOLM).date()
        for back in range(9):
            slot = self.on(today - back * DAY)
            if slot is not None and slot <= now:
                return slot
        raise AssertionError("a weekly slot lies within nine days")  # pragma: no cover

    def next(self, now: datetime) -> datetime:
        today = now.astimezone(STOCKHOLM).date()
        for ahead in range(9):
            slot = self.on(today + ahead * DAY)
            if slot is not None and slot > now:
                return slot
        raise AssertionError("a weekly slot lies within nine days")  # pragma: no cover


When = Every | At
