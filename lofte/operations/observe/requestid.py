"""A request id on every log line of a request and in the response's `X-Request-ID` header (django-guid).

django-guid keeps the id in a context variable that `logs.RequestIdFilter` reads, generates a UUID when the request
has none, and takes the one given only when it is a UUID: a safe token that cannot carry a line break or a forged
field into a log. This wrapper adds what django-guid does not have: the header is trusted only from Löfte's own
reverse proxy (`LOFTE_PROXY_COUNT` > 0, as for the client's address in lofte/lib/clients.py); from a client that
reaches the site directly it is dropped, so nobody chooses the id their request is logged under. The id stays set
until the response is closed (django-guid clears it on `request_finished`), so Django's own line for an error
answer ("Not Found: /…", logged after the middleware) carries it too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_guid.middleware import guid_middleware

HEADER = "X-Request-ID"
_META = "HTTP_X_REQUEST_ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.inner = guid_middleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LOFTE_PROXY_COUNT <= 0:
            request.META.pop(_META, None)
        return self.inner(request)
