"""The API's one error shape: {"error": {"code": ..., "message": ..., "details": ...}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse


def error_response(status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details}}, status=status)
