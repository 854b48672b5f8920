"""A trend over five or more periods: Poisson regression of the count on time.

Method: a generalised linear model with Poisson errors and log link (statsmodels GLM),
log(expected count) = a + b × t, where t is the period's position in the series. With populations
the model gets log(population) as an offset, so it describes the rate per inhabitant. The trend is
the rate ratio per period exp(b) (for yearly data: the change per year, 1.12 = +12 % a year) with
its 95 % confidence interval and the p-value for b = 0.

Overdispersion: crime counts usually vary more from year to year than a Poisson model allows,
which would make the interval too narrow and the verdict too eager. The dispersion is estimated as
Pearson chi² / residual degrees of freedom; when it is above 1 the model is refitted as
quasi-Poisson with that scale (standard errors × √scale) and uses the t distribution with the
residual degrees of freedom, as R's quasipoisson does. A dispersion below 1 is not used to
narrow the interval.

Assumptions: the trend is log-linear (a steady percentage change) over the whole series; a
series that rises and then falls can show "no certain change". Missing periods (``None``) are
left out but keep their place in time, so a gap does not compress the series. Fewer than five
usable periods, or counts above zero in fewer than two periods (no finite estimate exists), give
``None``: too little data for an honest trend.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from lofte.analysis.verdicts import DEFAULT_ALPHA, LABELS, change_verdict

MIN_PERIODS = 5


@dataclass(frozen=True)
class Trend:
    periods: int
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    dispersion: float
    verdict: str
    label: str
    # Set by `multiple.correct_trends` when the trend is one of a table's: the p-value adjusted for the table's
    # number of tests (the verdict then follows it), and the verdict the trend had alone.
    p_adjusted: float | None = None
    verdict_alone: str | None = None

    @property
    def change_pct(self) -> float:
        """The change per period in percent: a ratio of 1.032 is +3.2 %."""
        return (self.ratio - 1) * 100


def poisson_trend(
    counts: Sequence[float | None],
    populations: Sequence[float | None] | None = None,
    *,
    alpha: float = DEFAULT_ALPHA,
) -> Trend | None:
    """Rate ratio per period from a log-linear Poisson (or quasi-Poisson) fit; ``None`` when data are too few."""
    time, y, exposure = _usable(counts, populations)
    if len(y) < MIN_PERIODS or len(np.unique(time[y > 0])) < 2:
        return None
    fit = _fit(time, y, exposure, scale=1.0)
    dispersion = float(fit.pearson_chi2 / fit.df_resid)
    if dispersion > 1:
        fit = _fit(time, y, exposure, scale=dispersion)
    low, high = np.exp(np.asarray(fit.conf_int(alpha=alpha))[1])
    ratio, p_value = math.exp(fit.params[1]), float(fit.pvalues[1])
    verdict = change_verdict(ratio, p_value, alpha)
    return Trend(len(y), ratio, float(low), float(high), p_value, dispersion, verdict, LABELS[verdict])


def _usable(
    counts: Sequence[float | None], populations: Sequence[float | None] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if populations is None:
        populations = [1.0] * len(counts)
    elif len(populations) != len(counts):
        raise ValueError("counts and populations differ in length")
    usable = [t for t, (c, e) in enumerate(zip(counts, populations, strict=True)) if c is not None and e and e > 0]
    y = np.array([counts[t] for t in usable], dtype=float)
    if (y < 0).any():
        raise ValueError("counts cannot be negative")
    exposure = np.array([populations[t] for t in usable], dtype=float)
    return np.array(usable, dtype=float), y, exposure


def _fit(time: np.ndarray, y: np.ndarray, exposure: np.ndarray, scale: float) -> Any:
    design = sm.add_constant(time, has_constant="add")
    model = sm.GLM(y, design, family=sm.families.Poisson(), offset=np.log(exposure))
    with warnings.catch_warnings():
        # The warning fires on series the line fits exactly; a finite estimate is guaranteed by
        # the check for counts in two periods, so it is noise here.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        # With an estimated scale the t distribution is the honest reference (few periods, few df).
        return model.fit(scale=scale, use_t=scale != 1.0)
