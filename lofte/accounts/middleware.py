"""Two factors, enforced: a person who must use a second factor (`factors.mfa_required`) and whose session has not
passed one (`factors.second_factor_done`) sees nothing but the pages that set one up.

- Without a factor yet: every page sends them to the list of factors (/konto/2fa/), where they add TOTP or a
  passkey; adding one counts as this session's second factor.
- With a factor, but a session that never asked for it (a session from before the requirement, or one whose
  factor was removed): signed out and sent to sign in again, which asks for the code.
- The JSON API, used with a session, answers 403 `mfa_required` instead; a request with a personal access token
  (`Authorization: Bearer …`) is not session use and passes untouched.

Cheap by design: a request without a signed-in user, to a page that is always open, or from a session that passed
a second factor costs no query; otherwise at most two (the requirement, then the factors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from lofte.accounts.factors import has_factor, mfa_required, second_factor_done

# Pages open to a signed-in person before their second factor: setting one up, signing in or out, the language.
OPEN_NAMES = frozenset(
    {
        "account_login",
        "account_logout",
        "account_reauthenticate",
        "healthz",
        "set_language",
        "login",
        "logout",
        "sign_out_everywhere",
    }
)
# The public site (the kommun's page, what citizens may send and read) and Open311 are open to anyone anyway.
OPEN_NAMESPACES = frozenset({"public", "public_advice", "public_warnings", "subscriptions", "tips", "open311"})
API_PREFIX = "/api/"


def is_open(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    if match.namespace in ("", "accounts") and (match.url_name or "").startswith("mfa_"):
        return True
    if match.namespace in ("", "accounts") and match.url_name in OPEN_NAMES:
        return True
    return bool(match.namespaces) and match.namespaces[0] in OPEN_NAMESPACES


def _uses_token(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _api_refusal(message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": "mfa_required", "message": message, "details": None}}, status=403)


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if not settings.LOFTE_MFA_REQUIRED or not request.user.is_authenticated or is_open(request):
            return None
        api = request.path.startswith(API_PREFIX)
        if api and _uses_token(request):
            # Judged by its token alone (accounts/tokens.py): the session beside it counts for nothing, not even on
            # the endpoints open to anyone, which show a member more than a visitor.
            request.user = AnonymousUser()
            return None
        if second_factor_done(request) or not mfa_required(request.user):
            return None
        if has_factor(request.user):
            return self._sign_in_again(request, api)
        if api:
            return _api_refusal(_("Din roll kräver tvåfaktorsautentisering. Lägg till en andra faktor under Konto."))
        messages.warning(
            request,
            _(
                "Din roll kräver tvåfaktorsautentisering. Lägg till en autentiseringsapp eller en säkerhetsnyckel först."
            ),
        )
        return HttpResponseRedirect(reverse("mfa_index"))

    def _sign_in_again(self, request: HttpRequest, api: bool) -> HttpResponse:
        message = _("Logga in igen med din andra faktor.")
        if api:
            return _api_refusal(message)
        logout(request)
        messages.info(request, message)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(f"{reverse('accounts:login')}{'?' + query if query else ''}")
