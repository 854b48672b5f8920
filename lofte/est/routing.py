"""Which organisation is responsible for an incident: the most specific routing rule that matches.

A rule names a category (a main category covers its subcategories) and an area (a district covers the
points inside it; no area covers the whole kommun). The most specific match wins: category and area,
then the subcategory over its main category, then area alone, then category alone, then the catch-all.
No match leaves the report with the samordnare, who may route it by hand when reviewing.
"""

from __future__ import annotations

from lofte.est import places
from lofte.est.models import Incident, RoutingRule
from lofte.partnerships.models import Organisation


def rules_for(partnership_id: int) -> list[RoutingRule]:
    """The partnership's rules, read once for a sitting of several reports."""
    return list(
        RoutingRule.objects.filter(partnership_id=partnership_id)
        .select_related("organisation", "area")
        .defer("area__geometry")
    )


def route(incident: Incident, rules: list[RoutingRule] | None = None) -> Organisation | None:
    if rules is None:
        rules = rules_for(incident.partnership_id)
    best: tuple[int, RoutingRule] | None = None
    for rule in rules:
        score = _score(rule, incident)
        if score is not None and (best is None or score > best[0]):
            best = (score, rule)
    return best[1].organisation if best else None


def _score(rule: RoutingRule, incident: Incident) -> int | None:
    score = 0
    if rule.category_id is not None:
        if rule.category_id == incident.category_id:
            score += 2
        elif rule.category_id == incident.category.parent_id:
            score += 1
        else:
            return None
    if rule.area_id is not None:
        if not _in_area(rule, incident):
            return None
        score += 4
    return score


def _in_area(rule: RoutingRule, incident: Incident) -> bool:
    if rule.area_id == incident.area_id:
        return True
    if rule.area is None or incident.latitude is None or incident.longitude is None:
        return False
    return places.contains(rule.area, places.LatLng(incident.latitude, incident.longitude))
