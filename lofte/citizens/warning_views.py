"""Warnings and advice: the members' pages under /samverkan/<slug>/invanare/ and the public ones under /kommun/<code>/.

Members read the partnership's warnings and advice; those who may edit (Can.EDIT) write, publish and withdraw them
through lofte.citizens.warnings and lofte.citizens.advice. The public reads only what is published, through
lofte.citizens.published, and only for kommuner whose partnership is published.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.citizens import published
from lofte.citizens.advice import AdviceRefused, do_create_advice, do_publish_advice, do_update_advice
from lofte.citizens.models import AdvicePage, Warning
from lofte.citizens.warning_forms import (
    ADVICE_FORM_FIELDS,
    WARNING_FORM_FIELDS,
    AdviceFilterForm,
    AdviceForm,
    WarningForm,
    warning_advice,
    warning_areas,
)
from lofte.citizens.warnings import (
    SOCIAL_LIMIT,
    WarningRefused,
    do_create_warning,
    do_publish_warning,
    do_update_warning,
    do_withdraw_warning,
    social_text,
)
from lofte.lib.cache import cached_for_anonymous
from lofte.lib.links import absolute_url
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

# Members: warnings


def _get_warning(access: PartnershipAccess, pk: int) -> Warning:
    warning = get_object_or_404(
        Warning.objects.prefetch_related("areas", "advice"), partnership=access.partnership, pk=pk
    )
    warning.partnership = access.partnership
    return warning


def _warning_url(warning: Warning) -> str:
    return reverse("partnerships:invanare:warning", args=[warning.partnership.slug, warning.pk])


def _to_warning(warning: Warning) -> HttpResponse:
    return redirect(_warning_url(warning))


def _warning_form(access: PartnershipAccess, *args: object, **kwargs: object) -> WarningForm:
    partnership = access.partnership
    return WarningForm(*args, areas=warning_areas(partnership.area_id), advice=warning_advice(partnership.pk), **kwargs)


def _warning_page(
    request: HttpRequest, access: PartnershipAccess, form: WarningForm, warning: Warning | None
) -> HttpResponse:
    context = {"access": access, "partnership": access.partnership, "warning": warning}
    return form_page(request, "citizens/warning_form.html", context, form=form)


@login_required
def warning_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    warnings = Warning.objects.filter(partnership=access.partnership).only(
        "title", "category", "status", "valid_until", "published_at", "created_at", "partnership"
    )
    context = {
        "access": access,
        "partnership": access.partnership,
        "warnings": list(warnings.order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id")),
        "today": timezone.localdate(),
    }
    return render(request, "citizens/warning_list.html", context)


@login_required
def warning_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    if request.method != "POST":
        return _warning_page(request, access, _warning_form(access), None)
    form = _warning_form(access, request.POST)
    if not form.is_valid():
        return _warning_page(request, access, form, None)
    try:
        warning = do_create_warning(access, actor=request.user, **form.cleaned_data)
    except WarningRefused as refusal:
        refuse_on(form, refusal)
        return _warning_page(request, access, form, None)
    messages.success(request, _("Varningen är sparad som utkast. Så här kommer den att se ut."))
    return _to_warning(warning)


@login_required
def warning_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = _get_warning(access, pk)
    if warning.status != Warning.Status.UTKAST:
        messages.error(request, _("Varningen är publicerad och kan inte ändras längre."))
        return _to_warning(warning)
    if request.method != "POST":
        initial = model_to_dict(warning, fields=WARNING_FORM_FIELDS)
        return _warning_page(request, access, _warning_form(access, initial=initial), warning)
    form = _warning_form(access, request.POST)
    if not form.is_valid():
        return _warning_page(request, access, form, warning)
    try:
        do_update_warning(access, warning, actor=request.user, **form.cleaned_data)
    except WarningRefused as refusal:
        refuse_on(form, refusal)
        return _warning_page(request, access, form, warning)
    messages.success(request, _("Varningen är sparad."))
    return _to_warning(warning)


@login_required
def warning_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The preview: the warning exactly as the public will see it, and the text for social media."""
    access = get_partnership_for_user(request.user, slug)
    warning = _get_warning(access, pk)
    code = access.partnership.area.code
    url = absolute_url(reverse("citizens:warning", args=[code, warning.pk]))
    social = social_text(warning, url)
    context = {
        "access": access,
        "partnership": access.partnership,
        "warning": warning,
        "advice": [page for page in warning.advice.all() if page.is_published],
        "code": code,
        "today": timezone.localdate(),
        "public_url": url,
        "social_text": social,
        "social_limit": SOCIAL_LIMIT,
    }
    return render(request, "citizens/warning_detail.html", context)


@login_required
@require_POST
def warning_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = _get_warning(access, pk)
    publish = partial(do_publish_warning, access, warning, actor=request.user)
    return act(request, publish, success=_("Varningen är publicerad."), back=_warning_url(warning))


@login_required
@require_POST
def warning_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = _get_warning(access, pk)
    withdraw = partial(do_withdraw_warning, access, warning, actor=request.user)
    return act(request, withdraw, success=_("Varningen är återkallad."), back=_warning_url(warning))


# Members: advice pages


def _visible_advice(access: PartnershipAccess) -> Q:
    """The partnership's own pages, and the shared ones that are published."""
    return Q(partnership=access.partnership) | Q(partnership__isnull=True, is_published=True)


def _get_own_advice(access: PartnershipAccess, pk: int) -> AdvicePage:
    page = get_object_or_404(AdvicePage, partnership=access.partnership, pk=pk)
    page.partnership = access.partnership
    return page


def _advice_page(
    request: HttpRequest, access: PartnershipAccess, form: AdviceForm, page: AdvicePage | None
) -> HttpResponse:
    context = {"access": access, "partnership": access.partnership, "page": page}
    return form_page(request, "citizens/advice_form.html", context, form=form)


@login_required
def advice_manage(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    pages = list(AdvicePage.objects.filter(_visible_advice(access)).order_by("title"))
    context = {
        "access": access,
        "partnership": access.partnership,
        "own": [page for page in pages if page.partnership_id],
        "shared": [page for page in pages if not page.partnership_id],
    }
    return render(request, "citizens/advice_manage.html", context)


@login_required
def advice_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    if request.method != "POST":
        return _advice_page(request, access, AdviceForm(), None)
    form = AdviceForm(request.POST)
    if not form.is_valid():
        return _advice_page(request, access, form, None)
    try:
        page = do_create_advice(access, actor=request.user, **form.cleaned_data)
    except AdviceRefused as refusal:
        refuse_on(form, refusal)
        return _advice_page(request, access, form, None)
    messages.success(request, _("Rådsidan är sparad. Den visas för allmänheten när du har publicerat den."))
    return redirect("partnerships:invanare:advice", slug, page.pk)


@login_required
def advice_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    page = _get_own_advice(access, pk)
    if request.method != "POST":
        form = AdviceForm(initial=model_to_dict(page, fields=ADVICE_FORM_FIELDS))
        return _advice_page(request, access, form, page)
    form = AdviceForm(request.POST)
    if not form.is_valid():
        return _advice_page(request, access, form, page)
    try:
        do_update_advice(access, page, actor=request.user, **form.cleaned_data)
    except AdviceRefused as refusal:
        refuse_on(form, refusal)
        return _advice_page(request, access, form, page)
    messages.success(request, _("Rådsidan är sparad."))
    return redirect("partnerships:invanare:advice", slug, page.pk)


@login_required
def advice_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The page as the public sees it, with its status and, for editors, the buttons to change it."""
    access = get_partnership_for_user(request.user, slug)
    page = get_object_or_404(AdvicePage.objects.filter(_visible_advice(access)), pk=pk)
    context = {"access": access, "partnership": access.partnership, "page": page}
    return render(request, "citizens/advice_preview.html", context)


def _publish_advice(request: HttpRequest, slug: str, pk: int, publish: bool) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    page = _get_own_advice(access, pk)
    success = _("Rådsidan är publicerad.") if publish else _("Rådsidan visas inte längre.")
    back = reverse("partnerships:invanare:advice", args=[slug, page.pk])
    change = partial(do_publish_advice, access, page, actor=request.user, publish=publish)
    return act(request, change, success=success, back=back)


@login_required
@require_POST
def advice_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _publish_advice(request, slug, pk, publish=True)


@login_required
@require_POST
def advice_unpublish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _publish_advice(request, slug, pk, publish=False)


# The public


@cached_for_anonymous
def public_warnings(request: HttpRequest, code: str) -> HttpResponse:
    """The archive: every published warning, current and expired; withdrawn ones are gone."""
    kommun = published.public_kommun(code)
    warnings = list(published.published_warnings(kommun.partnership_ids))
    today = timezone.localdate()
    context = {
        "area": kommun.area,
        "current": [warning for warning in warnings if warning.valid_until >= today],
        "expired": [warning for warning in warnings if warning.valid_until < today],
        "today": today,
    }
    return render(request, "citizens/warning_archive.html", context)


@cached_for_anonymous
def public_warning(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    kommun = published.public_kommun(code)
    warning = published.public_warning(kommun.partnership_ids, pk)
    context = {
        "area": kommun.area,
        "code": kommun.area.code,
        "warning": warning,
        "advice": list(warning.advice.all()),
        "today": timezone.localdate(),
    }
    return render(request, "citizens/warning_public.html", context)


@cached_for_anonymous
def public_advice_list(request: HttpRequest, code: str) -> HttpResponse:
    kommun = published.public_kommun(code)
    form = AdviceFilterForm(request.GET or None)
    group = form.chosen()
    pages = published.public_advice(kommun.partnership_ids, group)
    context = {"area": kommun.area, "pages": pages, "form": form, "filtered": bool(group)}
    return render(request, "citizens/advice_list.html", context)


@cached_for_anonymous
def public_advice(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    kommun = published.public_kommun(code)
    page = published.public_advice_page(kommun.partnership_ids, slug)
    return render(request, "citizens/advice_page.html", {"area": kommun.area, "page": page})
