"""Small HTTP helpers shared by the apps' views."""

from __future__ import annotations

from django.http import HttpResponse


def attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file to download: the browser saves it under `filename` rather than showing it."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
