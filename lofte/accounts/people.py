"""People in a partnership, managed where the work is: invite, re-send, withdraw, change a role, deactivate,
reactivate, and join by an invitation's link.

Who may: `partnerships.access.people_managed_by` (a samordnare for every organisation of the partnership, an
organisation's admin for their own); only a samordnare gives the samordnare role, and nobody changes or
deactivates their own membership. Nobody is invited into an organisation outside the partnership.

Deactivation is per membership (a person may belong to two partnerships): the membership keeps its row, with
`deactivated_at`, and gives no access (partnerships/access.py ignores it); their reports and history stay. When no
active membership is left the user is made inactive (staff excepted), which refuses sign-in, makes the request of a
still-open session anonymous (allauth's backend refuses an inactive user), and ends their sessions
(allauth.usersessions). Reactivating undoes both.

An invitation's link is made when its mail is sent (`tasks.send_invitation`), as the reset mail's is, so the tasks'
table never holds a working link; the invitation is created with a hash no link has. Re-sending gives a new hash at
once (the old link dies then) and a new mail with a new link.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lofte.accounts.invitations import InvitationRefused, do_accept_invitation, new_token
from lofte.accounts.models import Invitation, User
from lofte.accounts.tasks import send_invitation
from lofte.audit.log import record
from lofte.lib.actors import Actor, SystemActor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused, refuse_control_characters
from lofte.partnerships.access import PartnershipAccess, people_managed_by
from lofte.partnerships.actions import MembershipRefused, check_role_grant, do_add_membership, grants_restricted
from lofte.partnerships.models import Membership, Organisation

Role = Membership.Role


class PeopleRefused(ActionRefused):
    """The person cannot be invited or changed as asked; the message says why."""


# --- Who may, and what


def managed_organisations(access: PartnershipAccess, actor: Actor) -> frozenset[int]:
    """The organisations whose people the actor may manage (every party for a command)."""
    if isinstance(actor, SystemActor):
        return frozenset(access.partnership.organisations.values_list("pk", flat=True))
    return people_managed_by(actor, access.partnership)


def _require(access: PartnershipAccess, actor: Actor, organisation: Organisation) -> None:
    parties = set(access.partnership.organisations.values_list("pk", flat=True))
    if organisation.pk not in parties:
        raise PeopleRefused(
            _("%(organisation)s är inte part i %(partnership)s.")
            % {"organisation": organisation.name, "partnership": access.partnership.name},
            field="organisation",
        )
    if organisation.pk not in managed_organisations(access, actor):
        raise PeopleRefused(
            _("Du får inte hantera personer i %(organisation)s.") % {"organisation": organisation.name},
            field="organisation",
        )


def _require_role(access: PartnershipAccess, actor: Actor, role: str, organisation: Organisation) -> None:
    """The role must exist; only a samordnare gives the samordnare role; and a role that opens the police's
    restricted information is given by a samordnare, or by the police's own administrator within the
    lokalpolisområde, never by another organisation's administrator for its own people."""
    if role not in Role.values:
        raise PeopleRefused(_("”%(role)s” är ingen roll.") % {"role": role}, field="role")
    if isinstance(actor, SystemActor) or Role.SAMORDNARE in access.roles:
        return
    if role == Role.SAMORDNARE:
        raise PeopleRefused(_("Bara en samordnare kan ge rollen samordnare."), field="role")
    if grants_restricted(role) and organisation.kind != Organisation.Kind.LPO:
        raise PeopleRefused(
            _(
                "Rollen %(role)s ger tillgång till polisens begränsade uppgifter och ges bara av en samordnare "
                "eller av lokalpolisområdets administratör."
            )
            % {"role": Role(role).label},
            field="role",
        )


def _require_other(membership: Membership, actor: Actor) -> None:
    user = user_of(actor)
    if user is not None and user.pk == membership.user_id:
        raise PeopleRefused(_("Du kan inte ändra ditt eget medlemskap. Be en annan samordnare."))


def get_membership(access: PartnershipAccess, pk: int) -> Membership:
    """A membership in one of the partnership's organisations, or 404."""
    found = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=pk, organisation__partnerships=access.partnership)
        .first()
    )
    if found is None:
        raise Http404("No such membership")
    return found


def get_invitation(access: PartnershipAccess, pk: int) -> Invitation:
    found = Invitation.objects.select_related("organisation").filter(pk=pk, partnership=access.partnership).first()
    if found is None:
        raise Http404("No such invitation")
    return found


def expiry() -> Any:
    return timezone.now() + timedelta(days=settings.LOFTE_INVITATION_DAYS)


# --- Invitations


def check_invitation(
    access: PartnershipAccess, *, email: str, organisation: Organisation, role: str, actor: Actor
) -> str:
    """Refuse an invitation that may not be made; the address as it is stored."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PeopleRefused(_("”%(email)s” är ingen e-postadress.") % {"email": email}, field="email") from None
    _require(access, actor, organisation)
    _require_role(access, actor, role, organisation)
    if Membership.objects.active().filter(user__email__iexact=email, organisation=organisation).exists():
        raise PeopleRefused(
            _("%(email)s är redan med i %(organisation)s.") % {"email": email, "organisation": organisation.name},
            field="email",
        )
    return email


def _refuse_open_duplicate(email: str, organisation: Organisation, *, other_than: int | None = None) -> None:
    open_ = Invitation.objects.filter(
        email__iexact=email,
        organisation=organisation,
        accepted_at__isnull=True,
        withdrawn_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if other_than is not None:
        open_ = open_.exclude(pk=other_than)
    if open_.exists():
        raise PeopleRefused(
            _("%(email)s har redan en öppen inbjudan till %(organisation)s.")
            % {"email": email, "organisation": organisation.name},
            field="email",
        )


def check_grant(email: str, organisation: Organisation, role: str, *, actor: Actor, reason: str) -> None:
    """The restricted-role rule of partnerships.actions, for a person who may have no account yet."""
    invitee = User.objects.filter(email__iexact=email).first() or User(email=email)
    before = Membership.objects.filter(user=invitee, organisation=organisation).first() if invitee.pk else None
    try:
        check_role_grant(invitee, organisation.pk, role, before=before, actor=actor, reason=reason)
    except MembershipRefused as refusal:
        raise PeopleRefused(refusal.message, field="reason") from None


def do_invite_person(
    access: PartnershipAccess,
    *,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str,
    actor: Actor,
    title: str = "",
    reason: str = "",
) -> Invitation:
    """Invite one person into an organisation of the partnership with a role; the mail goes once this commits."""
    values = {"full_name": full_name, "title": title, "reason": reason}
    refuse_control_characters(values, ["full_name", "title", "reason"], PeopleRefused)
    refuse_personal_data(values, ["title", "reason"], PeopleRefused)
    email = check_invitation(access, email=email, organisation=organisation, role=role, actor=actor)
    check_grant(email, organisation, role, actor=actor, reason=reason)
    with transaction.atomic():
        _refuse_open_duplicate(email, organisation)
        invitation = Invitation.objects.create(
            email=email,
            full_name=full_name.strip(),
            organisation=organisation,
            partnership=access.partnership,
            role=role,
            title=title.strip(),
            reason=reason.strip(),
            token_hash=new_token()[1],  # no link has this hash; the mail's link is made when it is sent
            invited_by=user_of(actor),
            expires_at=expiry(),
        )
        changes = {"email": email, "organisation": organisation.name, "role": role, "title": invitation.title}
        if invitation.reason:
            changes["reason"] = invitation.reason
        record("invitation.create", actor=actor, obj=invitation, partnership=access.partnership, changes=changes)
        _mail_on_commit(invitation)
    return invitation


def _mail_on_commit(invitation: Invitation) -> None:
    language = get_language() or settings.LANGUAGE_CODE
    pk = invitation.pk
    transaction.on_commit(lambda: send_invitation.enqueue(invitation_id=pk, language=language))


def do_resend_invitation(access: PartnershipAccess, invitation: Invitation, *, actor: Actor) -> Invitation:
    """A new link (the old one stops working at once) and a new mail, valid for as many days again."""
    _require(access, actor, invitation.organisation)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise PeopleRefused(_("Inbjudan är redan antagen."))
        _refuse_open_duplicate(locked.email, locked.organisation, other_than=locked.pk)
        locked.token_hash = new_token()[1]
        locked.expires_at = expiry()
        locked.withdrawn_at = None
        locked.save(update_fields=["token_hash", "expires_at", "withdrawn_at"])
        changes = {"email": locked.email, "organisation": locked.organisation.name, "expires_at": locked.expires_at}
        record("invitation.resend", actor=actor, obj=locked, partnership=access.partnership, changes=changes)
        _mail_on_commit(locked)
    return locked


def do_withdraw_invitation(access: PartnershipAccess, invitation: Invitation, *, actor: Actor) -> Invitation:
    _require(access, actor, invitation.organisation)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise PeopleRefused(_("Inbjudan är redan antagen."))
        if locked.withdrawn_at is not None:
            raise PeopleRefused(_("Inbjudan är redan återkallad."))
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        changes = {"email": locked.email, "organisation": locked.organisation.name}
        record("invitation.withdraw", actor=actor, obj=locked, partnership=access.partnership, changes=changes)
    return locked


# --- Members


def do_change_role(
    access: PartnershipAccess,
    membership: Membership,
    *,
    role: str,
    actor: Actor,
    title: str | None = None,
    reason: str = "",
) -> Membership:
    """Another role (and title) for a member, through partnerships.actions.do_add_membership and its rules."""
    _require(access, actor, membership.organisation)
    _require_role(access, actor, role, membership.organisation)
    _require_other(membership, actor)
    title = membership.title if title is None else title.strip()
    refuse_control_characters({"title": title, "reason": reason}, ["title", "reason"], PeopleRefused)
    refuse_personal_data({"title": title, "reason": reason}, ["title", "reason"], PeopleRefused)
    try:
        return do_add_membership(
            membership.user, membership.organisation, role, actor=actor, title=title, reason=reason
        )
    except MembershipRefused as refusal:
        raise PeopleRefused(refusal.message, field="reason") from None


def do_deactivate_membership(access: PartnershipAccess, membership: Membership, *, actor: Actor) -> Membership:
    """Switch a member off in the organisation at once; the account too when nothing else is left (see above)."""
    _require(access, actor, membership.organisation)
    _require_other(membership, actor)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        if locked.deactivated_at is not None:
            raise PeopleRefused(_("%(name)s är redan inaktiverad.") % {"name": locked.user})
        locked.deactivated_at = timezone.now()
        locked.save(update_fields=["deactivated_at"])
        user = locked.user
        left = Membership.objects.active().filter(user=user).exists()
        ended = 0
        if not left and not user.is_staff and user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            ended = end_sessions(user)
        changes = {
            "user": user.email,
            "organisation": locked.organisation.name,
            "account_inactive": not user.is_active,
            "sessions_ended": ended,
        }
        record("membership.deactivate", actor=actor, obj=locked, partnership=access.partnership, changes=changes)
    return locked


def end_sessions(user: User) -> int:
    """End every session the user has (allauth.usersessions), at once; how many."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


def do_reactivate_membership(access: PartnershipAccess, membership: Membership, *, actor: Actor) -> Membership:
    _require(access, actor, membership.organisation)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        if locked.deactivated_at is None:
            raise PeopleRefused(_("%(name)s är redan aktiv.") % {"name": locked.user})
        locked.deactivated_at = None
        locked.save(update_fields=["deactivated_at"])
        user = locked.user
        activated = not user.is_active
        if activated:
            user.is_active = True
            user.save(update_fields=["is_active"])
        changes = {"user": user.email, "organisation": locked.organisation.name, "account_activated": activated}
        record("membership.reactivate", actor=actor, obj=locked, partnership=access.partnership, changes=changes)
    return locked


# --- Joining by the link


def existing_account(invitation: Invitation) -> User | None:
    """The account that must sign in before accepting: an active one with a password or single sign-on. A person
    without one (new, or switched off, or never finished) chooses a password on the invitation's page instead."""
    user = User.objects.filter(email__iexact=invitation.email).first()
    if (
        user is not None
        and user.is_active
        and (user.has_usable_password() or SocialAccount.objects.filter(user=user).exists())
    ):
        return user
    return None


def do_join_by_invitation(invitation: Invitation, *, full_name: str, password: str) -> tuple[User, Membership]:
    """The account for the invitation's address with the chosen name and password (made, or completed for a person
    who has none that works), and the membership it offers. The password is checked by the caller's form."""
    if existing_account(invitation) is not None:
        raise InvitationRefused(_("Det finns redan ett konto för adressen. Logga in för att anta inbjudan."))
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
        created = user is None
        if user is None:
            user = User(email=invitation.email)
        user.full_name = full_name.strip() or invitation.full_name
        user.is_active = True
        user.set_password(password)
        user.save()
        action = "user.create" if created else "user.complete"
        record(action, actor=user, obj=user, changes={"email": user.email, "via": "invitation"})
        membership = do_accept_invitation(invitation, user=user, via="password")
    return user, membership


def landing_url(membership: Membership, invitation: Invitation) -> str:
    """Where the role works: a reporter reports, everyone else starts on the partnership's dashboard."""
    slug = invitation.partnership.slug
    if membership.role == Role.RAPPORTOR:
        return reverse("est_reporting:report", kwargs={"slug": slug})
    return reverse("partnerships:dashboard", args=[slug])


# --- Reads for the members' page and the API


def members_of(access: PartnershipAccess) -> QuerySet[Membership]:
    """Every membership of the partnership's organisations, active or not, with `has_mfa` (a TOTP or a passkey
    set up): one query however many there are."""
    second_factors = Authenticator.objects.filter(
        user=OuterRef("user_id"), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )
    return (
        Membership.objects.filter(organisation__partnerships=access.partnership)
        .select_related("user", "organisation")
        .annotate(has_mfa=Exists(second_factors))
        .order_by("organisation__name", "user__full_name", "user__email")
    )


def invitations_of(access: PartnershipAccess) -> QuerySet[Invitation]:
    """The invitations not (yet) accepted: open, expired or withdrawn, so each can be sent again."""
    return (
        Invitation.objects.filter(partnership=access.partnership, accepted_at__isnull=True)
        .select_related("organisation", "invited_by")
        .order_by("-created_at", "-pk")
    )
