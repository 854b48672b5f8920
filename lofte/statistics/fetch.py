"""A small, polite HTTP fetcher for Löfte's live sources: Polisen's events API, SCB PxWebApi v2 and Kolada v3.

Standard library only and no Django, so management commands and tests can use it as is. It keeps a disk
cache keyed by the URL, revalidates with ETag/Last-Modified, waits between requests to one host, retries
the few failures that are worth retrying, and turns everything else into a FetchError in Swedish.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit

MAX_BODY_BYTES = 20 * 1024 * 1024  # far above any answer we ask for; a bigger one is a mistake or abuse
MAX_RETRIES = 2
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 120.0  # a source that asks for a longer pause is better retried by the next scheduled run
_BACKOFF = 2.0  # seconds before the first retry when the server gives no Retry-After; doubles after that


@dataclass(frozen=True)
class Source:
    name: str
    base_url: str
    min_interval: float  # seconds between two requests to the host

    @property
    def label(self) -> str:
        """The source's name as users know it, for messages."""
        return _LABELS.get(self.name, self.name)


_LABELS = {"polisen": "Polisen", "scb": "SCB", "kolada": "Kolada"}

POLISEN = Source("polisen", "https://polisen.se/api/events", 10.0)
SCB = Source("scb", "https://statistikdatabasen.scb.se/api/v2", 1.0)
KOLADA = Source("kolada", "https://api.kolada.se/v3", 1.0)


def base_url(source: Source) -> str:
    """The source's base URL, or LOFTE_<NAME>_URL when set (tests and staging point it at a local server)."""
    override = os.environ.get(f"LOFTE_{source.name.upper()}_URL", "").strip()
    return (override or source.base_url).rstrip("/")


def polisen_events_url(base: str, locations: list[str] | None) -> str:
    """Polisen's events, optionally only for some places (the API separates them with ";")."""
    if not locations:
        return base.rstrip("/")
    # quote (not quote_plus) so "Upplands Väsby" becomes %20, and ";" is encoded so no server splits on it.
    return f"{base.rstrip('/')}?{urlencode({'locationname': ';'.join(locations)}, quote_via=quote)}"


def scb_population_url(base: str, year: int, regions: list[str]) -> str:
    """Population (BE0101N1) per region for one year from SCB's table TAB638, as json-stat2 by GET."""
    if not regions:
        raise ValueError("regions får inte vara tom")
    params = {
        "lang": "sv",
        "outputFormat": "json-stat2",
        "valueCodes[ContentsCode]": "BE0101N1",
        "valueCodes[Tid]": str(year),
        "valueCodes[Region]": ",".join(regions),
    }
    # Brackets and commas stay readable, as in SCB's own examples; PxWebApi reads them either way.
    return f"{base.rstrip('/')}/tables/TAB638/data?{urlencode(params, safe='[],', quote_via=quote)}"


def kolada_values_url(base: str, kpi: str, kommuner: list[str], years: list[int]) -> str:
    """Kolada's values for one KPI, some municipalities and some years."""
    if not kommuner or not years:
        raise ValueError("kommuner och years får inte vara tomma")
    codes = ",".join(quote(code, safe="") for code in kommuner)
    return f"{base.rstrip('/')}/data/kpi/{quote(kpi, safe='')}/municipality/{codes}/year/{','.join(map(str, years))}"


class FetchError(Exception):
    """A source could not give us an answer; the message says which, where and why, in Swedish."""

    def __init__(self, message: str, *, source: Source, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.source, self.url, self.status = source, url, status


@dataclass(frozen=True)
class FetchResult:
    body: bytes
    status: int  # 304 when the cached body was confirmed by the server, else the status it was fetched with
    from_cache: bool
    url: str
    fetched_at: datetime  # aware UTC; when the body was last fetched or confirmed


@dataclass(frozen=True)
class _Entry:
    result: FetchResult
    etag: str | None
    last_modified: str | None


class _Retry(Exception):
    """Internal: this attempt failed in a way another attempt may fix."""

    def __init__(self, error: FetchError, delay: float | None) -> None:
        super().__init__(str(error))
        self.error, self.delay = error, delay


class Fetcher:
    def __init__(
        self,
        *,
        cache_dir: Path,
        user_agent: str,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.user_agent = user_agent
        self.timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._last_request: dict[str, float] = {}  # host -> clock() when we last sent it a request
        self._opener = urllib.request.build_opener()  # keeps the environment's proxy settings

    def get(self, url: str, *, source: Source, max_age: float = 0) -> FetchResult:
        """The body at url: from the cache when younger than max_age seconds, else fetched or revalidated."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"bara http(s) kan hämtas: {url}")
        entry = self._load(url)
        if entry is not None and 0 <= (_now() - entry.result.fetched_at).total_seconds() < max_age:
            return entry.result
        status, headers, body = self._send_with_retries(url, source, entry)
        if status == 304 and entry is not None:
            entry = _Entry(
                replace(entry.result, status=304, fetched_at=_now()),
                headers.get("ETag") or entry.etag,
                headers.get("Last-Modified") or entry.last_modified,
            )
        else:
            result = FetchResult(body=body, status=status, from_cache=False, url=url, fetched_at=_now())
            entry = _Entry(result, headers.get("ETag"), headers.get("Last-Modified"))
        self._save(entry)
        return entry.result

    # --- the network -------------------------------------------------------------------------------------

    def _send_with_retries(self, url: str, source: Source, entry: _Entry | None) -> tuple[int, Message, bytes]:
        for attempt in range(MAX_RETRIES + 1):
            try:
                return self._send(url, source, entry)
            except _Retry as retry:
                if attempt == MAX_RETRIES or (retry.delay or 0) > MAX_RETRY_AFTER:
                    raise retry.error from retry.__cause__
                self._sleep(retry.delay if retry.delay is not None else _BACKOFF * 2**attempt)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _send(self, url: str, source: Source, entry: _Entry | None) -> tuple[int, Message, bytes]:
        request = urllib.request.Request(url, headers=self._headers(entry))  # noqa: S310 - scheme checked in get()
        self._wait_turn(url, source)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, _read_limited(response, source, url)
        except HTTPError as err:
            err.close()  # only the status and headers matter; free the socket
            if err.code == 304 and entry is not None:
                return 304, err.headers, b""
            failure = FetchError(
                f"{source.label} svarade {err.code} för {url}", source=source, url=url, status=err.code
            )
            if err.code in RETRY_STATUSES:
                raise _Retry(failure, _retry_after(err.headers)) from err
            raise failure from err
        except (URLError, OSError, http.client.HTTPException) as err:
            reason = self._describe(err)
            raise _Retry(
                FetchError(f"{source.label}: kunde inte nå {url} ({reason})", source=source, url=url), None
            ) from err

    def _headers(self, entry: _Entry | None) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if entry is not None and entry.etag:
            headers["If-None-Match"] = entry.etag
        if entry is not None and entry.last_modified:
            headers["If-Modified-Since"] = entry.last_modified
        return headers

    def _wait_turn(self, url: str, source: Source) -> None:
        """Sleep so that requests to one host start at least source.min_interval apart."""
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wait = last + source.min_interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = self._clock()

    def _describe(self, err: Exception) -> str:
        reason = getattr(err, "reason", err)
        if isinstance(err, TimeoutError) or isinstance(reason, TimeoutError):
            return f"inget svar inom {self.timeout:g} s"
        return str(reason) or type(err).__name__

    # --- the cache: one file per URL, a JSON header line and then the body ---------------------------------

    def _path(self, url: str) -> Path:
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.cache"

    def _load(self, url: str) -> _Entry | None:
        try:
            header, _, body = self._path(url).read_bytes().partition(b"\n")
            meta = json.loads(header)
            fetched_at = datetime.fromisoformat(meta["fetched_at"])
            result = FetchResult(body=body, status=meta["status"], from_cache=True, url=url, fetched_at=fetched_at)
            return _Entry(result, meta.get("etag"), meta.get("last_modified"))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable copy is no copy: fetch again and overwrite it

    def _save(self, entry: _Entry) -> None:
        result = entry.result
        meta = {
            "url": result.url,
            "status": 200 if result.status == 304 else result.status,
            "fetched_at": result.fetched_at.isoformat(),
            "etag": entry.etag,
            "last_modified": entry.last_modified,
        }
        # json.dumps escapes newlines, so the first b"\n" always ends the header.
        _write_atomically(self._path(result.url), json.dumps(meta).encode() + b"\n" + result.body)


def _read_limited(response: http.client.HTTPResponse, source: Source, url: str) -> bytes:
    # Refuse on the declared length before reading; without one, read a byte past the limit to notice.
    length = response.headers.get("Content-Length", "")
    too_big = length.isdigit() and int(length) > MAX_BODY_BYTES
    body = b"" if too_big else response.read(MAX_BODY_BYTES + 1)
    if too_big or len(body) > MAX_BODY_BYTES:
        limit = MAX_BODY_BYTES // (1024 * 1024)
        raise FetchError(
            f"{source.label} skickade mer än {limit} MB från {url}; svaret avvisades", source=source, url=url
        )
    return body


def _retry_after(headers: Message) -> float | None:
    """Retry-After in seconds; None when absent or given as a date (then our own backoff applies)."""
    try:
        return max(0.0, float(headers.get("Retry-After") or ""))
    except ValueError:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside path and rename it, so a reader never sees half a cache entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _now() -> datetime:
    return datetime.now(UTC)
