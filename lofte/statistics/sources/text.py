"""Turning uploaded bytes into text, with a clear message when they are not text."""

from __future__ import annotations

from lofte.statistics.sources.base import ImportFileError


def decode_text(raw: bytes, filename: str) -> str:
    if not raw.strip():
        raise ImportFileError(filename, "filen är tom.")
    if b"\x00" in raw[:4096]:
        raise ImportFileError(filename, "filen är binär, inte text (CSV).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            filename,
            f"filen är inte UTF-8 (byte {exc.start + 1}). Spara den som UTF-8 och försök igen.",
        ) from None
