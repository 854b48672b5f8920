"""The Grannsamverkan pages: groups, and their contact persons, which only the samordnare (Can.MANAGE) may see.

Every change goes through lofte.citizens.grannsamverkan; these views check access, call one action and redirect.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lofte.citizens.grannsamverkan import GroupRefused, do_add_contact, do_create_group, do_remove_contact
from lofte.citizens.models import GrannsamverkanGroup, GroupContact
from lofte.citizens.subscription_forms import ContactForm, GroupForm
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

URL_NAMESPACE = "partnerships:invanare"


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", kwargs=kwargs)


def _group(access: PartnershipAccess, pk: int) -> GrannsamverkanGroup:
    groups = GrannsamverkanGroup.objects.select_related("area").defer("area__geometry")
    group = get_object_or_404(groups, pk=pk, partnership=access.partnership)
    group.partnership = access.partnership
    return group


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
    groups = (
        GrannsamverkanGroup.objects.filter(partnership=access.partnership)
        .select_related("area")
        .defer("area__geometry")
        .annotate(
            active=Count("contacts", filter=Q(contacts__unsubscribed_at__isnull=True)),
            ended=Count("contacts", filter=Q(contacts__unsubscribed_at__isnull=False)),
        )
        .order_by("name", "pk")
    )
    context = {"partnership": access.partnership, "groups": groups}
    return form_page(request, "citizens/grannsamverkan_list.html", context, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    group = _group(access, pk)
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
    contacts = GroupContact.objects.filter(group=group).order_by("unsubscribed_at", "name", "email")
    context = {"partnership": access.partnership, "group": group, "contacts": contacts}
    return form_page(request, "citizens/grannsamverkan_detail.html", context, form=form)


@login_required
@require_POST
def remove_contact(request: HttpRequest, slug: str, pk: int, contact_pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    group = _group(access, pk)
    contact = get_object_or_404(GroupContact, pk=contact_pk, group=group)
    contact.group = group
    remove = partial(do_remove_contact, access, contact, actor=request.user)
    success = _("Kontaktpersonen är borttagen ur gruppen.")
    return act(request, remove, success=success, back=_url("grannsamverkan_group", slug=slug, pk=group.pk))
