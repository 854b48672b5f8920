"""Reviewing incident reports, routing them, and the partnership's EST settings: every change goes through here.

Reviewers (samordnare and polis, `access.can_review`) approve, correct, merge, reject and route reports, and may
make any allowed change of status; the organisation a report is routed to records that an action is decided or
done (`status.may_change`). Status changes go through `status.change_status`, which sets the timestamp, adds the
timeline entry, writes the audit row and tells the reporter. Those who manage the partnership (samordnare) set
the duplicate rule, generalisation and effect analysis, the categories and the routing rules.

A report's responsible organisation is recomputed from the routing rules when a reviewer corrects its category or
place, unless a reviewer has routed it by hand: that choice is a decision and stands. Whether a report was routed
by hand is read from the audit log (`est.incident.route`), the one record of that decision.

Free text (notes, reasons, addresses, category names) is refused when it holds personal data, here as well as in
the forms, so no other caller can slip it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from lofte.areas.models import Area
from lofte.audit.log import diff, record
from lofte.est import places
from lofte.est.categories import OWN_PREFIX
from lofte.est.models import Category, EstSettings, Incident, IncidentUpdate, RoutingRule
from lofte.est.routing import route
from lofte.est.status import StatusRefused, change_status
from lofte.lib.actors import Actor
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.partnerships.models import Organisation

S = Incident.Status
ROUTE_ACTION = "est.incident.route"
SETTINGS_FIELDS = (
    "duplicate_distance_m",
    "duplicate_hours",
    "grid_m",
    "effect_radius_m",
    "effect_weeks",
    "started_on",
)


class ReviewRefused(ActionRefused):
    """The member's role, the report's state or the content does not allow the change; `field` names the field."""


REVIEW_ONLY = _lazy("Du har inte behörighet att granska rapporter i den här samverkan.")
OTHER_PARTNERSHIP = _lazy("Rapporten hör till en annan samverkan.")
MANAGE_ONLY = _lazy("Bara samordnaren kan ändra inställningarna för EST.")
OTHER_CATEGORY = _lazy("Kategorin hör till en annan samverkan.")
OTHER_RULE = _lazy("Regeln hör till en annan samverkan.")


# Checks shared by the actions


def _screened(values: dict[str, str]) -> dict[str, str]:
    """The texts stripped, refused when one holds personal data."""
    stripped = {name: text.strip() for name, text in values.items()}
    refuse_personal_data(stripped, stripped, ReviewRefused)
    return stripped


def _check_organisation(access: PartnershipAccess, organisation: Organisation | None, field: str) -> None:
    if organisation is not None and not access.partnership.organisations.filter(pk=organisation.pk).exists():
        raise ReviewRefused(_("Organisationen är inte part i den här samverkan."), field=field)


def _check_area(access: PartnershipAccess, area: Area | None, field: str = "area") -> None:
    kommun = access.partnership.area_id
    if area is not None and kommun not in (area.pk, area.parent_id):
        raise ReviewRefused(
            _("Området hör inte till %(kommun)s.") % {"kommun": access.partnership.area.name}, field=field
        )


def _check_category(access: PartnershipAccess, category: Category) -> None:
    if category.partnership_id != access.partnership.pk or not category.active:
        raise ReviewRefused(_("Kategorin används inte i den här samverkan."), field="category")
    if Category.objects.filter(parent=category, active=True).exists():
        raise ReviewRefused(
            _("Välj en underkategori till %(category)s.") % {"category": category.label}, field="category"
        )


def _status(incident: Incident, status: str, **options: Any) -> IncidentUpdate:
    try:
        return change_status(incident, status, **options)
    except StatusRefused as refusal:
        raise ReviewRefused(refusal.message, field=refusal.field or "status") from None


# Review


def do_approve_incident(
    access: PartnershipAccess,
    incident: Incident,
    *,
    actor: Actor,
    note: str = "",
    organisation_ids: list[int] | None = None,
) -> IncidentUpdate:
    """The report is reviewed (granskad): it counts in the lägesbild and its reporter is told."""
    access.require(Can.EDIT, ReviewRefused, REVIEW_ONLY, owner=incident.partnership_id, foreign=OTHER_PARTNERSHIP)
    note = _screened({"note": note})["note"]
    return _status(incident, S.GRANSKAD, actor=actor, access=access, note=note, organisation_ids=organisation_ids)


def do_reject_incident(
    access: PartnershipAccess,
    incident: Incident,
    *,
    actor: Actor,
    reason: str,
    organisation_ids: list[int] | None = None,
) -> IncidentUpdate:
    """The report is rejected (avvisad) with a reason its reporter reads."""
    access.require(Can.EDIT, ReviewRefused, REVIEW_ONLY, owner=incident.partnership_id, foreign=OTHER_PARTNERSHIP)
    reason = _screened({"reason": reason})["reason"]
    if not reason:
        raise ReviewRefused(_("Skriv varför rapporten avvisas."), field="reason")
    try:
        return change_status(
            incident, S.AVVISAD, actor=actor, access=access, note=reason, organisation_ids=organisation_ids
        )
    except StatusRefused as refusal:
        raise ReviewRefused(refusal.message, field="reason" if refusal.field == "note" else "status") from None


def do_change_status(
    access: PartnershipAccess,
    incident: Incident,
    status: str,
    *,
    actor: Actor,
    note: str = "",
    organisation_ids: list[int] | None = None,
) -> IncidentUpdate:
    """Any allowed change by a reviewer; åtgärd beslutad or åtgärdad by the organisation the report is routed to."""
    if incident.partnership_id != access.partnership.pk:
        raise ReviewRefused(OTHER_PARTNERSHIP)
    note = _screened({"note": note})["note"]
    return _status(incident, status, actor=actor, access=access, note=note, organisation_ids=organisation_ids)


# Correcting category and place


@dataclass(frozen=True)
class Correction:
    category: Category
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    place_name: str = ""
    area: Area | None = None


def do_correct_incident(
    access: PartnershipAccess, incident: Incident, correction: Correction, *, actor: Actor
) -> dict[str, list[Any]]:
    """Correct the category and/or the place, re-route unless routed by hand; returns what changed, as logged.

    With a point, the area is the smallest of the kommun's areas that holds it; without one, the area given."""
    access.require(Can.EDIT, ReviewRefused, REVIEW_ONLY, owner=incident.partnership_id, foreign=OTHER_PARTNERSHIP)
    if correction.category.pk != incident.category_id:
        _check_category(access, correction.category)
    screened = _screened({"address": correction.address, "place_name": correction.place_name})
    address, place_name = screened["address"], screened["place_name"]
    area = _area_of_place(access, correction)
    if correction.latitude is None and area is None and not address and not place_name:
        raise ReviewRefused(_("Ange var det hände: på kartan, en adress eller en plats."), field="latitude")
    after: dict[str, Any] = {
        "category": correction.category,
        "latitude": correction.latitude,
        "longitude": correction.longitude,
        "address": address,
        "place_name": place_name,
        "area": area,
    }
    changes = {
        name: [getattr(incident, name), value] for name, value in after.items() if _differs(incident, name, value)
    }
    if not changes:
        raise ReviewRefused(_("Inget har ändrats."))
    with transaction.atomic():
        for name, value in after.items():
            setattr(incident, name, value)
        fields = list(changes)
        if not routed_by_hand(incident):
            routed = route(incident)
            if (routed.pk if routed else None) != incident.routed_to_id:
                changes["routed_to"] = [incident.routed_to, routed]
                incident.routed_to = routed
                fields.append("routed_to")
        incident.save(update_fields=[*fields, "updated_at"])
        logged = {name: [_logged(old), _logged(new)] for name, (old, new) in changes.items()}
        record("est.incident.correct", actor=actor, obj=incident, partnership=access.partnership, changes=logged)
    return logged


def _area_of_place(access: PartnershipAccess, correction: Correction) -> Area | None:
    kommun = access.partnership.area
    latitude, longitude = correction.latitude, correction.longitude
    if (latitude is None) != (longitude is None):
        raise ReviewRefused(_("Platsen saknar latitud eller longitud."), field="latitude")
    if latitude is None or longitude is None:
        _check_area(access, correction.area)
        return correction.area
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ReviewRefused(_("Koordinaterna är inte giltiga (WGS84, grader)."), field="latitude")
    found = places.area_for_point(kommun, places.LatLng(latitude, longitude))
    if found is None:
        raise ReviewRefused(_("Platsen ligger utanför %(kommun)s.") % {"kommun": kommun.name}, field="latitude")
    return found


def _differs(incident: Incident, name: str, value: Any) -> bool:
    if name in ("category", "area"):
        return getattr(incident, f"{name}_id") != (value.pk if value is not None else None)
    return bool(getattr(incident, name) != value)


def _logged(value: Any) -> Any:
    """Codes for categories and areas, names for organisations, the value itself otherwise."""
    if isinstance(value, (Category, Area)):
        return value.code
    if isinstance(value, Organisation):
        return value.name
    return value


def routed_by_hand(incident: Incident) -> bool:
    return incident.routed_by_hand


# Merging duplicates


def do_merge_incident(
    access: PartnershipAccess,
    duplicate: Incident,
    primary: Incident,
    *,
    actor: Actor,
    note: str = "",
    organisation_ids: list[int] | None = None,
) -> IncidentUpdate:
    """`duplicate` is the same incident as `primary`: it is closed with a note (its reporter is told) and points
    to the primary, which keeps its own status. Reports merged into `duplicate` earlier move to the primary."""
    access.require(Can.EDIT, ReviewRefused, REVIEW_ONLY, owner=duplicate.partnership_id, foreign=OTHER_PARTNERSHIP)
    note = _screened({"note": note})["note"]
    with transaction.atomic():
        primary = Incident.objects.select_for_update().filter(pk=primary.pk).first() or primary
        _check_mergeable(access, duplicate, primary)
        merged = _("Sammanslagen med rapport #%(number)s") % {"number": primary.pk}
        update = _status(
            duplicate,
            S.AVSLUTAD,
            actor=actor,
            access=access,
            note=f"{merged}\n\n{note}" if note else merged,
            organisation_ids=organisation_ids,
            extra_fields={"duplicate_of_id": primary.pk, "merged_at": timezone.now()},
        )
        moved = list(Incident.objects.filter(duplicate_of=duplicate).values_list("pk", flat=True))
        if moved:
            Incident.objects.filter(pk__in=moved).update(duplicate_of=primary)
            record(
                "est.incident.merge",
                actor=actor,
                obj=primary,
                partnership=access.partnership,
                changes={"duplicate_of": [duplicate.pk, primary.pk], "incidents": moved},
            )
    return update


def _check_mergeable(access: PartnershipAccess, duplicate: Incident, primary: Incident) -> None:
    if primary.pk == duplicate.pk:
        raise ReviewRefused(_("En rapport kan inte slås ihop med sig själv."), field="primary")
    if primary.partnership_id != access.partnership.pk:
        raise ReviewRefused(
            _("Rapport #%(number)s finns inte i den här samverkan.") % {"number": primary.pk}, field="primary"
        )
    if primary.duplicate_of_id is not None:
        raise ReviewRefused(
            _("Rapport #%(number)s är själv sammanslagen med rapport #%(primary)s: slå ihop med den i stället.")
            % {"number": primary.pk, "primary": primary.duplicate_of_id},
            field="primary",
        )
    if primary.status == S.AVVISAD:
        raise ReviewRefused(_("Rapport #%(number)s är avvisad.") % {"number": primary.pk}, field="primary")
    if duplicate.duplicate_of_id is not None:
        raise ReviewRefused(
            _("Rapporten är redan sammanslagen med rapport #%(number)s.") % {"number": duplicate.duplicate_of_id}
        )


# Routing by hand


def do_route_incident(
    access: PartnershipAccess, incident: Incident, organisation: Organisation | None, *, actor: Actor
) -> None:
    """The reviewer decides who is responsible (or that nobody is yet); later corrections keep this choice."""
    access.require(Can.EDIT, ReviewRefused, REVIEW_ONLY, owner=incident.partnership_id, foreign=OTHER_PARTNERSHIP)
    _check_organisation(access, organisation, "organisation")
    before = incident.routed_to
    with transaction.atomic():
        incident.routed_to = organisation
        incident.routed_by_hand = True
        incident.save(update_fields=["routed_to", "routed_by_hand", "updated_at"])
        changes = {"routed_to": [_logged(before), _logged(organisation)]}
        record(ROUTE_ACTION, actor=actor, obj=incident, partnership=access.partnership, changes=changes)


# Settings


def do_update_settings(access: PartnershipAccess, *, actor: Actor, **values: Any) -> dict[str, list[Any]]:
    """The duplicate rule, the grid for generalised places, the effect analysis and the recorded EST start;
    returns what changed."""
    access.require(Can.MANAGE, ReviewRefused, MANAGE_ONLY)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    with transaction.atomic():
        found, _created = EstSettings.objects.select_for_update().get_or_create(partnership=access.partnership)
        before = {name: getattr(found, name) for name in values}
        for name, value in values.items():
            setattr(found, name, value)
        try:
            found.full_clean(exclude=["partnership"])
        except ValidationError as error:
            name, messages = next(iter(error.message_dict.items()))
            raise ReviewRefused(" ".join(messages), field=name) from None
        changes = diff(found, list(values), before)
        if changes:
            found.save(update_fields=[*changes, "updated_at"])
            record("est.settings.update", actor=actor, obj=found, partnership=access.partnership, changes=changes)
    return changes


@dataclass(frozen=True)
class CategoryChange:
    category: Category
    name: str
    active: bool
    citizen: bool


def do_update_categories(access: PartnershipAccess, rows: Sequence[CategoryChange], *, actor: Actor) -> int:
    """Rename (blank: the reference name), hide or show, and open categories to the public; one audit row for
    each category that changed. Returns how many changed."""
    access.require(Can.MANAGE, ReviewRefused, MANAGE_ONLY)
    for row in rows:
        access.require(
            Can.MANAGE, ReviewRefused, MANAGE_ONLY, owner=row.category.partnership_id, foreign=OTHER_CATEGORY
        )
        _screened({"name": row.name})
    changed = 0
    with transaction.atomic():
        for row in rows:
            category = row.category
            before = {"name": category.name, "active": category.active, "citizen": category.citizen}
            category.name, category.active, category.citizen = row.name.strip(), row.active, row.citizen
            if changes := diff(category, list(before), before):
                category.save(update_fields=list(changes))
                record(
                    "est.category.update", actor=actor, obj=category, partnership=access.partnership, changes=changes
                )
                changed += 1
    return changed


def do_add_category(
    access: PartnershipAccess, *, parent: Category, name: str, citizen: bool = False, actor: Actor
) -> Category:
    """The partnership's own subcategory under a main category, with the code `egen.<name as slug>`."""
    access.require(Can.MANAGE, ReviewRefused, MANAGE_ONLY)
    if parent.partnership_id != access.partnership.pk or parent.parent_id is not None:
        raise ReviewRefused(_("Välj en av huvudkategorierna."), field="parent")
    name = _screened({"name": name})["name"]
    slug = slugify(name)[: 60 - len(OWN_PREFIX)].strip("-")
    if not slug:
        raise ReviewRefused(_("Skriv ett namn med bokstäver eller siffror."), field="name")
    code = OWN_PREFIX + slug
    with transaction.atomic():
        if Category.objects.filter(partnership=access.partnership, code=code).exists():
            raise ReviewRefused(
                _("Det finns redan en egen kategori med koden %(code)s.") % {"code": code}, field="name"
            )
        last = Category.objects.filter(partnership=access.partnership, parent=parent).aggregate(Max("position"))
        category = Category.objects.create(
            partnership=access.partnership,
            code=code,
            parent=parent,
            name=name,
            citizen=citizen,
            position=(last["position__max"] if last["position__max"] is not None else parent.position) + 1,
        )
        changes = {"code": code, "parent": parent.code, "name": name, "citizen": citizen}
        record("est.category.create", actor=actor, obj=category, partnership=access.partnership, changes=changes)
    return category


def do_add_routing_rule(
    access: PartnershipAccess,
    *,
    category: Category | None,
    area: Area | None,
    organisation: Organisation,
    actor: Actor,
) -> RoutingRule:
    """Reports of this category (or any) in this area (or the whole kommun) go to this organisation."""
    access.require(Can.MANAGE, ReviewRefused, MANAGE_ONLY)
    if category is not None and category.partnership_id != access.partnership.pk:
        raise ReviewRefused(_("Kategorin används inte i den här samverkan."), field="category")
    _check_area(access, area)
    if area is not None and area.pk == access.partnership.area_id:
        area = None
    _check_organisation(access, organisation, "organisation")
    with transaction.atomic():
        taken = RoutingRule.objects.filter(partnership=access.partnership, category=category, area=area)
        if taken.exists():
            raise ReviewRefused(_("Det finns redan en regel för den kategorin i det området."), field="category")
        rule = RoutingRule.objects.create(
            partnership=access.partnership, category=category, area=area, organisation=organisation
        )
        changes = {
            "category": category.code if category else None,
            "area": area.code if area else None,
            "organisation": organisation.name,
        }
        record("est.routing.create", actor=actor, obj=rule, partnership=access.partnership, changes=changes)
    return rule


def do_delete_routing_rule(access: PartnershipAccess, rule: RoutingRule, *, actor: Actor) -> None:
    access.require(Can.MANAGE, ReviewRefused, MANAGE_ONLY, owner=rule.partnership_id, foreign=OTHER_RULE)
    with transaction.atomic():
        changes = {
            "category": rule.category.code if rule.category else None,
            "area": rule.area.code if rule.area else None,
            "organisation": rule.organisation.name,
        }
        record("est.routing.delete", actor=actor, obj=rule, partnership=access.partnership, changes=changes)
        rule.delete()
