"""The people of a partnership (/samverkan/<slug>/personer/): who is in, with role, last sign-in and second factor;
open invitations; invite one or many; change a role, deactivate, reactivate, re-send, withdraw. And the
invitation's link (/konto/inbjudan/<token>/), where the invited person chooses a password or signs in.

Who may manage is `partnerships.access.people_managed_by`; every change is an action in lofte.accounts.people.
"""

from __future__ import annotations

from typing import Any

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from lofte.accounts import bulk, people
from lofte.accounts.invitations import InvitationRefused, do_accept_invitation, find_open
from lofte.accounts.models import Invitation
from lofte.accounts.people_forms import BulkUploadForm, InviteForm, JoinForm, RoleForm
from lofte.lib.refusals import ActionRefused
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Membership

PREVIEW_KEY = "lofte-people-import-%s"


def _manager(request: HttpRequest, slug: str) -> tuple[PartnershipAccess, frozenset[int]]:
    """The partnership and the organisations whose people the user may manage: 404/403 as everywhere else."""
    access = get_partnership_for_user(request.user, slug)
    managed = people.managed_organisations(access, request.user)
    if not managed:
        raise PermissionDenied
    return access, managed


def _index_url(slug: str) -> str:
    return reverse("people:index", args=[slug])


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    access, managed = _manager(request, slug)
    context = {
        "access": access,
        "partnership": access.partnership,
        "managed": managed,
        "members": list(people.members_of(access)),
        "invitations": list(people.invitations_of(access)),
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/people.html", context)


def _invite_form(request: HttpRequest, access: PartnershipAccess, managed: frozenset[int]) -> InviteForm:
    organisations = access.partnership.organisations.filter(pk__in=managed).order_by("name")
    data = request.POST if request.method == "POST" else None
    return InviteForm(data, organisations=organisations, may_give_samordnare=Membership.Role.SAMORDNARE in access.roles)


@login_required
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    access, managed = _manager(request, slug)
    form = _invite_form(request, access, managed)
    context = {"access": access, "partnership": access.partnership}
    if request.method != "POST" or not form.is_valid():
        return form_page(request, "accounts/people_invite.html", context, form=form)
    try:
        invitation = people.do_invite_person(access, actor=request.user, **form.cleaned_data)
    except ActionRefused as refusal:
        refuse_on(form, refusal)
        return form_page(request, "accounts/people_invite.html", context, form=form)
    messages.success(request, _("Inbjudan till %(email)s skickas.") % {"email": invitation.email})
    return redirect(_index_url(slug))


def _bulk_page(
    request: HttpRequest,
    access: PartnershipAccess,
    *,
    form: BulkUploadForm | None = None,
    errors: list[str] | None = None,
    preview: bulk.BulkPreview | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "access": access,
        "partnership": access.partnership,
        "form": form or BulkUploadForm(),
        "errors": errors or [],
        "preview": preview,
        "multipart": True,
    }
    return render(request, "accounts/people_bulk.html", context, status=status)


@login_required
def bulk_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the upload form. POST: read the file and show what it would send, sending nothing."""
    access, _managed = _manager(request, slug)
    if request.method != "POST":
        return _bulk_page(request, access)
    form = BulkUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bulk_page(request, access, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        preview = bulk.read_invitations(access, upload.read(), upload.name or "", actor=request.user)
    except bulk.BulkRefused as refusal:
        return _bulk_page(request, access, form=form, errors=refusal.messages, status=400)
    request.session[PREVIEW_KEY % access.partnership.pk] = preview.as_data()
    return _bulk_page(request, access, preview=preview)


@login_required
@require_POST
def bulk_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    access, _managed = _manager(request, slug)
    data = request.session.pop(PREVIEW_KEY % access.partnership.pk, None)
    if data is None:
        messages.error(request, _("Det finns ingen inläst fil att bekräfta. Läs in filen igen."))
        return redirect(reverse("people:bulk", args=[slug]))
    try:
        count = bulk.do_invite_people(access, bulk.BulkPreview.from_data(data), actor=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(reverse("people:bulk", args=[slug]))
    text = ngettext("%(count)s inbjudan skickas.", "%(count)s inbjudningar skickas.", count)
    messages.success(request, text % {"count": count})
    return redirect(_index_url(slug))


@login_required
@require_POST
def change_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, _managed = _manager(request, slug)
    membership = people.get_membership(access, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_index_url(slug))
    return act(
        request,
        lambda: people.do_change_role(access, membership, actor=request.user, **form.cleaned_data),
        success=_("Rollen är ändrad."),
        back=_index_url(slug),
    )


def _member_action(request: HttpRequest, slug: str, pk: int, action: Any, success: str) -> HttpResponse:
    access, _managed = _manager(request, slug)
    membership = people.get_membership(access, pk)
    return act(request, lambda: action(access, membership, actor=request.user), success=success, back=_index_url(slug))


@login_required
@require_POST
def deactivate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _member_action(request, slug, pk, people.do_deactivate_membership, _("Personen är inaktiverad."))


@login_required
@require_POST
def reactivate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _member_action(request, slug, pk, people.do_reactivate_membership, _("Personen är aktiv igen."))


def _invitation_action(request: HttpRequest, slug: str, pk: int, action: Any, success: str) -> HttpResponse:
    access, _managed = _manager(request, slug)
    invitation = people.get_invitation(access, pk)
    return act(request, lambda: action(access, invitation, actor=request.user), success=success, back=_index_url(slug))


@login_required
@require_POST
def resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_action(request, slug, pk, people.do_resend_invitation, _("En ny inbjudan skickas."))


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_action(request, slug, pk, people.do_withdraw_invitation, _("Inbjudan är återkallad."))


# --- The invitation's link


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/invitation_gone.html", status=404)


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the invitation (nothing is written); POST chooses a password (a new person) or accepts it for the
    signed-in account with the invitation's address (an existing one, which must sign in first)."""
    invitation = find_open(token)
    if invitation is None:
        return _gone(request)
    account = people.existing_account(invitation)
    context: dict[str, Any] = {"invitation": invitation, "account": account}
    if account is not None:
        return _accept_existing(request, invitation, account, context)
    form = JoinForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if request.method != "POST" or not form.is_valid():
        if not form.is_bound:
            form.initial["full_name"] = invitation.full_name
        return form_page(request, "accounts/invitation.html", context, form=form)
    try:
        user, membership = people.do_join_by_invitation(
            invitation, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
        )
    except InvitationRefused as refusal:
        refuse_on(form, refusal)
        return form_page(request, "accounts/invitation.html", context, form=form)
    # allauth's sign-in: its stages (a second factor, where required) and its record of the session
    # (usersessions), which deactivation ends.
    return perform_login(request, user, redirect_url=people.landing_url(membership, invitation))


def _accept_existing(
    request: HttpRequest, invitation: Invitation, account: Any, context: dict[str, Any]
) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.pk != account.pk:
        return render(request, "accounts/invitation_other.html", context, status=403)
    if request.method != "POST":
        return render(request, "accounts/invitation.html", context)
    try:
        membership = do_accept_invitation(invitation, user=request.user, via="session")
    except InvitationRefused as refusal:
        messages.error(request, str(refusal))
        return _gone(request)
    return redirect(people.landing_url(membership, invitation))
