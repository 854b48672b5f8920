"""What the meeting pages read: the partnership's meetings, one meeting, the actions it decided and those carried
over from earlier meetings, and one action."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from lofte.est.models import Incident, Measure, Meeting
from lofte.partnerships.access import PartnershipAccess


def meetings_of(access: PartnershipAccess) -> QuerySet[Meeting]:
    """The partnership's meetings, newest first, each with how many actions it decided and how many are open."""
    return (
        Meeting.objects.filter(partnership=access.partnership)
        .annotate(
            action_count=Count("actions"),
            open_count=Count("actions", filter=Q(actions__status__in=Measure.OPEN)),
        )
        .order_by("-iso_year", "-iso_week")
    )


def get_meeting(access: PartnershipAccess, pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting, partnership=access.partnership, pk=pk)
    meeting.partnership = access.partnership
    return meeting


def _linked() -> Prefetch[str]:
    return Prefetch("incidents", queryset=Incident.objects.only("id", "status").order_by("id"))


def decided_measures(meeting: Meeting) -> QuerySet[Measure]:
    return (
        meeting.actions.select_related("organisation", "area")
        .defer("area__geometry")
        .prefetch_related(_linked())
        .order_by("id")
    )


def carried_measures(access: PartnershipAccess, meeting: Meeting) -> QuerySet[Measure]:
    """The actions of earlier meetings that are still open."""
    earlier = Q(meeting__iso_year__lt=meeting.iso_year) | Q(
        meeting__iso_year=meeting.iso_year, meeting__iso_week__lt=meeting.iso_week
    )
    return (
        Measure.objects.filter(earlier, partnership=access.partnership, status__in=Measure.OPEN)
        .select_related("meeting", "organisation", "area")
        .defer("area__geometry")
        .prefetch_related(_linked())
        .order_by("meeting__iso_year", "meeting__iso_week", "id")
    )


def get_measure(access: PartnershipAccess, pk: int) -> Measure:
    action = get_object_or_404(Measure.objects.select_related("meeting"), partnership=access.partnership, pk=pk)
    action.partnership = access.partnership
    return action
