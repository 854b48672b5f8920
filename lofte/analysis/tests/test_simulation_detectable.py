"""Simulation: the detectable change a goal page shows is what the change test then finds.

Later counts are drawn with fixed seeds as negative binomial counts whose variance is φ times their mean (the
overdispersion of real Brå series), from a baseline held at its observed value, as when a goal is set. Each drawn
count is judged by compare_periods itself (once per distinct count), not by the threshold, so the test checks the
threshold and the power against the verdict."""

from __future__ import annotations

import numpy as np
import pytest

from lofte.analysis.power import POWER, detectable_change
from lofte.analysis.significance import compare_periods
from lofte.analysis.variation import Dispersion

REPLICATIONS = 4000
CASES = [(22, Dispersion(1.0, float("inf"), 0)), (176, Dispersion(5.7, 8, 10)), (569, Dispersion(4.0, 8, 10))]


def _draw(rng: np.random.Generator, mean: float, phi: float) -> np.ndarray:
    if phi == 1:
        return rng.poisson(mean, REPLICATIONS)
    return rng.negative_binomial(mean / (phi - 1), 1 / phi, REPLICATIONS)


def _share_called(baseline: int, counts: np.ndarray, dispersion: Dispersion, verdict: str) -> float:
    values, times = np.unique(counts, return_counts=True)
    called = [
        compare_periods(baseline, int(v), dispersion=dispersion, interval=False).verdict == verdict for v in values
    ]
    return float(times[np.array(called)].sum() / len(counts))


@pytest.mark.parametrize("baseline,dispersion", CASES)
def test_a_true_change_of_the_power_size_is_found_four_times_in_five(baseline: int, dispersion: Dispersion) -> None:
    rng = np.random.default_rng(baseline)
    found = detectable_change(baseline, dispersion=dispersion)
    assert found.fall_pct_power is not None and found.rise_pct_power is not None
    for pct, verdict in ((found.fall_pct_power, "minskning"), (found.rise_pct_power, "okning")):
        counts = _draw(rng, baseline * (1 + pct / 100), dispersion.phi)
        # 4 000 draws: the share's standard error is about 0.006.
        assert _share_called(baseline, counts, dispersion, verdict) == pytest.approx(POWER, abs=0.025)


@pytest.mark.parametrize("baseline,dispersion", CASES)
def test_a_true_change_below_the_limit_is_seldom_called(baseline: int, dispersion: Dispersion) -> None:
    """A goal of 10 % on a small series: with the true change of 10 %, the follow-up almost never confirms it."""
    rng = np.random.default_rng(baseline + 1)
    found = detectable_change(baseline, dispersion=dispersion)
    assert found.fall_pct is not None and found.fall_pct < -10
    counts = _draw(rng, baseline * 0.9, dispersion.phi)
    assert _share_called(baseline, counts, dispersion, "minskning") < 0.2
    no_change = _draw(rng, float(baseline), dispersion.phi)
    called = _share_called(baseline, no_change, dispersion, "minskning")
    called += _share_called(baseline, no_change, dispersion, "okning")
    assert called <= 0.05
