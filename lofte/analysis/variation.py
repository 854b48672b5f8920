"""How much a series of counts usually varies: its dispersion, estimated from its own history.

Crime counts vary more from period to period than independent offences would (a Poisson count, whose variance
equals its mean): one offender commits a series, one report covers many offences, reporting habits change. On Brå's
yearly series for Motala, Mjölby and Mullsjö the variance is 2–21 times the mean (median 6.5). A test that assumes
Poisson noise calls most year-on-year wobbles a change. Every change test in Löfte therefore takes a `Dispersion`
and allows for it (`significance.compare_periods`).

Method: the quasi-Poisson dispersion of a log-linear trend fit (McCullagh & Nelder, *Generalized Linear Models*,
2nd ed., 1989, §4.5; R's ``quasipoisson``): fit log E[count] = a + b × t (+ log exposure) to the history and take
φ = Pearson χ² / residual degrees of freedom. The trend takes out a steady rise or fall, so φ measures the
variation around the series' own path, not the path itself. φ is never below 1: a history that happens to look
calmer than Poisson does not make a test more eager than the exact Poisson test.

The history is the comparison's earlier side and the periods before it, at most `WINDOW` (10) of them, never the
period being judged: a large change must not widen its own yardstick. Ten periods keep the log-linear fit honest
(a 30-year series does not follow one steady trend) and leave eight degrees of freedom for φ.

Short series: with fewer than `MIN_PERIODS` (5) periods of history φ cannot be estimated with any confidence. The
caller then passes a stated fallback (`ASSUMED_YEARLY`, φ = 6.5 with no degrees of freedom counted, the median of
real Brå series, is the default for yearly crime counts), and the result says that it is assumed. Missing periods
(None) are left out but keep their place in time.

The estimate's own uncertainty is carried as its degrees of freedom: a test against φ uses the F distribution with
(1, df) degrees of freedom, as quasi-likelihood inference does, so eight years of history give a wider yardstick
than thirty would.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

WINDOW: Final = 10
MIN_PERIODS: Final = 5


@dataclass(frozen=True)
class Dispersion:
    """φ, the variance of a count as a multiple of its mean, with the degrees of freedom of its estimate.

    ``df`` is ``math.inf`` for a φ that is known or assumed rather than estimated; ``periods`` is the number of
    periods it was estimated from (0 when assumed)."""

    phi: float
    df: float
    periods: int

    def __post_init__(self) -> None:
        if not self.phi >= 1:
            raise ValueError(f"a dispersion is never below Poisson: {self.phi!r}")

    @property
    def assumed(self) -> bool:
        return self.periods == 0

    @property
    def is_poisson(self) -> bool:
        return self.phi == 1 and math.isinf(self.df)


POISSON: Final = Dispersion(1.0, math.inf, 0)
ASSUMED_YEARLY: Final = Dispersion(6.5, math.inf, 0)


def estimate(
    counts: Sequence[float | None],
    exposures: Sequence[float | None] | None = None,
    *,
    fallback: Dispersion = ASSUMED_YEARLY,
    window: int = WINDOW,
) -> Dispersion:
    """φ from the history `counts` (oldest first, the comparison's earlier period last), or `fallback` when fewer
    than five periods have data or no count is above zero in two of them."""
    counts = list(counts)[-window:]
    exposures = [1.0] * len(counts) if exposures is None else list(exposures)[-window:]
    if len(exposures) != len(counts):
        raise ValueError("counts and exposures differ in length")
    usable = [t for t, (c, e) in enumerate(zip(counts, exposures, strict=True)) if c is not None and e and e > 0]
    y = np.array([counts[t] for t in usable], dtype=float)
    if len(y) < MIN_PERIODS or (y > 0).sum() < 2:
        return fallback
    if (y < 0).any():
        raise ValueError("counts cannot be negative")
    exposure = np.array([exposures[t] for t in usable], dtype=float)
    design = sm.add_constant(np.array(usable, dtype=float), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = sm.GLM(y, design, family=sm.families.Poisson(), offset=np.log(exposure)).fit()
    phi = float(fit.pearson_chi2 / fit.df_resid)
    return Dispersion(max(1.0, phi) if math.isfinite(phi) else 1.0, float(fit.df_resid), len(y))


def history(values: Sequence[tuple[int, float | None]], before: int) -> list[float | None]:
    """The values of the periods up to and including `before` from (period, value) pairs, each period in its
    place (None for a gap), oldest first: the history `estimate` reads for a comparison whose earlier side is
    `before`."""
    found = {period: value for period, value in values if period <= before}
    if not found:
        return []
    return [found.get(period) for period in range(min(found), before + 1)]
