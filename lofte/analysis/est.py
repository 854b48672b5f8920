"""The numbers behind EST's weekly lägesbild and area analysis: plain functions over counts, no Django.

Weeks are ISO 8601 weeks in Swedish clock time: Monday 00:00 to Sunday 24:00 in Europe/Stockholm, so a week
with a change to or from summer time is 167 or 169 hours long. The same week last year is the week with the
same number in the previous ISO year; a week 53 has none when that year had 52 weeks, and is then compared
with nothing rather than with a different week.

The weekly comparison (`week_row`) tests this week's count against the sum of the four weeks before with
exposures 1 : 4 (so against their mean, with the uncertainty of both sides), and against the same week last
year with exposures 1 : 1, by `significance.compare_periods` allowing for the row's own weekly dispersion φ
(`weekly_dispersion`: the quasi-Poisson dispersion of the row's 26 whole weeks before, `variation.estimate`; with
fewer than five weeks with data the whole EST's φ, and with fewer than that too `ASSUMED_WEEKLY`, φ = 2: Poisson
would call ordinary clustering of reports a change). Each table (the categories, the areas, the total) is one
family whose p-values are adjusted together by Benjamini–Hochberg (`correct_rows`); the verdict follows the adjusted
p, the unadjusted one is kept. A week still under way is compared with the same part of the comparison weeks: their
reports up to the same weekday and wall-clock time (`Week.offset`, `Week.until`), compared 1 : 4 and 1 : 1 like whole
weeks, since reports are not spread evenly over the days and a week with a change of clock has 167 or 169 hours. A
week to come is not compared at all; reports still waiting for review are missing from the latest days either way.
The verdict says ökning or minskning only when the change is statistically clear, otherwise "ingen tydlig
förändring", which is not the same as no change. A handful of reports a week is too few for most changes to be
clear, and that is the honest answer.

Area analysis compares a year (`2026`) or a quarter (`2026K1`) with the period before and with the same period
a year earlier, with the number of days of each as its exposure (a quarter of 90 days against one of 92), allowing
for the area's own dispersion (`area_dispersion`: its periods before, else the assumed yearly φ) and adjusted as one
table (`correct_areas`). A period that is not over yet is compared on its elapsed days only: the first N days of the
period against the first N days of each comparison period, so a half-finished quarter is never set against a whole
one.

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

Ranking of areas by need for action (shown on the page): first the areas whose count rose clearly (the table's
corrected verdict) against the period before or against the same period a year earlier; within that group and among
the rest, the most reports in the period first, then the largest rise against the period before, then the
name. It is a reading order for the meeting, not a score: small areas with few reports rarely show a
clear rise.

Effect of an action: the reviewed reports within the partnership's radius of the action's point (or in its
area) are counted in the `weeks` weeks before the day the action was decided and the `weeks` weeks from that
day on. While the after-window is still running, the comparison uses the days elapsed as the exposure, so a
partial window is compared per day. The same windows are counted at comparable places without the action (the
control), and the verdict is drawn against them (`controlled`): a place picked because it was busy has fewer reports
afterwards by chance alone (regression to the mean), and the control places show how far places with as many
reports before usually fall. Before and after is still not proof of effect: an action can move a problem elsewhere
rather than solve it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from scipy.stats import t as t_distribution

from lofte.analysis.multiple import BH, correct, tests_in
from lofte.analysis.significance import PeriodComparison, compare_periods
from lofte.analysis.variation import ASSUMED_YEARLY, Dispersion, estimate
from lofte.analysis.verdicts import DEFAULT_ALPHA, LABELS, OKNING, change_verdict

STOCKHOLM: Final = ZoneInfo("Europe/Stockholm")
WEEKS_BEFORE: Final = 4
HISTORY_WEEKS: Final = 26  # the weeks a row's weekly dispersion is estimated from
PERIOD_HISTORY: Final = 10  # the periods (quarters or years) an area's dispersion is estimated from
# The dispersion assumed for a week when the partnership has fewer than five weeks with data: φ = 2, above the 95th
# percentile (1.87) of 26-week windows of Polisen's weekly events by type in Östergötland and Jönköping 2023–2026
# (median 1.15), since EST reports cluster more than published events (one spree, many reports).
ASSUMED_WEEKLY: Final = Dispersion(2.0, math.inf, 0)
REPEAT_IN_WEEK: Final = 2
REPEAT_IN_FOUR_WEEKS: Final = 3
PERIOD: Final = re.compile(r"^(?P<year>\d{4})(?:K(?P<quarter>[1-4]))?$", re.IGNORECASE)

FULL_WEEK: Final = timedelta(days=7)
MINUTE: Final = timedelta(minutes=1)

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

    def offset(self, now: datetime) -> timedelta:
        """How far into the week `now` is on the Swedish wall clock: weekday and time since Monday 00:00, from 0
        to 7 days (a week with a change of clock has 167 or 169 real hours, but always 7 × 24 on the clock)."""
        local = now.astimezone(STOCKHOLM).replace(tzinfo=None)
        return min(FULL_WEEK, max(timedelta(0), local - datetime.combine(self.monday, time.min)))

    def until(self, offset: timedelta) -> datetime:
        """The moment this week's clock first shows Monday 00:00 + `offset` (the same weekday and time): the end of
        the part of the week that is compared. On the spring night the time never happens it is the moment the
        clock jumps past it; on the autumn night it happens twice, it is the first time."""
        if offset >= FULL_WEEK:
            return self.end
        return first_moment(datetime.combine(self.monday, time.min) + offset)

    def shifted(self, weeks: int) -> Week:
        return Week.containing(self.monday + timedelta(weeks=weeks))

    def same_week_last_year(self) -> Week | None:
        try:
            return Week(self.year - 1, self.week)
        except ValueError:
            return None


def first_moment(wall: datetime) -> datetime:
    """The first moment the Swedish clock shows the naive time `wall`; for a time the clock skips (02:00–02:59 on the
    spring night) the moment it jumps past it. Here rather than `est.wallclock`, which analysis may not import."""
    moment = wall
    for _step in range(181):  # no change of clock in use skips more than an hour
        found = moment.replace(tzinfo=STOCKHOLM, fold=0)
        if found.astimezone(UTC).astimezone(STOCKHOLM).replace(tzinfo=None) == moment:
            return found.astimezone(UTC).astimezone(STOCKHOLM)
        moment = moment.replace(second=0, microsecond=0) + MINUTE
    raise ValueError(f"no such clock time: {wall!r}")


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
    history: tuple[bool, ...] = ()  # the weeks the dispersion is estimated from, last week first

    @classmethod
    def of(cls, week: Week, start: date | None) -> Coverage:
        last_year = week.same_week_last_year()
        return cls(
            this=has_data(week.monday, start),
            before=tuple(has_data(week.shifted(-back).monday, start) for back in range(1, WEEKS_BEFORE + 1)),
            last_year=last_year is not None and has_data(last_year.monday, start),
            history=tuple(has_data(week.shifted(-back).monday, start) for back in range(1, HISTORY_WEEKS + 1)),
        )


# The weekly comparison


@dataclass(frozen=True)
class WeekCounts:
    """This week's count and the comparison weeks', each up to the same weekday and hour when this week is under
    way; `history` holds the whole weeks before (last week first) the dispersion is estimated from."""

    this: int = 0
    before: tuple[int, ...] = (0,) * WEEKS_BEFORE  # last week first
    last_year: int | None = 0
    history: tuple[int, ...] = ()

    def __add__(self, other: WeekCounts) -> WeekCounts:
        last_year = None if self.last_year is None or other.last_year is None else self.last_year + other.last_year
        before = tuple(a + b for a, b in zip(self.before, other.before, strict=True))
        length = max(len(self.history), len(other.history))
        mine, theirs = _padded(self.history, length), _padded(other.history, length)
        history = tuple(a + b for a, b in zip(mine, theirs, strict=True))
        return WeekCounts(self.this + other.this, before, last_year, history)

    @property
    def is_empty(self) -> bool:
        return not (self.this or any(self.before) or self.last_year)


def _padded(values: tuple[int, ...], length: int) -> tuple[int, ...]:
    return values + (0,) * (length - len(values))


def weekly_dispersion(counts: WeekCounts, coverage: Coverage, fallback: Dispersion = ASSUMED_WEEKLY) -> Dispersion:
    """φ of a row from its own whole weeks before (at most `HISTORY_WEEKS`, only weeks with data, the four weeks
    compared among them, never this week): the quasi-Poisson dispersion around its log-linear trend
    (`variation.estimate`), or `fallback` with fewer than five weeks with data or fewer than two with reports."""
    history = _padded(counts.history, len(coverage.history))
    known_weeks = [n if covered else None for n, covered in zip(history, coverage.history, strict=False)]
    return estimate(list(reversed(known_weeks)), fallback=fallback, window=HISTORY_WEEKS)


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
    key: str,
    label: str,
    counts: WeekCounts,
    level: int = 0,
    *,
    coverage: Coverage,
    dispersion: Dispersion = ASSUMED_WEEKLY,
    to_come: bool = False,
) -> WeekRow:
    """The row's comparisons, allowing for the row's weekly `dispersion` (`weekly_dispersion`). The counts of a
    week under way and of its comparison weeks cover the same weekday and hour (`Week.until`), so they are
    compared 1 : 4 and 1 : 1 like whole weeks; a week `to_come` is not compared. `coverage` says which weeks have
    data, and a comparison with one that has none says so. Each verdict is the row's alone: a table corrects its
    rows together (`correct_rows`)."""
    this = counts.this if coverage.this and not to_come else None
    last_week = counts.before[0] if coverage.before[0] else None
    four_weeks = sum(counts.before) if all(coverage.before) else None
    vs_four = compare_periods(four_weeks, this, earlier_exposure=WEEKS_BEFORE, dispersion=dispersion)
    last_year, vs_year = None, None
    if counts.last_year is not None:
        last_year = counts.last_year if coverage.last_year else None
        vs_year = compare_periods(last_year, this, dispersion=dispersion)
    return WeekRow(key, label, level, counts.this, last_week, four_weeks, last_year, vs_four, vs_year)


def correct_rows(rows: Sequence[WeekRow]) -> list[WeekRow]:
    """The rows of one table as one family: every comparison in it (against the four weeks and against last year)
    adjusted together by Benjamini–Hochberg (`multiple.correct`), the verdicts drawn from the adjusted p."""
    return _corrected_pairs(rows, "vs_four_weeks", "vs_last_year")


def tests_in_rows(rows: Iterable[WeekRow]) -> int:
    """How many comparisons a table tests: those with a p-value."""
    return tests_in([c.p_value if c else None for row in rows for c in (row.vs_four_weeks, row.vs_last_year)])


R = TypeVar("R", "WeekRow", "AreaRow")


def _corrected_pairs(rows: Sequence[R], first: str, second: str) -> list[R]:
    """Both comparisons (fields `first` and `second`) of every row adjusted together as one family."""
    found = list(rows)
    tested = correct([getattr(row, name) for row in found for name in (first, second)], BH)
    pairs: list[dict[str, Any]] = [{first: tested[2 * n], second: tested[2 * n + 1]} for n in range(len(found))]
    return [replace(row, **fields) for row, fields in zip(found, pairs, strict=True)]


def tally(rows: Iterable[tuple[K, int, bool, int]], has_last_year: bool) -> dict[K, WeekCounts]:
    """Counts per key from (key, weeks back, early, n) rows; weeks back is 0 for this week, 1–26 for the weeks before
    and -1 for the same week last year, `early` whether the reports came before the same weekday and hour as now
    (always for a week that is over). The comparisons count the early reports, the history every report."""
    compared: dict[K, list[int]] = {}
    whole: dict[K, list[int]] = {}
    for key, back, early, n in rows:
        compared.setdefault(key, [0] * (WEEKS_BEFORE + 2))
        history = whole.setdefault(key, [0] * HISTORY_WEEKS)
        if early and (back <= WEEKS_BEFORE):
            compared[key][back] += n  # -1 is the last slot
        if 1 <= back <= HISTORY_WEEKS:
            history[back - 1] += n
    return {
        key: WeekCounts(
            slots[0], tuple(slots[1 : WEEKS_BEFORE + 1]), slots[-1] if has_last_year else None, tuple(whole[key])
        )
        for key, slots in compared.items()
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


def history_windows(period: Period, windows: PeriodWindows, count: int = PERIOD_HISTORY) -> list[Window]:
    """The `count` periods up to and including the period before (oldest first), each cut to as many days as the
    period judged has had, for the area's dispersion."""
    days = windows.this.days
    found, each = [], period.previous()
    for _n in range(count):
        found.append(Window(each.start, min(each.end, each.start + timedelta(days=days))))
        each = each.previous()
    return list(reversed(found))


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
        """Whether the count rose clearly (the table's corrected verdict) against either comparison."""
        return self.vs_previous.verdict == OKNING or (
            self.vs_year_earlier is not None and self.vs_year_earlier.verdict == OKNING
        )

    @property
    def rise(self) -> int | None:
        """The change against the period before; None when that period has no data."""
        return None if self.previous is None else self.this - self.previous


def area_dispersion(history: Sequence[int | None]) -> Dispersion:
    """φ of an area from its own periods before (oldest first, the period before last, None for a period without
    data; each cut to the same days as the period judged), or the assumed yearly φ (`variation.ASSUMED_YEARLY`)
    with fewer than five: a young EST has few quarters, and real crime series vary that much from period to period."""
    return estimate(history, fallback=ASSUMED_YEARLY, window=PERIOD_HISTORY)


def area_row(
    key: str,
    label: str,
    counts: Sequence[int | None],
    windows: PeriodWindows,
    *,
    start: date | None,
    dispersion: Dispersion = ASSUMED_YEARLY,
) -> AreaRow:
    """counts: this period, the period before, the same period a year earlier (None for a year); a period
    without reports counts 0 when it has data (it began on or after the EST `start`) and None otherwise. The
    comparisons allow for the area's `dispersion` (`area_dispersion`); a table corrects them together
    (`correct_areas`)."""
    found, before, year_ago = counts
    this = found or 0
    measured = known(this, windows.this.start, start)
    previous = known(before or 0, windows.previous.start, start)
    vs_previous = compare_periods(
        previous,
        measured,
        earlier_exposure=windows.previous.days,
        later_exposure=windows.this.days,
        dispersion=dispersion,
    )
    year_earlier, vs_year = None, None
    if windows.year_earlier is not None:
        year_earlier = known(year_ago or 0, windows.year_earlier.start, start)
        vs_year = compare_periods(
            year_earlier,
            measured,
            earlier_exposure=windows.year_earlier.days,
            later_exposure=windows.this.days,
            dispersion=dispersion,
        )
    return AreaRow(key, label, this, previous, year_earlier, vs_previous, vs_year)


def correct_areas(rows: Sequence[AreaRow]) -> list[AreaRow]:
    """The areas table as one family: both comparisons of every area adjusted together (Benjamini–Hochberg)."""
    return _corrected_pairs(rows, "vs_previous", "vs_year_earlier")


def area_tests(rows: Iterable[AreaRow]) -> int:
    return tests_in([c.p_value if c else None for row in rows for c in (row.vs_previous, row.vs_year_earlier)])


def rank_areas(rows: Iterable[AreaRow]) -> list[AreaRow]:
    """Clear rises (by the corrected verdicts) first; then most reports, largest rise against the period before (an
    unknown rise after every known one), and name."""
    return sorted(rows, key=lambda row: (not row.rose, -row.this, row.rise is None, -(row.rise or 0), row.label))


# The effect of an action


MIN_CONTROL_PLACES: Final = 5


@dataclass(frozen=True)
class Controlled:
    """The action's place against comparable places without it: its after-count against the after-count the
    control places predict from its before-count (regression of after on before over the control places)."""

    expected: float  # the after-count the control places predict for the action's place
    ratio: float | None  # observed / expected; None when nothing was expected and nothing happened
    ci_low: float | None
    ci_high: float | None
    p_value: float
    verdict: str
    label: str
    places: int  # control places with reports in either window


@dataclass(frozen=True)
class Effect:
    before: int | None  # None when the before-window began before the EST started: no data
    after: int | None  # None when the after-window did
    before_days: int
    after_days: int  # elapsed so far, at most the window's length
    comparison: PeriodComparison | None  # the place alone, before against after; None until the after-window began
    control_before: int | None = None  # the comparable places without the action, summed, over the same windows
    control_after: int | None = None
    controlled: Controlled | None = None  # None without data, before the after-window began, or too few places
    control_places: int = 0

    @property
    def control_change(self) -> int | None:
        if self.control_before is None or self.control_after is None:
            return None
        return self.control_after - self.control_before

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


def _before_after(days: Iterable[date], before_window: Window, after_window: Window) -> tuple[int, int]:
    before = after = 0
    for day in days:
        if before_window.start <= day < before_window.end:
            before += 1
        elif after_window.start <= day < after_window.end:
            after += 1
    return before, after


def effect(
    days: Iterable[date],
    decided: date,
    weeks: int,
    today: date,
    *,
    start: date | None,
    control: Iterable[Iterable[date]] = (),
    dispersion: Dispersion = ASSUMED_WEEKLY,
) -> Effect:
    """Count the reports (by the local day they happened) before and after the decision at the action's place and
    at each comparable `control` place without the action, over the same windows; the verdict is the controlled
    one (`controlled`). A window that began before the EST `start` has no data. `comparison`, the place alone
    (allowing for `dispersion`), is kept beside it to show what the plain before/after says."""
    before_window, after_window = effect_windows(decided, weeks, today)
    before, after = _before_after(days, before_window, after_window)
    pairs = [_before_after(place, before_window, after_window) for place in control]
    pairs = [pair for pair in pairs if pair != (0, 0)]
    counted_before = known(before, before_window.start, start)
    counted_after = known(after, after_window.start, start)
    comparison, found = None, None
    if after_window.days > 0:
        comparison = compare_periods(
            counted_before,
            counted_after,
            earlier_exposure=before_window.days,
            later_exposure=after_window.days,
            dispersion=dispersion,
        )
        if counted_before is not None and counted_after is not None:
            found = controlled(counted_before, counted_after, pairs)
    has_control = counted_before is not None and counted_after is not None
    return Effect(
        counted_before,
        counted_after,
        before_window.days,
        after_window.days,
        comparison,
        sum(b for b, _a in pairs) if has_control else None,
        sum(a for _b, a in pairs) if has_control else None,
        found,
        len(pairs),
    )


ANSCOMBE: Final = 3 / 8


def controlled(
    before: int, after: int, control: Sequence[tuple[int, int]], alpha: float = DEFAULT_ALPHA
) -> Controlled | None:
    """Is the change at the action's place more than the control places predict? None with fewer than
    `MIN_CONTROL_PLACES` control places (before, after) that have reports.

    Regression adjustment against regression to the mean (analysis of covariance; Barnett, van der Pols & Dobson,
    *Int. J. Epidemiol.* 34, 2005): on the square-root scale (Anscombe's √(n + 3/8), which gives counts a roughly
    constant variance) the control places' after-counts are regressed on their before-counts by least squares. A
    place picked because its before-count was high is then expected to fall as far as the control places with
    such a count fell; only a fall beyond that, measured against the control places' own scatter (the residual
    variance, never below the Poisson ¼, with a t distribution of n − 2 degrees of freedom, the prediction
    interval's standard error), is called a change. The same windows for both take out season and reporting
    habits."""
    if len(control) < MIN_CONTROL_PLACES:
        return None
    x = np.sqrt(np.array([b for b, _a in control], dtype=float) + ANSCOMBE)
    y = np.sqrt(np.array([a for _b, a in control], dtype=float) + ANSCOMBE)
    n = len(x)
    spread = float(((x - x.mean()) ** 2).sum())
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / spread) if spread > 0 else 0.0
    level = float(y.mean() - slope * x.mean())
    residual = y - level - slope * x
    variance = max(float((residual**2).sum()) / (n - 2), 0.25)
    place = math.sqrt(before + ANSCOMBE)
    leverage = (place - x.mean()) ** 2 / spread if spread > 0 else 0.0
    error = math.sqrt(variance * (1 + 1 / n + leverage))
    predicted = level + slope * place
    observed = math.sqrt(after + ANSCOMBE)
    statistic = (observed - predicted) / error
    p_value = float(min(1.0, 2 * t_distribution.sf(abs(statistic), n - 2)))
    quantile = float(t_distribution.ppf(1 - alpha / 2, n - 2))
    expected = max(predicted, 0.0) ** 2 - ANSCOMBE

    def ratio_at(centre: float) -> float:
        return math.inf if centre <= 0 else (observed / centre) ** 2

    ratio = None if expected <= 0 and after == 0 else ratio_at(predicted)
    low, high = ratio_at(predicted + quantile * error), ratio_at(predicted - quantile * error)
    verdict = change_verdict(ratio, p_value, alpha) if ratio is not None else change_verdict(None, 1.0, alpha)
    return Controlled(max(expected, 0.0), ratio, low, high, p_value, verdict, LABELS[verdict], n)
