"""Reviewing reports, the reports routed to a member's organisation, and the EST settings.

The queue and each report's review page are for reviewers (samordnare and polis); the reports routed to an
organisation, and the open EST actions assigned to it, are for its members who may report; the settings are for the samordnare. Every change goes through
`review.actions`; these views parse, check access, call one action and redirect with a message, or show the
form again beside the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.est.access import acting_organisation_ids, can_review, shows_reporter
from lofte.est.models import Category, EstSettings, Incident, RoutingRule
from lofte.est.queries import categories_of, settings_of
from lofte.est.review import actions as review
from lofte.est.review import duplicates
from lofte.est.review.actions import CategoryChange, Correction, ReviewRefused
from lofte.est.review.forms import (
    ApproveForm,
    CategoryAddForm,
    CategoryRowForm,
    CorrectForm,
    EstSettingsForm,
    MergeForm,
    QueueFilterForm,
    RejectForm,
    RouteForm,
    RoutingRuleForm,
    StatusForm,
)
from lofte.est.review.queries import (
    Lists,
    assigned_incidents,
    assigned_measures,
    filtered,
    get_incident,
    incidents_of,
    lists_for,
    routing_rules_of,
)
from lofte.est.status import ROUTED_MAY_SET, allowed_next, may_change
from lofte.lib.views import act, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

PAGE_SIZE = 50
S = Incident.Status


def _page(request: HttpRequest, incidents: QuerySet[Incident]) -> Page[Incident]:
    return Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("sida"))


# The queue


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    lists = lists_for(access)
    form = QueueFilterForm(
        request.GET or None, categories=lists.categories, areas=lists.areas, organisations=lists.organisations
    )
    chosen = form.chosen()
    page = _page(request, filtered(incidents_of(access), chosen).order_by("reported_at", "id"))
    rule = duplicates.Rule.of(settings_of(access.partnership))
    incidents = list(page)
    found = duplicates.suggestions(incidents, rule)
    context = {
        "access": access,
        "partnership": access.partnership,
        "form": form,
        "page": page,
        "rows": [(incident, found[incident.pk]) for incident in incidents],
        "rule": rule.describe(),
        "waiting": chosen["status"] == S.MOTTAGEN,
    }
    return render(request, "est/review_queue.html", context)


# One report under review


class Review:
    """One report on its review page: what the page and its forms need, read once."""

    def __init__(self, request: HttpRequest, access: PartnershipAccess, incident: Incident) -> None:
        self.request = request
        self.access = access
        self.incident = incident

    @cached_property
    def lists(self) -> Lists:
        return lists_for(self.access)

    @cached_property
    def suggestions(self) -> list[duplicates.Suggestion]:
        if self.incident.duplicate_of_id is not None:
            return []
        return duplicates.suggestions_for(self.incident, duplicates.Rule.of(settings_of(self.access.partnership)))

    @cached_property
    def organisation_ids(self) -> list[int]:
        return acting_organisation_ids(self.request.user, self.access)

    def form(self, name: str, data: QueryDict | None = None) -> forms.Form:
        return FORMS[name](self, data)

    def act(self, name: str, data: dict[str, Any]) -> str:
        """Run the action of the form `name` with its cleaned data; the message to show when it succeeds."""
        return ACTIONS[name](self, data)


def _correct_form(review_: Review, data: QueryDict | None) -> forms.Form:
    incident = review_.incident
    initial = {
        "category": incident.category_id,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "address": incident.address,
        "place_name": incident.place_name,
        "area": incident.area_id,
    }
    return CorrectForm(
        data,
        initial=initial,
        categories=review_.lists.categories,
        areas=review_.lists.areas,
        kommun=review_.access.partnership.area,
        current=incident.category,
        auto_id="id_correct_%s",
    )


def _status_form(review_: Review, data: QueryDict | None) -> forms.Form:
    incident = review_.incident
    statuses = [s for s in allowed_next(incident) if may_change(review_.access, incident, s, review_.organisation_ids)]
    return StatusForm(data, statuses=statuses, auto_id="id_status_%s")


FORMS: dict[str, Callable[[Review, QueryDict | None], forms.Form]] = {
    "approve": lambda r, data: ApproveForm(data, auto_id="id_approve_%s"),
    "correct": _correct_form,
    "merge": lambda r, data: MergeForm(data, suggestions=r.suggestions, auto_id="id_merge_%s"),
    "reject": lambda r, data: RejectForm(data, auto_id="id_reject_%s"),
    "route": lambda r, data: RouteForm(
        data,
        initial={"organisation": r.incident.routed_to_id},
        organisations=r.lists.organisations,
        auto_id="id_route_%s",
    ),
    "status": _status_form,
}


def _approve(r: Review, data: dict[str, Any]) -> str:
    review.do_approve_incident(
        r.access, r.incident, actor=r.request.user, note=data["note"], organisation_ids=r.organisation_ids
    )
    return _("Rapport #%(number)s är granskad.") % {"number": r.incident.pk}


def _correct(r: Review, data: dict[str, Any]) -> str:
    correction = Correction(
        category=data["category"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        address=data["address"],
        place_name=data["place_name"],
        area=data["area"],
    )
    changes = review.do_correct_incident(r.access, r.incident, correction, actor=r.request.user)
    if "routed_to" in changes:
        return _("Rapporten är rättad och fördelad på nytt.")
    return _("Rapporten är rättad.")


def _merge(r: Review, data: dict[str, Any]) -> str:
    number = data["target"]
    primary = Incident.objects.filter(partnership=r.access.partnership, pk=number).first()
    if primary is None:
        raise ReviewRefused(
            _("Det finns ingen rapport #%(number)s i den här samverkan.") % {"number": number}, field="number"
        )
    review.do_merge_incident(
        r.access, r.incident, primary, actor=r.request.user, note=data["note"], organisation_ids=r.organisation_ids
    )
    return _("Rapport #%(number)s är sammanslagen med rapport #%(primary)s.") % {
        "number": r.incident.pk,
        "primary": primary.pk,
    }


def _reject(r: Review, data: dict[str, Any]) -> str:
    review.do_reject_incident(
        r.access, r.incident, actor=r.request.user, reason=data["reason"], organisation_ids=r.organisation_ids
    )
    return _("Rapport #%(number)s är avvisad.") % {"number": r.incident.pk}


def _route(r: Review, data: dict[str, Any]) -> str:
    organisation = data["organisation"]
    review.do_route_incident(r.access, r.incident, organisation, actor=r.request.user)
    if organisation is None:
        return _("Rapporten är inte fördelad till någon organisation.")
    return _("Rapporten är fördelad till %(organisation)s.") % {"organisation": organisation.name}


def _status(r: Review, data: dict[str, Any]) -> str:
    review.do_change_status(
        r.access,
        r.incident,
        data["status"],
        actor=r.request.user,
        note=data["note"],
        organisation_ids=r.organisation_ids,
    )
    return _("Rapport #%(number)s har fått status %(status)s.") % {
        "number": r.incident.pk,
        "status": S(data["status"]).label,
    }


ACTIONS: dict[str, Callable[[Review, dict[str, Any]], str]] = {
    "approve": _approve,
    "correct": _correct,
    "merge": _merge,
    "reject": _reject,
    "route": _route,
    "status": _status,
}


def _reviewing(request: HttpRequest, slug: str, pk: int) -> Review:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    return Review(request, access, get_incident(incidents_of(access), access, pk))


@login_required
def review_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _detail(_reviewing(request, slug, pk))


def _detail(r: Review, bound: dict[str, forms.Form] | None = None, status: int = 200) -> HttpResponse:
    incident = r.incident
    statuses = allowed_next(incident)
    shown = {name: r.form(name) for name in FORMS}
    shown.update(bound or {})
    merged_into = None
    if incident.duplicate_of_id is not None:
        merged_into = Incident.objects.filter(pk=incident.duplicate_of_id).select_related("category").first()
    context = {
        "access": r.access,
        "partnership": r.access.partnership,
        "incident": incident,
        "updates": list(incident.updates.select_related("author", "organisation")),
        "suggestions": r.suggestions,
        "rule": duplicates.Rule.of(settings_of(r.access.partnership)).describe(),
        "merged": list(incident.duplicates.select_related("category").order_by("id")),
        "merged_into": merged_into,
        "routed_by_hand": review.routed_by_hand(incident),
        "forms": shown,
        "open_form": next(iter(bound), "") if bound else "",
        "can_approve": incident.status == S.MOTTAGEN,
        "can_reject": S.AVVISAD in statuses,
        "can_merge": incident.duplicate_of_id is None and S.AVSLUTAD in statuses,
        "geojson_url": reverse("api-1.0.0:get_geojson", args=[r.access.partnership.area.code]),
        "tiles_url": django_settings.LOFTE_MAP_TILES_URL,
        "tiles_attribution": django_settings.LOFTE_MAP_TILES_ATTRIBUTION,
    }
    return render(r.request, "est/review_detail.html", context, status=status)


def _review_post(request: HttpRequest, slug: str, pk: int, name: str, back_to_queue: bool) -> HttpResponse:
    r = _reviewing(request, slug, pk)
    form = r.form(name, request.POST)
    if form.is_valid():
        try:
            success = r.act(name, form.cleaned_data)
        except ReviewRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, success)
            if back_to_queue:
                return redirect("est_review:review", slug)
            return redirect("est_review:review_detail", slug, pk)
    return _detail(r, {name: form}, status=400)


@login_required
@require_POST
def review_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _review_post(request, slug, pk, "approve", back_to_queue=True)


@login_required
@require_POST
def review_correct(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _review_post(request, slug, pk, "correct", back_to_queue=False)


@login_required
@require_POST
def review_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _review_post(request, slug, pk, "merge", back_to_queue=True)


@login_required
@require_POST
def review_reject(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _review_post(request, slug, pk, "reject", back_to_queue=True)


@login_required
@require_POST
def review_route(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _review_post(request, slug, pk, "route", back_to_queue=False)


# A change of status, by a reviewer or by the organisation the report is routed to


@login_required
@require_POST
def incident_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.REPORT)
    organisation_ids = acting_organisation_ids(request.user, access)
    reviewer = can_review(access)
    incidents = incidents_of(access)
    if not reviewer:
        incidents = incidents.filter(routed_to__in=organisation_ids)
    r = Review(request, access, get_incident(incidents, access, pk))
    r.organisation_ids = organisation_ids
    from_assigned = request.POST.get("next") == "assigned" or not reviewer
    form = (
        _routed_status_form(r.incident, access, organisation_ids, request.POST)
        if from_assigned
        else r.form("status", request.POST)
    )
    if form.is_valid():
        try:
            success = r.act("status", form.cleaned_data)
        except ReviewRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, success)
            if from_assigned:
                return redirect(reverse("est_review:assigned", args=[slug]) + f"#rapport-{pk}")
            return redirect("est_review:review_detail", slug, pk)
    if isinstance(form, StatusForm) and from_assigned:
        return _assigned(request, access, bound=(r.incident, form), status=400)
    return _detail(r, {"status": form}, status=400)


# The reports routed to the member's organisations


def _routed_status_form(
    incident: Incident, access: PartnershipAccess, organisation_ids: list[int], data: QueryDict | None = None
) -> StatusForm:
    statuses = [
        s for s in allowed_next(incident) if s in ROUTED_MAY_SET and may_change(access, incident, s, organisation_ids)
    ]
    return StatusForm(data, statuses=statuses, auto_id=f"id_status_{incident.pk}_%s")


@dataclass(frozen=True)
class AssignedRow:
    incident: Incident
    form: StatusForm | None
    shows_reporter: bool


@login_required
def assigned(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.REPORT)
    return _assigned(request, access)


def _assigned(
    request: HttpRequest,
    access: PartnershipAccess,
    bound: tuple[Incident, StatusForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    organisation_ids = acting_organisation_ids(request.user, access)
    page = _page(request, assigned_incidents(access, organisation_ids))
    listed = list(page)
    if bound is not None and bound[0].pk not in {incident.pk for incident in listed}:
        listed.insert(0, bound[0])
    rows = []
    for incident in listed:
        if bound is not None and bound[0].pk == incident.pk:
            form = bound[1]
        else:
            form = _routed_status_form(incident, access, organisation_ids)
        shown = shows_reporter(request.user, access, incident)
        rows.append(AssignedRow(incident, form if form.statuses or form.is_bound else None, shown))
    context = {
        "access": access,
        "partnership": access.partnership,
        "page": page,
        "rows": rows,
        "actions": list(assigned_measures(access, organisation_ids)),
        "acting": organisation_ids,
        "today": timezone.localdate(),
        "organisations": [o for o in access.partnership.organisations.all() if o.pk in organisation_ids],
    }
    return render(request, "est/assigned.html", context, status=status)


# Settings


def _managing(request: HttpRequest, slug: str) -> PartnershipAccess:
    return get_partnership_for_user(request.user, slug, need=Can.MANAGE)


@dataclass(frozen=True)
class CategoryGroup:
    main: CategoryRowForm
    children: list[CategoryRowForm]


def _category_rows(categories: list[Category], data: QueryDict | None = None) -> list[CategoryRowForm]:
    return [CategoryRowForm(data, category=category) for category in categories]


def _groups(rows: list[CategoryRowForm]) -> list[CategoryGroup]:
    children: dict[int, list[CategoryRowForm]] = {}
    for row in rows:
        if row.category.parent_id is not None:
            children.setdefault(row.category.parent_id, []).append(row)
    return [CategoryGroup(row, children.get(row.category.pk, [])) for row in rows if row.category.parent_id is None]


def _settings_page(
    request: HttpRequest, access: PartnershipAccess, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    categories = categories_of(access.partnership)
    lists = lists_for(access)
    rows = bound.get("categories") or _category_rows(categories)
    context = {
        "access": access,
        "partnership": access.partnership,
        "settings_form": bound.get("settings") or EstSettingsForm(instance=settings_of(access.partnership)),
        "groups": _groups(rows),
        "categories_errors": any(row.errors for row in rows),
        "category_form": bound.get("category") or CategoryAddForm(categories=categories),
        "routing_form": bound.get("routing")
        or RoutingRuleForm(categories=categories, areas=lists.areas, organisations=lists.organisations),
        "rules": list(routing_rules_of(access)),
        "open_form": next(iter(bound), ""),
    }
    return render(request, "est/settings.html", context, status=status)


def _settings_done(request: HttpRequest, slug: str, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("est_review:settings", args=[slug]) + f"#{anchor}")


@login_required
def est_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = _managing(request, slug)
    if request.method != "POST":
        return _settings_page(request, access)
    form = EstSettingsForm(request.POST, instance=EstSettings(partnership=access.partnership))
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in review.SETTINGS_FIELDS}
        try:
            review.do_update_settings(access, actor=request.user, **values)
        except ReviewRefused as refusal:
            refuse_on(form, refusal)
        else:
            return _settings_done(request, slug, _("Inställningarna är sparade."), "settings-heading")
    return _settings_page(request, access, {"settings": form}, status=400)


@login_required
@require_POST
def settings_categories(request: HttpRequest, slug: str) -> HttpResponse:
    access = _managing(request, slug)
    rows = _category_rows(categories_of(access.partnership), request.POST)
    if all(row.is_valid() for row in rows):
        changes = [
            CategoryChange(
                row.category, row.cleaned_data["name"], row.cleaned_data["active"], row.cleaned_data["citizen"]
            )
            for row in rows
        ]
        try:
            count = review.do_update_categories(access, changes, actor=request.user)
        except ReviewRefused as refusal:
            messages.error(request, str(refusal))
        else:
            message = _("%(count)s kategorier är ändrade.") % {"count": count}
            return _settings_done(request, slug, message, "categories-heading")
    return _settings_page(request, access, {"categories": rows}, status=400)


@login_required
@require_POST
def settings_category_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = _managing(request, slug)
    form = CategoryAddForm(request.POST, categories=categories_of(access.partnership))
    if form.is_valid():
        try:
            category = review.do_add_category(access, actor=request.user, **form.cleaned_data)
        except ReviewRefused as refusal:
            refuse_on(form, refusal)
        else:
            message = _("Kategorin %(name)s är tillagd.") % {"name": category.label}
            return _settings_done(request, slug, message, "categories-heading")
    return _settings_page(request, access, {"category": form}, status=400)


@login_required
@require_POST
def settings_routing_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = _managing(request, slug)
    lists = lists_for(access)
    form = RoutingRuleForm(
        request.POST, categories=lists.categories, areas=lists.areas, organisations=lists.organisations
    )
    if form.is_valid():
        try:
            review.do_add_routing_rule(access, actor=request.user, **form.cleaned_data)
        except ReviewRefused as refusal:
            refuse_on(form, refusal)
        else:
            return _settings_done(request, slug, _("Fördelningsregeln är tillagd."), "routing-heading")
    return _settings_page(request, access, {"routing": form}, status=400)


@login_required
@require_POST
def settings_routing_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _managing(request, slug)
    rule = get_object_or_404(
        RoutingRule.objects.select_related("category", "area", "organisation").defer("area__geometry"),
        partnership=access.partnership,
        pk=pk,
    )
    return act(
        request,
        lambda: review.do_delete_routing_rule(access, rule, actor=request.user),
        success=_("Fördelningsregeln är borttagen."),
        back=reverse("est_review:settings", args=[slug]) + "#routing-heading",
    )
