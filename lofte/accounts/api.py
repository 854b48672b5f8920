"""User provisioning in the JSON API: the same actions and checks as the people pages (lofte.accounts.people), for
a kommun's own scripts. Who may: `partnerships.access.people_managed_by`; others get 403, another kommun 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from lofte.accounts import people
from lofte.lib.api import Text, errors
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Organisation

router = Router(tags=["people"])


class MembershipOut(Schema):
    id: int
    name: str
    email: str
    organisation: str
    role: str
    title: str
    last_login: datetime | None
    mfa: bool = Field(..., description="Whether the person has a second factor (TOTP or a passkey) set up")
    active: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.user.get_full_name())

    @staticmethod
    def resolve_email(obj: Any) -> str:
        return str(obj.user.email)

    @staticmethod
    def resolve_organisation(obj: Any) -> str:
        return str(obj.organisation.slug)

    @staticmethod
    def resolve_last_login(obj: Any) -> datetime | None:
        return obj.user.last_login

    @staticmethod
    def resolve_mfa(obj: Any) -> bool:
        return bool(getattr(obj, "has_mfa", False))

    @staticmethod
    def resolve_active(obj: Any) -> bool:
        return obj.deactivated_at is None and bool(obj.user.is_active)


class InvitationOut(Schema):
    id: int
    email: str
    name: str
    organisation: str
    role: str
    title: str
    created_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    open: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.full_name)

    @staticmethod
    def resolve_organisation(obj: Any) -> str:
        return str(obj.organisation.slug)

    @staticmethod
    def resolve_open(obj: Any) -> bool:
        return bool(obj.is_open())


class InvitationIn(Schema):
    email: str = Field(..., max_length=254)
    name: str = Field(..., max_length=200)
    organisation: str = Field(..., max_length=100, description="The organisation's short name (slug)")
    role: str = Field(..., max_length=20, description="samordnare, polis, rapportor, lasare or admin")
    title: str = Field("", max_length=200)
    reason: str = Field("", max_length=500, description="Why a role with restricted access (polis) is given")


class RoleIn(Schema):
    role: str = Field(..., max_length=20)
    title: str | None = Field(None, max_length=200)
    reason: str = Field("", max_length=500)


def _manager(request: HttpRequest, slug: str) -> PartnershipAccess:
    access = get_partnership_for_user(request.user, slug)
    if not people.managed_organisations(access, request.user):
        raise PermissionDenied
    return access


def _organisation(access: PartnershipAccess, slug: str) -> Organisation:
    """The organisation named in the body; one outside the partnership is refused by the action (409)."""
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        raise people.PeopleRefused(_("Organisationen finns inte."), field="organisation")
    return found


PEOPLE_ERRORS = errors(400, 401, 403, 404)
CHANGE_ERRORS = errors(400, 401, 403, 404, 409, 422)


@router.get(
    "/partnerships/{slug}/memberships",
    response={200: list[MembershipOut], **PEOPLE_ERRORS},
    summary="Everyone in the partnership's organisations, with role, last sign-in, second factor and state",
)
def list_memberships(request: HttpRequest, slug: Text) -> Any:
    return list(people.members_of(_manager(request, slug)))


@router.get(
    "/partnerships/{slug}/invitations",
    response={200: list[InvitationOut], **PEOPLE_ERRORS},
    summary="The invitations not accepted (open, expired or withdrawn)",
)
def list_invitations(request: HttpRequest, slug: Text) -> Any:
    return list(people.invitations_of(_manager(request, slug)))


@router.post(
    "/partnerships/{slug}/invitations",
    response={201: InvitationOut, **CHANGE_ERRORS},
    summary="Invite a person by e-mail into an organisation of the partnership",
)
def create_invitation(request: HttpRequest, slug: Text, payload: InvitationIn) -> Any:
    access = _manager(request, slug)
    invitation = people.do_invite_person(
        access,
        email=payload.email,
        full_name=payload.name,
        organisation=_organisation(access, payload.organisation),
        role=payload.role,
        title=payload.title,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, invitation)


@router.post(
    "/partnerships/{slug}/invitations/{invitation_id}/resend",
    response={200: InvitationOut, **CHANGE_ERRORS},
    summary="Send an invitation again with a new link (the old one stops working)",
)
def resend_invitation(request: HttpRequest, slug: Text, invitation_id: int) -> Any:
    access = _manager(request, slug)
    return people.do_resend_invitation(access, people.get_invitation(access, invitation_id), actor=request.user)


@router.post(
    "/partnerships/{slug}/invitations/{invitation_id}/withdraw",
    response={200: InvitationOut, **CHANGE_ERRORS},
    summary="Withdraw an invitation (its link stops working)",
)
def withdraw_invitation(request: HttpRequest, slug: Text, invitation_id: int) -> Any:
    access = _manager(request, slug)
    return people.do_withdraw_invitation(access, people.get_invitation(access, invitation_id), actor=request.user)


def _member(access: PartnershipAccess, membership_id: int) -> Any:
    return people.members_of(access).get(pk=membership_id)


@router.patch(
    "/partnerships/{slug}/memberships/{membership_id}",
    response={200: MembershipOut, **CHANGE_ERRORS},
    summary="Change a member's role (and title)",
)
def change_role(request: HttpRequest, slug: Text, membership_id: int, payload: RoleIn) -> Any:
    access = _manager(request, slug)
    membership = people.get_membership(access, membership_id)
    people.do_change_role(
        access, membership, role=payload.role, title=payload.title, reason=payload.reason, actor=request.user
    )
    return _member(access, membership_id)


@router.post(
    "/partnerships/{slug}/memberships/{membership_id}/deactivate",
    response={200: MembershipOut, **CHANGE_ERRORS},
    summary="Deactivate a member: access ends at once, their reports and history are kept",
)
def deactivate_membership(request: HttpRequest, slug: Text, membership_id: int) -> Any:
    access = _manager(request, slug)
    people.do_deactivate_membership(access, people.get_membership(access, membership_id), actor=request.user)
    return _member(access, membership_id)


@router.post(
    "/partnerships/{slug}/memberships/{membership_id}/reactivate",
    response={200: MembershipOut, **CHANGE_ERRORS},
    summary="Reactivate a deactivated member",
)
def reactivate_membership(request: HttpRequest, slug: Text, membership_id: int) -> Any:
    access = _manager(request, slug)
    people.do_reactivate_membership(access, people.get_membership(access, membership_id), actor=request.user)
    return _member(access, membership_id)
