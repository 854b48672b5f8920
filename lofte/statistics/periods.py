"""Period codes: "2025" (year), "2025H1" (half-year), "2025K1" (quarter), "2025-08" (month), "2025W07" (ISO week).

Pure functions, no Django: every parser turns the publisher's way of writing a period into one of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

KINDS = ("year", "half", "quarter", "month", "week")

_PATTERNS = [
    ("year", re.compile(r"^(\d{4})$")),
    ("half", re.compile(r"^(\d{4})\s*[Hh]([12])$")),
    ("quarter", re.compile(r"^(\d{4})\s*[KkQq]([1-4])$")),
    ("month", re.compile(r"^(\d{4})\s*(?:-|M|m)\s*(\d{1,2})$")),
    ("week", re.compile(r"^(\d{4})\s*-?[Ww](\d{1,2})$")),
]


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    start: date
    kind: str
    code: str

    def __str__(self) -> str:
        return self.code


@lru_cache(maxsize=8192)
def parse_period(text: str) -> Period:
    """Read a period in any of the forms publishers use; raise PeriodError otherwise."""
    raw = str(text).strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(raw)
        if match:
            return _build(kind, int(match.group(1)), int(match.group(2)) if match.lastindex == 2 else 0, raw)
    raise PeriodError(f"okänd period {raw!r}")


def _build(kind: str, year: int, part: int, raw: str) -> Period:
    if not 1900 <= year <= 2100:
        raise PeriodError(f"okänt år i perioden {raw!r}")
    if kind == "year":
        return Period(date(year, 1, 1), kind, f"{year}")
    if kind == "half":
        return Period(date(year, 1 if part == 1 else 7, 1), kind, f"{year}H{part}")
    if kind == "quarter":
        return Period(date(year, 3 * part - 2, 1), kind, f"{year}K{part}")
    if kind == "month":
        if not 1 <= part <= 12:
            raise PeriodError(f"okänd månad i perioden {raw!r}")
        return Period(date(year, part, 1), kind, f"{year}-{part:02d}")
    try:
        start = date.fromisocalendar(year, part, 1)
    except ValueError:
        raise PeriodError(f"okänd vecka i perioden {raw!r}") from None
    return Period(start, kind, f"{year}W{part:02d}")
