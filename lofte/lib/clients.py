"""Who is asking: the client's address as every part of Löfte reads it.

One function so that the sign-in throttling (django-axes calls it through `AXES_CLIENT_IP_CALLABLE`), the public
forms' limits, Open311's limits and the audit log all agree on the address, however the instance sits behind
proxies.

Behind `LOFTE_PROXY_COUNT` trusted reverse proxies the address is read from X-Forwarded-For right to left: each
trusted proxy appends the address it received the request from, so the entry `LOFTE_PROXY_COUNT` places from the
right is the one the outermost trusted proxy saw, and whatever stands further left the client wrote itself and is
never believed. With a count of 0 (the default) the headers are ignored and REMOTE_ADDR is the address. A request
that carries fewer forwarded addresses than the count did not pass every trusted proxy; its REMOTE_ADDR is used
rather than a guess. python-ipware parses the header (ports, brackets, IPv4-mapped IPv6, junk entries).

The shape of the forwarding is also noted, so `lofte check --deploy` can say when the setting and the requests
disagree: `ForwardingMiddleware` records in the cache, per number of X-Forwarded-For entries, when a request with
that many was last seen (never an address). To keep that to about one cache write per shape and ten minutes
rather than one per request, each shape is noted again only after `NOTE_EVERY` seconds (a `cache.add` marker).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from python_ipware import IpWare

from lofte.lib.cache import cache

UNKNOWN = "okänd"
FORWARDED = "HTTP_X_FORWARDED_FOR"
SEEN_KEY = "lofte:clients:forwarding"
SEEN_TIMEOUT = 60 * 60 * 24 * 2  # the check looks at the last day; keep a little more
NOTE_EVERY = 600  # seconds between two notes of the same shape
MAX_HOPS = 10  # more entries than this are noted as this many
UNOBSERVED_PATHS = ("/healthz",)  # monitors call the server directly, past the proxy


def proxy_count() -> int:
    return max(0, int(getattr(settings, "LOFTE_PROXY_COUNT", 0) or 0))


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one the outermost trusted proxy saw (see the module docstring)."""
    remote = str(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
    count = proxy_count()
    if count == 0 or not request.META.get(FORWARDED):
        return remote
    # python-ipware counts the proxies listed in the header; the nearest one is REMOTE_ADDR, not listed.
    resolver = IpWare(precedence=(FORWARDED,), leftmost=True, proxy_count=count - 1)
    address, _trusted = resolver.get_client_ip(request.META, strict=False)
    return str(address) if address is not None else remote


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for an IP-address column (the audit log's, axes's): None when it is unknown."""
    address = client_address(request)
    return None if address == UNKNOWN else address


def forwarded_hops(request: HttpRequest) -> int:
    """How many addresses the request's X-Forwarded-For lists (0 without the header)."""
    raw = str(request.META.get(FORWARDED) or "")
    return min(MAX_HOPS, sum(1 for part in raw.split(",") if part.strip()))


def note_forwarding(request: HttpRequest, now: datetime | None = None) -> None:
    """Remember that a request with this many forwarded addresses arrived (for the deploy check)."""
    if request.path.startswith(UNOBSERVED_PATHS):
        return
    hops = forwarded_hops(request)
    if not cache.add(f"{SEEN_KEY}:noted:{hops}", 1, timeout=NOTE_EVERY):
        return
    seen = dict(cache.get(SEEN_KEY) or {})
    seen[hops] = (now or timezone.now()).isoformat()
    cache.set(SEEN_KEY, seen, timeout=SEEN_TIMEOUT)


def forwarding_seen(since: datetime) -> dict[int, datetime]:
    """Per number of forwarded addresses, when a request with that many was last seen, if after `since`."""
    seen: dict[Any, Any] = cache.get(SEEN_KEY) or {}
    moments = {int(hops): datetime.fromisoformat(moment) for hops, moment in seen.items()}
    return {hops: moment for hops, moment in sorted(moments.items()) if moment >= since}


class ForwardingMiddleware:
    """Note the shape of each request's forwarding (see `note_forwarding`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        note_forwarding(request)
        return self.get_response(request)
