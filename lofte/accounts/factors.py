"""Two factors: who must sign in with a second factor, whether this session did, and a samordnare's reset.

The factors themselves (TOTP with recovery codes, WebAuthn/passkeys), their pages under /konto/2fa/ and the code
asked at sign-in are django-allauth's MFA (docs/accounts.md). What Löfte adds is the requirement:

- `mfa_required(user)`: true for people whose role sees restricted or personal information (a role with any of
  `SENSITIVE`: the police's restricted information, managing members, editing and reviewing EST reports), for the
  operators (`is_staff`: the admin shows everything), and for every member of a partnership that asks it of all
  (`Partnership.require_mfa_for_all`); never when the installation switches it off (`LOFTE_MFA_REQUIRED`).
- `second_factor_done(request)`: allauth's record of this session's sign-in steps holds an "mfa" step, the person
  added a factor in this session (proving it with a code or a key), or single sign-on vouched for one
  (`PROVIDER_SESSION_KEY`).
- `MfaRequiredMiddleware` (lofte/accounts/middleware.py) acts on them.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.lib.actors import Actor, user_of
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import CAPABILITIES, Can, roles_in
from lofte.partnerships.models import Membership, Partnership

# Set (True) by single sign-on when the provider's amr/acr claim proves a second factor and the provider is trusted
# for it; counts as this session's second factor.
PROVIDER_SESSION_KEY = "lofte_mfa_by_provider"
# Set when the person adds a factor in this session: adding one asks for a code from it (or a touch of the key).
ENROLLED_SESSION_KEY = "lofte_mfa_enrolled"

# A role that gives any of these sees restricted or personal information, so it needs a second factor.
SENSITIVE = frozenset({Can.VIEW_RESTRICTED, Can.MANAGE, Can.EDIT})
SENSITIVE_ROLES = sorted(role for role, caps in CAPABILITIES.items() if caps & SENSITIVE)


class MfaResetRefused(ActionRefused):
    pass


def mfa_required(user: Any) -> bool:
    """Whether `user` must sign in with a second factor (one query for a member; none when switched off)."""
    if not settings.LOFTE_MFA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    return (
        Membership.objects.filter(user=user, organisation__partnerships__isnull=False)
        .filter(Q(role__in=SENSITIVE_ROLES) | Q(organisation__partnerships__require_mfa_for_all=True))
        .exists()
    )


def second_factor_done(request: HttpRequest) -> bool:
    """Whether this session passed a second factor (reads the session only)."""
    session = request.session
    if session.get(PROVIDER_SESSION_KEY) or session.get(ENROLLED_SESSION_KEY):
        return True
    records = get_authentication_records(request, request.user)
    return any(entry.get("method") == "mfa" for entry in records)


def has_factor(user: Any) -> bool:
    """Whether `user` has a factor to sign in with (recovery codes alone are not one: allauth removes them with the
    last real factor)."""
    return Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def do_reset_mfa(user: Any, *, actor: Actor, partnership: Partnership) -> int:
    """Remove every factor of `user` (a lost phone or key) and end their sessions, so that they sign in again and
    set up a new one. Only a member who manages `partnership`, for a member of it other than themselves; returns
    how many factors were removed."""
    by = user_of(actor)
    if by is None or not any(Can.MANAGE in CAPABILITIES[role] for role in roles_in(by, partnership)):
        raise MfaResetRefused(_("Bara samordnare kan återställa tvåfaktorsautentiseringen."))
    if by.pk == user.pk:
        raise MfaResetRefused(_("Du kan inte återställa din egen tvåfaktorsautentisering. Be en annan samordnare."))
    if not Membership.objects.filter(user=user, organisation__partnerships=partnership).exists():
        raise MfaResetRefused(_("Personen är inte medlem i samverkan."))
    with transaction.atomic():
        types = sorted(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
        Authenticator.objects.filter(user_id=user.pk).delete()
        sessions = list(UserSession.objects.filter(user=user))
        for session in sessions:
            session.end()
        record(
            "mfa.reset",
            actor=actor,
            obj=user,
            partnership=partnership,
            changes={"user": user.email, "removed": types, "sessions_ended": len(sessions)},
        )
    return len(types)
