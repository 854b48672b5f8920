"""Many verdicts on one page: the p-values of a table adjusted so that chance findings stay rare.

A page that tests forty metrics at the 5 % level shows about two changes by chance alone, even when nothing has
changed. Each table of verdicts is therefore one family, and its p-values are adjusted before the verdicts are drawn:

- ``BH``, Benjamini–Hochberg (*J. R. Stat. Soc. B* 57, 1995): controls the false discovery rate, the expected share
  of the table's ökning/minskning (or högre/lägre) verdicts that are chance, at 5 %. Used for tables a reader scans
  for what to look at: key figures, trends, comparisons, EST's category tables.
- ``HOLM``, Holm (*Scand. J. Statist.* 6, 1979): controls the family-wise error, the chance of even one false
  verdict in the table, at 5 %. Stricter; used where one false verdict would mislead (a single ranking).

The adjustment is ``statsmodels.stats.multitest.multipletests``. A comparison without a p-value (no data) is not a
test and is not counted. The unadjusted p-value and the verdict the comparison had alone are kept beside the
adjusted ones, so exports can show both. `lib.formatting.correction_sentence` says on the page, in one plain
sentence, what was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final, TypeVar

from statsmodels.stats.multitest import multipletests

from lofte.analysis.compare import ReferenceComparison
from lofte.analysis.significance import PeriodComparison
from lofte.analysis.trend import Trend
from lofte.analysis.verdicts import DEFAULT_ALPHA, LABELS, change_verdict, difference_verdict

BH: Final = "fdr_bh"
HOLM: Final = "holm"

# A change over time (ökning/minskning) or a difference from a reference (högre/lägre).
C = TypeVar("C", PeriodComparison, ReferenceComparison)


def adjust(p_values: Sequence[float | None], method: str = BH) -> list[float | None]:
    """The adjusted p-values in the same order; None stays None and is not counted as a test."""
    if method not in (BH, HOLM):
        raise ValueError(f"unknown correction: {method!r}")
    tested = [p for p in p_values if p is not None]
    if not tested:
        return [None] * len(p_values)
    adjusted = iter(multipletests(tested, alpha=DEFAULT_ALPHA, method=method)[1].tolist())
    return [None if p is None else float(next(adjusted)) for p in p_values]


def correct(comparisons: Sequence[C | None], method: str = BH, alpha: float = DEFAULT_ALPHA) -> list[C | None]:
    """The table's comparisons with their verdicts drawn from the adjusted p-values (None entries kept).

    Changes over time get ökning/minskning, comparisons with a reference (län, riket, peers) högre/lägre."""
    adjusted = adjust([c.p_value if c is not None else None for c in comparisons], method)
    result: list[C | None] = []
    for comparison, p in zip(comparisons, adjusted, strict=True):
        if comparison is None or p is None:
            result.append(comparison)
            continue
        judge = difference_verdict if isinstance(comparison, ReferenceComparison) else change_verdict
        verdict = judge(comparison.rate_ratio, p, alpha)
        result.append(
            replace(comparison, verdict=verdict, label=LABELS[verdict], p_adjusted=p, verdict_alone=comparison.verdict)
        )
    return result


def correct_trends(
    trends: Sequence[Trend | None], method: str = BH, alpha: float = DEFAULT_ALPHA
) -> list[Trend | None]:
    """A table's trends with their verdicts redrawn from the adjusted p-values, as `correct` does for comparisons:
    the unadjusted p stays in `p_value`, the verdict alone in `verdict_alone` (None entries kept)."""
    adjusted = adjust([t.p_value if t is not None else None for t in trends], method)
    return [
        trend if trend is None or p is None else redrawn(trend, p, alpha)
        for trend, p in zip(trends, adjusted, strict=True)
    ]


def redrawn(trend: Trend, p_adjusted: float, alpha: float = DEFAULT_ALPHA) -> Trend:
    """The trend with its verdict drawn from `p_adjusted` instead of its own p-value."""
    verdict = change_verdict(trend.ratio, p_adjusted, alpha)
    return replace(trend, verdict=verdict, label=LABELS[verdict], p_adjusted=p_adjusted, verdict_alone=trend.verdict)


def tests_in(p_values: Sequence[float | None]) -> int:
    return sum(p is not None for p in p_values)
