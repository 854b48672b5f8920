from __future__ import annotations

import math

import pytest
from scipy.stats import beta

from lofte.analysis.significance import compare_periods, exact_rate_ratio

# Brå, anmälda brott, Mjölby kommun (0586).
BOSTADSINBROTT_2024, BOSTADSINBROTT_2025 = 176, 75
TOTALT_2023, TOTALT_2025 = 2894, 2875


def _binomial_p_value(k: int, n: int, p: float) -> float:
    """Two-sided p-value as the sum of outcomes no more likely than k, computed with math.comb."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return sum(value for value in pmf if value <= pmf[k] * (1 + 1e-7))


def test_it_finds_the_fall_in_burglaries_in_mjolby() -> None:
    result = compare_periods(BOSTADSINBROTT_2024, BOSTADSINBROTT_2025)
    assert (result.verdict, result.label) == ("minskning", "minskning")
    assert result.p_value is not None and result.p_value < 0.001
    assert result.rate_ratio == pytest.approx(75 / 176)
    assert result.ci_high is not None and result.ci_high < 1


def test_it_finds_no_certain_change_in_all_reported_crime_in_mjolby() -> None:
    result = compare_periods(float(TOTALT_2023), float(TOTALT_2025))
    assert (result.verdict, result.label) == ("ingen_saker_forandring", "ingen tydlig förändring")
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low < 1 < result.ci_high


def test_it_matches_a_hand_computed_p_value() -> None:
    result = compare_periods(3, 12)
    # Outcomes at least as extreme as 12 of 15: 0–3 and 12–15, 2 × (1 + 15 + 105 + 455) / 2**15.
    assert result.p_value == pytest.approx(2 * 576 / 2**15)
    assert result.p_value == pytest.approx(_binomial_p_value(12, 15, 0.5))
    assert (result.rate_ratio, result.verdict) == (4.0, "okning")


def test_it_uses_the_populations_as_exposures() -> None:
    result = compare_periods(3, 12, earlier_exposure=1000, later_exposure=2000)
    assert result.p_value == pytest.approx(_binomial_p_value(12, 15, 2 / 3))
    assert result.rate_ratio == pytest.approx(2.0)
    assert result.verdict == "ingen_saker_forandring"


def test_it_transforms_the_clopper_pearson_interval() -> None:
    result = exact_rate_ratio(3, 12)
    low, high = beta.ppf(0.025, 12, 4), beta.ppf(0.975, 13, 3)
    assert result.ci_low == pytest.approx(low / (1 - low))
    assert result.ci_high == pytest.approx(high / (1 - high))


def test_it_follows_the_chosen_significance_level() -> None:
    assert compare_periods(3, 12, alpha=0.01).verdict == "ingen_saker_forandring"


def test_it_sees_no_change_between_two_zeros() -> None:
    result = compare_periods(0, 0)
    assert (result.p_value, result.rate_ratio, result.verdict) == (1.0, None, "ingen_saker_forandring")


def test_it_handles_one_zero() -> None:
    rise = compare_periods(0, 5)
    assert (rise.rate_ratio, rise.ci_high, rise.p_value) == (math.inf, math.inf, pytest.approx(2 / 32))
    fall = compare_periods(12, 0)
    assert (fall.rate_ratio, fall.ci_low, fall.verdict) == (0.0, 0.0, "minskning")


def test_it_says_no_data_rather_than_a_change_for_missing_data() -> None:
    for result in (
        compare_periods(None, 12),
        compare_periods(3, None),
        compare_periods(None, 0),
        compare_periods(3, 12, later_exposure=None),
        compare_periods(3, 12, earlier_exposure=0),
    ):
        assert (result.verdict, result.label) == ("inga_data", "ingen jämförelse (inga data)")
        assert (result.p_value, result.rate_ratio, result.ci_low, result.ci_high) == (None, None, None, None)
        assert not result.has_data
    assert compare_periods(None, 12).later == 12


def test_a_missing_period_is_not_a_period_of_zero() -> None:
    # Twelve against nothing is a certain rise; twelve against no data is no comparison at all.
    assert compare_periods(0, 12).verdict == "okning"
    assert compare_periods(None, 12).verdict == "inga_data"
    assert compare_periods(0, 12).has_data


def test_it_refuses_counts_that_are_not_counts() -> None:
    with pytest.raises(ValueError, match="not a count"):
        compare_periods(2.5, 3)
    with pytest.raises(ValueError, match="not a count"):
        compare_periods(-1, 3)


def test_it_can_leave_the_interval_out_without_changing_the_test() -> None:
    full = compare_periods(143, 75, earlier_exposure=28_000, later_exposure=28_823)
    quick = compare_periods(143, 75, earlier_exposure=28_000, later_exposure=28_823, interval=False)
    assert (quick.p_value, quick.rate_ratio, quick.verdict) == (full.p_value, full.rate_ratio, full.verdict)
    assert (quick.ci_low, quick.ci_high) == (None, None)
    assert full.ci_low is not None and full.ci_high is not None
