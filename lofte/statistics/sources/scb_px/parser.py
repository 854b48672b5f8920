"""PC-Axis (.px) tables from SCB's statistical database (PxWeb).

A PX file is a header of `KEYWORD[lang]("sub","keys")=value;` statements and then `DATA=` with one value per
cell, row-major over the STUB variables and then the HEADING variables (the last variable varies fastest).
Format: https://www.scb.se/en/services/statistical-programs-for-px-files/px-file-format/

The SCB conventions at the end of this module (metric codes, totals, the population metric, data symbols,
area codes) are shared with the JSON-stat parser, so a table reads the same whichever format it came in.
Pure: no Django.
"""

from __future__ import annotations

import codecs
import itertools
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lofte.statistics.periods import PeriodError, parse_period
from lofte.statistics.sources.base import (
    ImportFileError,
    MetricSpec,
    ParsedObservation,
    ParseResult,
    measures_where_fractional,
)

FORMAT = "scb-px"
PUBLISHER = "scb"

Key = tuple[str, str | None, tuple[str, ...]]  # keyword, language (None: the file's default), subkeys

# Keywords a PX file starts with; detection needs one of them first, or STUB/HEADING and VALUES/DATA.
_FIRST_KEYWORDS = (
    "CHARSET|AXIS-VERSION|CODEPAGE|LANGUAGES?|CREATION-DATE|NEXT-UPDATE|PX-SERVER|DIRECTORY-PATH|"
    "UPDATE-FREQUENCY|TABLEID|SYNONYMS|DEFAULT-GRAPH|DECIMALS|SHOWDECIMALS|ROUNDING|MATRIX|AGGREGALLOWED|"
    "AUTOPEN|SUBJECT-CODE|SUBJECT-AREA|CONFIDENTIAL|COPYRIGHT|DESCRIPTION|TITLE|CONTENTS"
)
_START = re.compile(rf"\s*(?:{_FIRST_KEYWORDS})(?:\[[A-Za-z_-]+\])?\s*=")
_STUB_OR_HEADING = re.compile(r"^\s*(?:STUB|HEADING)(?:\[[A-Za-z_-]+\])?\s*=", re.MULTILINE)
_DATA_OR_VALUES = re.compile(r"^\s*(?:DATA\s*=|VALUES(?:\[[A-Za-z_-]+\])?\s*\()", re.MULTILINE)

_CHARSET = re.compile(rb'^\s*CHARSET\s*=\s*"([^"\r\n]*)"', re.MULTILINE)
_CODEPAGE = re.compile(rb'^\s*CODEPAGE\s*=\s*"([^"\r\n]*)"', re.MULTILINE)
# Only code pages PX files are written in; an arbitrary codec name from a file could be "base64" or "rot13".
_CODEPAGES = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "iso-8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-15": "iso8859-15",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "850": "cp850",
    "cp850": "cp850",
    "ibm850": "cp850",
}

_QUOTE_OR_END = re.compile(r'[";]')
_KEY = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*(?:\[\s*([A-Za-z_-]*)\s*\])?\s*(\((?:[^"()]|"[^"]*")*\))?\s*=')
_QUOTED = re.compile(r'"([^"]*)"')
_VALUE_TOKEN = re.compile(r'"([^"]*)"|(,)|([^\s",]+)')
_DATA_TOKEN = re.compile(r'"[^"]*"|[^\s",]+')
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)
_BARE_SYMBOL = re.compile(r"\.{1,6}|-")
_TLIST = re.compile(r"TLIST\(\s*([AHQMW])1\s*\)", re.IGNORECASE)
_TLIST_ITEM = re.compile(r"(\d{4})(\d{1,2})?", re.ASCII)
_TLIST_LETTERS = {"H": "H", "Q": "K", "M": "M", "W": "W"}  # TIMEVAL's units, as parse_period reads them
_SPACE = re.compile(r"\s*")
_NOTE_KEYWORDS = ("CELLNOTEX", "CELLNOTE", "VALUENOTEX", "VALUENOTE")


def detect(head: bytes) -> bool:
    """True when the start of a file looks like a PC-Axis file (the head may be cut off mid-file)."""
    text = head[:65536].removeprefix(codecs.BOM_UTF8).decode("latin-1")  # the keywords are ASCII
    if _START.match(text):
        return True
    return bool(_STUB_OR_HEADING.search(text) and _DATA_OR_VALUES.search(text))


def parse(raw: bytes, filename: str, *, area_names: dict[str, str] | None = None) -> ParseResult:
    """One observation per DATA cell; `row` is the cell's 1-based place in DATA.

    `area_names` (code → name of every known area), when given, resolves regions written as names only and
    drops regions the database does not know, with a warning.
    """
    header = _read_header(_decode(raw, filename), filename)
    table = _table(header, filename)
    tokens = _data_tokens(header, math.prod(len(v.codes) for v in table.variables), filename)
    reader = _Reader(filename, table, header, area_names)
    for row, (cell, token) in enumerate(zip(table.cells(), tokens, strict=True), start=1):
        reader.read(row, cell, token)
    result = ParseResult(format=FORMAT, publisher=PUBLISHER, rows_read=len(tokens))
    result.metrics = list(reader.metrics.values())
    result.observations = reader.observations
    # SCB's unit texts are read as a count unless they say otherwise; a count stated as one keeps decimals out.
    measures_where_fractional(result, {m.code for m in result.metrics if m.code != "befolkning.totalt"})
    result.warnings = _warnings(header, table, reader)
    return result


# --- bytes to text


def _decode(raw: bytes, filename: str) -> str:
    if not raw.strip():
        raise ImportFileError(filename, "filen är tom.")
    if b"\x00" in raw:
        raise ImportFileError(filename, "filen är binär, inte en PC-Axis-fil (.px).")
    encoding = _encoding(raw[:65536])
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == "cp1252":  # five bytes are unassigned in Windows-1252; Windows shows them as Latin-1
            return raw.decode("latin-1")
        decoded = bytes(error.object)  # utf-8-sig counts positions after a byte order mark
        message = (
            f"filen är inte giltig UTF-8 (byte 0x{decoded[error.start]:02x} på position {error.start + 1}). "
            'Är den sparad i Windows-1252 ska den ha CHARSET="ANSI"; annars spara om den som UTF-8.'
        )
        line = decoded.count(b"\n", 0, error.start) + 1
        raise ImportFileError(filename, message, row=line, field="CHARSET") from None


def _encoding(head: bytes) -> str:
    """CHARSET="ANSI" means Windows-1252; otherwise CODEPAGE if it names one we know, else UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    codepage = _CODEPAGES.get(_header_bytes(_CODEPAGE, head).lower().replace("_", "-"))
    if codepage == "utf-8-sig":
        return codepage
    if _header_bytes(_CHARSET, head).upper() == "ANSI":
        return "cp1252"
    return codepage or "utf-8-sig"


def _header_bytes(pattern: re.Pattern[bytes], head: bytes) -> str:
    found = pattern.search(head)
    return found.group(1).decode("latin-1").strip() if found else ""


# --- text to keywords


@dataclass(frozen=True)
class _Statement:
    start: int  # offset in the text, for the line number in messages
    text: str
    terminated: bool  # ended by ";" (a value cut off by the end of the file is not)


@dataclass
class _Header:
    entries: dict[Key, tuple[str, ...]] = field(default_factory=dict)
    timevals: dict[Key, str] = field(default_factory=dict)  # the raw value; TLIST(...) does not split on commas
    data: str | None = None
    data_terminated: bool = False
    default: str | None = None  # the language of keywords without [lang]
    chosen: str | None = None  # the language we read: Swedish when the file has it

    def get(
        self, keyword: str, sub: tuple[str, ...] = (), default_sub: tuple[str, ...] | None = None
    ) -> tuple[str, ...] | None:
        """A keyword in the chosen language, falling back to the default language (language-neutral keywords)."""
        for key in self._keys(keyword, sub, sub if default_sub is None else default_sub):
            if key in self.entries:
                return self.entries[key]
        return None

    def text(self, keyword: str, sub: tuple[str, ...] = (), default_sub: tuple[str, ...] | None = None) -> str:
        return " ".join(self.get(keyword, sub, default_sub) or ())

    def timeval(self, sub: tuple[str, ...], default_sub: tuple[str, ...]) -> str | None:
        for key in self._keys("TIMEVAL", sub, default_sub):
            if key in self.timevals:
                return self.timevals[key]
        return None

    def _keys(self, keyword: str, sub: tuple[str, ...], default_sub: tuple[str, ...]) -> Iterator[Key]:
        if self.chosen is not None and self.chosen != self.default:
            yield keyword, self.chosen, sub
        yield keyword, None, default_sub
        if self.chosen is not None:  # some files also suffix their default language
            yield keyword, self.chosen, sub


def _read_header(text: str, filename: str) -> _Header:
    header = _Header()
    for statement in _statements(text):
        if not statement.text.strip():
            continue
        key, value = _split(statement, text, filename)
        if key[0] == "DATA":
            header.data, header.data_terminated = value, statement.terminated
            break
        if not statement.terminated:
            message = "filen är avkortad: värdet avslutas aldrig med semikolon."
            raise ImportFileError(filename, message, row=_line(text, statement.start), field=_field(key))
        header.entries[key] = _items(value)
        if key[0] == "TIMEVAL":
            header.timevals[key] = value
    _choose_language(header)
    return header


def _statements(text: str) -> Iterator[_Statement]:
    """Split at semicolons outside quotes. PX strings cannot contain quotes, so no escapes to handle."""
    start = position = 0
    while True:
        found = _QUOTE_OR_END.search(text, position)
        if found is None:
            yield _Statement(start, text[start:], False)
            return
        if found.group() == ";":
            yield _Statement(start, text[start : found.start()], True)
            start = position = found.end()
            continue
        close = text.find('"', found.end())
        if close < 0:  # a string left open runs to the end of the file
            yield _Statement(start, text[start:], False)
            return
        position = close + 1


def _split(statement: _Statement, text: str, filename: str) -> tuple[Key, str]:
    found = _KEY.match(statement.text)
    if found is None:
        snippet = " ".join(statement.text.split())[:40]
        message = f"raden kan inte läsas som NYCKELORD=värde ({snippet!r})."
        raise ImportFileError(filename, message, row=_line(text, statement.start))
    keyword, language, subkeys = found.group(1).upper(), found.group(2), found.group(3) or ""
    key = (keyword, language.lower() if language else None, tuple(_QUOTED.findall(subkeys)))
    return key, statement.text[found.end() :]


def _items(value: str) -> tuple[str, ...]:
    """Comma-separated items; quoted strings next to each other are one string split over lines."""
    if not value.strip():
        return ()
    items, current = [], ""
    for token in _VALUE_TOKEN.finditer(value):
        if token.group(2):
            items.append(current)
            current = ""
        else:
            current += token.group(1) if token.group(1) is not None else token.group(3)
    items.append(current)
    return tuple(items)


def _choose_language(header: _Header) -> None:
    languages = [code.lower() for code in header.entries.get(("LANGUAGES", None, ()), ())]
    default = [code.lower() for code in header.entries.get(("LANGUAGE", None, ()), ())]
    header.default = default[0] if default else (languages[0] if languages else None)
    header.chosen = "sv" if "sv" in languages else header.default


def _line(text: str, offset: int) -> int:
    """The line a statement's keyword is on (a statement starts right after the previous semicolon)."""
    keyword_at = _SPACE.match(text, offset)
    return text.count("\n", 0, keyword_at.end() if keyword_at else offset) + 1


def _field(key: Key) -> str:
    keyword, language, subkeys = key
    suffix = f"[{language}]" if language else ""
    return keyword + suffix + ("(" + ",".join(f'"{s}"' for s in subkeys) + ")" if subkeys else "")


# --- keywords to a table


@dataclass(frozen=True)
class _Variable:
    name: str  # in the chosen language
    default_name: str  # in the file's default language, as keywords without [lang] name it
    codes: tuple[str, ...]
    texts: tuple[str, ...]
    default_texts: tuple[str, ...]
    elimination: str | None  # the value (text or code) that is the total, when ELIMINATION names one

    def field(self, keyword: str) -> str:
        return f'{keyword}("{self.name}")'


@dataclass(frozen=True)
class _Table:
    matrix: str
    title: str
    contents: str
    variables: list[_Variable]
    time: int
    area: int | None
    content: int | None  # the CONTVARIABLE, whose values are separate metrics

    def cells(self) -> Iterator[tuple[int, ...]]:
        """Value indices per variable, in DATA order: itertools.product varies the last one fastest."""
        return itertools.product(*(range(len(v.codes)) for v in self.variables))

    def others(self) -> list[int]:
        return [i for i in range(len(self.variables)) if i not in (self.time, self.area, self.content)]


def _table(header: _Header, filename: str) -> _Table:
    if header.data is None:
        raise ImportFileError(filename, "nyckelordet saknas.", field="DATA")
    if "KEYS" in {key[0] for key in header.entries}:
        raise ImportFileError(filename, "PX-filer med KEYS (glesa data) stöds inte.", field="KEYS")
    matrix = header.text("MATRIX").strip()
    if not slug(matrix):
        raise ImportFileError(filename, "nyckelordet saknas.", field="MATRIX")
    variables = _variables(header, filename)
    time = _time_variable(header, variables)
    area = _area_variable(variables, time)
    time = _period_variable(variables, area) if time is None else time
    if time is None:
        message = "tabellen har ingen tidsvariabel (TIMEVAL, eller en variabel som heter tid, år eller månad)."
        raise ImportFileError(filename, message, field="TIMEVAL")
    content = _content_variable(header, variables, filename)
    contents = header.text("CONTENTS") or header.text("TITLE") or matrix
    return _Table(matrix, header.text("TITLE") or contents, contents, variables, time, area, content)


def _variables(header: _Header, filename: str) -> list[_Variable]:
    names = _names(header, "STUB", filename) + _names(header, "HEADING", filename)
    if not names:
        raise ImportFileError(filename, "nyckelordet saknas.", field="STUB")
    return [_variable(header, name, default_name, filename) for name, default_name in names]


def _names(header: _Header, keyword: str, filename: str) -> list[tuple[str, str]]:
    chosen = header.get(keyword) or ()
    default = header.entries.get((keyword, None, ())) or chosen
    if len(chosen) != len(default):
        raise ImportFileError(filename, "variablerna är inte desamma på alla språk.", field=keyword)
    return list(zip(chosen, default, strict=True))


def _variable(header: _Header, name: str, default_name: str, filename: str) -> _Variable:
    sub, default_sub = (name,), (default_name,)
    texts = header.get("VALUES", sub, default_sub)
    if not texts:
        raise ImportFileError(filename, "nyckelordet saknas.", field=f'VALUES("{name}")')
    default_texts = header.entries.get(("VALUES", None, default_sub)) or texts
    codes = header.get("CODES", sub, default_sub) or texts
    if len(codes) != len(texts):
        message = f"CODES har {len(codes)} koder men VALUES har {len(texts)} värden."
        raise ImportFileError(filename, message, field=f'CODES("{name}")')
    if len(default_texts) != len(texts):
        default_texts = texts  # a translation that does not line up is not used
    elimination = header.text("ELIMINATION", sub, default_sub)
    total = None if elimination.upper() in ("", "YES", "NO") else elimination
    return _Variable(name, default_name, codes, texts, default_texts, total)


def _time_variable(header: _Header, variables: list[_Variable]) -> int | None:
    for index, variable in enumerate(variables):
        if header.timeval((variable.name,), (variable.default_name,)) is not None:
            return index
    for index, variable in enumerate(variables):
        if is_time_name(variable.name) or is_time_name(variable.default_name):
            return index
    return None


def _area_variable(variables: list[_Variable], time: int | None) -> int | None:
    candidates = [(i, v) for i, v in enumerate(variables) if i != time]
    for index, variable in candidates:
        if is_area_name(variable.name) or is_area_name(variable.default_name):
            return index
    for index, variable in candidates:
        if looks_like_area_codes(variable.codes, variable.texts):
            return index
    return None


def _period_variable(variables: list[_Variable], area: int | None) -> int | None:
    """Last resort for files without TIMEVAL: the variable whose every code is a period."""
    for index, variable in enumerate(variables):
        if index != area and all(period_code([code]) for code in variable.codes):
            return index
    return None


def _content_variable(header: _Header, variables: list[_Variable], filename: str) -> int | None:
    name = header.text("CONTVARIABLE")
    if not name:
        return None
    for index, variable in enumerate(variables):
        if name in (variable.name, variable.default_name):
            return index
    raise ImportFileError(filename, f"variabeln {name!r} finns inte i STUB eller HEADING.", field="CONTVARIABLE")


# --- DATA to observations


def _data_tokens(header: _Header, expected: int, filename: str) -> list[str]:
    tokens = _DATA_TOKEN.findall(header.data or "")
    if len(tokens) < expected:
        message = f"filen är avkortad: DATA har {len(tokens)} värden men tabellen har {expected} celler."
        raise ImportFileError(filename, message, field="DATA")
    if len(tokens) > expected:
        message = f"DATA har {len(tokens)} värden men tabellen har bara {expected} celler (stämmer VALUES?)."
        raise ImportFileError(filename, message, field="DATA")
    if not header.data_terminated:  # the last number may be cut short, so the count alone does not tell
        raise ImportFileError(filename, "filen är avkortad: DATA avslutas inte med semikolon.", field="DATA")
    return tokens


class _Reader:
    """Turns DATA cells into observations, building each metric once per combination of values."""

    def __init__(self, filename: str, table: _Table, header: _Header, area_names: dict[str, str] | None) -> None:
        self.filename, self.table, self.header = filename, table, header
        self.periods = _periods(header, table.variables[table.time], filename)
        self.areas = _areas(table, area_names)
        self.slugs = [unique_slugs(v.codes) for v in table.variables]
        self.metric_variables = [i for i in (*table.others(), table.content) if i is not None]
        self.symbols = {"." * n: header.text(f"DATASYMBOL{n}") for n in range(1, 7)}
        self.metrics: dict[str, MetricSpec] = {}
        self.by_cell: dict[tuple[int, ...], MetricSpec] = {}
        self.observations: list[ParsedObservation] = []
        self.skipped: dict[str, int] = {}  # unknown region → number of cells
        self.seen: set[tuple[str, str, str]] = set()
        self.duplicates = 0

    def read(self, row: int, cell: tuple[int, ...], token: str) -> None:
        value, status = self._value(token, row)  # checked first, so a bad value in a skipped region is still told
        area = self._area(cell)
        if area is None:
            return
        metric, period = self._metric(cell), self.periods[cell[self.table.time]]
        if (metric.code, area, period) in self.seen:  # two totals that both read as befolkning.totalt
            self.duplicates += 1
            return
        self.seen.add((metric.code, area, period))
        self.observations.append(ParsedObservation(row, metric.code, area, period, value, status=status))

    def _area(self, cell: tuple[int, ...]) -> str | None:
        if self.table.area is None:
            return "00"
        area = self.areas[cell[self.table.area]]
        if area is None:
            region = self.table.variables[self.table.area].codes[cell[self.table.area]]
            self.skipped[region] = self.skipped.get(region, 0) + 1
        return area

    def _value(self, token: str, row: int) -> tuple[float | None, str]:
        if token.startswith('"'):  # quoted: a symbol, though some writers quote numbers too
            token = token[1:-1].strip()
        elif not (_NUMBER.fullmatch(token) or _BARE_SYMBOL.fullmatch(token)):
            raise ImportFileError(self.filename, f"ogiltigt värde {token[:20]!r}.", row=row, field="DATA")
        if not _NUMBER.fullmatch(token):
            return symbol_status(token, self.symbols.get(token, ""))
        number = float(token)
        if not math.isfinite(number):
            raise ImportFileError(self.filename, f"för stort tal {token[:20]!r}.", row=row, field="DATA")
        return number, "ok"

    def _metric(self, cell: tuple[int, ...]) -> MetricSpec:
        key = tuple(cell[i] for i in self.metric_variables)
        metric = self.by_cell.get(key)
        if metric is None:
            metric = self.by_cell[key] = self._build(cell)
            self.metrics.setdefault(metric.code, metric)
        return metric

    def _build(self, cell: tuple[int, ...]) -> MetricSpec:
        table, parts = self.table, [self._part(i, cell[i]) for i in self.table.others()]
        base, unit_text, content_slug = table.contents, self.header.text("UNITS"), None
        population = is_population("", table.contents)
        if table.content is not None:  # each content has its own text and may have its own UNITS
            variable, index = table.variables[table.content], cell[table.content]
            base, content_slug = variable.texts[index], self.slugs[table.content][index]
            sub, default_sub = (variable.texts[index],), (variable.default_texts[index],)
            unit_text = self.header.text("UNITS", sub, default_sub) or unit_text
            population = is_population(variable.codes[index], variable.texts[index])
        prefix, description = slug(table.matrix), f"SCB, tabell {table.matrix}: {table.title}"
        return build_metric(prefix, base, parts, content_slug, unit_from_text(unit_text), description, population)

    def _part(self, index: int, value: int) -> Part:
        variable = self.table.variables[index]
        code, text = variable.codes[value], variable.texts[value]
        total = is_total(code, text, variable.elimination) or variable.default_texts[value] == variable.elimination
        return Part(variable.name, self.slugs[index][value], text, total)


def _periods(header: _Header, variable: _Variable, filename: str) -> list[str]:
    timeval = header.timeval((variable.name,), (variable.default_name,)) or ""
    unit, items = _tlist(timeval)
    periods = []
    for index, (code, text) in enumerate(zip(variable.codes, variable.texts, strict=True)):
        extra = _from_tlist(unit, items[index]) if index < len(items) else None
        period = period_code([code, text, extra])
        if period is None:
            raise ImportFileError(filename, f"okänd period {code[:20]!r}.", field=variable.field("VALUES"))
        periods.append(period)
    return periods


def _tlist(timeval: str) -> tuple[str, list[str]]:
    """TIMEVAL's unit (A, H, Q, M or W) and its list of periods; the range form TLIST(A1, "1994"-"1996") gives none."""
    found = _TLIST.match(timeval.strip())
    if found is None:
        return "", []
    return found.group(1).upper(), list(_items(timeval.strip()[found.end() :]))[1:]


def _from_tlist(unit: str, item: str) -> str | None:
    found = _TLIST_ITEM.fullmatch(item.strip())
    if found is None or (unit != "A") != (found.group(2) is not None):
        return None
    if unit == "A":
        return found.group(1)
    return f"{found.group(1)}{_TLIST_LETTERS[unit]}{found.group(2)}"


def _areas(table: _Table, area_names: dict[str, str] | None) -> list[str | None]:
    if table.area is None:
        return []
    variable = table.variables[table.area]
    return [area_code(c, t, area_names) for c, t in zip(variable.codes, variable.texts, strict=True)]


def _warnings(header: _Header, table: _Table, reader: _Reader) -> list[str]:
    found = []
    if table.area is None:
        found.append("Tabellen har ingen regionvariabel; värdena har lagts på riket (00).")
    if reader.skipped:
        codes = ", ".join(list(reader.skipped)[:5]) + (" …" if len(reader.skipped) > 5 else "")
        found.append(f"{sum(reader.skipped.values())} värden hoppades över: okända regioner ({codes}).")
    if reader.duplicates:
        found.append(f"{reader.duplicates} celler gav samma mått, område och period; den första har använts.")
    found += _decimal_warnings(header) + _notes(header)
    return list(dict.fromkeys(found))


def _decimal_warnings(header: _Header) -> list[str]:
    """DECIMALS and SHOWDECIMALS only say how to print the numbers; they are checked, not applied."""
    bad = [kw for kw in ("DECIMALS", "SHOWDECIMALS") if header.text(kw) and not header.text(kw).strip().isdigit()]
    return [f"{kw} har ett ogiltigt värde och har ignorerats." for kw in bad]


def _notes(header: _Header) -> list[str]:
    """Cell and value notes in the chosen language, shortened: a warning is a pointer, not the footnote."""
    language = header.chosen if header.chosen != header.default else None
    notes = []
    for (keyword, key_language, subkeys), items in header.entries.items():
        if keyword in _NOTE_KEYWORDS and key_language == language:
            values = [s for s in subkeys if s != "*"]  # VALUENOTE's are a variable and a value
            where = ": ".join(values) if keyword.startswith("VALUE") else ", ".join(values)
            notes.append(_short(f"Fotnot ({where}): {' '.join(items)}"))
    return notes


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.replace("#", " ").split())  # "#" is a line break in PX strings
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- SCB conventions, shared with the JSON-stat parser

POPULATION = MetricSpec(
    "befolkning.totalt",
    "Folkmängd",
    "antal",
    PUBLISHER,
    "Folkmängd enligt SCB:s befolkningsstatistik.",
    lower_is_better=False,
)

_TIME_NAME = re.compile(
    r"(tid|år|ar|månad|manad|kvartal|halvår|halvar|vecka|\w*period|year|month|quarter|half-year|week|time)",
    re.IGNORECASE,
)
_AREA_NAME = re.compile(r"\b(region\w*|län|lan|kommun|kommuner|county|counties|municipality|municipalities)\b", re.I)
_SCB_CODE = re.compile(r"\d{2}|\d{4}", re.ASCII)
_LEADING_CODE = re.compile(r"(\d{2}|\d{4})\s+\D", re.ASCII)
_WEEK = re.compile(r"(\d{4})\s*[Vv](\d{1,2})", re.ASCII)
_TOTAL_WORDS = {"total", "totalt", "tot", "tot.", "samtliga", "alla", "1+2", "summa", "i alt"}
_TOTAL_START = re.compile(r"(totalt|total|samtliga|alla|båda könen|both sexes|all)\b", re.IGNORECASE)
_POPULATION_WORDS = re.compile(r"folkmängd|population|befolkning", re.IGNORECASE)
_NOT_POPULATION = re.compile(
    r"medel|mean|average|förändr|change|ökning|increase|minskning|andel|share|täthet|density|prognos|projection"
    r"|per\s|procent|percent",
    re.IGNORECASE,
)
_CONFIDENTIAL = re.compile(r"sekretess|konfidentiell|confidential|röj|skydd|suppress|för få|too few", re.I)
_NOT_AVAILABLE = re.compile(r"saknas|missing|not available|inte tillgänglig|ej tillgänglig", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    """A cell's value of one variable that is neither area, time nor content."""

    variable: str  # the variable's name, for the metric's name
    slug: str  # the value's code as a metric code segment
    text: str
    total: bool


def build_metric(
    prefix: str, base: str, parts: Sequence[Part], content: str | None, unit: str, description: str, population: bool
) -> MetricSpec:
    """scb.<table>.<value>….<content>, or befolkning.totalt for a table's total population."""
    if population and unit == "antal" and all(part.total for part in parts):
        return POPULATION
    code = ".".join(["scb", prefix, *(part.slug for part in parts), *([content] if content else [])])
    details = ", ".join(f"{part.variable}: {part.text}" for part in parts)
    name = f"{base} ({details})" if details else base
    return MetricSpec(code, name, unit, PUBLISHER, description)


def slug(text: str) -> str:
    """A metric code segment: lower-case ASCII letters and digits, "_" between words ("ÄNKL" → "ankl")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def unique_slugs(codes: Sequence[str]) -> list[str]:
    """Slugs for a variable's codes; two codes must not become one metric ("1+2" and "1-2" both slug to "1_2")."""
    seen: set[str] = set()
    result = []
    for index, code in enumerate(codes, start=1):
        candidate = slug(code) or f"v{index}"
        while candidate in seen:
            candidate = f"{candidate}_{index}"
        seen.add(candidate)
        result.append(candidate)
    return result


def is_time_name(name: str) -> bool:
    return bool(_TIME_NAME.fullmatch(name.strip()))


def is_area_name(name: str) -> bool:
    return bool(_AREA_NAME.search(name))


def looks_like_area_codes(codes: Sequence[str], texts: Sequence[str]) -> bool:
    """SCB region codes: two digits (län, "00" riket) or four (kommun). Two-digit ages look the same, so also
    ask for riket, a kommun, or texts like "01 Stockholms län"."""
    if not codes or not all(_SCB_CODE.fullmatch(code) for code in codes):
        return False
    named = all(_LEADING_CODE.match(text) and text.startswith(code) for code, text in zip(codes, texts, strict=False))
    return "00" in codes or any(len(code) == 4 for code in codes) or named


def area_code(code: str, text: str, area_names: dict[str, str] | None = None) -> str | None:
    """The SCB code of a region value, from its code, its text ("0114 Upplands Väsby") or its name."""
    leading = _LEADING_CODE.match(text)
    candidates = [code, leading.group(1) if leading else ""]
    found = next((c for c in candidates if _SCB_CODE.fullmatch(c)), None)
    if area_names is None:
        return found
    if found is None:
        by_name = {name.casefold(): known for known, name in area_names.items()}
        found = by_name.get(text.strip().casefold()) or by_name.get(code.strip().casefold())
    return found if found in area_names else None


def period_code(candidates: Sequence[str | None]) -> str | None:
    """The first candidate that is a period, as a canonical code; SCB writes weeks "2025V07"."""
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return parse_period(_WEEK.sub(r"\1W\2", candidate.strip())).code
        except PeriodError:
            continue
    return None


def is_total(code: str, text: str, elimination: str | None = None) -> bool:
    """The value that is the sum over a variable: ELIMINATION's value, "total", "1+2" (both sexes) and the like."""
    if elimination is not None and elimination in (code, text):
        return True
    return (
        code.strip().lower() in _TOTAL_WORDS
        or text.strip().lower() in _TOTAL_WORDS
        or bool(_TOTAL_START.match(text.strip()))
    )


def is_population(code: str, text: str) -> bool:
    """Folkmängd: SCB's content code BE0101N1, or a content text that says population and not a rate or change."""
    if code.strip().upper() == "BE0101N1":
        return True
    return bool(_POPULATION_WORDS.search(text)) and not _NOT_POPULATION.search(text)


def unit_from_text(text: str) -> str:
    lowered = " ".join(text.lower().split())
    if "procent" in lowered or "percent" in lowered or "%" in lowered:
        return "procent"
    if re.search(r"per 100\s?000", lowered):
        return "per_100k"
    return "index" if "index" in lowered else "antal"


def symbol_status(symbol: str, presentation: str = "") -> tuple[float | None, str]:
    """A data symbol's value and status. "-" is PX's nil, a true zero; every other symbol is never 0.

    SCB: ".." is data not available (missing), "." is withheld (suppressed); "..." to "......" and unknown
    symbols are missing unless the file's DATASYMBOLn text speaks of confidentiality.
    """
    if symbol in ("-", "–"):
        return 0.0, "ok"
    if _CONFIDENTIAL.search(presentation):
        return None, "suppressed"
    if _NOT_AVAILABLE.search(presentation):
        return None, "missing"
    return None, "suppressed" if symbol == "." else "missing"
