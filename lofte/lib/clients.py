"""Who is asking: the client's address as every part of Löfte reads it.

One function so that the sign-in throttling, the public forms' limits, Open311's limits and the audit log all
agree on the address, however the instance sits behind proxies.
"""

from __future__ import annotations

from django.http import HttpRequest

UNKNOWN = "okänd"


def client_address(request: HttpRequest) -> str:
    """The client's address as the sign-in throttling sees it (REMOTE_ADDR, or per the proxy settings)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or UNKNOWN
