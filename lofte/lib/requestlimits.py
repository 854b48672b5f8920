"""Limits on request bodies: a body over its limit is refused with 413 before anything reads it.

The declared length (`Content-Length`) is checked before any view or middleware reads the body, and a body
without one (chunked) is counted while it is read. Anonymous visitors post only the public forms (sign-in,
password reset, tips, subscriptions, Open311), so they get the small limit; a signed-in member gets the upload
limit for a file upload (multipart) and a moderate one for everything else (settings `LOFTE_PUBLIC_BODY_MAX_BYTES`,
`LOFTE_UPLOAD_BODY_MAX_BYTES`, `LOFTE_BODY_MAX_BYTES`). The answer is 413 with a Swedish message: the API's error
shape under /api/, Open311's under /open311/, a page elsewhere. Each form's own checks (a statistics file at most
50 MB, …) still apply within these.

Hand-written: Django has one global DATA_UPLOAD_MAX_MEMORY_SIZE, which leaves files in a multipart body unbounded
(they go to temporary files), and no per-request limit; this is a few lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lofte.lib.errors import error_response
from lofte.lib.formatting import MB
from lofte.lib.formatting import number as format_number


class BodyTooLarge(RequestDataTooBig):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def body_limit(request: HttpRequest) -> int:
    """The most bytes this request's body may hold: small for anonymous visitors, large for members' uploads."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return int(settings.LOFTE_PUBLIC_BODY_MAX_BYTES)
    if request.content_type == "multipart/form-data":
        return int(settings.LOFTE_UPLOAD_BODY_MAX_BYTES)
    return int(settings.LOFTE_BODY_MAX_BYTES)


class _CountingStream:
    """A request's input that refuses to give more than `limit` bytes, for a body of no declared length."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.limit, self.read_so_far = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise BodyTooLarge(self.limit)
        return data

    def read(self, *args: Any) -> bytes:
        return self._count(self.stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._count(self.stream.readline(*args))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def close(self) -> None:
        self.stream.close()


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413, in the shape the part of Löfte that was asked answers errors in."""
    message = _("Förfrågan är för stor: högst %(limit)s går att skicka hit.") % {"limit": _size(limit)}
    if request.path.startswith("/api/"):
        return error_response(413, "too_large", message, {"limit_bytes": limit})
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": 413, "description": message}], status=413, safe=False)
    return render(request, "413.html", {"message": message}, status=413)


def _size(limit: int) -> str:
    if limit >= MB:
        return _("%(size)s MB") % {"size": format_number(limit / MB, space="\u00a0")}
    return _("%(size)s kB") % {"size": format_number(-(-limit // 1024), space="\u00a0")}


class RequestBodyLimitMiddleware:
    """Refuse a request body over its limit (`body_limit`) before any view or middleware reads it.

    Placed after AuthenticationMiddleware (it asks who is signed in) and before anything that reads the body:
    CsrfViewMiddleware reads the form in its process_view, which runs after every middleware's __call__.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if (declared.strip() in {"", "0"}) and not chunked:
            return self.get_response(request)
        limit = body_limit(request)
        if declared.strip().isdigit() and not chunked:
            if int(declared) > limit:
                return too_large(request, limit)
        else:  # no usable length: count what is read
            request._stream = _CountingStream(request._stream, limit)  # type: ignore[assignment]
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BodyTooLarge):
            return too_large(request, exception.limit)
        return None
