"""What a reporter reads: the organisation they report for, their own reports, and one report they may see."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from lofte.est.access import ROLES_THAT_REPORT, visible_incidents
from lofte.est.models import Incident, IncidentUpdate
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Membership, Organisation, Partnership


def reporting_organisation(user: Any, partnership: Partnership) -> Organisation | None:
    """The first (by name) of the user's organisations in the partnership that they report for."""
    if user is None:
        return None
    membership = (
        Membership.objects.active()
        .filter(
            user=user,
            organisation__partnerships=partnership,
            role__in=ROLES_THAT_REPORT,
        )
        .select_related("organisation")
        .order_by("organisation__name")
        .first()
    )
    return membership.organisation if membership else None


def own_reports(user: Any, access: PartnershipAccess) -> QuerySet[Incident]:
    """The user's reports, newest first, each with the latest note it got back (in the same query)."""
    notes = IncidentUpdate.objects.filter(incident=OuterRef("pk")).exclude(note="").order_by("-created_at", "-id")
    return (
        Incident.objects.filter(partnership=access.partnership, reporter=user)
        .select_related("category__parent", "area")
        .defer("area__geometry")
        .annotate(
            latest_note=Subquery(notes.values("note")[:1]),
            latest_note_status=Subquery(notes.values("status")[:1]),
            latest_note_at=Subquery(notes.values("created_at")[:1]),
        )
        .order_by("-reported_at", "-id")
    )


def get_incident_for_user(user: Any, access: PartnershipAccess, pk: int) -> Incident:
    """One report the user may read with its exact place (`est/access.py`), else 404."""
    incidents = visible_incidents(user, access).select_related(
        "category__parent", "area", "reporter", "organisation", "routed_to"
    )
    incident = get_object_or_404(incidents.defer("area__geometry"), pk=pk)
    incident.partnership = access.partnership
    return incident
