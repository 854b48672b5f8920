"""The dispersion a series' history shows, and the calibrated change test that uses it, against statsmodels."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.stats import f as f_distribution

from lofte.analysis.multiple import BH, HOLM, adjust, correct
from lofte.analysis.significance import compare_periods
from lofte.analysis.variation import ASSUMED_YEARLY, POISSON, Dispersion, estimate, history

BRA = (
    Path(__file__).resolve().parents[2]
    / "statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


def _series(kommun: str, key: str) -> dict[int, tuple[int, float]]:
    """Brå's yearly count and the population its rate per 100 000 implies, per year."""
    with BRA.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter=";") if (row["kommun"], row["key"]) == (kommun, key)]
    return {int(r["period"]): (int(r["count"]), int(r["count"]) * 100_000 / float(r["per100k"])) for r in rows}


def _calibrated(kommun: str, key: str, year: int):
    series = _series(kommun, key)
    years = range(year - 10, year)
    dispersion = estimate([series[y][0] for y in years], [series[y][1] for y in years])
    earlier, later = series[year - 1], series[year]
    result = compare_periods(
        earlier[0], later[0], earlier_exposure=earlier[1], later_exposure=later[1], dispersion=dispersion
    )
    return dispersion, result


def _statsmodels_dispersion(counts: list[int], exposures: list[float]) -> tuple[float, float]:
    design = sm.add_constant(np.arange(len(counts), dtype=float))
    fit = sm.GLM(np.array(counts, float), design, family=sm.families.Poisson(), offset=np.log(exposures)).fit()
    return fit.pearson_chi2 / fit.df_resid, fit.df_resid


def test_motala_totalt_2024_to_2025_is_within_its_usual_variation() -> None:
    dispersion, result = _calibrated("0583", "total", 2025)
    series = _series("0583", "total")
    phi, df = _statsmodels_dispersion(
        [series[y][0] for y in range(2015, 2025)], [series[y][1] for y in range(2015, 2025)]
    )
    assert (dispersion.phi, dispersion.df) == (pytest.approx(phi), df)
    assert dispersion.phi == pytest.approx(11.9, abs=0.1)
    poisson = compare_periods(5640, 5322, earlier_exposure=series[2024][1], later_exposure=series[2025][1])
    assert (poisson.verdict, round(poisson.p_value or 1, 3)) == ("minskning", 0.008)
    assert result.verdict == "ingen_saker_forandring"
    assert result.p_value == pytest.approx(0.466, abs=0.005)


def test_mjolby_bostadsinbrott_2024_to_2025_is_still_a_fall() -> None:
    dispersion, result = _calibrated("0586", "burglary", 2025)
    assert (result.earlier, result.later) == (176, 75)
    assert result.verdict == "minskning"
    assert result.p_value == pytest.approx(0.026, abs=0.002)
    assert result.ci_high is not None and result.ci_high < 1
    assert dispersion.phi == pytest.approx(5.7, abs=0.1) and dispersion.df == 8


@pytest.mark.filterwarnings("ignore")  # two points fit a two-parameter model exactly
def test_the_f_test_equals_statsmodels_quasi_poisson_deviance_test() -> None:
    counts, exposures, phi, df = np.array([176.0, 75.0]), np.array([33_000.0, 33_200.0]), 5.7, 8.0
    offset = np.log(exposures)
    full = sm.GLM(counts, sm.add_constant(np.array([0.0, 1.0])), family=sm.families.Poisson(), offset=offset).fit()
    null = sm.GLM(counts, np.ones((2, 1)), family=sm.families.Poisson(), offset=offset).fit()
    expected = f_distribution.sf((null.deviance - full.deviance) / phi, 1, df)
    result = compare_periods(
        176, 75, earlier_exposure=33_000, later_exposure=33_200, dispersion=Dispersion(phi, df, 10)
    )
    assert result.p_value == pytest.approx(expected)


def test_of_180_real_year_on_year_pairs_few_are_called_a_change() -> None:
    called = poisson_called = 0
    for kommun in ("0583", "0586", "0642"):
        for key in ("burglary", "drugs_weapons", "person", "theft", "total", "vandalism"):
            series = _series(kommun, key)
            for year in range(2016, 2026):
                years = range(year - 10, year)
                dispersion = estimate([series[y][0] for y in years], [series[y][1] for y in years])
                (c1, e1), (c2, e2) = series[year - 1], series[year]
                called += (
                    compare_periods(c1, c2, earlier_exposure=e1, later_exposure=e2, dispersion=dispersion).verdict
                    != "ingen_saker_forandring"
                )
                poisson_called += (
                    compare_periods(c1, c2, earlier_exposure=e1, later_exposure=e2).verdict != "ingen_saker_forandring"
                )
    assert poisson_called == 76
    assert called <= 9


def test_a_calm_history_is_never_read_as_calmer_than_poisson() -> None:
    dispersion = estimate([100, 100, 100, 100, 100, 100])
    assert dispersion.phi == 1.0 and dispersion.df == 4
    calibrated, exact = compare_periods(100, 140, dispersion=dispersion).p_value, compare_periods(100, 140).p_value
    assert calibrated is not None and exact is not None and calibrated >= exact


def test_a_short_history_gets_the_stated_fallback() -> None:
    assert estimate([120, 130, 110, 125]) is ASSUMED_YEARLY
    assert estimate([0, 0, 0, 4, 0, 0]) is ASSUMED_YEARLY
    assert estimate([120, None, 130, None, 110, 125], fallback=POISSON) is POISSON
    assert ASSUMED_YEARLY.assumed and POISSON.is_poisson and not ASSUMED_YEARLY.is_poisson


def test_a_gap_keeps_its_place_in_the_history() -> None:
    assert history([(2019, 5.0), (2021, 7.0), (2022, 9.0), (2023, 1.0)], before=2022) == [5.0, None, 7.0, 9.0]
    assert history([(2023, 1.0)], before=2022) == []


def test_the_interval_is_never_narrower_than_the_exact_one() -> None:
    exact = compare_periods(176, 75)
    wide = compare_periods(176, 75, dispersion=Dispersion(5.7, 8, 10))
    assert None not in (wide.ci_low, wide.ci_high, exact.ci_low, exact.ci_high)
    assert wide.ci_low <= exact.ci_low and wide.ci_high >= exact.ci_high  # type: ignore[operator]
    zero = compare_periods(0, 6, dispersion=Dispersion(3, 8, 10))
    assert zero.ci_high == math.inf and zero.verdict == "ingen_saker_forandring"


def test_a_dispersion_below_poisson_is_refused() -> None:
    with pytest.raises(ValueError):
        Dispersion(0.5, 4, 6)


def test_many_tests_are_adjusted_as_statsmodels_does() -> None:
    p = [0.01, None, 0.04, 0.03, 0.2]
    assert adjust(p, BH) == [
        pytest.approx(0.04),
        None,
        pytest.approx(0.0533, abs=1e-3),
        pytest.approx(0.0533, abs=1e-3),
        pytest.approx(0.2),
    ]
    assert adjust(p, HOLM)[0] == pytest.approx(0.04)
    assert adjust([None, None]) == [None, None]


def test_a_corrected_table_keeps_what_each_comparison_said_alone() -> None:
    rows = correct([compare_periods(100, 134), compare_periods(100, 101), None, compare_periods(None, 4)])
    first = rows[0]
    assert first is not None and first.verdict_alone == "okning" and first.verdict == "ingen_saker_forandring"
    assert first.p_value is not None and first.p_adjusted == pytest.approx(min(1.0, first.p_value * 2))
    assert rows[2] is None and rows[3] is not None and rows[3].verdict == "inga_data" and rows[3].p_adjusted is None
