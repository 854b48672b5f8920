from __future__ import annotations

import math

import pytest

from lofte.analysis.trend import poisson_trend

# Brå, anmälda brott totalt, Mjölby kommun 2015–2025, and the population behind Brå's rate per 100 000.
MJOLBY_TOTALT = [1909, 2013, 2245, 2463, 2504, 2970, 2620, 2672, 2894, 3023, 2875]
MJOLBY_PER_100K = [7200, 7552, 8357, 9056, 9084, 10661, 9319, 9418, 10146, 10558, 9997]
MJOLBY_POPULATION = [count * 100_000 / rate for count, rate in zip(MJOLBY_TOTALT, MJOLBY_PER_100K, strict=True)]


def test_it_recovers_an_exact_exponential_series() -> None:
    result = poisson_trend([1000 * 1.1**year for year in range(6)])
    assert result is not None
    assert result.ratio == pytest.approx(1.1)
    assert result.ci_low < 1.1 < result.ci_high
    assert (result.periods, result.verdict, result.label) == (6, "okning", "ökning")


def test_it_finds_no_certain_change_in_a_flat_series() -> None:
    result = poisson_trend([100, 100, 100, 100, 100])
    assert result is not None
    assert result.ratio == pytest.approx(1.0)
    assert result.p_value == pytest.approx(1.0)
    assert result.verdict == "ingen_saker_forandring"


def test_it_models_the_rate_when_given_populations() -> None:
    # Counts double because the population doubles: the rate per inhabitant is flat.
    result = poisson_trend([100, 200, 400, 800, 1600], [1_000, 2_000, 4_000, 8_000, 16_000])
    assert result is not None
    assert result.ratio == pytest.approx(1.0)
    assert result.verdict == "ingen_saker_forandring"


def test_it_finds_a_falling_trend() -> None:
    result = poisson_trend([800, 400, 200, 100, 50])
    assert result is not None
    assert (result.ratio, result.verdict) == (pytest.approx(0.5), "minskning")


def test_it_widens_the_interval_for_overdispersed_counts() -> None:
    smooth = poisson_trend([100, 110, 121, 133, 146, 161])
    noisy = poisson_trend([100, 140, 95, 150, 120, 170])
    assert smooth is not None and noisy is not None
    assert smooth.dispersion < 1 < noisy.dispersion
    # Same counts in total, so a Poisson interval would be about as wide; the noise must widen it.
    assert math.log(noisy.ci_high / noisy.ci_low) > 2 * math.log(smooth.ci_high / smooth.ci_low)


def test_it_reads_the_real_mjolby_series_as_rising() -> None:
    result = poisson_trend(MJOLBY_TOTALT, MJOLBY_POPULATION)
    assert result is not None
    assert result.dispersion > 1
    assert result.ratio == pytest.approx(1.032, abs=0.001)
    assert result.verdict == "okning"


def test_it_keeps_gaps_in_their_place_in_time() -> None:
    result = poisson_trend([100, None, 400, 800, 1600, 3200])
    assert result is not None
    assert (result.periods, result.ratio) == (5, pytest.approx(2.0))


def test_it_needs_five_usable_periods() -> None:
    assert poisson_trend([100, 110, 120, 130]) is None
    assert poisson_trend([100, 110, None, 120, 130]) is None
    assert poisson_trend([100, 110, 120, 130, 140], [1000, 1000, 0, 1000, None]) is None


def test_it_gives_no_trend_when_counts_appear_in_only_one_period() -> None:
    assert poisson_trend([0, 0, 0, 0, 0]) is None
    assert poisson_trend([0, 0, 0, 0, 5]) is None


def test_it_refuses_populations_of_another_length() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        poisson_trend([1, 2, 3, 4, 5], [1, 2, 3])


def test_it_gives_the_change_per_period_in_percent() -> None:
    trend = poisson_trend([100, 110, 121, 133.1, 146.41, 161.051])
    assert trend is not None
    assert round(trend.change_pct, 6) == 10.0
