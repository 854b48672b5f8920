from __future__ import annotations

from django.db.models import Count, QuerySet

from lofte.areas.models import Area


def get_area(code: str) -> Area | None:
    return Area.objects.select_related("parent").filter(code=code).first()


def lan_with_kommuner() -> list[tuple[Area, list[Area]]]:
    lans = list(Area.objects.filter(kind=Area.Kind.LAN).only("code", "name").order_by("code"))
    kommuner = Area.objects.filter(kind=Area.Kind.KOMMUN).only("code", "name", "parent_id").order_by("name")
    by_lan: dict[int, list[Area]] = {lan.pk: [] for lan in lans}
    for kommun in kommuner:
        by_lan[kommun.parent_id].append(kommun)  # type: ignore[index]
    return [(lan, by_lan[lan.pk]) for lan in lans]


def children_of(area: Area) -> QuerySet[Area]:
    return area.children.annotate(child_count=Count("children")).order_by("kind", "name").defer("geometry")


def search(*, kind: str | None = None, parent: str | None = None, q: str | None = None) -> QuerySet[Area]:
    areas = Area.objects.select_related("parent").defer("geometry", "parent__geometry")
    if kind:
        areas = areas.filter(kind=kind)
    if parent:
        areas = areas.filter(parent__code=parent)
    if q:
        areas = areas.filter(name__icontains=q)
    return areas.order_by("code")


def ancestors(area: Area) -> list[Area]:
    chain = []
    current = area.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))
