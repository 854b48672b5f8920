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

Overdispersion: real series vary more than Poisson counts (see ``variation``). Given the series' dispersion φ
(estimated from its history with df degrees of freedom), the test is the quasi-likelihood one: the likelihood-ratio
statistic of the two counts, D = 2 Σ c log(c / m) with m the counts expected under equal rates, divided by φ, is
referred to the F distribution with (1, df) degrees of freedom (McCullagh & Nelder 1989, §4.5; the deviance test of
R's ``anova(glm(family = quasipoisson), test = "F")``). The p-value is the larger of that and the exact Poisson
p-value, so a calibrated test is never more eager than the exact one. The interval is the Wald interval of the log
rate ratio with standard error √(φ (1/(c1 + ½) + 1/(c2 + ½))) and the t quantile with df degrees of freedom (a half
added to each count keeps a zero finite), widened to contain the exact interval. With φ = 1 and no degrees of
freedom counted (``variation.POISSON``) the test is the exact one above.

Edge cases: both counts zero gives no information (p = 1, no ratio, no certain change); an
earlier count of zero gives an infinite ratio and upper bound; a missing count or exposure (a
period with no data) gives the verdict ``inga_data`` and no ratio or p-value, because missing data
is never zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from scipy.stats import binomtest, chi2, norm
from scipy.stats import f as f_distribution
from scipy.stats import t as t_distribution

from lofte.analysis.variation import POISSON, Dispersion
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
    dispersion: Dispersion = POISSON
    # Set by `multiple.correct` when the comparison is one of a table's: the p-value adjusted for the table's
    # number of tests (the verdict then follows it), and the verdict the comparison had alone.
    p_adjusted: float | None = None
    verdict_alone: str | None = None

    @property
    def has_data(self) -> bool:
        return self.verdict != INGA_DATA

    @property
    def change_pct(self) -> float | None:
        return None if self.rate_ratio is None or math.isinf(self.rate_ratio) else (self.rate_ratio - 1) * 100


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
    dispersion: Dispersion = POISSON,
) -> RateRatio:
    """Rate ratio of ``other`` to ``base`` with an interval and a two-sided p-value for ratio = 1, exact for
    Poisson counts and calibrated to ``dispersion`` otherwise.

    ``interval=False`` leaves the interval out (None): it costs most of the time, and a verdict needs only p."""
    if base + other == 0:
        return RateRatio(ratio=None, ci_low=None, ci_high=None, p_value=1.0)
    test = binomtest(other, base + other, other_exposure / (base_exposure + other_exposure))
    scale = base_exposure / other_exposure
    ratio = math.inf if base == 0 else other / base * scale
    p_value = float(test.pvalue)
    if not dispersion.is_poisson:
        p_value = max(p_value, _quasi_p_value(base, other, base_exposure, other_exposure, dispersion))
    if not interval:
        return RateRatio(ratio, None, None, p_value)
    bounds = test.proportion_ci(confidence_level=confidence, method="exact")
    low, high = _odds(bounds.low) * scale, _odds(bounds.high) * scale
    if not dispersion.is_poisson:
        low, high = _widened(base, other, scale, dispersion, confidence, low, high)
    return RateRatio(ratio, low, high, p_value)


def _quasi_p_value(base: int, other: int, base_exposure: float, other_exposure: float, dispersion: Dispersion) -> float:
    """The quasi-Poisson F test of equal rates: the likelihood-ratio statistic over φ against F(1, df)."""
    total = base + other
    expected_base = total * base_exposure / (base_exposure + other_exposure)
    expected = (expected_base, total - expected_base)
    deviance = 2 * sum(c * math.log(c / m) for c, m in zip((base, other), expected, strict=True) if c > 0)
    statistic = max(deviance, 0.0) / dispersion.phi
    if math.isinf(dispersion.df):  # φ known or assumed: the F distribution's limit
        return float(chi2.sf(statistic, 1))
    return float(f_distribution.sf(statistic, 1, dispersion.df))


def _widened(
    base: int, other: int, scale: float, dispersion: Dispersion, confidence: float, low: float, high: float
) -> tuple[float, float]:
    """The Wald interval of the log ratio with φ and t(df), never narrower than the exact Poisson one."""
    centre = math.log((other + 0.5) / (base + 0.5) * scale)
    error = math.sqrt(dispersion.phi * (1 / (base + 0.5) + 1 / (other + 0.5)))
    tail = 0.5 + confidence / 2
    quantile = float(norm.ppf(tail) if math.isinf(dispersion.df) else t_distribution.ppf(tail, dispersion.df))
    return min(low, math.exp(centre - quantile * error)), max(high, math.exp(centre + quantile * error))


def compare_periods(
    earlier: float | None,
    later: float | None,
    *,
    earlier_exposure: float | None = 1.0,
    later_exposure: float | None = 1.0,
    alpha: float = DEFAULT_ALPHA,
    interval: bool = True,
    dispersion: Dispersion = POISSON,
) -> PeriodComparison:
    """Test whether the rate changed from ``earlier`` to ``later``; pass populations as exposures when they differ,
    and the series' dispersion (`variation.estimate`) so its usual variation is not called a change.

    ``interval=False`` skips the confidence interval of the ratio (ci_low and ci_high are None). A side
    that is None (a period with no data) gives the verdict ``inga_data``, never a change."""
    c1, c2 = as_count(earlier), as_count(later)
    exposures = positive_pair(earlier_exposure, later_exposure)
    if c1 is None or c2 is None or exposures is None:
        return PeriodComparison(c1, c2, None, None, None, None, INGA_DATA, LABELS[INGA_DATA], dispersion)
    result = exact_rate_ratio(c1, c2, *exposures, confidence=1 - alpha, interval=interval, dispersion=dispersion)
    verdict = change_verdict(result.ratio, result.p_value, alpha)
    return PeriodComparison(
        c1, c2, result.ratio, result.ci_low, result.ci_high, result.p_value, verdict, LABELS[verdict], dispersion
    )


def positive_pair(first: float | None, second: float | None) -> tuple[float, float] | None:
    """Both exposures, or ``None`` when one is missing or not positive (an unknown population is not zero)."""
    if first is None or second is None or first <= 0 or second <= 0:
        return None
    return first, second


def _odds(share: float) -> float:
    return math.inf if share >= 1 else share / (1 - share)
