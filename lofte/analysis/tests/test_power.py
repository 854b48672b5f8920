"""The smallest change a baseline lets the change test call clear, against the test itself and scipy/statsmodels."""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.stats import binomtest, nbinom, poisson
from scipy.stats import f as f_distribution

from lofte.analysis.power import POWER, Detectable, can_be_shown, detectable_change, target_change_pct
from lofte.analysis.significance import compare_periods
from lofte.analysis.variation import ASSUMED_YEARLY, POISSON, Dispersion, estimate

BRA = (
    Path(__file__).resolve().parents[2]
    / "statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


def _series(kommun: str, key: str) -> dict[int, tuple[int, float]]:
    """Brå's yearly count and the population its rate per 100 000 implies, per year."""
    with BRA.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter=";") if (row["kommun"], row["key"]) == (kommun, key)]
    return {int(r["period"]): (int(r["count"]), int(r["count"]) * 100_000 / float(r["per100k"])) for r in rows}


def _history_dispersion(kommun: str, key: str, baseline: int) -> Dispersion:
    """As a goal on `baseline` reads it: the baseline year and the nine before it."""
    series = _series(kommun, key)
    years = range(baseline - 9, baseline + 1)
    return estimate([series[y][0] for y in years], [series[y][1] for y in years])


def _quasi_p(base: int, later: int, phi: float, df: float) -> float:
    """The calibrated p-value by hand: max(exact binomial, F(1, df) of the likelihood-ratio statistic over φ)."""
    mean = (base + later) / 2
    deviance = 2 * sum(c * math.log(c / mean) for c in (base, later) if c > 0)
    return max(binomtest(later, base + later, 0.5).pvalue, f_distribution.sf(deviance / phi, 1, df))


def _verdict(base: int, later: int, dispersion: Dispersion = POISSON) -> str:
    return compare_periods(base, later, dispersion=dispersion, interval=False).verdict


def test_it_finds_mullsjos_poisson_limits_of_minus_59_and_plus_77_percent() -> None:
    found = detectable_change(22)
    assert (found.fall, found.rise) == (9, 39)
    assert (round(found.fall_pct or 0), round(found.rise_pct or 0)) == (-59, 77)
    # scipy's exact test of the split given the total: 9 of 31 and 39 of 61 are clear at 5 %, 10 and 38 are not.
    assert binomtest(9, 31, 0.5).pvalue < 0.05 <= binomtest(10, 32, 0.5).pvalue
    assert binomtest(39, 61, 0.5).pvalue < 0.05 <= binomtest(38, 60, 0.5).pvalue


def test_it_finds_no_clear_fall_at_all_for_mullsjos_burglaries_with_their_own_variation() -> None:
    dispersion = _history_dispersion("0642", "burglary", 2024)
    series = _series("0642", "burglary")
    years = list(range(2015, 2025))
    design = sm.add_constant(np.arange(len(years), dtype=float))
    fit = sm.GLM(
        np.array([series[y][0] for y in years], float),
        design,
        family=sm.families.Poisson(),
        offset=np.log([series[y][1] for y in years]),
    ).fit()
    assert (dispersion.phi, dispersion.df) == (pytest.approx(fit.pearson_chi2 / fit.df_resid), 8)
    assert dispersion.phi == pytest.approx(5.96, abs=0.01)
    found = detectable_change(22, dispersion=dispersion)
    # Even none at all is within the usual variation: 2 × 22 × log 2 / φ against F(1, 8) gives p ≈ 0.053.
    assert found.fall is None and found.fall_pct is None
    assert _quasi_p(22, 0, dispersion.phi, dispersion.df) == pytest.approx(0.053, abs=0.001)
    assert (found.rise, round(found.rise_pct or 0)) == (77, 250)
    assert _quasi_p(22, 77, dispersion.phi, 8) < 0.05 <= _quasi_p(22, 76, dispersion.phi, 8)


def test_it_finds_mullsjos_limits_from_2023_with_their_own_variation() -> None:
    dispersion = _history_dispersion("0642", "burglary", 2023)
    assert dispersion.phi == pytest.approx(5.36, abs=0.01)
    found = detectable_change(31, dispersion=dispersion)
    assert (found.fall, found.rise) == (2, 89)
    assert (round(found.fall_pct or 0), round(found.rise_pct or 0)) == (-94, 187)
    assert _quasi_p(31, 2, dispersion.phi, 8) < 0.05 <= _quasi_p(31, 3, dispersion.phi, 8)
    assert _quasi_p(31, 89, dispersion.phi, 8) < 0.05 <= _quasi_p(31, 88, dispersion.phi, 8)


@pytest.mark.parametrize(
    "baseline,dispersion",
    [
        (22, POISSON),
        (22, Dispersion(5.96, 8, 10)),
        (31, Dispersion(5.36, 8, 10)),
        (176, Dispersion(5.7, 8, 10)),
        (569, Dispersion(2.5, 8, 10)),
        (5640, Dispersion(11.9, 8, 10)),
        (39, ASSUMED_YEARLY),
        (3, POISSON),
    ],
)
def test_a_count_just_past_the_limit_is_called_and_one_just_inside_is_not(
    baseline: int, dispersion: Dispersion
) -> None:
    found = detectable_change(baseline, dispersion=dispersion)
    if found.fall is not None:
        assert _verdict(baseline, found.fall, dispersion) == "minskning"
        assert _verdict(baseline, found.fall + 1, dispersion) == "ingen_saker_forandring"
    else:
        assert _verdict(baseline, 0, dispersion) == "ingen_saker_forandring"
    assert _verdict(baseline, found.rise, dispersion) == "okning"
    assert _verdict(baseline, found.rise - 1, dispersion) == "ingen_saker_forandring"


def test_every_count_beyond_the_limits_is_called_and_none_between() -> None:
    """The bisection assumes the verdict changes once on each side; for Mullsjö's counts it does."""
    for baseline, dispersion in ((22, POISSON), (22, Dispersion(5.96, 8, 10)), (31, Dispersion(5.36, 8, 10))):
        found = detectable_change(baseline, dispersion=dispersion)
        for later in range(0, 3 * found.rise):
            called = later <= (found.fall if found.fall is not None else -1) or later >= found.rise
            assert (_verdict(baseline, later, dispersion) != "ingen_saker_forandring") == called, later


def test_it_measures_the_change_in_rates_when_the_populations_differ() -> None:
    found = detectable_change(22, baseline_exposure=7589, exposure=7600)
    result = compare_periods(22, found.rise, earlier_exposure=7589, later_exposure=7600, interval=False)
    assert result.verdict == "okning"
    assert found.rise_pct == pytest.approx(result.change_pct)


def test_the_80_percent_change_is_found_four_times_in_five() -> None:
    found = detectable_change(22)
    assert found.fall is not None and found.fall_pct_power is not None and found.rise_pct_power is not None
    fall_mean = 22 * (1 + found.fall_pct_power / 100)
    rise_mean = 22 * (1 + found.rise_pct_power / 100)
    assert poisson.cdf(found.fall, fall_mean) == pytest.approx(POWER, abs=1e-4)
    assert poisson.sf(found.rise - 1, rise_mean) == pytest.approx(POWER, abs=1e-4)
    assert found.fall_pct_power < (found.fall_pct or 0) and found.rise_pct_power > (found.rise_pct or 0)
    # With φ the later count varies φ times its mean: scipy's negative binomial with n = μ/(φ − 1), p = 1/φ.
    calibrated = detectable_change(176, dispersion=Dispersion(5.7, 8, 10))
    assert calibrated.fall is not None and calibrated.fall_pct_power is not None
    mean = 176 * (1 + calibrated.fall_pct_power / 100)
    assert nbinom.cdf(calibrated.fall, mean / 4.7, 1 / 5.7) == pytest.approx(POWER, abs=1e-4)


def test_it_handles_a_baseline_of_zero_or_one() -> None:
    zero = detectable_change(0)
    assert zero == Detectable(0, None, 6, None, None, None, None, POISSON, 0.05)
    assert binomtest(6, 6, 0.5).pvalue < 0.05 <= binomtest(5, 5, 0.5).pvalue
    one = detectable_change(1)
    assert one.fall is None and _verdict(1, one.rise) == "okning" and _verdict(1, one.rise - 1) != "okning"
    with pytest.raises(ValueError):
        detectable_change(-1)


def test_it_is_fast_for_a_large_count() -> None:
    started = time.perf_counter()
    found = detectable_change(5640, dispersion=Dispersion(11.9, 8, 10))
    assert time.perf_counter() - started < 0.5
    assert (round(found.fall_pct or 0), round(found.rise_pct or 0)) == (-14, 16)


def test_it_reads_a_goals_rule_as_the_change_it_asks_for() -> None:
    assert target_change_pct("lower", "percent", 10, 22) == -10
    assert target_change_pct("higher", "percent", 10, 22) == 10
    assert target_change_pct("lower", "level", 11, 22) == pytest.approx(-50)
    assert target_change_pct("lower", "level", 30, 22) is None  # already met at the baseline
    assert target_change_pct("higher", "level", 33, 22) == pytest.approx(50)
    assert target_change_pct("lower", "baseline", None, 22) == 0


def test_it_says_whether_a_target_can_be_shown_to_be_reached() -> None:
    poisson_limits = detectable_change(22)  # −59 % and +77 %
    assert not can_be_shown(poisson_limits, "lower", -10)
    assert not can_be_shown(poisson_limits, "lower", 0)
    assert can_be_shown(poisson_limits, "lower", -70)
    assert not can_be_shown(poisson_limits, "higher", 50)
    assert can_be_shown(poisson_limits, "higher", 80)
    assert can_be_shown(poisson_limits, "lower", None)
    calibrated = detectable_change(22, dispersion=_history_dispersion("0642", "burglary", 2024))
    assert not can_be_shown(calibrated, "lower", -70)
    assert not can_be_shown(calibrated, "lower", -100)
