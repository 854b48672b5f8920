from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lofte.audit.log import current_ip
from lofte.lib.clients import client_ip


class AuditContextMiddleware:
    """Remember the client address so audit rows written during the request carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
