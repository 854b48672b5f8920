"""Is the change between two periods more than chance? An exact test of two Poisson counts.

Method: the conditional binomial test. If the earlier count c1 and the later count c2 are
independent Poisson counts with exposures e1 and e2 (population, or 1 each when the populations
are equal), then given their total n = c1 + c2, c2 is binomial(n, e2 / (e1 + e2)) when the two
rates are equal. ``scipy.stats.binomtest`` gives the exact two-sided p-value for that null
hypothesis. The rate ratio (c2 / e2) / (c1 / e1) and its exact confidence interval come from the
Clopper–Pearson interval [pL, pU] of the binomial proportion, transformed by
ratio = p / (1 - p) × e1 / e2, which is monotone in p, so the interval carries over exactly.

Assumptions: each count is Poisson, i.e. offences occur independently. Series of crimes by one
offender, or one report covering many offences, break that and make the test too eager; treat a
borderline verdict with care. The verdict comes from the p-value; scipy's two-sided p-value
("minlike") and the equal-tailed Clopper–Pearson interval can disagree at the margin, so an
interval that just touches 1 can sit beside a verdict of change, or the other way round.

Edge cases: both counts zero gives no information (p = 1, no ratio, no certain change); an
earlier count of zero gives an infinite ratio and upper bound; a missing count or exposure (a
period with no data) gives the verdict ``inga_data`` and no ratio or p-value, because missing data
is never zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from scipy.stats import binomtest

from lofte.analysis.verdicts import DEFAULT_ALPHA, INGA_DATA, LABELS, change_verdict


class RateRatio(NamedTuple):
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float


@dataclass(frozen=True)
class PeriodComparison:
    earlier: int | None
    later: int | None
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    verdict: str  # a code of `verdicts`: okning, minskning, ingen_saker_forandring or inga_data
    label: str

    @property
    def has_data(self) -> bool:
        return self.verdict != INGA_DATA


def as_count(value: float | None) -> int | None:
    """A count as an int; statistics imports often carry counts as floats such as 2875.0."""
    if value is None:
        return None
    if value < 0 or not float(value).is_integer():
        raise ValueError(f"not a count: {value!r}")
    return int(value)


def exact_rate_ratio(
    base: int,
    other: int,
    base_exposure: float = 1.0,
    other_exposure: float = 1.0,
    confidence: float = 0.95,
    *,
    interval: bool = True,
) -> RateRatio:
    """Rate ratio of ``other`` to ``base`` with an exact interval and a two-sided p-value for ratio = 1.

    ``interval=False`` leaves the interval out (None): it costs most of the time, and a verdict needs only p."""
    if base + other == 0:
        return RateRatio(ratio=None, ci_low=None, ci_high=None, p_value=1.0)
    test = binomtest(other, base + other, other_exposure / (base_exposure + other_exposure))
    scale = base_exposure / other_exposure
    ratio = math.inf if base == 0 else other / base * scale
    if not interval:
        return RateRatio(ratio, None, None, float(test.pvalue))
    bounds = test.proportion_ci(confidence_level=confidence, method="exact")
    return RateRatio(ratio, _odds(bounds.low) * scale, _odds(bounds.high) * scale, float(test.pvalue))


def compare_periods(
    earlier: float | None,
    later: float | None,
    *,
    earlier_exposure: float | None = 1.0,
    later_exposure: float | None = 1.0,
    alpha: float = DEFAULT_ALPHA,
    interval: bool = True,
) -> PeriodComparison:
    """Test whether the rate changed from ``earlier`` to ``later``; pass populations as exposures when they differ.

    ``interval=False`` skips the confidence interval of the ratio (ci_low and ci_high are None). A side
    that is None (a period with no data) gives the verdict ``inga_data``, never a change."""
    c1, c2 = as_count(earlier), as_count(later)
    exposures = positive_pair(earlier_exposure, later_exposure)
    if c1 is None or c2 is None or exposures is None:
        return PeriodComparison(c1, c2, None, None, None, None, INGA_DATA, LABELS[INGA_DATA])
    result = exact_rate_ratio(c1, c2, *exposures, confidence=1 - alpha, interval=interval)
    verdict = change_verdict(result.ratio, result.p_value, alpha)
    return PeriodComparison(
        c1, c2, result.ratio, result.ci_low, result.ci_high, result.p_value, verdict, LABELS[verdict]
    )


def positive_pair(first: float | None, second: float | None) -> tuple[float, float] | None:
    """Both exposures, or ``None`` when one is missing or not positive (an unknown population is not zero)."""
    if first is None or second is None or first <= 0 or second <= 0:
        return None
    return first, second


def _odds(share: float) -> float:
    return math.inf if share >= 1 else share / (1 - share)
