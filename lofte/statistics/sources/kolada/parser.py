"""Kolada API v3 answers of /v3/data/kpi/{kpi}/municipality/{code}/year/{years}.

The shape is {"count": n, "values": [{"kpi", "municipality", "period", "values": [{"gender", "count", "status",
"value", "isdeleted"}]}], "next_url": ...}. Pure: no Django.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lofte.statistics.periods import PeriodError, parse_period
from lofte.statistics.sources.base import (
    ImportFileError,
    MetricSpec,
    ParsedObservation,
    ParseResult,
    measures_where_fractional,
)
from lofte.statistics.sources.text import decode_or_none, load_json

FORMAT = "kolada"
PUBLISHER = "kolada"
GENDERS = {"T": ("", ""), "K": (".kvinnor", ", kvinnor"), "M": (".man", ", män")}  # code suffix, name suffix
_KPI = re.compile(r"^[A-Z][A-Z0-9]{1,15}$", re.ASCII)
_MUNICIPALITY = re.compile(r"^\d{4}$", re.ASCII)


@dataclass(frozen=True)
class _Kpi:
    code: str  # the project's metric code for gender T
    name: str
    unit: str
    lower_is_better: bool = True
    description: str = ""


# The KPIs the project knows by name; any other KPI is imported under "kolada.<kpi>" as a plain count, or as an
# index when its values have decimals (a ratio or an average, not a count).
KNOWN_KPIS = {
    "N01951": _Kpi("befolkning.totalt", "Folkmängd, antal", "antal", False, "Invånare totalt 31 december (SCB)."),
    "N07540": _Kpi("kolada.n07540", "Anmälda brott totalt, antal/100 000 inv", "per_100k", True, "Brå, via Kolada."),
    "N07403": _Kpi("kolada.n07403", "Anmälda våldsbrott, antal/100 000 inv", "per_100k", True, "Brå, via Kolada."),
}


def detect(head: bytes) -> bool:
    """True when the start of a file looks like a Kolada v3 data answer (the head may be cut off mid-file)."""
    text = decode_or_none(head)
    if text is None or not text.lstrip().startswith("{"):
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        keys = ("kpi", "municipality", "period")
        return bool(re.search(r'"values"\s*:\s*\[\s*\{', text)) and all(re.search(rf'"{k}"\s*:', text) for k in keys)
    items = data.get("values") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False
    return all(key in items[0] for key in ("kpi", "municipality", "period", "values"))


def metric_for(kpi: str, gender: str) -> MetricSpec:
    """The metric a Kolada KPI and gender are imported as."""
    known = KNOWN_KPIS.get(kpi) or _Kpi(f"kolada.{kpi.lower()}", f"Kolada {kpi}", "antal", True, "Okänt nyckeltal.")
    code_suffix, name_suffix = GENDERS[gender]
    code = known.code + code_suffix
    if kpi == "N01951" and gender != "T":  # "befolkning.kvinnor", not "befolkning.totalt.kvinnor"
        code = "befolkning" + code_suffix
    description = f"{known.description} Kolada {kpi}.".strip()
    return MetricSpec(code, known.name + name_suffix, known.unit, PUBLISHER, description, known.lower_is_better)


def parse(raw: bytes, filename: str) -> ParseResult:
    """One observation per KPI, area, year and gender; rows are counted from 1 in the answer's "values"."""
    items, next_url = _load(raw, filename)
    result = ParseResult(format=FORMAT, publisher=PUBLISHER, rows_read=len(items), value_field="value")
    state = _State()
    for row, item in enumerate(items, start=1):
        _read_item(item, row, filename, state)
    result.metrics = list(state.metrics.values())
    result.observations = state.observations
    result.warnings = state.warnings(empty=not items, next_url=next_url)
    known = {metric_for(kpi, gender).code for kpi in KNOWN_KPIS for gender in GENDERS}
    measures_where_fractional(result, {metric.code for metric in result.metrics} - known)
    return result


@dataclass
class _State:
    metrics: dict[str, MetricSpec] = field(default_factory=dict)
    observations: list[ParsedObservation] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    deleted: int = 0

    def warnings(self, *, empty: bool, next_url: str | None) -> list[str]:
        found = ["Svaret innehåller inga värden."] if empty else []
        for status, n in sorted(self.statuses.items()):
            found.append(f'Kolada markerar {n} värden som "{status}"; de har importerats som saknade.')
        if self.duplicates:
            found.append(f"{self.duplicates} värden fanns två gånger; det första av dem har använts.")
        if self.deleted:
            found.append(f"{self.deleted} värden är borttagna i Kolada (isdeleted) och har hoppats över.")
        if next_url:  # Kolada pages its answers; a later page is a file of its own
            found.append(f"Svaret är en sida av flera; nästa sida finns på {next_url}")
        return found


def _load(raw: bytes, filename: str) -> tuple[list[Any], str | None]:
    data = load_json(raw, filename)
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        raise ImportFileError(filename, 'filen ska vara ett svar från Kolada: ett JSON-objekt med listan "values".')
    next_url = data.get("next_url")
    return data["values"], next_url if isinstance(next_url, str) else None


Fail = Callable[[str, str], ImportFileError]


def _read_item(item: Any, row: int, filename: str, state: _State) -> None:
    if not isinstance(item, dict):
        raise ImportFileError(filename, "raden är inte ett JSON-objekt.", row=row)

    def fail(name: str, message: str) -> ImportFileError:
        return ImportFileError(filename, message, row=row, field=name)

    kpi, area, period = _kpi(item.get("kpi"), fail), _area(item.get("municipality"), fail), _period(item, fail)
    values = item.get("values")
    if not isinstance(values, list):
        raise fail("values", 'listan "values" med värden per kön saknas.')
    for index, entry in enumerate(values):
        _read_value(entry, f"values[{index}]", (kpi, area, period, row), fail, state)


def _read_value(entry: Any, where: str, key: tuple[str, str, str, int], fail: Fail, state: _State) -> None:
    kpi, area, period, row = key
    if not isinstance(entry, dict):
        raise fail(where, "värdet är inte ett JSON-objekt.")
    gender = entry.get("gender")
    if not isinstance(gender, str) or gender not in GENDERS:  # a list or object would not even hash
        raise fail(f"{where}.gender", f'kön ska vara "T", "K" eller "M", inte {gender!r}.')
    if entry.get("isdeleted") is True:
        state.deleted += 1
        return
    value, status, flag = _value(entry, where, fail)  # checked before duplicates, so no bad value slips by
    metric = metric_for(kpi, gender)
    if (metric.code, area, period) in state.seen:
        state.duplicates += 1
        return
    state.seen.add((metric.code, area, period))
    if flag:
        state.statuses[flag] += 1
    state.metrics.setdefault(metric.code, metric)
    state.observations.append(ParsedObservation(row, metric.code, area, period, value, status=status))


def _value(entry: dict[str, Any], where: str, fail: Fail) -> tuple[float | None, str, str]:
    """The value, its status and Kolada's own status text. Missing stays None, never 0, so it is not read as zero."""
    flag, value = entry.get("status"), entry.get("value")
    if flag is not None and not isinstance(flag, str):
        raise fail(f"{where}.status", f"status ska vara en text, inte {flag!r}.")
    flag = (flag or "").strip()
    number = _number(value)
    if value is not None and number is None:
        raise fail(f"{where}.value", f"värdet ska vara ett tal eller null, inte {str(value)[:40]!r}.")
    if flag or number is None:  # Kolada's status ("Bortfall"…) means the number is not to be trusted
        return None, "missing", flag
    return number, "ok", ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        return None
    return number if math.isfinite(number) else None


def _kpi(value: Any, fail: Fail) -> str:
    kpi = value.strip().upper() if isinstance(value, str) else ""
    if not _KPI.match(kpi):
        raise fail("kpi", f"nyckeltalets id ska se ut som N07540, inte {value!r}.")
    return kpi


def _area(value: Any, fail: Fail) -> str:
    """Kolada's 4-digit id as the project's SCB code: "0000" is riket ("00"), "00NN" is region/län NN."""
    code = value.strip() if isinstance(value, str) else ""
    if not _MUNICIPALITY.match(code):
        raise fail("municipality", f"kommunens id ska vara fyra siffror som text, inte {value!r}.")
    return code[2:] if code.startswith("00") else code


def _period(item: dict[str, Any], fail: Fail) -> str:
    value = item.get("period")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise fail("period", f"perioden ska vara ett år, inte {value!r}.")
    try:
        return parse_period(str(value)).code
    except PeriodError as error:
        raise fail("period", str(error)) from None
