"""The JSON API under /api/v1/. Each app contributes a router from its api.py."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lofte.accounts.api import router as accounts_router
from lofte.accounts.tokens import token_auth
from lofte.areas.api import router as areas_router
from lofte.lib.api import session_auth
from lofte.lib.errors import error_response
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.api import router as partnerships_router
from lofte.promises.api import router as promises_router
from lofte.situation.api import router as situation_router
from lofte.statistics.api import router as statistics_router

api = NinjaAPI(
    title="Löfte API",
    version="1.0.0",
    description=(
        "Löftes JSON-API. Referensdata om områden är öppna; allt som rör en samverkan kräver inloggning, "
        "med sessionen eller med en personlig åtkomstnyckel (`Authorization: Bearer lofte_pat_…`), och visas bara "
        "för den samverkans parter. Fel har alltid formen "
        '`{"error": {"code", "message", "details"}}`: 400 för en ogiltig parameter i frågan eller sökvägen, '
        "401 utan inloggning eller med en okänd, utgången eller återkallad nyckel, 403 utan behörighet (och "
        "`token_read_only` för en nyckel som bara får läsa), 404 för det som inte finns (eller inte får ses), 409 "
        "för en ändring som inte går att göra och 422 för en ogiltig kropp."
    ),
    urls_namespace="api-1.0.0",
    # Every endpoint needs a signed-in user unless it says `auth=None`: a personal access token (accounts/tokens.py),
    # which partnerships/access.py keeps to its one partnership, or else the session (with its CSRF check). The token
    # comes first: a request that sends `Authorization: Bearer` is judged by its token alone, never by a session
    # cookie it also carries (which might lack the second factor that sessions need, accounts/middleware.py).
    auth=[token_auth, session_auth],
)
# The error code of an HttpError (django-ninja's own, or one of ours) by its status.
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "refused"}


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("Hittades inte."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(403, "forbidden", _("Du har inte behörighet till detta."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(401, "unauthenticated", _("Logga in för att använda detta."))


@api.exception_handler(ActionRefused)
def on_refused(request: HttpRequest, exc: ActionRefused) -> HttpResponse:
    """An action that will not make the change: 409 with its message and, per field, what is wrong."""
    return error_response(409, exc.code, str(exc), exc.errors or None)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A bad query or path parameter is a bad request (400); a body that does not fit its schema is 422."""
    errors = [_jsonable(error) for error in exc.errors]
    if all(error.get("loc", [None])[0] in ("query", "path") for error in errors):
        return error_response(400, "bad_request", _("Ogiltig parameter i adressen."), errors)
    return error_response(422, "invalid", _("Ogiltig indata."), errors)


def _jsonable(error: dict[str, Any]) -> dict[str, Any]:
    """Pydantic puts the exception itself in "ctx" for a failed validator; the message says it already."""
    return {key: value for key, value in error.items() if key != "ctx"}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = getattr(exc, "code", None) or CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc))


api.add_router("/areas", areas_router)
api.add_router("/", partnerships_router)
api.add_router("/", accounts_router)
api.add_router("/", statistics_router)
api.add_router("/", situation_router)
api.add_router("/", promises_router)
