"""The smallest change a goal's baseline lets Löfte call statistically clear, and the change it would find 4 times
in 5.

A goal on a small count can be reached on the figures and still never be shown to be reached: Mullsjö's 22 burglaries
a year give the verdict minskning only at 9 or fewer (−59 %) and ökning only at 39 or more (+77 %) under Poisson
noise, and further out still with the series' own variation. A goal of "10 % färre" is then a hope, not something
the follow-up can confirm. Goal creation shows these limits (lofte.promises.lofte.views) and warns when the target
lies inside them.

Method, the threshold: the later count is searched for, not computed from a formula. `compare_periods` (the exact
conditional binomial test of two Poisson counts, calibrated to the series' quasi-Poisson dispersion φ with the F(1,
df) test of the likelihood-ratio statistic; see `significance`) is asked for each candidate count, and a bisection
finds the boundary: the largest later count it calls minskning and the smallest it calls ökning at α. The result is
therefore exactly the verdict's own boundary, with its discreteness and its floor at the exact Poisson p-value,
which a closed-form approximation (|log r| ≈ z √(φ (1/c₁ + 1/c₂)), the Wald form of the same test) only
approximates. The bisection keeps "called" at one end and "not called" at the other, so a count one step past the
threshold is called and the threshold's neighbour inside it is not. About log₂(count) tests each way.

Method, the power: a true change does not land exactly on its expected count. Given the baseline as observed, a later
count with true rate ratio r has mean μ = r × c₁ × e₂ / e₁ and variance φμ, modelled as a negative binomial with that
mean and variance (Poisson when φ = 1; the NB1 form whose variance is proportional to its mean, as the
quasi-Poisson model assumes; Cameron & Trivedi, *Regression Analysis of Count Data*, 2nd ed., 2013, §3.3). The
probability that the test calls it is P(C₂ ≤ threshold) for a fall, P(C₂ ≥ threshold) for a rise
(``scipy.stats.nbinom`` / ``poisson``), and a bisection on r finds the change found with probability 0.8 (the
conventional 80 % power; Cohen, *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., 1988, §2.4). This
treats the baseline as known, as it is when the goal is set; statsmodels' ``power_poisson_ratio_2indep`` answers the
related question with both counts random.

Which is shown: the page's headline is the threshold, because it is what the follow-up's verdict will demand of the
figures and it is exact; the 80 % change beside it says how large a real change must be to be seen reliably (at the
threshold a real change is called only about half the time). Hand-written because no library inverts this
particular test: statsmodels' power functions cover the Poisson ratio tests but not the quasi-Poisson F test, and
reproducing the verdict by the verdict's own function is what keeps the two from drifting apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from scipy.stats import nbinom, poisson

from lofte.analysis.significance import compare_periods
from lofte.analysis.variation import POISSON, Dispersion
from lofte.analysis.verdicts import DEFAULT_ALPHA, MINSKNING, OKNING

POWER: Final = 0.8
# A rise is searched up to baseline × 2⁴⁰: far beyond any count; a test that never calls a rise that large is broken.
_MAX_DOUBLINGS: Final = 40


@dataclass(frozen=True)
class Detectable:
    """The counts at which a change from `baseline` becomes statistically clear, and their rate changes in percent.

    `fall` is the largest later count called minskning (None when not even zero is: too small a baseline), `rise`
    the smallest called ökning. The percentages are the rate changes compare_periods reports for those counts
    (negative for the fall); `fall_pct_power` and `rise_pct_power` are the true changes found with probability
    `POWER` (None where none is: a fall that cannot be called, or a baseline of zero)."""

    baseline: int
    fall: int | None
    rise: int
    fall_pct: float | None
    rise_pct: float | None
    fall_pct_power: float | None
    rise_pct_power: float | None
    dispersion: Dispersion
    alpha: float


def detectable_change(
    baseline: int,
    *,
    baseline_exposure: float = 1.0,
    exposure: float = 1.0,
    dispersion: Dispersion = POISSON,
    alpha: float = DEFAULT_ALPHA,
) -> Detectable:
    """The smallest fall and rise from `baseline` that `compare_periods` calls at `alpha` with `dispersion`, for a
    later period with `exposure` (its population, or 1 each when they are equal), and the changes found with 80 %
    power."""
    if baseline < 0 or baseline_exposure <= 0 or exposure <= 0:
        raise ValueError("a baseline count is never negative and exposures are positive")
    test = _Test(baseline, baseline_exposure, exposure, dispersion, alpha)
    fall, rise = smallest_fall(test), smallest_rise(test)
    return Detectable(
        baseline=baseline,
        fall=fall,
        rise=rise,
        fall_pct=None if fall is None else test.change_pct(fall),
        rise_pct=test.change_pct(rise),
        fall_pct_power=None if fall is None else _power_change(test, fall, falling=True),
        rise_pct_power=None if baseline == 0 else _power_change(test, rise, falling=False),
        dispersion=dispersion,
        alpha=alpha,
    )


@dataclass(frozen=True)
class _Test:
    """compare_periods with the baseline side fixed: the verdict for a later count."""

    baseline: int
    baseline_exposure: float
    exposure: float
    dispersion: Dispersion
    alpha: float

    def verdict(self, later: int) -> str:
        return compare_periods(
            self.baseline,
            later,
            earlier_exposure=self.baseline_exposure,
            later_exposure=self.exposure,
            alpha=self.alpha,
            interval=False,
            dispersion=self.dispersion,
        ).verdict

    @property
    def expected(self) -> float:
        """The later count at an unchanged rate."""
        return self.baseline * self.exposure / self.baseline_exposure

    def change_pct(self, later: int) -> float | None:
        if self.baseline == 0:
            return None
        return (later / self.expected - 1) * 100


def smallest_fall(test: _Test) -> int | None:
    """The largest later count called minskning; None when even zero is not."""
    if test.baseline == 0 or test.verdict(0) != MINSKNING:
        return None
    low, high = 0, math.ceil(test.expected)  # a count at or above the unchanged rate is never a fall
    while high - low > 1:
        middle = (low + high) // 2
        if test.verdict(middle) == MINSKNING:
            low = middle
        else:
            high = middle
    return low


def smallest_rise(test: _Test) -> int:
    """The smallest later count called ökning."""
    low = math.floor(test.expected)  # at or below the unchanged rate is never a rise
    step = max(1, low)
    high = low + step
    for _doubling in range(_MAX_DOUBLINGS):
        if test.verdict(high) == OKNING:
            break
        low, step = high, step * 2
        high = low + step
    else:  # pragma: no cover - guards against an endless search
        raise ArithmeticError(f"no rise from {test.baseline} is ever called")
    while high - low > 1:
        middle = (low + high) // 2
        if test.verdict(middle) == OKNING:
            high = middle
        else:
            low = middle
    return high


def called_probability(test: _Test, ratio: float, threshold: int, *, falling: bool) -> float:
    """The probability that a later count with true rate ratio `ratio` lands at or past `threshold`."""
    mean = ratio * test.expected
    phi = test.dispersion.phi
    # NB1: variance φ × mean, with scipy's n = μ / (φ − 1) and p = 1 / φ.
    distribution = poisson(mean) if phi <= 1 else nbinom(mean / (phi - 1), 1 / phi)
    return float(distribution.cdf(threshold) if falling else distribution.sf(threshold - 1))


def _power_change(test: _Test, threshold: int, *, falling: bool) -> float:
    """The true rate change in percent that is called with probability POWER, found by bisection on the ratio."""
    # Work on log r: the probability is monotone in r, and log r spreads falls and rises evenly.
    near, far = 0.0, math.log(1e-9) if falling else math.log(1e9)
    for _step in range(100):
        middle = (near + far) / 2
        if called_probability(test, math.exp(middle), threshold, falling=falling) >= POWER:
            far = middle
        else:
            near = middle
        if abs(far - near) < 1e-6:
            break
    return (math.exp(far) - 1) * 100


def target_change_pct(direction: str, target: str, target_value: float | None, baseline: float) -> float | None:
    """A goal's rule as the rate change it asks for, in percent: −10 for "minska med minst 10 %", a level as its
    change from the baseline, 0 for "lägre/högre än basperioden" (any change the right way, however small). None
    when the rule asks for no change: a level the baseline already meets."""
    lower = direction == "lower"
    if target == "percent" and target_value is not None:
        return -abs(target_value) if lower else abs(target_value)
    if target == "level" and target_value is not None and baseline > 0:
        change = (target_value / baseline - 1) * 100
        return None if (change >= 0 if lower else change <= 0) else change
    return 0.0


def can_be_shown(found: Detectable, direction: str, target_pct: float | None) -> bool:
    """Whether a change of exactly `target_pct` would be called a change the goal's way: False when the target lies
    inside the limits (0, any change, always does), or when no change that way can be called at all."""
    if target_pct is None:
        return True
    if direction == "lower":
        return found.fall_pct is not None and target_pct <= found.fall_pct
    return found.rise_pct is not None and target_pct >= found.rise_pct
