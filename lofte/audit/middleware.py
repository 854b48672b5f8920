from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lofte.audit.log import current_ip
from lofte.lib.clients import UNKNOWN, client_address


class AuditContextMiddleware:
    """Remember the client address so audit rows written during the request carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = client_address(request)
        token = current_ip.set(None if address == UNKNOWN else address)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
