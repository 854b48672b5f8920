"""The audit rows for the factors people add and remove on allauth's pages (/konto/2fa/), and this session's
credit for a factor it just added (`factors.ENROLLED_SESSION_KEY`), or its loss when the last factor goes."""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from lofte.accounts.factors import ENROLLED_SESSION_KEY, has_factor
from lofte.audit.log import record


def _audit(action: str, request: HttpRequest | None, user: Any, authenticator: Authenticator) -> None:
    actor = request.user if request is not None and request.user.is_authenticated else user
    record(action, actor=actor, obj=user, changes={"user": user.email, "type": authenticator.type})


def on_authenticator_added(sender: Any, request: HttpRequest | None, user: Any, authenticator: Any, **kw: Any) -> None:
    _audit("mfa.add", request, user, authenticator)
    if request is not None and authenticator.type != Authenticator.Type.RECOVERY_CODES:
        request.session[ENROLLED_SESSION_KEY] = True


def on_authenticator_removed(
    sender: Any, request: HttpRequest | None, user: Any, authenticator: Any, **kw: Any
) -> None:
    _audit("mfa.remove", request, user, authenticator)
    if request is None or has_factor(user):
        return
    # The session's second factor went with the last factor: the requirement applies again from the next page.
    request.session.pop(ENROLLED_SESSION_KEY, None)
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if isinstance(records, list):
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [r for r in records if r.get("method") != "mfa"]


def on_authenticator_reset(sender: Any, request: HttpRequest | None, user: Any, authenticator: Any, **kw: Any) -> None:
    _audit("mfa.regenerate", request, user, authenticator)
