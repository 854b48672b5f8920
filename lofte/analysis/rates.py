"""Rates per 100 000 inhabitants and simple period-on-period changes.

Method: a rate is count × 100 000 / population. A change compares the current period with the
previous period and with the mean of the three periods before the current one (for yearly data:
last year, and the average of the last three years), as absolute and percent differences.

Assumptions: values are given oldest first and the periods are consecutive. Missing values are
``None`` and are never read as zero: a baseline mean needs all three periods, and a comparison
with a missing side is ``None``. The percent change is ``None`` when its base is zero, since a
change from nothing has no meaningful percentage. These are descriptive numbers; whether a change
is more than noise is for ``significance`` and ``trend`` to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

BASELINE_PERIODS = 3


def per_100k(count: float | None, population: float | None) -> float | None:
    """Rate per 100 000 inhabitants; ``None`` when either value is missing or the population is not positive."""
    if count is None or population is None or population <= 0:
        return None
    return count * 100_000 / population


@dataclass(frozen=True)
class Difference:
    base: float
    absolute: float
    percent: float | None


@dataclass(frozen=True)
class Change:
    current: float | None
    vs_previous: Difference | None
    vs_baseline: Difference | None


def difference(current: float | None, base: float | None) -> Difference | None:
    if current is None or base is None:
        return None
    percent = None if base == 0 else (current - base) * 100 / base
    return Difference(base=base, absolute=current - base, percent=percent)


def change(values: Sequence[float | None]) -> Change:
    """Compare the last value with the one before it and with the mean of the three before it."""
    if not values:
        return Change(current=None, vs_previous=None, vs_baseline=None)
    current, earlier = values[-1], values[:-1]
    previous = earlier[-1] if earlier else None
    return Change(
        current=current,
        vs_previous=difference(current, previous),
        vs_baseline=difference(current, _baseline(earlier)),
    )


def _baseline(earlier: Sequence[float | None]) -> float | None:
    window = earlier[-BASELINE_PERIODS:]
    # A mean over fewer periods than promised would silently change what "baseline" means.
    if len(window) < BASELINE_PERIODS or any(value is None for value in window):
        return None
    return fmean(value for value in window if value is not None)
