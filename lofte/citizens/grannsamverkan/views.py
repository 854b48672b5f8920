"""The Grannsamverkan pages: groups, and their contact persons, which only the samordnare (Can.MANAGE) may see.

Every change goes through `grannsamverkan.actions`; these views check access, call one action and redirect.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lofte.citizens.grannsamverkan.actions import GroupRefused, do_add_contact, do_create_group, do_remove_contact
from lofte.citizens.grannsamverkan.forms import ContactForm, GroupForm
from lofte.citizens.grannsamverkan.queries import get_contact, get_group, group_contacts, groups_with_counts
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, get_partnership_for_user


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"grannsamverkan:{name}", kwargs=kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    form = GroupForm(request.POST if request.method == "POST" else None, kommun=access.partnership.area)
    if request.method == "POST" and form.is_valid():
        try:
            group = do_create_group(
                access, name=form.cleaned_data["name"], area=form.cleaned_data["area"], actor=request.user
            )
        except GroupRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(
                request, _("Gruppen %(name)s är skapad. Lägg till kontaktpersoner.") % {"name": group.name}
            )
            return redirect(_url("grannsamverkan_group", slug=slug, pk=group.pk))
    context = {"partnership": access.partnership, "groups": groups_with_counts(access.partnership)}
    return form_page(request, "citizens/grannsamverkan_list.html", context, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    group = get_group(access, pk)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_add_contact(access, group, email=data["email"], name=data["name"], actor=request.user)
        except GroupRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, _("Kontaktpersonen är tillagd i gruppen."))
            return redirect(_url("grannsamverkan_group", slug=slug, pk=group.pk))
    context = {"partnership": access.partnership, "group": group, "contacts": group_contacts(group)}
    return form_page(request, "citizens/grannsamverkan_detail.html", context, form=form)


@login_required
@require_POST
def remove_contact(request: HttpRequest, slug: str, pk: int, contact_pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    group = get_group(access, pk)
    contact = get_contact(group, contact_pk)
    remove = partial(do_remove_contact, access, contact, actor=request.user)
    success = _("Kontaktpersonen är borttagen ur gruppen.")
    return act(request, remove, success=success, back=_url("grannsamverkan_group", slug=slug, pk=group.pk))
