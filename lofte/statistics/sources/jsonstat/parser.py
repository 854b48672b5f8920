"""JSON-stat 2.0 datasets, as SCB's PxWebApi v2 returns them with outputFormat=json-stat2.

A dataset names its dimensions in `id`, their sizes in `size`, each dimension's categories in
`dimension[id].category` (`index`: an object code → position or a list of codes; `label`), and the cells in
`value`, row-major over `id` with the last dimension varying fastest: an array, or a sparse object
{"cell index": value}. `status` marks symbols such as "..". Spec: https://json-stat.org/full/

Metric codes, totals, areas and symbols follow the PX parser's SCB conventions, so a table reads the same
whichever format it was downloaded in. Pure: no Django.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lofte.lib.limits import LimitExceeded, check_json
from lofte.statistics.sources.base import (
    ImportFileError,
    MetricSpec,
    ParsedObservation,
    ParseResult,
    measures_where_fractional,
)
from lofte.statistics.sources.scb_px.parser import (
    Part,
    area_code,
    build_metric,
    is_area_name,
    is_population,
    is_time_name,
    is_total,
    looks_like_area_codes,
    period_code,
    slug,
    symbol_status,
    unique_slugs,
    unit_from_text,
)

FORMAT = "jsonstat"
PUBLISHER = "scb"

_VERSION = re.compile(r'"version"\s*:\s*"2\.0"')
_DATASET = re.compile(r'"class"\s*:\s*"dataset"')
_KEYS = ("id", "size", "dimension", "value")
_HREF_TABLE = re.compile(r"/tables/([A-Za-z0-9_-]+)/data", re.ASCII)
_CELL = re.compile(r"\d{1,18}", re.ASCII)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)
_SYMBOLS = {".", "..", "...", "....", ".....", "......", "-"}  # PX's symbols; PxWebApi passes them on as status


def detect(head: bytes) -> bool:
    """True when the start of a file looks like a JSON-stat dataset (the head may be cut off mid-file)."""
    text = head[:65536].removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore").lstrip()
    if not text.startswith("{"):
        return False
    if _VERSION.search(text) and _DATASET.search(text):
        return True
    return all(re.search(rf'"{key}"\s*:', text) for key in _KEYS)


def parse(raw: bytes, filename: str) -> ParseResult:
    """One observation per cell; `row` is the cell's 1-based index in the row-major order of `value`."""
    dataset = _dataset(_load(raw, filename), filename)
    dimensions = _dimensions(dataset, filename)
    total = math.prod(len(d.codes) for d in dimensions)
    statuses = _Statuses.read(dataset.get("status"), total, filename)
    cells = _cells(dataset.get("value"), total, statuses, filename)
    reader = _Reader(filename, dataset, dimensions)
    for index, value in cells:
        reader.read(index, value, statuses.at(index))
    result = ParseResult(format=FORMAT, publisher=PUBLISHER, rows_read=len(cells))
    result.metrics = list(reader.metrics.values())
    result.observations = reader.observations
    # SCB's unit texts are read as a count unless they say otherwise; a count stated as one keeps decimals out.
    measures_where_fractional(result, {m.code for m in result.metrics if m.code != "befolkning.totalt"})
    result.warnings = reader.warnings() + _notes(dataset)
    return result


# --- bytes to a dataset


def _load(raw: bytes, filename: str) -> Any:
    if not raw.strip():
        raise ImportFileError(filename, "filen är tom.")
    if b"\x00" in raw:
        raise ImportFileError(filename, "filen är binär, inte JSON i UTF-8.")
    try:
        check_json(raw, filename)  # size and nesting, before json.loads builds anything
    except LimitExceeded as exc:
        raise ImportFileError(exc.file, exc.reason) from None
    try:
        return json.loads(raw.removeprefix(codecs.BOM_UTF8).decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise ImportFileError(filename, f"filen är inte UTF-8 (byte {error.start + 1}).") from None
    except json.JSONDecodeError as error:
        raise ImportFileError(filename, f"filen är inte giltig JSON ({error.msg}).", row=error.lineno) from None
    except (ValueError, RecursionError):  # NaN/Infinity, absurdly long numbers or nesting
        raise ImportFileError(filename, "filen är inte giltig JSON.") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _dataset(document: Any, filename: str) -> dict[str, Any]:
    if isinstance(document, dict) and document.get("class") == "collection":
        raise ImportFileError(filename, "JSON-stat-samlingar (class collection) stöds inte; hämta ett dataset.")
    if isinstance(document, dict) and "dimension" not in document:  # JSON-stat 1.0: {"name": {dataset}}
        inner = [value for value in document.values() if isinstance(value, dict) and "dimension" in value]
        document = inner[0] if len(inner) == 1 else document
    if not isinstance(document, dict) or not isinstance(document.get("dimension"), dict):
        message = 'filen är inte ett JSON-stat-dataset: objektet "dimension" saknas.'
        raise ImportFileError(filename, message, field="dimension")
    return document


@dataclass(frozen=True)
class _Dimension:
    id: str
    label: str
    codes: list[str]
    labels: list[str]
    units: dict[str, str]  # code → unit text; PxWebApi writes {"base": "antal", "decimals": 0}
    elimination: str | None  # the code of the total, when PxWebApi names one

    @property
    def field(self) -> str:
        return f"dimension.{self.id}"


def _dimensions(dataset: dict[str, Any], filename: str) -> list[_Dimension]:
    dimension = dataset["dimension"]
    ids = dataset.get("id", dimension.get("id"))  # JSON-stat 1.0 keeps id and size inside "dimension"
    sizes = dataset.get("size", dimension.get("size"))
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids) or len(set(ids)) < len(ids):
        raise ImportFileError(filename, '"id" ska vara en lista med dimensionernas namn, utan dubbletter.', field="id")
    if not isinstance(sizes, list) or len(sizes) != len(ids) or not all(_is_count(s) for s in sizes):
        raise ImportFileError(filename, '"size" ska ha ett antal kategorier per dimension i "id".', field="size")
    return [_dimension(dimension.get(i), i, size, filename) for i, size in zip(ids, sizes, strict=True)]


def _dimension(raw: Any, dimension_id: str, size: int, filename: str) -> _Dimension:
    where = f"dimension.{dimension_id}"
    category = raw.get("category") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(category, dict):
        raise ImportFileError(filename, "dimensionen eller dess category saknas.", field=where)
    labels = _object(category.get("label"))
    codes = _codes(category.get("index"), labels, where, filename)
    if len(codes) != size:
        message = f'"size" säger {size} kategorier men category har {len(codes)}.'
        raise ImportFileError(filename, message, field=where)
    elimination = _object(raw.get("extension")).get("eliminationValueCode")
    return _Dimension(
        dimension_id,
        _text(raw.get("label")) or dimension_id,
        codes,
        [_text(labels.get(code)) or code for code in codes],
        _units(category.get("unit")),
        elimination if isinstance(elimination, str) else None,
    )


def _codes(index: Any, labels: dict[str, Any], where: str, filename: str) -> list[str]:
    if isinstance(index, dict):
        positions = list(index.values())
        if not all(_is_count(p) for p in positions) or sorted(positions) != list(range(len(positions))):
            raise ImportFileError(filename, "category.index ska numrera kategorierna 0, 1, 2 …", field=where)
        codes = sorted(index, key=index.__getitem__)
    elif isinstance(index, list):
        codes = index
    elif index is None and len(labels) == 1:  # the spec lets a lone category go without an index
        codes = list(labels)
    else:
        raise ImportFileError(filename, "category.index saknas.", field=where)
    if not all(isinstance(code, str) for code in codes) or len(set(codes)) < len(codes):
        raise ImportFileError(filename, "kategoriernas koder ska vara unika texter.", field=where)
    return codes


def _units(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    found = {
        code: unit.get("base") or unit.get("label") or unit.get("symbol")
        for code, unit in raw.items()
        if isinstance(unit, dict)
    }
    return {code: text for code, text in found.items() if isinstance(text, str)}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _array(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- values and statuses


@dataclass(frozen=True)
class _Statuses:
    everywhere: str  # one status for every cell, as the spec allows
    cells: dict[int, str] = field(default_factory=dict)

    @classmethod
    def read(cls, status: Any, total: int, filename: str) -> _Statuses:
        if status is None or isinstance(status, str):
            return cls(_text(status))
        if isinstance(status, list) and len(status) == 1:
            return cls(_text(status[0]))
        if isinstance(status, list):
            if len(status) != total:
                message = f'"status" har {len(status)} värden men "size" ger {total} celler.'
                raise ImportFileError(filename, message, field="status")
            return cls("", {i: _text(s) for i, s in enumerate(status) if _text(s)})
        if isinstance(status, dict):
            return cls("", {_cell_index(k, total, "status", filename): _text(s) for k, s in status.items() if _text(s)})
        raise ImportFileError(filename, '"status" ska vara en text, en lista eller ett objekt.', field="status")

    def at(self, index: int) -> str:
        return self.cells.get(index) or self.everywhere


def _cells(value: Any, total: int, statuses: _Statuses, filename: str) -> list[tuple[int, Any]]:
    """(cell index, value) for every cell. A sparse `value` leaves out empty cells; those with a status stay."""
    if isinstance(value, list):
        if len(value) != total:
            message = f'"value" har {len(value)} värden men "size" ger {total} celler.'
            raise ImportFileError(filename, message, field="value")
        return list(enumerate(value))
    if isinstance(value, dict):
        cells = {_cell_index(key, total, "value", filename): item for key, item in value.items()}
        cells.update({index: None for index in statuses.cells if index not in cells})
        return sorted(cells.items())
    raise ImportFileError(filename, '"value" saknas eller är varken en lista eller ett objekt.', field="value")


def _cell_index(key: str, total: int, where: str, filename: str) -> int:
    if not _CELL.fullmatch(key) or int(key) >= total:
        message = f"cellen {key[:20]!r} finns inte; size ger {total} celler."
        raise ImportFileError(filename, message, field=where)
    return int(key)


# --- cells to observations


class _Reader:
    """Turns cells into observations, building each metric once per combination of categories."""

    def __init__(self, filename: str, dataset: dict[str, Any], dimensions: list[_Dimension]) -> None:
        self.filename, self.dimensions = filename, dimensions
        self.time, self.area, self.content = _roles(dataset, dimensions, filename)
        self.table = _table_id(dataset)
        self.title = _text(dataset.get("label")) or self.table
        self.periods = [period_code([c, t]) for c, t in zip(self._time.codes, self._time.labels, strict=True)]
        self.areas = _areas(dimensions[self.area]) if self.area is not None else []
        self.slugs = [unique_slugs(d.codes) for d in dimensions]
        self.others = [i for i in range(len(dimensions)) if i not in (self.time, self.area, self.content)]
        self.metric_dimensions = self.others + ([self.content] if self.content is not None else [])
        self.metrics: dict[str, MetricSpec] = {}
        self.by_cell: dict[tuple[int, ...], MetricSpec] = {}
        self.observations: list[ParsedObservation] = []
        self.skipped: dict[str, int] = {}  # unknown region → number of cells
        self.flags: dict[str, int] = {}  # statuses kept beside a value → number of cells
        self.seen: set[tuple[str, str, str]] = set()
        self.duplicates = 0

    @property
    def _time(self) -> _Dimension:
        return self.dimensions[self.time]

    def read(self, index: int, raw: Any, status: str) -> None:
        row, cell = index + 1, self._coordinates(index)
        value, state = self._value(raw, status, row)
        period = self.periods[cell[self.time]]
        if period is None:
            code = self._time.codes[cell[self.time]]
            raise ImportFileError(self.filename, f"okänd period {code[:20]!r}.", row=row, field=self._time.field)
        area = self._area(cell)
        if area is None:
            return
        metric = self._metric(cell)
        if (metric.code, area, period) in self.seen:  # two totals that both read as befolkning.totalt
            self.duplicates += 1
            return
        self.seen.add((metric.code, area, period))
        self.observations.append(ParsedObservation(row, metric.code, area, period, value, status=state))

    def warnings(self) -> list[str]:
        found = []
        if self.area is None:
            found.append("Datasetet har ingen regiondimension; värdena har lagts på riket (00).")
        if self.skipped:
            codes = ", ".join(list(self.skipped)[:5]) + (" …" if len(self.skipped) > 5 else "")
            found.append(f"{sum(self.skipped.values())} värden hoppades över: okända regioner ({codes}).")
        if self.duplicates:
            found.append(f"{self.duplicates} celler gav samma mått, område och period; den första har använts.")
        for flag, count in sorted(self.flags.items()):
            found.append(f'{count} värden har statusen "{flag[:20]}"; talen har behållits.')
        return found

    def _coordinates(self, index: int) -> list[int]:
        """Category positions of a cell: the last dimension varies fastest."""
        cell = [0] * len(self.dimensions)
        for position in reversed(range(len(self.dimensions))):
            index, cell[position] = divmod(index, len(self.dimensions[position].codes))
        return cell

    def _value(self, raw: Any, status: str, row: int) -> tuple[float | None, str]:
        number, symbol = _number(raw), status
        if number is None and isinstance(raw, str) and raw.strip() in _SYMBOLS:
            symbol = symbol or raw.strip()  # some writers put the symbol in value itself
        elif number is None and raw is not None:
            message = f"värdet ska vara ett tal eller null, inte {str(raw)[:40]!r}."
            raise ImportFileError(self.filename, message, row=row, field="value")
        if symbol and (number is None or symbol in _SYMBOLS):
            return symbol_status(symbol)  # never the number beside ".." etc: that may be a placeholder 0
        if symbol:  # a note on a real number, e.g. a revision mark: keep the number
            self.flags[symbol] = self.flags.get(symbol, 0) + 1
        return (number, "ok") if number is not None else (None, "missing")

    def _area(self, cell: list[int]) -> str | None:
        if self.area is None:
            return "00"
        area = self.areas[cell[self.area]]
        if area is None:
            region = self.dimensions[self.area].codes[cell[self.area]]
            self.skipped[region] = self.skipped.get(region, 0) + 1
        return area

    def _metric(self, cell: list[int]) -> MetricSpec:
        key = tuple(cell[i] for i in self.metric_dimensions)
        metric = self.by_cell.get(key)
        if metric is None:
            metric = self.by_cell[key] = self._build(cell)
            self.metrics.setdefault(metric.code, metric)
        return metric

    def _build(self, cell: list[int]) -> MetricSpec:
        parts = [self._part(i, cell[i]) for i in self.others]
        base, unit, content, population = self.title, "", None, is_population("", self.title)
        if self.content is not None:
            dimension, index = self.dimensions[self.content], cell[self.content]
            code = dimension.codes[index]
            base, unit, content = (
                dimension.labels[index],
                dimension.units.get(code, ""),
                self.slugs[self.content][index],
            )
            population = is_population(code, dimension.labels[index])
        description = f"SCB, tabell {self.table}: {self.title}"
        return build_metric(slug(self.table), base, parts, content, unit_from_text(unit), description, population)

    def _part(self, index: int, position: int) -> Part:
        dimension = self.dimensions[index]
        code, label = dimension.codes[position], dimension.labels[position]
        return Part(dimension.label, self.slugs[index][position], label, is_total(code, label, dimension.elimination))


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
        raw = float(raw)
    if not isinstance(raw, int | float):
        return None
    try:
        number = float(raw)
    except OverflowError:  # an integer with hundreds of digits
        return None
    return number if math.isfinite(number) else None


def _roles(dataset: dict[str, Any], dimensions: list[_Dimension], filename: str) -> tuple[int, int | None, int | None]:
    """Which dimension is time, area and content: from `role`, else by PxWebApi's ids (Tid, Region, ContentsCode)."""
    role = _object(dataset.get("role", dataset["dimension"].get("role")))  # JSON-stat 1.0 keeps it in "dimension"
    time = _role(role, "time", dimensions, (), lambda d: is_time_name(d.id) or is_time_name(d.label))
    area = _role(role, "geo", dimensions, (time,), lambda d: is_area_name(d.id) or is_area_name(d.label))
    if area is None:  # a name says more than the shape of the codes, so codes come second
        area = _role({}, "geo", dimensions, (time,), lambda d: looks_like_area_codes(d.codes, d.labels))
    content = _role(role, "metric", dimensions, (time, area), lambda d: d.id.casefold() == "contentscode")
    if time is None:
        time = _role({}, "time", dimensions, (area, content), lambda d: all(period_code([c]) for c in d.codes))
    if time is None:
        message = "datasetet har ingen tidsdimension (role.time, eller en dimension som heter Tid)."
        raise ImportFileError(filename, message, field="role")
    return time, area, content


def _role(
    role: dict[str, Any],
    name: str,
    dimensions: list[_Dimension],
    taken: tuple[int | None, ...],
    guess: Callable[[_Dimension], bool],
) -> int | None:
    listed = _array(role.get(name))
    free = [(i, d) for i, d in enumerate(dimensions) if i not in taken]
    for index, dimension in free:
        if dimension.id in listed:
            return index
    return next((index for index, dimension in free if guess(dimension)), None)


def _areas(dimension: _Dimension) -> list[str | None]:
    return [area_code(code, label) for code, label in zip(dimension.codes, dimension.labels, strict=True)]


def _table_id(dataset: dict[str, Any]) -> str:
    """PxWebApi's table id (extension.px.tableid), else the one in the dataset's address, else its label."""
    px = _object(_object(dataset.get("extension")).get("px"))
    href = _HREF_TABLE.search(_text(dataset.get("href")))
    for candidate in (px.get("tableid"), px.get("matrix"), href.group(1) if href else None):
        if isinstance(candidate, str) and slug(candidate):
            return candidate.strip()
    return slug(_text(dataset.get("label")))[:40].strip("_") or "okand"


def _notes(dataset: dict[str, Any]) -> list[str]:
    """The dataset's own notes, shortened: a warning is a pointer, not the footnote."""
    texts = [" ".join(note.split()) for note in _array(dataset.get("note")) if isinstance(note, str)]
    return [f"Not: {t}" if len(t) <= 160 else f"Not: {t[:159].rstrip()}…" for t in texts if t]
