"""What the Grannsamverkan pages read: the partnership's groups with their counts, one group, its contacts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from lofte.citizens.models import GrannsamverkanGroup, GroupContact
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Partnership


def groups_with_counts(partnership: Partnership) -> QuerySet[GrannsamverkanGroup]:
    """The partnership's groups with their area and how many contacts are active and have left (one query)."""
    return (
        GrannsamverkanGroup.objects.filter(partnership=partnership)
        .select_related("area")
        .defer("area__geometry")
        .annotate(
            active=Count("contacts", filter=Q(contacts__unsubscribed_at__isnull=True)),
            ended=Count("contacts", filter=Q(contacts__unsubscribed_at__isnull=False)),
        )
        .order_by("name", "pk")
    )


def get_group(access: PartnershipAccess, pk: int) -> GrannsamverkanGroup:
    """One of the partnership's groups, else 404."""
    groups = GrannsamverkanGroup.objects.select_related("area").defer("area__geometry")
    group = get_object_or_404(groups, pk=pk, partnership=access.partnership)
    group.partnership = access.partnership
    return group


def group_contacts(group: GrannsamverkanGroup) -> QuerySet[GroupContact]:
    """Active contacts first, then those who left, each by name."""
    return GroupContact.objects.filter(group=group).order_by("unsubscribed_at", "name", "email")


def get_contact(group: GrannsamverkanGroup, pk: int) -> GroupContact:
    """One of the group's contacts, else 404."""
    contact = get_object_or_404(GroupContact, pk=pk, group=group)
    contact.group = group
    return contact
