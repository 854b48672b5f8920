"""The JSON API under /api/v1/. Each app contributes a router from its api.py."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lofte.areas.api import router as areas_router
from lofte.lib.errors import error_response
from lofte.partnerships.api import router as partnerships_router
from lofte.promises.api import router as promises_router
from lofte.situation.api import router as situation_router
from lofte.statistics.api import router as statistics_router

api = NinjaAPI(
    title="Löfte API",
    version="1.0.0",
    description=(
        "Löftes JSON-API. Referensdata om områden är öppna; allt som rör en samverkan kräver "
        "inloggning och visas bara för den samverkans parter. Fel har alltid formen "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    urls_namespace="api-1.0.0",
)


class ErrorDetail(Schema):
    code: str
    message: str
    details: Any = None


class Error(Schema):
    error: ErrorDetail


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("Hittades inte."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(403, "forbidden", _("Du har inte behörighet till detta."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(401, "unauthenticated", _("Logga in för att använda detta."))


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(422, "invalid", _("Ogiltig indata."), exc.errors)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, "error", str(exc))


api.add_router("/areas", areas_router)
api.add_router("/", partnerships_router)
api.add_router("/", statistics_router)
api.add_router("/", situation_router)
api.add_router("/", promises_router)
