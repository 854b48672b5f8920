"""What the members' advice pages read: the partnership's own pages and the shared ones.

The public's reads (published pages only) are in `lofte.citizens.published`.
"""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404

from lofte.citizens.models import AdvicePage
from lofte.partnerships.access import PartnershipAccess


def _visible(access: PartnershipAccess) -> Q:
    """The partnership's own pages, and the shared ones that are published."""
    return Q(partnership=access.partnership) | Q(partnership__isnull=True, is_published=True)


def visible_advice(access: PartnershipAccess) -> list[AdvicePage]:
    """The pages the members see, by title (one query)."""
    return list(AdvicePage.objects.filter(_visible(access)).order_by("title"))


def get_visible_advice(access: PartnershipAccess, pk: int) -> AdvicePage:
    """One page the members may read (their own or a published shared one), else 404."""
    return get_object_or_404(AdvicePage.objects.filter(_visible(access)), pk=pk)


def get_own_advice(access: PartnershipAccess, pk: int) -> AdvicePage:
    """One of the partnership's own pages, which its editors may change, else 404."""
    page = get_object_or_404(AdvicePage, partnership=access.partnership, pk=pk)
    page.partnership = access.partnership
    return page
