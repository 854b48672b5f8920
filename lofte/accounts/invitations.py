"""Invitations: how a person comes into an organisation of a partnership.

The link's token is `secrets.token_urlsafe(32)`; only its SHA-256 is stored (`Invitation.token_hash`), so the table
holds no working links, and a token is looked up by its hash. `open_invitations_for(email)` is what single sign-on
asks: a provider's verified address joins the invitations made for it, never anything else.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.accounts.models import Invitation, User
from lofte.audit.log import record
from lofte.lib.keys import hash_key
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.actions import do_add_membership
from lofte.partnerships.models import Membership


class InvitationRefused(ActionRefused):
    code = "invitation_refused"


def new_token() -> tuple[str, str]:
    """A fresh token for a link, and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hash_key(token)


def find_open(token: str) -> Invitation | None:
    """The open invitation this token belongs to, or None (unknown, used, withdrawn or expired)."""
    invitation = (
        Invitation.objects.select_related("organisation", "partnership").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None or not invitation.is_open():
        return None
    return invitation


def open_invitations_for(email: str) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        email__iexact=email.strip(), accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("organisation", "partnership", "invited_by")


def do_accept_invitation(invitation: Invitation, *, user: User, via: str) -> Membership:
    """Make the membership the invitation offers for `user`, whose address is the invitation's; single use.

    `via` says how the person proved the address ("password": the mailed link; or the single sign-on provider's
    id). The membership is granted by the inviter (their decision, with their reason for a restricted role); the
    acceptance is the invitee's own audit row.
    """
    if user.email.lower() != invitation.email.strip().lower():
        raise InvitationRefused(_("Inbjudan gäller en annan e-postadress."))
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open():
            raise InvitationRefused(_("Inbjudan har redan använts, återkallats eller gått ut."))
        grantor: Any = locked.invited_by or user
        membership = do_add_membership(
            user, locked.organisation, locked.role, actor=grantor, title=locked.title, reason=locked.reason
        )
        reactivated = membership.deactivated_at is not None  # invited back after being switched off
        if reactivated:
            membership.deactivated_at = None
            membership.save(update_fields=["deactivated_at"])
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        record(
            "invitation.accept",
            actor=user,
            obj=locked,
            partnership=locked.partnership,
            changes={
                "email": locked.email,
                "organisation": locked.organisation.name,
                "role": locked.role,
                "via": via,
                "reactivated": reactivated,
            },
        )
    return membership
