"""Who sees which incident reports, and how precisely.

- Samordnare and polis (who may edit the partnership's work) review every report of the partnership and
  see exact places.
- A reporter sees their own reports, exactly, with their status and notes.
- A partner organisation sees the reports routed to it (it must act on them), exactly, through any member
  who may report.
- Everyone else in the partnership (läsare, and reporters looking at the weekly lägesbild) sees only
  counts and places generalised to the partnership's grid.

The reporter of an anonymous report is shown only to those who review.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from lofte.est.models import Incident
from lofte.partnerships.access import Can, PartnershipAccess, roles_with
from lofte.partnerships.models import Membership

ROLES_THAT_REPORT = tuple(roles_with(Can.REPORT))


def can_review(access: PartnershipAccess) -> bool:
    return access.can(Can.EDIT)


def acting_organisation_ids(user: Any, access: PartnershipAccess) -> list[int]:
    """The user's organisations in this partnership in which they may report (and so act on routed reports)."""
    return list(
        Membership.objects.filter(
            user=user, role__in=ROLES_THAT_REPORT, organisation__partnerships=access.partnership
        ).values_list("organisation_id", flat=True)
    )


def progress_organisation_ids(user: Any, access: PartnershipAccess) -> list[int]:
    """The organisations that report progress on the actions assigned to them through this member (none for an
    editor, who follows every action up anyway, or a reader)."""
    if access.can_edit or not access.can(Can.REPORT):
        return []
    return acting_organisation_ids(user, access)


def visible_incidents(user: Any, access: PartnershipAccess) -> QuerySet[Incident]:
    """The reports this user may read one by one (with exact places)."""
    incidents = Incident.objects.filter(partnership=access.partnership)
    if can_review(access):
        return incidents
    if not access.can(Can.REPORT):
        return incidents.none()
    return incidents.filter(Q(reporter=user) | Q(routed_to__in=acting_organisation_ids(user, access)))


def shows_reporter(user: Any, access: PartnershipAccess, incident: Incident) -> bool:
    return can_review(access) or incident.reporter_id == user.pk or not incident.anonymous
