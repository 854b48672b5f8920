"""Advice pages for risk groups: the members' pages under /samverkan/<slug>/invanare/rad/ and the public ones under
/kommun/<code>/rad/.

Members read their partnership's pages and the shared ones; those who may edit (Can.EDIT) write and publish their
own through `advice.actions`. The public reads only published pages, through `lofte.citizens.published`.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.citizens import published
from lofte.citizens.advice.actions import AdviceRefused, do_create_advice, do_publish_advice, do_update_advice
from lofte.citizens.advice.forms import ADVICE_FORM_FIELDS, AdviceFilterForm, AdviceForm
from lofte.citizens.advice.queries import get_own_advice, get_visible_advice, visible_advice
from lofte.lib.cache import cached_for_anonymous
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, get_partnership_for_user

FORM_TEMPLATE = "citizens/advice_form.html"


@login_required
def advice_manage(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    pages = visible_advice(access)
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
    form = AdviceForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            page = do_create_advice(access, actor=request.user, **form.cleaned_data)
        except AdviceRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, _("Rådsidan är sparad. Den visas för allmänheten när du har publicerat den."))
            return redirect("advice:advice", slug, page.pk)
    context = {"access": access, "partnership": access.partnership, "page": None}
    return form_page(request, FORM_TEMPLATE, context, form=form)


@login_required
def advice_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    page = get_own_advice(access, pk)
    form = AdviceForm(
        request.POST if request.method == "POST" else None, initial=model_to_dict(page, fields=ADVICE_FORM_FIELDS)
    )
    if form.is_valid():
        try:
            do_update_advice(access, page, actor=request.user, **form.cleaned_data)
        except AdviceRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, _("Rådsidan är sparad."))
            return redirect("advice:advice", slug, page.pk)
    context = {"access": access, "partnership": access.partnership, "page": page}
    return form_page(request, FORM_TEMPLATE, context, form=form)


@login_required
def advice_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The page as the public sees it, with its status and, for editors, the buttons to change it."""
    access = get_partnership_for_user(request.user, slug)
    page = get_visible_advice(access, pk)
    context = {"access": access, "partnership": access.partnership, "page": page}
    return render(request, "citizens/advice_preview.html", context)


def _publish_advice(request: HttpRequest, slug: str, pk: int, publish: bool) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    page = get_own_advice(access, pk)
    success = _("Rådsidan är publicerad.") if publish else _("Rådsidan visas inte längre.")
    back = reverse("advice:advice", args=[slug, page.pk])
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
