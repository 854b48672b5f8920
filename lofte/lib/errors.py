"""The API's one error shape: {"error": {"code": ..., "message": ..., "details": ...}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse


def error_response(status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details}}, status=status)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def not_found(request: HttpRequest, message: str = "Hittades inte.") -> HttpResponse:
    return error_response(404, "not_found", message)
