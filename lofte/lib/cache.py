"""The public pages, cached for anonymous visitors and invalidated when their content changes.

Every key holds two version numbers kept in the cache: one for all public pages and one for the kommun the page
is about. The audit log is the one place that bumps them (`lofte.audit.log.record`): every action writes one audit
row per change, and a partnership's row bumps its kommun's version, a row of what every kommun shows (areas and
what operators change in the admin: organisations, partnerships, the shared advice pages) the global one, so the
next request renders anew; the old entries are never read again and expire. A save outside any action changes
nothing here. Versions are random
tokens, not counters, so a version evicted from the cache can never come back as an old number; nor clock readings,
which repeat when the clock stands still (a frozen clock in the tests) or steps back.

Only anonymous GETs without a query string and without cookies other than the CSRF and language ones are cached,
keyed by host name, language and the local date (a warning leaves the front page when it expires at midnight).
The cache is Django's (`CACHES`: a directory under var/ by default, shared by the processes of one machine;
several machines need a shared cache such as Redis or Memcached, or a version bump reaches only one of them).

A cache may lose what it holds, so a backend that fails (a full or read-only var/cache, a Redis that is down)
never breaks a request nor rolls back the action that bumped a version: `cache` here is `TolerantCache`, which
logs a warning once per operation and goes on as after a miss. Other modules on the request path use it too.

A page with a form holds a CSRF token tied to the visitor's cookie: it is stored with a placeholder, and each
visitor gets a token of their own when it is served.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

MAX_AGE = 60  # seconds a browser may keep a page (Cache-Control)
TIMEOUT = 600  # seconds the server keeps a page; a change invalidates it at once, this only bounds what is not watched
ALL = "*"  # the version of what every kommun's pages show
CSRF_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
PLACEHOLDER = b"\x00csrf\x00"
HEADERS_KEPT = ("Content-Type", "Content-Language", "Content-Disposition", "Link")

View = Callable[..., HttpResponseBase]

logger = logging.getLogger(__name__)


class TolerantCache:
    """Django's default cache, whose failures are logged (once per operation) instead of raised."""

    ON_FAILURE: dict[str, Any] = {
        "get": None,
        "get_many": {},
        "set": None,
        "set_many": [],
        "add": False,
        "delete": False,
    }

    def __init__(self) -> None:
        self.warned: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        method = getattr(caches["default"], name)
        if name not in self.ON_FAILURE:
            return method

        @wraps(method)
        def tolerant(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except Exception as exc:  # any backend's error: OSError for files, ConnectionError for Redis, ...
                if name not in self.warned:
                    self.warned.add(name)
                    logger.warning("The cache failed on %s (%s); going on without it.", name, exc)
                default = self.ON_FAILURE[name]
                return default.copy() if isinstance(default, dict | list) else default

        return tolerant


cache = TolerantCache()


def _version_key(code: str) -> str:
    return f"lofte:public:version:{code}"


def _new_version() -> str:
    return secrets.token_hex(8)


def bump(*codes: str) -> None:
    """Make the cached pages of these kommuner (or `ALL`) stale now, and again when the transaction commits (a
    request served in between may have cached what the transaction had not yet written)."""
    if not codes:
        return

    def write() -> None:
        version = _new_version()
        cache.set_many({_version_key(code): version for code in codes}, None)

    write()
    transaction.on_commit(write)


def _versions(code: str) -> str:
    keys = [_version_key(ALL), _version_key(code)]
    found = cache.get_many(keys)
    missing = {key: _new_version() for key in keys if key not in found}
    if missing:
        cache.set_many(missing, None)
    return ".".join(str(found.get(key, missing.get(key))) for key in keys)


def cacheable(request: HttpRequest) -> bool:
    """Anonymous GETs of the plain page: no query string, no session, no pending messages."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    if not set(request.COOKIES) <= allowed:
        return False
    return not request.user.is_authenticated


def page_key(request: HttpRequest, code: str) -> str:
    # The host as well as the path: a site served under several names (ALLOWED_HOSTS) links to the name it was
    # asked under (the Atom feed's links), so one name's page must never be served under another.
    path = hashlib.sha256(f"{request.get_host()}\x00{request.path}".encode()).hexdigest()[:32]
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return f"lofte:public:page:{code}:{_versions(code)}:{timezone.localdate():%Y%m%d}:{language}:{path}"


def cached_for_anonymous(view: View) -> View:
    """Serve the view from the cache for anonymous visitors; the kommun is the view's `code` argument if it has one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not cacheable(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        had_cookie = "CSRF_COOKIE" in request.META  # set from a valid cookie; rendering the page would set it too
        key = page_key(request, str(kwargs.get("code", ALL)))
        stored = cache.get(key)
        if stored is None:
            response = view(request, *args, **kwargs)
            if not _storable(response):
                return response
            assert isinstance(response, HttpResponse)
            stored = (CSRF_TOKEN.sub(rb"\1" + PLACEHOLDER + rb"\2", response.content), _kept_headers(response))
            cache.set(key, stored, TIMEOUT)
        return _serve(request, *stored, had_cookie=had_cookie)

    return wrapper


def _storable(response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and not response.has_header("Cache-Control")
    )


def _kept_headers(response: HttpResponse) -> dict[str, str]:
    return {name: response[name] for name in HEADERS_KEPT if response.has_header(name)}


def _serve(request: HttpRequest, content: bytes, headers: dict[str, str], *, had_cookie: bool) -> HttpResponse:
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    public = True
    if PLACEHOLDER in content:
        response.content = content.replace(PLACEHOLDER, get_token(request).encode())
        if had_cookie:
            # The visitor's cookie is valid: no need to send it again, and a page without Set-Cookie may be shared.
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        else:
            public = False  # it sets the visitor's new CSRF cookie: for this browser only
    patch_cache_control(response, **{"public" if public else "private": True}, max_age=MAX_AGE)
    # The language comes from Accept-Language or the language cookie; a page with a form depends on the CSRF cookie.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
