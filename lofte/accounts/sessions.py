"""How long a signed-in session lasts (OWASP ASVS 3.3): an idle timeout, an absolute lifetime, and "sign out
everywhere".

- Absolute: a session ends LOFTE_SESSION_MAX_SECONDS after sign-in (environment variable SESSION_COOKIE_AGE,
  default 10 hours, a working day). Django's own expiry is counted from the session's last save, which moves on
  whenever the session changes, so the time of sign-in is kept in the session (written with the sign-in itself)
  and checked on every request. Django's SESSION_COOKIE_AGE is the idle time longer, so the request after the
  limit still finds the session, ends it and says why.
- Idle: a session ends after LOFTE_SESSION_IDLE_MINUTES (default 30) without a request. The time of the last
  request is not kept in the session: with the database session backend every save is a database write, and a
  GET never writes. It is kept in a cookie of its own, `lofte_active`, signed with SECRET_KEY and bound to the
  session key (its signature is salted with it, so it cannot be carried to another session), renewed at most once
  a minute and only on a response to a signed-in user. Without a valid cookie the time of sign-in counts. Its
  signature's own timestamp is the time it was made, so an old cookie kept by a client proves nothing newer.
- Expired: the session is ended (the one write, a delete) and the user is sent to the sign-in page, which says
  why; the JSON API goes on as for someone not signed in and answers in its own shape.

Written by hand: django-allauth has no idle timeout, and the packages that add one (django-session-timeout,
django-auto-logout) store the time in the session and so write on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from lofte.accounts.models import User
from lofte.audit.log import record

SIGNED_IN_AT = "lofte_signed_in_at"
COOKIE = "lofte_active"
RENEW_AFTER = 60  # seconds: the cookie moves on at most once a minute


def idle_seconds() -> int:
    return int(settings.LOFTE_SESSION_IDLE_MINUTES) * 60


@receiver(user_logged_in)
def stamp_sign_in(sender: Any, request: HttpRequest, user: User, **_kwargs: Any) -> None:
    if getattr(request, "session", None) is not None:
        request.session[SIGNED_IN_AT] = int(time.time())


def _salt(request: HttpRequest) -> str:
    return f"lofte.accounts.sessions:{request.session.session_key}"


def last_active(request: HttpRequest) -> float | None:
    """When the cookie was last renewed for this session, if it was."""
    value = request.COOKIES.get(COOKIE)
    if not value or not request.session.session_key:
        return None
    try:
        return float(signing.loads(value, salt=_salt(request), max_age=idle_seconds()))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def expiry(request: HttpRequest, now: float) -> str | None:
    """Why this signed-in session has ended, or None while it lasts."""
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return "unknown"  # a session from before these limits
    if now - signed_in_at >= settings.LOFTE_SESSION_MAX_SECONDS:
        return "absolute"
    active = max(signed_in_at, last_active(request) or 0)
    if now - active >= idle_seconds():
        return "idle"
    return None


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.session.get(SESSION_KEY):
            response = self.get_response(request)
            if COOKIE in request.COOKIES and not request.session.get(SESSION_KEY):
                response.delete_cookie(COOKIE)  # left from a session that was signed out
            return response
        now = time.time()
        if reason := expiry(request, now):
            return self.sign_out(request, reason)
        key, seen = request.session.session_key, last_active(request)
        response = self.get_response(request)
        if request.session.get(SESSION_KEY) and request.session.session_key:
            # A new key (a changed password cycles it) needs a new cookie: the old one is bound to the old key.
            if seen is None or now - seen >= RENEW_AFTER or request.session.session_key != key:
                self.renew(request, response, now)
        elif COOKIE in request.COOKIES:
            response.delete_cookie(COOKIE)
        return response

    def renew(self, request: HttpRequest, response: HttpResponse, now: float) -> None:
        response.set_cookie(
            COOKIE,
            signing.dumps(int(now), salt=_salt(request)),
            max_age=idle_seconds(),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )

    def sign_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            response = self.get_response(request)
        else:
            messages.info(request, self.message(reason))
            login = reverse(settings.LOGIN_URL)
            if request.method == "GET":
                login += "?" + urlencode({"next": request.get_full_path()})
            response = redirect(login)
        response.delete_cookie(COOKIE)
        return response

    def message(self, reason: str) -> str:
        if reason == "idle":
            return _("Du har loggats ut eftersom du inte har använt Löfte på %(minutes)s minuter. Logga in igen.") % {
                "minutes": settings.LOFTE_SESSION_IDLE_MINUTES
            }
        if reason == "absolute":
            return _("Du har loggats ut eftersom du har varit inloggad i %(hours)s timmar. Logga in igen.") % {
                "hours": round(settings.LOFTE_SESSION_MAX_SECONDS / 3600)
            }
        return _("Din inloggning har gått ut. Logga in igen.")


def do_sign_out_everywhere(request: HttpRequest, *, actor: User) -> int:
    """End every session of `actor`, this one too (allauth's UserSession rows, each `.end()`); how many ended."""
    with transaction.atomic():
        sessions = list(UserSession.objects.filter(user=actor))
        for session in sessions:
            session.end()
        record("account.sign_out_everywhere", actor=actor, obj=actor, changes={"sessions": len(sessions)})
    logout(request)
    return len(sessions)
