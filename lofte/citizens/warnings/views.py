"""Warnings: the members' pages under /samverkan/<slug>/invanare/varningar/ and the public ones under
/kommun/<code>/varningar/.

Members read the partnership's warnings; those who may edit (Can.EDIT) write, publish and withdraw them through
`warnings.actions`. The public reads only what is published, through `lofte.citizens.published`, and only for
kommuner whose partnership is published.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.citizens import published
from lofte.citizens.models import Warning
from lofte.citizens.warnings.actions import (
    WarningRefused,
    do_create_warning,
    do_publish_warning,
    do_retry_dispatch,
    do_update_warning,
    do_withdraw_warning,
)
from lofte.citizens.warnings.forms import WARNING_FORM_FIELDS, WarningForm
from lofte.citizens.warnings.queries import (
    dispatch_state,
    get_warning,
    partnership_warnings,
    warning_advice,
    warning_areas,
)
from lofte.citizens.warnings.social import SOCIAL_LIMIT, social_text
from lofte.lib.cache import cached_for_anonymous
from lofte.lib.links import absolute_url
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

FORM_TEMPLATE = "citizens/warning_form.html"


def _warning_url(warning: Warning) -> str:
    return reverse("warnings:warning", args=[warning.partnership.slug, warning.pk])


def _to_warning(warning: Warning) -> HttpResponse:
    return redirect(_warning_url(warning))


def _warning_form(access: PartnershipAccess, *args: object, **kwargs: object) -> WarningForm:
    partnership = access.partnership
    return WarningForm(*args, areas=warning_areas(partnership.area_id), advice=warning_advice(partnership.pk), **kwargs)


@login_required
def warning_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    context = {
        "access": access,
        "partnership": access.partnership,
        "warnings": partnership_warnings(access.partnership),
        "today": timezone.localdate(),
    }
    return render(request, "citizens/warning_list.html", context)


@login_required
def warning_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    form = _warning_form(access, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            warning = do_create_warning(access, actor=request.user, **form.cleaned_data)
        except WarningRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, _("Varningen är sparad som utkast. Så här kommer den att se ut."))
            return _to_warning(warning)
    context = {"access": access, "partnership": access.partnership, "warning": None}
    return form_page(request, FORM_TEMPLATE, context, form=form)


@login_required
def warning_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = get_warning(access, pk)
    if warning.status != Warning.Status.UTKAST:
        messages.error(request, _("Varningen är publicerad och kan inte ändras längre."))
        return _to_warning(warning)
    initial = model_to_dict(warning, fields=WARNING_FORM_FIELDS)
    form = _warning_form(access, request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            do_update_warning(access, warning, actor=request.user, **form.cleaned_data)
        except WarningRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, _("Varningen är sparad."))
            return _to_warning(warning)
    context = {"access": access, "partnership": access.partnership, "warning": warning}
    return form_page(request, FORM_TEMPLATE, context, form=form)


@login_required
def warning_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The preview: the warning exactly as the public will see it, and the text for social media."""
    access = get_partnership_for_user(request.user, slug)
    warning = get_warning(access, pk)
    code = access.partnership.area.code
    url = absolute_url(reverse("public_warnings:warning", args=[code, warning.pk]))
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
        "dispatch": dispatch_state(warning) if warning.status != Warning.Status.UTKAST else None,
    }
    return render(request, "citizens/warning_detail.html", context)


@login_required
@require_POST
def warning_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = get_warning(access, pk)
    publish = partial(do_publish_warning, access, warning, actor=request.user)
    return act(request, publish, success=_("Varningen är publicerad."), back=_warning_url(warning))


@login_required
@require_POST
def warning_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = get_warning(access, pk)
    withdraw = partial(do_withdraw_warning, access, warning, actor=request.user)
    return act(request, withdraw, success=_("Varningen är återkallad."), back=_warning_url(warning))


@login_required
@require_POST
def warning_retry_dispatch(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    warning = get_warning(access, pk)
    retry = partial(do_retry_dispatch, access, warning, actor=request.user)
    success = _("De misslyckade utskicken skickas igen.")
    return act(request, retry, success=success, back=_warning_url(warning))


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
