"""Police events from polisen.se/api/events: a JSON array of {id, datetime, name, summary, url, type, location}.

Pure: no Django. The caller passes the kommun and län names it knows, so the parser can say which kommun an
event belongs to without reading the database.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from lofte.statistics.sources.base import ImportFileError, ParsedEvent, ParseResult
from lofte.statistics.sources.text import decode_or_none, load_json

FORMAT = "polisen-events"
PUBLISHER = "polisen"
BASE_URL = "https://polisen.se"
# Where an event with no usable link points: the police's own list of events, rather than nowhere.
FALLBACK_URL = "https://polisen.se/aktuellt/handelser/"
KEYS = ("id", "datetime", "name", "summary", "url", "type", "location")
_POLISEN_HOSTS = {"polisen.se", "www.polisen.se"}

# "2026-08-22 9:48:12 +02:00": the API does not zero-pad the hour, so fromisoformat() is not enough.
_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*(?:(Z)|([+-])(\d{1,2}):?(\d{2}))$",
    re.ASCII,
)


def detect(head: bytes) -> bool:
    """True when the start of a file looks like an answer from polisen.se/api/events.

    The head may be cut off mid-file, so when it does not parse as JSON we look for the keys of the first object.
    """
    text = decode_or_none(head)
    if text is None or not text.lstrip().startswith("["):
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return all(re.search(rf'"{key}"\s*:', text) for key in KEYS)
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and all(key in data[0] for key in KEYS)


def parse(raw: bytes, filename: str, *, kommuner: dict[str, str], lan: dict[str, str]) -> ParseResult:
    """Read the events; `kommuner` maps kommun name to its 4-digit code, `lan` maps län name to its 2-digit code."""
    data = _load(raw, filename)
    result = ParseResult(format=FORMAT, publisher=PUBLISHER, rows_read=len(data))
    if not data:
        result.warnings.append("Filen innehåller inga händelser.")
        return result
    resolver = _KommunResolver(kommuner, lan)
    seen: set[str] = set()
    duplicates = bad_urls = 0
    for row, item in enumerate(data, start=1):
        event, url_ok = _event(item, row, filename)  # every row is checked, duplicates too
        if event.source_id in seen:  # the API lists newest first, so the first copy is the latest
            duplicates += 1
            continue
        seen.add(event.source_id)
        bad_urls += not url_ok
        result.events.append(replace(event, kommun=resolver(event.location_name, event.name)))
    result.warnings.extend(_warnings(duplicates, bad_urls, resolver))
    return result


def _warnings(duplicates: int, bad_urls: int, resolver: _KommunResolver) -> list[str]:
    counts = [
        (duplicates, "{n} händelser fanns två gånger (samma id); den första av dem har använts."),
        (resolver.county_wide, "{n} händelser gäller hela länet och har ingen kommun."),
        (resolver.unknown, "{n} händelser har en plats som varken är en känd kommun eller ett län."),
        (bad_urls, "{n} händelser saknar en giltig länk till polisen.se; de länkar till händelselistan."),
    ]
    return [template.format(n=n) for n, template in counts if n]


def _load(raw: bytes, filename: str) -> list[Any]:
    data = load_json(raw, filename)
    if not isinstance(data, list):
        raise ImportFileError(filename, "filen ska vara en JSON-lista med händelser, som polisen.se/api/events ger.")
    return data


class _KommunResolver:
    """Finds the kommun of an event and counts the events it could not place."""

    def __init__(self, kommuner: dict[str, str], lan: dict[str, str]) -> None:
        self.kommuner = {name.strip().casefold(): code for name, code in kommuner.items()}
        self.lan = {name.strip().casefold() for name in lan}
        self.county_wide = self.unknown = 0

    def __call__(self, location_name: str, event_name: str) -> str | None:
        key = location_name.strip().casefold()
        if key in self.kommuner:
            return self.kommuner[key]
        if key not in self.lan:
            self.unknown += 1
            return None
        # A län-level event usually names its kommun last: "22 augusti 17.59, Brand, Kävlinge".
        last = event_name.rsplit(",", 1)[-1].strip().casefold()
        if last in self.kommuner:
            return self.kommuner[last]
        self.county_wide += 1
        return None


def _event(item: Any, row: int, filename: str) -> tuple[ParsedEvent, bool]:
    """One event, with no kommun yet; and whether its link was usable."""
    if not isinstance(item, dict):
        raise ImportFileError(filename, "händelsen är inte ett JSON-objekt.", row=row)
    fail = _failer(filename, row)
    # The required fields first, so a broken row is reported by what matters most.
    source_id, occurred_at = _source_id(item.get("id"), fail), _occurred_at(item.get("datetime"), fail)
    event_type = _required_text(item, "type", fail)
    location_name, lat, lng = _location(item.get("location"), fail)
    url = _absolute_url(item.get("url"))
    event = ParsedEvent(
        row=row,
        source_id=source_id,
        occurred_at=occurred_at,
        name=_text(item, "name", fail),
        summary=_text(item, "summary", fail),
        url=url or FALLBACK_URL,
        type=event_type,
        location_name=location_name,
        lat=lat,
        lng=lng,
        kommun=None,
    )
    return event, url is not None


Fail = Callable[[str, str], ImportFileError]


def _failer(filename: str, row: int) -> Fail:
    return lambda field, message: ImportFileError(filename, message, row=row, field=field)


def _source_id(value: Any, fail: Fail) -> str:
    if value is None:
        raise fail("id", "id saknas.")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise fail("id", f"id ska vara ett tal eller en text, inte {value!r}.")
    return str(value).strip()


def _occurred_at(value: Any, fail: Fail) -> datetime:
    if value is None:
        raise fail("datetime", "tidpunkt saknas.")
    match = _DATETIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise fail(
            "datetime", f'tidpunkten {value!r} går inte att läsa; den ska se ut som "2026-08-22 9:48:12 +02:00".'
        )
    year, month, day, hour, minute, second, zulu, sign, off_h, off_m = match.groups()
    try:
        offset = timedelta(0) if zulu else (-1 if sign == "-" else 1) * timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(offset)
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
    except ValueError:  # 2026-02-30, 25:00, an offset of 30 hours…
        raise fail("datetime", f"tidpunkten {value!r} finns inte.") from None


def _required_text(item: dict[str, Any], field: str, fail: Fail) -> str:
    text = _text(item, field, fail)
    if not text:
        raise fail(field, f"{field} saknas.")
    return text


def _text(item: dict[str, Any], field: str, fail: Fail) -> str:
    value = item.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(field, f"{field} ska vara en text, inte {value!r}.")
    return value.strip()


def _location(value: Any, fail: Fail) -> tuple[str, float | None, float | None]:
    """The location's name and coordinates.

    The API's "gps" is a centroid of the named place (the kommun, or the whole län for län-level events), not
    where the event happened; don't draw it as an exact spot.
    """
    if value is None:
        return "", None, None
    if not isinstance(value, dict):
        raise fail("location", "location ska vara ett JSON-objekt med name och gps.")
    name = _text(value, "name", lambda _field, message: fail("location.name", message))
    lat, lng = _coordinates(value.get("gps"))
    return name, lat, lng


def _coordinates(gps: Any) -> tuple[float | None, float | None]:
    if not isinstance(gps, str) or gps.count(",") != 1:
        return None, None
    try:
        lat, lng = (float(part) for part in gps.split(","))
    except ValueError:
        return None, None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return lat, lng


def _absolute_url(value: Any) -> str | None:
    """The event's page on polisen.se, or None when the link is missing or points elsewhere.

    Links are shown to users, so anything but an http(s) page on polisen.se is refused (no "javascript:").
    """
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    if url.startswith("/") and not url.startswith("//"):
        url = BASE_URL + url
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[oops"
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in _POLISEN_HOSTS:
        return None
    return url
