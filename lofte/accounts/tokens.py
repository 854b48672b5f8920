"""Personal access tokens: a person makes a key so a system (a kommun's BI tool, a script) can use the JSON API as
them without their session, within one partnership and for reading only or for reading and changing.

A token reads `lofte_pat_<prefix>_<secret>` (the form, hash and constant-time check are shared with the Open311
keys in `lofte/lib/keys.py`); `pat` makes a leaked one recognisable to secret scanners. Only its SHA-256 is
stored and it is shown once, on the page that answers the POST that made it. It works until it expires (at most
`LOFTE_TOKEN_MAX_DAYS` ahead) or is revoked, and only while its user is active and still a member in its
partnership, checked at every use, so deactivating a person or ending their membership stops their tokens at once.

The API takes it as `Authorization: Bearer lofte_pat_…` (`TokenAuth`, one of the API's auth callables in
`lofte/api.py`, apart from the session so rules for sessions, such as a second factor, do not apply to it). A
request signed with a token gets the token's user as `request.user`, with `token_partnership_id` set on that user:
`lofte.partnerships.access` honours it in every check, so no endpoint can forget the scope. A read token is refused
any method but GET, HEAD and OPTIONS before the endpoint runs (403 `token_read_only`). Use is stamped at most once a
minute: a bare timestamp for the owner's list, not an audited change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from lofte.accounts.models import PersonalAccessToken, User
from lofte.audit.log import record
from lofte.lib.api import ApiError
from lofte.lib.keys import hash_key, new_key, prefix_of, same_hash, stamp_due
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess, partnerships_for, roles_in, roles_with
from lofte.partnerships.models import Partnership

KEY_START = "lofte_pat_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A role with any of these may hold a token that writes; a läsare can change nothing, so neither can their token.
WRITING = (Can.REPORT, Can.EDIT, Can.MANAGE)
Access = PersonalAccessToken.Access


class TokenRefused(ActionRefused):
    """A token that cannot be made (not a member, a role that cannot write, a bad expiry date, personal data in
    its name) or revoked (revoked already)."""


def max_days() -> int:
    return int(settings.LOFTE_TOKEN_MAX_DAYS)


def _expiry(expires_on: dt.date, today: dt.date) -> dt.datetime:
    """The end of `expires_on` in Stockholm, once it is checked to lie within the allowed span."""
    if expires_on <= today:
        raise TokenRefused(_("Sista giltighetsdag måste ligga efter i dag."), field="expires_on")
    if expires_on > today + dt.timedelta(days=max_days()):
        raise TokenRefused(_("En nyckel får gälla högst %(days)s dagar.") % {"days": max_days()}, field="expires_on")
    next_day = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone())
    return next_day.astimezone(dt.UTC)


def do_create_access_token(
    *, name: str, partnership: Partnership, access: str, expires_on: dt.date, actor: User
) -> tuple[PersonalAccessToken, str]:
    """A new token of `actor`'s for `partnership`; returns it and its plaintext, which is never stored."""
    name = name.strip()
    if not name:
        raise TokenRefused(_("Ge nyckeln ett namn, till exempel systemet som ska använda den."), field="name")
    refuse_personal_data({"name": name}, ["name"], TokenRefused)
    roles = roles_in(actor, partnership)
    if not roles:
        raise TokenRefused(_("Du är inte med i den samverkan."), field="partnership")
    if access not in Access.values:
        raise TokenRefused(_("Välj läsa eller läsa och ändra."), field="access")
    if access == Access.WRITE and not any(PartnershipAccess(partnership, roles).can(can) for can in WRITING):
        raise TokenRefused(_("Din roll får bara läsa i den samverkan."), field="access")
    expires_at = _expiry(expires_on, timezone.localdate())
    with transaction.atomic():
        plaintext, prefix = new_key(KEY_START, lambda p: PersonalAccessToken.objects.filter(prefix=p).exists())
        token = PersonalAccessToken.objects.create(
            user=actor,
            name=name,
            partnership=partnership,
            access=access,
            prefix=prefix,
            token_hash=hash_key(plaintext),
            expires_at=expires_at,
        )
        changes = {"name": name, "prefix": prefix, "access": access, "expires_at": expires_at.isoformat()}
        record("token.create", actor=actor, obj=token, partnership=partnership, changes=changes)
    return token, plaintext


def do_revoke_access_token(token: PersonalAccessToken, *, actor: User) -> PersonalAccessToken:
    """Revoke the token; it stops working at once. Its owner, or a samordnare of its partnership, may."""
    if token.user_id != actor.pk and not may_manage(actor, token):
        raise Http404("No such token")
    with transaction.atomic():
        token = PersonalAccessToken.objects.select_for_update().select_related("partnership").get(pk=token.pk)
        if token.revoked_at is not None:
            raise TokenRefused(_("Nyckeln %(prefix)s är redan återkallad.") % {"prefix": token.prefix})
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        changes = {"name": token.name, "prefix": token.prefix, "owner": token.user_id}
        record("token.revoke", actor=actor, obj=token, partnership=token.partnership, changes=changes)
    return token


def may_manage(user: User, token: PersonalAccessToken) -> bool:
    return PartnershipAccess(token.partnership, roles_in(user, token.partnership)).can(Can.MANAGE)


# Reads -----------------------------------------------------------------------------------------------------------


def tokens_of(user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user).select_related("partnership").order_by("-created_at")


def tokens_managed_by(user: User) -> QuerySet[PersonalAccessToken]:
    """The tokens of other people in the partnerships where `user` manages the members (for offboarding)."""
    managed = partnerships_for(user).filter(
        organisations__memberships__user=user, organisations__memberships__role__in=roles_with(Can.MANAGE)
    )
    return (
        PersonalAccessToken.objects.filter(partnership__in=managed.values("pk"))
        .exclude(user=user)
        .select_related("partnership", "user")
        .order_by("partnership__name", "user__full_name", "-created_at")
    )


def get_token_for_user(user: User, pk: int) -> PersonalAccessToken:
    """A token its owner, or a samordnare of its partnership, may see and revoke; 404 for anyone else."""
    token = PersonalAccessToken.objects.select_related("partnership", "user").filter(pk=pk).first()
    if token is None or (token.user_id != user.pk and not may_manage(user, token)):
        raise Http404("No such token")
    return token


def find_usable(plaintext: str) -> PersonalAccessToken | None:
    """The token `plaintext` names if it works now (not expired, not revoked, its user active and still a member in
    its partnership), with its user; else None. Stamps its use at most once a minute."""
    if prefix_of(plaintext, KEY_START) is None:
        return None
    digest = hash_key(plaintext)
    token = PersonalAccessToken.objects.select_related("user").filter(token_hash=digest).order_by().first()
    now = timezone.now()
    if token is None or not same_hash(token.token_hash, digest) or not token.is_usable(now):
        return None
    if not partnerships_for(token.user).filter(pk=token.partnership_id).exists():
        return None  # deactivated, or no longer a member there
    if stamp_due(token.last_used_at, now):
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer lofte_pat_…` on the JSON API. No CSRF check: a browser does not send this header by
    itself, so another site cannot make it send one."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = find_usable(token)
        if found is None:
            raise HttpError(401, _("Nyckeln är okänd, har gått ut eller har återkallats."))
        if not found.can_write and (request.method or "GET").upper() not in SAFE_METHODS:
            raise ApiError(403, "token_read_only", _("Nyckeln får bara läsa."))
        user = found.user
        user.token_partnership_id = found.partnership_id
        request.user = user
        return found


token_auth = TokenAuth()
