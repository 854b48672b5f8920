"""The numbers behind EST's weekly lägesbild and area analysis: plain functions over counts, no Django.

Weeks are ISO 8601 weeks in Swedish clock time: Monday 00:00 to Sunday 24:00 in Europe/Stockholm, so a week
with a change to or from summer time is 167 or 169 hours long. The same week last year is the week with the
same number in the previous ISO year; a week 53 has none when that year had 52 weeks, and is then compared
with nothing rather than with a different week.

The weekly comparison uses the lägesbild's exact test of two Poisson counts
(`lofte.analysis.significance`): this week's count against the sum of the four weeks before with
exposures 1 : 4 (so against their mean, with the uncertainty of both sides), and against the same week last
year with exposures 1 : 1. A week still under way is compared on the share of it that has passed (its
exposure), and a week to come is not compared at all; reports still waiting for review are missing from the
latest days either way. The verdict says ökning or minskning only when p < 0,05, otherwise "ingen säker
förändring", which is not the same as no change. A handful of reports a week is too few for most changes to
be certain, and that is the honest answer.

Area analysis compares a year (`2026`) or a quarter (`2026K1`) with the period before and with the same period
a year earlier, with the number of days of each as its exposure (a quarter of 90 days against one of 92). A
period that is not over yet is compared on its elapsed days only: the first N days of the period against the
first N days of each comparison period, so a half-finished quarter is never set against a whole one.

When EST has data: a partnership's EST starts on the earlier of the day it recorded as its start
(`EstSettings.started_on`, for an EST that ran before its first report reached Löfte) and the day, in Swedish
time, its first report of any status reached Löfte (`reported_at`, not when the incident happened: a report of
something months old does not mean the EST was running then). A week, period or before/after window has data
only when its first day is on or after that start; before any report and any recorded start nothing has data.
A count of 0 in a period without data is not zero incidents but no data, so any comparison with it says
"ingen jämförelse (inga data)" (`verdicts.INGA_DATA`), never ökning or minskning. The four weeks before are
compared only when all four have data, and a week to come has no data yet. The EST's first week itself,
which began before its first report, has none either: a part week set against whole ones would look like a
change.

Ranking of areas by need for action (shown on the page): first the areas whose count rose with certainty
(p < 0,05) against the period before or against the same period a year earlier; within that group and among
the rest, the most reports in the period first, then the largest rise against the period before, then the
name. It is a reading order for the meeting, not a score: small areas with few reports rarely show a
certain rise.

Effect of an action: the reviewed reports within the partnership's radius of the action's point (or in its
area) are counted in the `weeks` weeks before the day the action was decided and the `weeks` weeks from that
day on. While the after-window is still running, the comparison uses the days elapsed as the exposure, so a
partial window is compared per day. Before and after is not proof of effect: reports vary by chance, season
and how diligently people report, and an action can move a problem elsewhere rather than solve it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from lofte.analysis.significance import PeriodComparison, compare_periods
from lofte.analysis.verdicts import OKNING

STOCKHOLM: Final = ZoneInfo("Europe/Stockholm")
WEEKS_BEFORE: Final = 4
REPEAT_IN_WEEK: Final = 2
REPEAT_IN_FOUR_WEEKS: Final = 3
PERIOD: Final = re.compile(r"^(?P<year>\d{4})(?:K(?P<quarter>[1-4]))?$", re.IGNORECASE)

K = TypeVar("K")


# Weeks


@dataclass(frozen=True, order=True)
class Week:
    year: int
    week: int

    def __post_init__(self) -> None:
        date.fromisocalendar(self.year, self.week, 1)  # ValueError for week 0, 54, or 53 in a 52-week year

    @classmethod
    def containing(cls, day: date) -> Week:
        found = day.isocalendar()
        return cls(found.year, found.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time.min, tzinfo=STOCKHOLM)

    @property
    def end(self) -> datetime:
        """The next Monday at 00:00, exclusive."""
        return datetime.combine(self.monday + timedelta(days=7), time.min, tzinfo=STOCKHOLM)

    def elapsed(self, now: datetime) -> float:
        """The share of the week that has passed at `now`, from 0 to 1."""
        start, end = self.start.timestamp(), self.end.timestamp()
        return min(1.0, max(0.0, (now.timestamp() - start) / (end - start)))

    def shifted(self, weeks: int) -> Week:
        return Week.containing(self.monday + timedelta(weeks=weeks))

    def same_week_last_year(self) -> Week | None:
        try:
            return Week(self.year - 1, self.week)
        except ValueError:
            return None


def last_complete_week(today: date) -> Week:
    """The latest week that has ended by `today` (a local date): the one before the week `today` is in, since a
    week ends only when its Sunday has passed."""
    return Week.containing(today).shifted(-1)


def parse_week(year: int, week: int) -> Week | None:
    try:
        return Week(year, week)
    except ValueError:
        return None


# When EST has data


def est_start(recorded: date | None, first_report: datetime | None) -> date | None:
    """The first day of the partnership's EST: the earlier of the recorded start and the Swedish day its first
    report reached Löfte; None while there is neither."""
    days = [day for day in (recorded, _local_day(first_report)) if day is not None]
    return min(days) if days else None


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(STOCKHOLM).date()


def has_data(first_day: date, start: date | None) -> bool:
    """Whether a week or period that begins on `first_day` has data: EST had started by then."""
    return start is not None and first_day >= start


def known(count: int | None, first_day: date, start: date | None) -> int | None:
    """The count, or None when its period has no data (never 0 for a period before the EST started)."""
    return count if has_data(first_day, start) else None


@dataclass(frozen=True)
class Coverage:
    """Which of the weeks compared have data: this week, the four before (last week first), last year's."""

    this: bool
    before: tuple[bool, ...]
    last_year: bool

    @classmethod
    def of(cls, week: Week, start: date | None) -> Coverage:
        last_year = week.same_week_last_year()
        return cls(
            this=has_data(week.monday, start),
            before=tuple(has_data(week.shifted(-back).monday, start) for back in range(1, WEEKS_BEFORE + 1)),
            last_year=last_year is not None and has_data(last_year.monday, start),
        )


# The weekly comparison


@dataclass(frozen=True)
class WeekCounts:
    this: int = 0
    before: tuple[int, ...] = (0,) * WEEKS_BEFORE  # last week first
    last_year: int | None = 0

    def __add__(self, other: WeekCounts) -> WeekCounts:
        last_year = None if self.last_year is None or other.last_year is None else self.last_year + other.last_year
        before = tuple(a + b for a, b in zip(self.before, other.before, strict=True))
        return WeekCounts(self.this + other.this, before, last_year)

    @property
    def is_empty(self) -> bool:
        return not (self.this or any(self.before) or self.last_year)


@dataclass(frozen=True)
class WeekRow:
    """One row of the weekly lägesbild. A count of a week without data is None, never 0."""

    key: str
    label: str
    level: int  # 0 a main category or an area, 1 a subcategory
    this: int
    last_week: int | None
    four_week_sum: int | None  # None unless all four weeks have data
    last_year: int | None  # None without data or without the same week last year (see vs_last_year)
    vs_four_weeks: PeriodComparison
    vs_last_year: PeriodComparison | None  # None only when last year had no such week (week 53)

    @property
    def four_week_mean(self) -> float | None:
        return None if self.four_week_sum is None else self.four_week_sum / WEEKS_BEFORE

    @property
    def verdict(self) -> str:
        return self.vs_four_weeks.verdict

    @property
    def verdict_label(self) -> str:
        return self.vs_four_weeks.label


def week_row(
    key: str, label: str, counts: WeekCounts, level: int = 0, *, coverage: Coverage, elapsed: float = 1.0
) -> WeekRow:
    """`elapsed` is the share of the week that has passed (1 for a week that is over, 0 for one to come);
    `coverage` says which weeks have data, and a comparison with one that has none says so."""
    this = counts.this if coverage.this and elapsed > 0 else None
    last_week = counts.before[0] if coverage.before[0] else None
    four_weeks = sum(counts.before) if all(coverage.before) else None
    vs_four = compare_periods(four_weeks, this, earlier_exposure=WEEKS_BEFORE, later_exposure=elapsed, interval=False)
    last_year, vs_year = None, None
    if counts.last_year is not None:
        last_year = counts.last_year if coverage.last_year else None
        vs_year = compare_periods(last_year, this, later_exposure=elapsed, interval=False)
    return WeekRow(key, label, level, counts.this, last_week, four_weeks, last_year, vs_four, vs_year)


def tally(rows: Iterable[tuple[K, int, int]], has_last_year: bool) -> dict[K, WeekCounts]:
    """Counts per key from (key, weeks back, n) rows; weeks back is 0 for this week, 1–4 for the weeks before and
    -1 for the same week last year."""
    found: dict[K, list[int]] = {}
    for key, back, n in rows:
        slots = found.setdefault(key, [0] * (WEEKS_BEFORE + 2))
        slots[back] += n  # -1 is the last slot
    return {
        key: WeekCounts(slots[0], tuple(slots[1 : WEEKS_BEFORE + 1]), slots[-1] if has_last_year else None)
        for key, slots in found.items()
    }


def total(counts: Iterable[WeekCounts], has_last_year: bool) -> WeekCounts:
    result = WeekCounts(last_year=0 if has_last_year else None)
    for item in counts:
        result += item
    return result


def repeat_places(this_week: Mapping[K, int], four_weeks: Mapping[K, int]) -> list[tuple[K, int, int]]:
    """Cells with at least 2 reports this week or 3 in the four weeks ending with it: (cell, week, four weeks),
    most reports first."""
    found = [
        (cell, this_week.get(cell, 0), n)
        for cell, n in four_weeks.items()
        if this_week.get(cell, 0) >= REPEAT_IN_WEEK or n >= REPEAT_IN_FOUR_WEEKS
    ]
    return sorted(found, key=lambda item: (-item[1], -item[2]))


# Periods for the area analysis


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD.match(text.strip())
        if not match:
            raise ValueError(text)
        quarter = match["quarter"]
        return cls(int(match["year"]), int(quarter) if quarter else None)

    @classmethod
    def containing(cls, day: date, *, quarterly: bool) -> Period:
        return cls(day.year, (day.month - 1) // 3 + 1 if quarterly else None)

    @property
    def code(self) -> str:
        return f"{self.year}K{self.quarter}" if self.quarter else str(self.year)

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.quarter + 1, 1)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.quarter)


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class PeriodWindows:
    this: Window
    previous: Window
    year_earlier: Window | None  # None for a year, where it is the period before
    partial: bool


def period_windows(period: Period, today: date) -> PeriodWindows:
    """The windows to count, cut to the days elapsed when the period is not over. ValueError before it starts."""
    if today < period.start:
        raise ValueError("the period has not started")
    partial = today < period.end - timedelta(days=1)
    end = min(period.end, today + timedelta(days=1))
    days = (end - period.start).days

    def first_days(other: Period) -> Window:
        if not partial:
            return Window(other.start, other.end)
        return Window(other.start, min(other.end, other.start + timedelta(days=days)))

    year_earlier = first_days(period.year_earlier()) if period.quarter else None
    return PeriodWindows(Window(period.start, end), first_days(period.previous()), year_earlier, partial)


@dataclass(frozen=True)
class AreaRow:
    """One area in the area analysis; a count of a period without data is None, never 0."""

    key: str
    label: str
    this: int
    previous: int | None
    year_earlier: int | None  # None without data, or for a year (see vs_year_earlier)
    vs_previous: PeriodComparison
    vs_year_earlier: PeriodComparison | None  # None for a year, whose period before is the year earlier

    @property
    def rose(self) -> bool:
        """Whether the count rose with certainty against either comparison."""
        return self.vs_previous.verdict == OKNING or (
            self.vs_year_earlier is not None and self.vs_year_earlier.verdict == OKNING
        )

    @property
    def rise(self) -> int | None:
        """The change against the period before; None when that period has no data."""
        return None if self.previous is None else self.this - self.previous


def area_row(
    key: str, label: str, counts: Sequence[int | None], windows: PeriodWindows, *, start: date | None
) -> AreaRow:
    """counts: this period, the period before, the same period a year earlier (None for a year); a period
    without reports counts 0 when it has data (it began on or after the EST `start`) and None otherwise."""
    found, before, year_ago = counts
    this = found or 0
    measured = known(this, windows.this.start, start)
    previous = known(before or 0, windows.previous.start, start)
    vs_previous = compare_periods(
        previous, measured, earlier_exposure=windows.previous.days, later_exposure=windows.this.days, interval=False
    )
    year_earlier, vs_year = None, None
    if windows.year_earlier is not None:
        year_earlier = known(year_ago or 0, windows.year_earlier.start, start)
        vs_year = compare_periods(
            year_earlier,
            measured,
            earlier_exposure=windows.year_earlier.days,
            later_exposure=windows.this.days,
            interval=False,
        )
    return AreaRow(key, label, this, previous, year_earlier, vs_previous, vs_year)


def rank_areas(rows: Iterable[AreaRow]) -> list[AreaRow]:
    """Certain rises first; then most reports, largest rise against the period before (an unknown rise after
    every known one), and name."""
    return sorted(rows, key=lambda row: (not row.rose, -row.this, row.rise is None, -(row.rise or 0), row.label))


# The effect of an action


@dataclass(frozen=True)
class Effect:
    before: int | None  # None when the before-window began before the EST started: no data
    after: int | None  # None when the after-window did
    before_days: int
    after_days: int  # elapsed so far, at most the window's length
    comparison: PeriodComparison | None  # None until a day of the after-window has passed

    @property
    def complete(self) -> bool:
        return self.after_days == self.before_days

    @property
    def change(self) -> int | None:
        return None if self.before is None or self.after is None else self.after - self.before


def effect_windows(decided: date, weeks: int, today: date) -> tuple[Window, Window]:
    """Before: the `weeks` weeks up to the decision day; after: from that day on, cut to today."""
    span = timedelta(weeks=weeks)
    after_end = min(decided + span, today + timedelta(days=1))
    return Window(decided - span, decided), Window(decided, max(decided, after_end))


def effect(days: Iterable[date], decided: date, weeks: int, today: date, *, start: date | None) -> Effect:
    """Count the reports (by the local day they happened) before and after the decision and test the change;
    a window that began before the EST `start` has no data."""
    before_window, after_window = effect_windows(decided, weeks, today)
    before = after = 0
    for day in days:
        if before_window.start <= day < before_window.end:
            before += 1
        elif after_window.start <= day < after_window.end:
            after += 1
    counted_before = known(before, before_window.start, start)
    counted_after = known(after, after_window.start, start)
    comparison = None
    if after_window.days > 0:
        comparison = compare_periods(
            counted_before,
            counted_after,
            earlier_exposure=before_window.days,
            later_exposure=after_window.days,
            interval=False,
        )
    return Effect(counted_before, counted_after, before_window.days, after_window.days, comparison)
