"""Verdict codes for the statistical tests and their Swedish labels.

A verdict is data, not interface text: the code is stored, sent through the API and compared
between kommuner, so it is ASCII and never changes. The label is the Swedish wording the method
is documented with and is shown beside the code; it is deliberately not a gettext string.

A verdict says "increase" or "decrease" only when the test's p-value is below the chosen
significance level (a statistically clear change, "statistiskt säkerställd"); otherwise it says "ingen tydlig
förändring", which is not the same as "no change". The codes keep their old spelling (``ingen_saker_…``).

When one side of a comparison has no data (a period before the series has values, or before a
partnership's EST started), the verdict is ``inga_data``, "ingen jämförelse (inga data)": a missing
period is never read as zero, and a comparison with it says neither increase nor decrease.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

OKNING: Final = "okning"
MINSKNING: Final = "minskning"
INGEN_SAKER_FORANDRING: Final = "ingen_saker_forandring"
HOGRE: Final = "hogre"
LAGRE: Final = "lagre"
INGEN_SAKER_SKILLNAD: Final = "ingen_saker_skillnad"
INGA_DATA: Final = "inga_data"

LABELS: Final = MappingProxyType(
    {
        OKNING: "ökning",
        MINSKNING: "minskning",
        INGEN_SAKER_FORANDRING: "ingen tydlig förändring",
        HOGRE: "högre",
        LAGRE: "lägre",
        INGEN_SAKER_SKILLNAD: "ingen tydlig skillnad",
        INGA_DATA: "ingen jämförelse (inga data)",
    }
)

DEFAULT_ALPHA: Final = 0.05


def change_verdict(ratio: float | None, p_value: float, alpha: float) -> str:
    """Verdict for a change over time (later against earlier)."""
    return _verdict(ratio, p_value, alpha, (OKNING, MINSKNING, INGEN_SAKER_FORANDRING))


def difference_verdict(ratio: float | None, p_value: float, alpha: float) -> str:
    """Verdict for a difference between an area and its reference."""
    return _verdict(ratio, p_value, alpha, (HOGRE, LAGRE, INGEN_SAKER_SKILLNAD))


def _verdict(ratio: float | None, p_value: float, alpha: float, codes: tuple[str, str, str]) -> str:
    up, down, neither = codes
    if ratio is None or p_value >= alpha or ratio == 1:
        return neither
    return up if ratio > 1 else down
