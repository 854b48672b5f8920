"""Turning uploaded bytes into text, with a clear message when they are not text."""

from __future__ import annotations

import csv
import json
import math
from typing import Any

from lofte.lib.limits import LimitExceeded, check_json, check_text_lines, field_too_large
from lofte.statistics.sources.base import ImportFileError


def refused(exc: LimitExceeded) -> ImportFileError:
    """A file over one of lofte.lib.limits' limits, as the import's own error."""
    return ImportFileError(exc.file, exc.reason, row=exc.row)


def csv_error(filename: str, exc: csv.Error, row: int | None = None) -> ImportFileError:
    """The csv module's error in Swedish: its field limit named, anything else as "cannot be read"."""
    if "field larger than field limit" in str(exc):
        return refused(field_too_large(filename))
    return ImportFileError(filename, f"CSV-filen går inte att läsa ({exc}).", row=row)


def decode_text(raw: bytes, filename: str) -> str:
    """The text of a CSV file, refused when empty, binary, not UTF-8, or over the limits on lines."""
    if not raw.strip():
        raise ImportFileError(filename, "filen är tom.")
    if b"\x00" in raw[:4096]:
        raise ImportFileError(filename, "filen är binär, inte text (CSV).")
    try:
        check_text_lines(raw, filename)
    except LimitExceeded as exc:
        raise refused(exc) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            filename,
            f"filen är inte UTF-8 (byte {exc.start + 1}). Spara den som UTF-8 och försök igen.",
        ) from None


def decode_or_none(raw: bytes) -> str | None:
    """UTF-8 text, or None for binary or otherwise encoded bytes (for format detection)."""
    if b"\x00" in raw:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def load_json(raw: bytes, filename: str) -> Any:
    """Parse a JSON answer, refusing binary, empty, NaN/Infinity, and size and nesting over the limits."""
    try:
        check_json(raw, filename)
    except LimitExceeded as exc:
        raise refused(exc) from None
    text = decode_or_none(raw)
    if text is None:
        raise ImportFileError(filename, "filen är inte en textfil (JSON i UTF-8 väntades).")
    if not text.strip():
        raise ImportFileError(filename, "filen är tom.")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            filename, f"filen är inte giltig JSON (rad {error.lineno}, kolumn {error.colno})."
        ) from None
    except (ValueError, RecursionError):  # NaN/Infinity, absurdly long numbers or nesting
        raise ImportFileError(filename, "filen är inte giltig JSON.") from None


# Brå's symbols for values it does not publish.
SUPPRESSED = {"..", ".", "x", "X"}


def read_number(text: str, filename: str, line: int, field: str) -> tuple[float | None, str]:
    """A count or rate from a cell: None with a status for missing and withheld values, never 0."""
    if len(text) < 16 and text.isascii() and text.replace(".", "", 1).isdigit():  # "1799.0", the common case
        return float(text), "ok"
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if cleaned == "":
        return None, "missing"
    if cleaned in SUPPRESSED:
        return None, "suppressed"
    try:
        number = float(cleaned.replace(",", "."))
    except ValueError:
        raise ImportFileError(filename, f"{text!r} är inte ett tal.", row=line, field=field) from None
    if not math.isfinite(number) or number < 0:
        raise ImportFileError(filename, f"{text!r} är inte ett giltigt antal.", row=line, field=field)
    return number, "ok"
