"""Numbers written the Swedish way, for pages, documents, charts and messages alike: 12 345,5 (a space between
thousands, a decimal comma) and a dash where there is no value. Plain Python, no Django, so the statistics in
`lofte/analysis/` may use it too."""

from __future__ import annotations

DASH = "–"


MB = 1024 * 1024


def megabytes(size: int) -> str:
    """A size in whole megabytes, rounded up (a file just over a limit is never shown as equal to it)."""
    return number(-(-size // MB), space="\u00a0")


def number(value: float | None, decimals: int | None = None, *, space: str = " ") -> str:
    """`value` with `decimals` decimals (by default none for a whole number and one otherwise), thousands
    separated by `space` (a no-break space where the number must not wrap); never "-0"; a dash for None."""
    if value is None:
        return DASH
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{decimals}f}"
    return text.replace(",", space).replace(".", ",")
