"""The samverkansöverenskommelse's pages, under /samverkan/<slug>/loften/overenskommelse/ (namespace loften): the
agreement with Brå's parts, its signatories and its PDFs.

Members read the agreement and download its files; those who may edit (samordnare, polis) write it. Every change
goes through lofte.promises.agreement.actions; these views parse, check access, call one action and redirect with a
message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.promises.agreement import actions, queries
from lofte.promises.agreement.forms import AgreementDocumentForm, AgreementForm, SignatoryForm
from lofte.promises.editing import PromiseRefused
from lofte.promises.models import Agreement, AgreementDocument, Signatory
from lofte.promises.views import FORM, index_crumbs, stored_file

SIGNATORY_ID = "id_signatory_%s"
DOCUMENT_ID = "id_document_%s"


def _get_agreement(access: PartnershipAccess, pk: int) -> Agreement:
    agreement = get_object_or_404(Agreement, partnership=access.partnership, pk=pk)
    agreement.partnership = access.partnership
    return agreement


def _agreement_url(agreement: Agreement) -> str:
    return reverse("agreement:agreement", args=[agreement.partnership.slug, agreement.pk])


@login_required
def agreement_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    if request.method == "POST":
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                agreement = actions.do_create_agreement(access, actor=request.user, **form.cleaned_data)
            except PromiseRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Överenskommelsen är sparad."))
                return redirect(_agreement_url(agreement))
    else:
        year = timezone.localdate().year
        title = _("Samverkansöverenskommelse %(kommun)s %(start)s–%(end)s") % {
            "kommun": access.partnership.area.name,
            "start": year,
            "end": year + 3,
        }
        form = AgreementForm(initial={"title": title, "followups_per_year": 2})
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Ny samverkansöverenskommelse"),
            "action": reverse("agreement:agreement_create", args=[slug]),
            "submit": _("Spara överenskommelsen"),
            "crumbs": index_crumbs(access),
            "intro": _(
                "Brå rekommenderar att överenskommelsen anger fokusproblem, troliga orsaker, mätbara mål, hur arbetet "
                "dokumenteras och följs upp, och perioden."
            ),
        },
        form=form,
    )


@login_required
def agreement_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _agreement_page(request, access, _get_agreement(access, pk))


def _agreement_page(
    request: HttpRequest,
    access: PartnershipAccess,
    agreement: Agreement,
    bound: dict[str, forms.BaseForm] | None = None,
) -> HttpResponse:
    bound = bound or {}
    parties = queries.parties(access.partnership)
    context: dict[str, Any] = {
        "access": access,
        "partnership": access.partnership,
        "agreement": agreement,
        "completeness": agreement.completeness(),
        "parts": [(field, getattr(agreement, field.name)) for field in _part_fields()],
        "signatories": list(agreement.signatories.select_related("organisation")),
        "documents": list(agreement.documents.all()),
        "loften": list(agreement.medborgarloften.order_by("-year_from", "-id")),
        "editable": access.can_edit,
    }
    if access.can_edit:
        context["signatory_form"] = bound.get("signatory") or SignatoryForm(parties=parties, auto_id=SIGNATORY_ID)
        context["document_form"] = bound.get("document") or AgreementDocumentForm(auto_id=DOCUMENT_ID)
        context["open_form"] = next(iter(bound), "")
    return render(request, "promises/agreement_detail.html", context, status=400 if bound else 200)


def _part_fields() -> list[Any]:
    names = ("overall_goal", "focus_problems", "probable_causes", "measurable_goals", "documentation", "follow_up")
    return [Agreement._meta.get_field(name) for name in names]


@login_required
def agreement_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    agreement = _get_agreement(access, pk)
    if request.method == "POST":
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                actions.do_update_agreement(access, agreement, actor=request.user, **form.cleaned_data)
            except PromiseRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Överenskommelsen är sparad."))
                return redirect(_agreement_url(agreement))
    else:
        form = AgreementForm(initial=model_to_dict(agreement, fields=list(AgreementForm.base_fields)))
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Ändra %(title)s") % {"title": agreement.title},
            "action": reverse("agreement:agreement_update", args=[slug, pk]),
            "submit": _("Spara överenskommelsen"),
            "crumbs": [*index_crumbs(access), (_agreement_url(agreement), agreement.title)],
        },
        form=form,
    )


@login_required
@require_POST
def signatory_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    agreement = _get_agreement(access, pk)
    form = SignatoryForm(request.POST, parties=queries.parties(access.partnership), auto_id=SIGNATORY_ID)
    if not form.is_valid():
        return _agreement_page(request, access, agreement, {"signatory": form})

    def add() -> None:
        actions.do_add_signatory(access, agreement, actor=request.user, **form.cleaned_data)

    return act(
        request, add, success=_("Undertecknaren är tillagd."), back=_agreement_url(agreement) + "#signatories-heading"
    )


@login_required
@require_POST
def signatory_remove(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    agreement = _get_agreement(access, pk)
    signatory = get_object_or_404(Signatory, agreement=agreement, pk=item)
    signatory.agreement = agreement
    return act(
        request,
        lambda: actions.do_remove_signatory(access, signatory, actor=request.user),
        success=_("Undertecknaren är borttagen."),
        back=_agreement_url(agreement) + "#signatories-heading",
    )


@login_required
@require_POST
def document_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    agreement = _get_agreement(access, pk)
    form = AgreementDocumentForm(request.POST, request.FILES, auto_id=DOCUMENT_ID)
    if not form.is_valid():
        return _agreement_page(request, access, agreement, {"document": form})
    try:
        actions.do_add_agreement_document(
            access, agreement, title=form.cleaned_data["title"], file=form.cleaned_data["file"], actor=request.user
        )
    except PromiseRefused as refusal:
        refuse_on(form, refusal)
        return _agreement_page(request, access, agreement, {"document": form})
    messages.success(request, _("Bilagan är uppladdad."))
    return redirect(_agreement_url(agreement) + "#documents-heading")


@login_required
def document_download(request: HttpRequest, slug: str, pk: int, item: int) -> FileResponse:
    access = get_partnership_for_user(request.user, slug)
    document = get_object_or_404(AgreementDocument, agreement=_get_agreement(access, pk), pk=item)
    name = f"{slugify(document.title) or 'bilaga'}.pdf"
    return stored_file(document.file, name, "application/pdf")


@login_required
@require_POST
def document_remove(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    agreement = _get_agreement(access, pk)
    document = get_object_or_404(AgreementDocument, agreement=agreement, pk=item)
    document.agreement = agreement
    return act(
        request,
        lambda: actions.do_remove_agreement_document(access, document, actor=request.user),
        success=_("Bilagan är borttagen."),
        back=_agreement_url(agreement) + "#documents-heading",
    )
