"""What the review pages read: the choices of their forms, the partnership's reports, the queue's filters, the
reports and open actions assigned to a member's organisations, and the routing rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.est.models import Category, Incident, Measure, RoutingRule
from lofte.est.review.forms import ALL_STATUSES
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Organisation

S = Incident.Status
CLOSED = (S.AVSLUTAD, S.AVVISAD)


@dataclass(frozen=True)
class Lists:
    """The partnership's categories, the kommun's own areas and the parties: the choices of every form."""

    categories: list[Category]
    areas: list[Area]
    organisations: list[Organisation]


def lists_for(access: PartnershipAccess) -> Lists:
    partnership = access.partnership
    areas = Area.objects.filter(parent_id=partnership.area_id, kind__in=SUBDIVISION_KINDS)
    return Lists(
        categories=list(Category.objects.filter(partnership=partnership).order_by("position", "code")),
        areas=list(areas.only("code", "name", "kind", "parent", "updated_at").order_by("kind", "name")),
        organisations=list(partnership.organisations.order_by("kind", "name")),
    )


def incidents_of(access: PartnershipAccess) -> QuerySet[Incident]:
    """The partnership's reports with what the review pages show of each."""
    return (
        Incident.objects.filter(partnership=access.partnership)
        .select_related("category", "area", "organisation", "routed_to", "reporter")
        .defer("area__geometry")
    )


def get_incident(incidents: QuerySet[Incident], access: PartnershipAccess, pk: int) -> Incident:
    """One of `incidents` (already limited to the partnership and the member), else 404."""
    incident = get_object_or_404(incidents, pk=pk)
    incident.partnership = access.partnership
    return incident


def filtered(incidents: QuerySet[Incident], chosen: dict[str, Any]) -> QuerySet[Incident]:
    """The queue's filters (`forms.QueueFilterForm.chosen`)."""
    if chosen["status"] != ALL_STATUSES:
        incidents = incidents.filter(status=chosen["status"])
    if category := chosen["category"]:
        incidents = incidents.filter(Q(category=category) | Q(category__parent=category))
    if area := chosen["area"]:
        incidents = incidents.filter(area=area)
    if organisation := chosen["organisation"]:
        incidents = incidents.filter(Q(organisation=organisation) | Q(routed_to=organisation))
    return incidents


def assigned_incidents(access: PartnershipAccess, organisation_ids: list[int]) -> QuerySet[Incident]:
    """The reports routed to these organisations, open ones first, newest first."""
    closed = Case(When(status__in=CLOSED, then=Value(1)), default=Value(0))
    incidents = incidents_of(access).filter(routed_to__in=organisation_ids).annotate(closed=closed)
    return incidents.order_by("closed", "-occurred_at", "-id")


def assigned_measures(access: PartnershipAccess, organisation_ids: list[int]) -> QuerySet[Measure]:
    """The open actions decided for these organisations, soonest due first."""
    return (
        Measure.objects.filter(
            partnership=access.partnership, organisation__in=organisation_ids, status__in=Measure.OPEN
        )
        .select_related("meeting", "organisation", "area")
        .defer("area__geometry")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def routing_rules_of(access: PartnershipAccess) -> QuerySet[RoutingRule]:
    return (
        RoutingRule.objects.filter(partnership=access.partnership)
        .select_related("category", "area", "organisation")
        .defer("area__geometry")
        .order_by("id")
    )
