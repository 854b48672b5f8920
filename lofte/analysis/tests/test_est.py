from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from lofte.analysis.est import (
    STOCKHOLM,
    AreaRow,
    Coverage,
    Period,
    Week,
    WeekCounts,
    area_row,
    effect,
    est_start,
    has_data,
    parse_week,
    period_windows,
    rank_areas,
    repeat_places,
    tally,
    total,
    week_row,
)
from lofte.analysis.significance import compare_periods
from lofte.analysis.variation import POISSON

# These tests are about counting and data coverage; they use the Poisson yardstick (`POISSON`) so their hand-computed
# binomial p-values stay exact. The dispersion itself is tested in tests/test_est_weekly.py and test_simulation_est.py.
LONG_AGO = date(2020, 1, 1)  # an EST start before every period in these tests
ALL = Coverage(this=True, before=(True,) * 4, last_year=True)


def _p_two_sided(k: int, n: int, p: float) -> float:
    """The exact two-sided binomial p-value by hand: the outcomes no more likely than k."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return sum(value for value in pmf if value <= pmf[k] * (1 + 1e-7))


# Weeks


def test_it_bounds_a_week_in_swedish_time() -> None:
    week = Week(2026, 10)
    assert week.start == datetime(2026, 3, 2, tzinfo=STOCKHOLM)
    assert week.end == datetime(2026, 3, 9, tzinfo=STOCKHOLM)
    assert (week.monday, week.sunday) == (date(2026, 3, 2), date(2026, 3, 8))


def test_it_gives_the_week_of_summer_time_167_hours() -> None:
    week = Week(2026, 13)  # Sweden moves the clock forward on Sunday 29 March 2026
    assert (week.end.astimezone(UTC) - week.start.astimezone(UTC)).total_seconds() == 167 * 3600


def test_it_refuses_weeks_that_do_not_exist() -> None:
    assert parse_week(2025, 60) is None
    assert parse_week(2025, 53) is None  # 2025 has 52 ISO weeks
    assert parse_week(2026, 53) == Week(2026, 53)
    with pytest.raises(ValueError):
        Week(2026, 0)


def test_it_moves_across_the_turn_of_the_year() -> None:
    assert Week(2026, 1).shifted(-1) == Week(2025, 52)
    assert Week(2026, 53).shifted(1) == Week(2027, 1)
    assert Week(2026, 53).same_week_last_year() is None
    assert Week(2026, 10).same_week_last_year() == Week(2025, 10)


# The weekly comparison


def test_it_finds_a_clear_rise_against_the_four_weeks_before() -> None:
    row = week_row("klotter", "Klotter", WeekCounts(12, (1, 1, 1, 1), 2), coverage=ALL, dispersion=POISSON)
    assert (row.this, row.last_week, row.four_week_sum, row.four_week_mean, row.last_year) == (12, 1, 4, 1.0, 2)
    # 12 of 16 reports in a week holding a fifth of the exposure.
    assert row.vs_four_weeks.p_value == pytest.approx(_p_two_sided(12, 16, 0.2))
    assert row.vs_four_weeks.rate_ratio == pytest.approx(12.0)
    assert (row.verdict, row.verdict_label) == ("okning", "ökning")
    assert row.vs_last_year is not None
    assert row.vs_last_year.p_value == pytest.approx(_p_two_sided(12, 14, 0.5))
    assert row.vs_last_year.verdict == "okning"


def test_a_week_under_way_is_cut_at_the_same_weekday_and_hour_on_the_wall_clock() -> None:
    week = Week(2026, 10)
    thursday_noon = datetime(2026, 3, 5, 12, tzinfo=STOCKHOLM)
    assert week.offset(thursday_noon) == timedelta(days=3, hours=12)
    assert week.offset(datetime(2026, 3, 1, tzinfo=STOCKHOLM)) == timedelta(0)
    assert week.offset(datetime(2026, 4, 1, tzinfo=STOCKHOLM)) == timedelta(days=7)
    assert week.shifted(-1).until(week.offset(thursday_noon)) == datetime(2026, 2, 26, 12, tzinfo=STOCKHOLM)
    assert week.until(timedelta(days=7)) == week.end
    # The counts are already cut, so they compare 1 : 4 like whole weeks (not scaled by clock time).
    part = week_row("klotter", "Klotter", WeekCounts(4, (2, 2, 2, 2), 8), coverage=ALL, dispersion=POISSON)
    assert part.vs_four_weeks.rate_ratio == pytest.approx(2.0)
    to_come = week_row("klotter", "Klotter", WeekCounts(0, (2, 2, 2, 2), 8), coverage=ALL, to_come=True)
    assert to_come.verdict == "inga_data" and to_come.vs_four_weeks.p_value is None  # it has no data yet


def test_the_same_part_of_a_week_is_wall_clock_time_across_a_change_of_clock() -> None:
    spring = Week(2026, 13)  # Sunday 29 March 2026: 02:00 becomes 03:00, the week has 167 hours
    after = Week(2026, 14)
    sunday_noon = datetime(2026, 4, 5, 12, tzinfo=STOCKHOLM)
    offset = after.offset(sunday_noon)
    assert offset == timedelta(days=6, hours=12)
    # In the spring week the same offset is Sunday 12:00 summer time: 155 real hours after Monday 00:00, not 156.
    cut = spring.until(offset)
    assert cut == datetime(2026, 3, 29, 12, tzinfo=STOCKHOLM)
    assert (cut.astimezone(UTC) - spring.start.astimezone(UTC)).total_seconds() == 155 * 3600
    # 02:30 on the spring night never happened: the part ends when the clock jumps past it, at 03:00 (01:00 UTC).
    assert spring.until(timedelta(days=6, hours=2, minutes=30)).astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    # 02:30 on the autumn night happens twice: the part ends the first time (00:30 UTC, summer time).
    autumn = Week(2026, 43)
    assert autumn.until(timedelta(days=6, hours=2, minutes=30)).astimezone(UTC) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_it_says_no_certain_change_for_small_numbers() -> None:
    row = week_row("klotter", "Klotter", WeekCounts(3, (1, 2, 1, 2), None), coverage=ALL, dispersion=POISSON)
    assert row.verdict_label == "ingen tydlig förändring"
    assert row.vs_last_year is None


def test_it_tallies_counts_by_weeks_back() -> None:
    rows = [("a", 0, True, 5), ("a", 1, True, 2), ("a", 1, False, 1), ("a", 4, True, 1), ("a", -1, True, 3)]
    rows += [("b", 2, True, 7), ("b", 20, False, 4)]
    found = tally(rows, has_last_year=True)
    history_a = (3, 0, 0, 1) + (0,) * 22  # whole weeks, early or not
    assert found["a"] == WeekCounts(5, (2, 0, 0, 1), 3, history_a)
    assert found["b"] == WeekCounts(0, (0, 7, 0, 0), 0, (0, 7) + (0,) * 17 + (4,) + (0,) * 6)
    assert total(found.values(), True).before == (2, 7, 0, 1)
    assert total(found.values(), True).history[:2] == (3, 7)
    assert tally(rows, has_last_year=False)["a"].last_year is None


def test_it_finds_repeat_places_by_the_week_or_the_four_weeks() -> None:
    this_week = {"a": 2, "b": 1, "c": 1}
    four_weeks = {"a": 2, "b": 3, "c": 2, "d": 1}
    assert repeat_places(this_week, four_weeks) == [("a", 2, 2), ("b", 1, 3)]


# Periods


def test_it_reads_years_and_quarters() -> None:
    quarter = Period.parse("2026k1")
    assert (quarter.start, quarter.end, quarter.code) == (date(2026, 1, 1), date(2026, 4, 1), "2026K1")
    assert quarter.previous() == Period(2025, 4)
    assert quarter.year_earlier() == Period(2025, 1)
    assert Period.parse("2025K4").end == date(2026, 1, 1)
    assert Period.parse("2026").previous() == Period(2025)
    for wrong in ("2026K5", "26", "2026-1", ""):
        with pytest.raises(ValueError):
            Period.parse(wrong)


def test_it_compares_a_running_period_on_the_days_elapsed() -> None:
    windows = period_windows(Period(2026, 2), today=date(2026, 4, 10))
    assert windows.partial
    assert (windows.this.start, windows.this.end) == (date(2026, 4, 1), date(2026, 4, 11))
    assert (windows.previous.start, windows.previous.end) == (date(2026, 1, 1), date(2026, 1, 11))
    assert windows.year_earlier is not None
    assert (windows.year_earlier.start, windows.year_earlier.end) == (date(2025, 4, 1), date(2025, 4, 11))
    whole = period_windows(Period(2025), today=date(2026, 4, 10))
    assert not whole.partial and whole.year_earlier is None and whole.this.days == 365
    with pytest.raises(ValueError):
        period_windows(Period(2027), today=date(2026, 4, 10))


def test_it_uses_the_lengths_of_the_periods_as_exposure() -> None:
    windows = period_windows(Period(2026, 1), today=date(2026, 6, 1))  # 90 days against Q4's 92
    assert (windows.this.days, windows.previous.days) == (90, 92)
    row = area_row("x", "X", [90, 92, 45], windows, start=LONG_AGO, dispersion=POISSON)
    assert row.vs_previous.rate_ratio == pytest.approx((90 / 90) / (92 / 92))
    assert row.vs_year_earlier is not None and row.vs_year_earlier.verdict == "okning"


def _row(label: str, this: int, previous: int, rose: bool) -> AreaRow:
    windows = period_windows(Period(2025), today=date(2026, 1, 1))
    found = area_row(label, label, [this, previous, None], windows, start=LONG_AGO, dispersion=POISSON)
    assert found.rose == rose
    return found


def test_it_ranks_certain_rises_first_then_by_count() -> None:
    many_steady = _row("Centrum", 50, 48, rose=False)
    rising = _row("Väster", 20, 4, rose=True)
    few = _row("Öster", 5, 1, rose=False)
    tie = _row("Norr", 5, 3, rose=False)  # as many as Öster, but a smaller rise
    assert [r.label for r in rank_areas([tie, many_steady, few, rising])] == ["Väster", "Centrum", "Öster", "Norr"]


# Effect


def test_it_counts_before_and_after_a_decision() -> None:
    decided = date(2026, 3, 2)
    days = [
        date(2026, 1, 5),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 3, 2),
        date(2026, 4, 26),
        date(2026, 4, 27),
    ]
    found = effect(days, decided, weeks=8, today=date(2026, 12, 1), start=LONG_AGO)
    # Before: 5 January to 1 March; after: 2 March to 26 April (27 April is outside).
    assert (found.before, found.after, found.before_days, found.after_days) == (3, 2, 56, 56)
    assert found.complete and found.change == -1
    assert found.comparison is not None and found.comparison.verdict == "ingen_saker_forandring"


def test_it_compares_a_running_after_window_per_day() -> None:
    found = effect([date(2026, 3, 3)] * 7, date(2026, 3, 2), weeks=8, today=date(2026, 3, 8), start=LONG_AGO)
    assert (found.after_days, found.complete) == (7, False)
    assert found.comparison is not None and found.comparison.rate_ratio == math.inf
    not_started = effect([], date(2026, 3, 2), weeks=8, today=date(2026, 3, 1), start=LONG_AGO)
    assert not_started.comparison is None


# No data is not zero


def test_the_est_starts_on_the_earlier_of_the_recorded_start_and_the_first_report() -> None:
    first = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # Monday 2 March 00:30 in Sweden
    assert est_start(None, first) == date(2026, 3, 2)
    assert est_start(date(2026, 1, 15), first) == date(2026, 1, 15)
    assert est_start(date(2026, 4, 1), first) == date(2026, 3, 2)
    assert est_start(None, None) is None
    assert not has_data(date(2026, 3, 1), date(2026, 3, 2))
    assert has_data(date(2026, 3, 2), date(2026, 3, 2))
    assert not has_data(date(2030, 1, 1), None)  # nothing has data before the EST has started


def test_a_partnership_three_weeks_into_est_has_no_four_weeks_or_last_year_to_compare_with() -> None:
    week = Week(2026, 10)
    started = week.shifted(-3).monday  # the EST started on the Monday three weeks ago
    coverage = Coverage.of(week, started)
    assert (coverage.this, coverage.before, coverage.last_year) == (True, (True, True, True, False), False)
    # Twelve reports against none in the weeks before: read as zeros, that would be a certain rise.
    row = week_row("klotter", "Klotter", WeekCounts(12, (1, 0, 0, 0), 0), coverage=coverage, dispersion=POISSON)
    assert (row.this, row.last_week, row.four_week_sum, row.four_week_mean, row.last_year) == (12, 1, None, None, None)
    assert (row.verdict, row.verdict_label) == ("inga_data", "ingen jämförelse (inga data)")
    assert row.vs_last_year is not None and row.vs_last_year.verdict == "inga_data"
    assert row.vs_four_weeks.p_value is None and row.vs_last_year.p_value is None
    zeros = week_row("klotter", "Klotter", WeekCounts(12, (1, 0, 0, 0), 0), coverage=ALL, dispersion=POISSON)
    assert zeros.verdict == "okning"  # the same counts with data: the difference is the whole point


def test_the_first_week_of_est_has_no_data_and_a_week_before_it_none_either() -> None:
    started = date(2026, 3, 4)  # a Wednesday
    assert not Coverage.of(Week(2026, 10), started).this  # the week of the start began before it
    later = Coverage.of(Week(2026, 11), started)
    assert (later.this, later.before, later.last_year) == (True, (False, False, False, False), False)
    row = week_row(
        "klotter",
        "Klotter",
        WeekCounts(3, (5, 0, 0, 0), 0),
        coverage=Coverage.of(Week(2026, 10), started),
        dispersion=POISSON,
    )
    assert row.verdict == "inga_data"


def test_a_week_53_has_no_last_year_rather_than_no_data() -> None:
    coverage = Coverage.of(Week(2026, 53), LONG_AGO)
    row = week_row("klotter", "Klotter", WeekCounts(3, (1, 2, 1, 2), None), coverage=coverage, dispersion=POISSON)
    assert (coverage.last_year, row.vs_last_year, row.verdict) == (False, None, "ingen_saker_forandring")


def test_an_area_period_before_the_est_started_has_no_data() -> None:
    windows = period_windows(Period(2026, 2), today=date(2026, 6, 30))
    started = date(2026, 2, 10)  # after the period before (Q1) began, long after Q2 2025
    row = area_row("x", "X", [30, 0, 0], windows, start=started)
    assert (row.this, row.previous, row.year_earlier, row.rise) == (30, None, None, None)
    assert row.vs_previous.verdict == "inga_data" and not row.rose
    assert row.vs_year_earlier is not None and row.vs_year_earlier.label == "ingen jämförelse (inga data)"
    before_any = area_row("x", "X", [30, 0, 0], windows, start=date(2026, 5, 1))
    assert before_any.vs_previous.verdict == "inga_data"  # this quarter began before the start too
    counted = area_row("x", "X", [30, 0, 0], windows, start=date(2025, 1, 1))
    assert (counted.previous, counted.year_earlier, counted.vs_previous.verdict) == (0, 0, "okning")


def test_it_ranks_an_unknown_rise_after_the_known_ones() -> None:
    windows = period_windows(Period(2026, 2), today=date(2026, 6, 30))
    known_rise = area_row("a", "Ängen", [5, 5, 0], windows, start=LONG_AGO)
    unknown = area_row("b", "Backen", [5, 0, 0], windows, start=date(2026, 2, 1))
    assert unknown.rise is None
    assert [row.key for row in rank_areas([unknown, known_rise])] == ["a", "b"]


def test_an_action_decided_soon_after_the_est_started_has_no_before_to_compare_with() -> None:
    decided = date(2026, 3, 2)
    days = [date(2026, 3, 3)] * 9
    found = effect(days, decided, weeks=8, today=date(2026, 12, 1), start=date(2026, 2, 1))
    assert (found.before, found.after, found.change) == (None, 9, None)
    assert found.comparison is not None and found.comparison.verdict == "inga_data"
    counted = effect(days, decided, weeks=8, today=date(2026, 12, 1), start=date(2026, 1, 5))
    assert (counted.before, counted.comparison and counted.comparison.verdict) == (0, "okning")


# Before and after against a control


CONTROL = [(3, 2), (8, 5), (5, 6), (12, 7), (2, 3), (9, 9), (6, 4), (4, 2)]


def test_the_controlled_comparison_is_a_prediction_from_the_control_places() -> None:
    import statsmodels.api as sm
    from scipy.stats import t as t_dist

    from lofte.analysis.est import controlled

    found = controlled(20, 6, CONTROL)
    assert found is not None and found.places == 8
    # Reference: statsmodels OLS of √(after + 3/8) on √(before + 3/8) over the control places, and the prediction
    # interval's standard error for the action's place, with the residual variance raised to the Poisson ¼ (these
    # control places scatter less than Poisson counts would).
    x = np.sqrt(np.array([b for b, _a in CONTROL]) + 3 / 8)
    y = np.sqrt(np.array([a for _b, a in CONTROL]) + 3 / 8)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    assert fit.scale < 0.25
    prediction = fit.get_prediction(np.array([[1.0, math.sqrt(20 + 3 / 8)]]))
    error = math.sqrt(0.25 * (1 + prediction.se_mean[0] ** 2 / fit.scale))
    statistic = (math.sqrt(6 + 3 / 8) - prediction.predicted_mean[0]) / error
    assert found.p_value == pytest.approx(2 * t_dist.sf(abs(statistic), 6))
    assert found.expected == pytest.approx(prediction.predicted_mean[0] ** 2 - 3 / 8)
    assert found.ci_low is not None and found.ci_high is not None and found.ratio is not None
    assert found.ci_low < found.ratio < found.ci_high
    # 20 → 6 looks like a fall of 70 %, but the busy control places fell too: not a clear change.
    assert found.verdict == "ingen_saker_forandring"
    assert compare_periods(20, 6, dispersion=POISSON).verdict == "minskning"  # what the plain before/after said


def test_the_controlled_comparison_needs_five_control_places() -> None:
    from lofte.analysis.est import controlled

    assert controlled(20, 6, CONTROL[:4]) is None
    decided = date(2026, 3, 2)
    places = [[date(2026, 2, 1)] * b + [date(2026, 3, 10)] * a for b, a in CONTROL]
    found = effect(
        [date(2026, 2, 1)] * 20 + [date(2026, 3, 10)] * 6, decided, 8, date(2026, 12, 1), start=LONG_AGO, control=places
    )
    assert (found.before, found.after, found.control_before, found.control_after) == (20, 6, 49, 38)
    assert found.control_places == 8 and found.controlled is not None
    assert found.controlled.verdict == "ingen_saker_forandring"


def test_the_area_ranking_uses_the_corrected_verdicts() -> None:
    from lofte.analysis.est import correct_areas

    windows = period_windows(Period(2025), today=date(2026, 1, 1))
    # Alone, 20 against 6 is a rise at p ≈ 0.009; among ten flat areas the table's correction takes it back.
    rising = area_row("v", "Väster", [20, 6, None], windows, start=LONG_AGO, dispersion=POISSON)
    assert rising.rose
    flat = [area_row(f"f{n}", f"F{n}", [10, 10, None], windows, start=LONG_AGO, dispersion=POISSON) for n in range(9)]
    corrected = correct_areas([rising, *flat])
    assert not corrected[0].rose and corrected[0].vs_previous.verdict_alone == "okning"
    assert corrected[0].vs_previous.p_value == rising.vs_previous.p_value  # the unadjusted p is kept
