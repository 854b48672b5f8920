"""The intake: the one way an incident enters Löfte, from the web form (`reporting`), Open311 (`open311`) or the public
(`citizens.tips`).

`report_incidents` checks every incident of a sitting first and writes all of them or none: the category
must be one of the partnership's active leaf categories, the time not in the future (except for a category
that announces something to come, `categories.UPCOMING`, up to a year ahead) nor more than a year back, the place inside the kommun, and no free text may hold personal data (`lib/pii.py`). The photo is
re-encoded without metadata (`photos.py`). Each report is routed to the organisation responsible for its
category and area (`routing.py`), gets its first timeline entry (mottagen) and one audit row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.est import places
from lofte.est.categories import UPCOMING
from lofte.est.models import Category, Incident, IncidentUpdate
from lofte.est.photos import PhotoRefused, clean_photo
from lofte.est.routing import route, rules_for
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.models import Organisation, Partnership

# A police report's diarienummer: K123456-24, optionally after the unit (5000-K123456-24).
POLICE_REPORT = re.compile(r"^(?:\d{4}-)?K\d{1,8}-\d{2}$", re.IGNORECASE)
SCREENED = ("description", "address", "place_name")
OLDEST = timedelta(days=366)
FURTHEST_AHEAD = timedelta(days=366)  # an upcoming arrangemang, announced at most a year before
CLOCK_SKEW = timedelta(minutes=15)


class IncidentRefused(ActionRefused):
    """One incident of a sitting cannot be stored; `index` says which (from 0), `field` which field."""


@dataclass
class IncidentInput:
    category: Category
    occurred_at: datetime
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    place_name: str = ""
    area: Area | None = None
    description: str = ""
    persons: int | None = None
    unsafety: int | None = None
    photo: bytes | None = None
    photo_name: str = ""
    police_report_number: str = ""
    anonymous: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def report_incidents(
    partnership: Partnership,
    items: Sequence[IncidentInput],
    *,
    reporter: Actor | None,
    organisation: Organisation | None,
    actor: Actor,
    source: str,
    contact_email: str = "",
    is_demo: bool = False,
    now: datetime | None = None,
) -> list[Incident]:
    if not items:
        raise IncidentRefused(_("Ingen händelse att rapportera."))
    now = now or timezone.now()
    prepared = [_checked(partnership, item, index, now) for index, item in enumerate(items)]
    photos = []
    for index, item in enumerate(items):
        try:
            photos.append(clean_photo(item.photo, item.photo_name) if item.photo else None)
        except PhotoRefused as refused:
            raise IncidentRefused(str(refused), field="photo", index=index) from None
    created = []
    rules = rules_for(partnership.pk)
    with transaction.atomic():
        for item, (area, number), photo in zip(items, prepared, photos, strict=True):
            incident = Incident(
                partnership=partnership,
                category=item.category,
                occurred_at=item.occurred_at,
                reported_at=now,
                latitude=item.latitude,
                longitude=item.longitude,
                address=item.address.strip(),
                place_name=item.place_name.strip(),
                area=area,
                description=item.description.strip(),
                persons=item.persons,
                unsafety=item.unsafety,
                police_report_number=number,
                anonymous=item.anonymous,
                reporter=user_of(reporter),
                organisation=organisation,
                contact_email=contact_email,
                source=source,
                is_demo=is_demo,
            )
            incident.routed_to = route(incident, rules)
            if photo is not None:
                incident.photo.save(photo.name, photo, save=False)
            incident.save()
            IncidentUpdate.objects.create(
                incident=incident,
                status=Incident.Status.MOTTAGEN,
                organisation=organisation,
                author=incident.reporter,
                created_at=now,
                notified_at=now,
            )
            record(
                "est.incident.report",
                actor=actor,
                actor_hidden=incident.anonymous,
                obj=incident,
                partnership=partnership,
                changes={
                    "category": incident.category.code,
                    "source": source,
                    "routed_to": incident.routed_to,
                    "photo": bool(photo),
                },
            )
            created.append(incident)
    return created


def announces_upcoming(category: Category) -> bool:
    """Whether reports of this category may lie ahead (`categories.UPCOMING`, or a partnership's own part of one)."""
    if category.code in UPCOMING:
        return True
    parent = category.parent if category.parent_id is not None else None
    return parent is not None and parent.code in UPCOMING


def _checked(partnership: Partnership, item: IncidentInput, index: int, now: datetime) -> tuple[Area | None, str]:
    def refuse(message: object, field: str) -> IncidentRefused:
        return IncidentRefused(message, field=field, index=index)

    category = item.category
    if category.partnership_id != partnership.pk or not category.active:
        raise refuse(_("Kategorin används inte i den här samverkan."), "category")
    if Category.objects.filter(parent=category, active=True).exists():
        raise refuse(_("Välj en underkategori till %(category)s.") % {"category": category.label}, "category")
    if item.occurred_at > now + CLOCK_SKEW:
        if not announces_upcoming(category):
            raise refuse(_("Tiden ligger i framtiden."), "occurred_at")
        if item.occurred_at > now + FURTHEST_AHEAD:
            raise refuse(_("Ett kommande arrangemang kan rapporteras högst ett år i förväg."), "occurred_at")
    if item.occurred_at < now - OLDEST:
        raise refuse(_("Händelsen är mer än ett år gammal."), "occurred_at")
    try:
        refuse_personal_data({name: getattr(item, name) for name in SCREENED}, SCREENED, IncidentRefused)
    except IncidentRefused as personal:
        raise refuse(personal.message, personal.field) from None
    if item.persons is not None and not 0 <= item.persons <= 1000:
        raise refuse(_("Ange ett antal mellan 0 och 1000."), "persons")
    if item.unsafety is not None and not 1 <= item.unsafety <= 5:
        raise refuse(_("Ange ett värde från 1 till 5."), "unsafety")
    number = item.police_report_number.strip().upper()
    if number and not POLICE_REPORT.match(number):
        raise refuse(_("Ange diarienumret som det står på anmälan, till exempel K123456-24."), "police_report_number")
    kommun = partnership.area
    area = item.area
    if (item.latitude is None) != (item.longitude is None):
        raise refuse(_("Platsen saknar latitud eller longitud."), "latitude")
    if item.latitude is not None and item.longitude is not None:
        if not (-90 <= item.latitude <= 90 and -180 <= item.longitude <= 180):
            raise refuse(_("Koordinaterna är inte giltiga (WGS84, grader)."), "latitude")
        found = places.area_for_point(kommun, places.LatLng(item.latitude, item.longitude))
        if found is None:
            raise refuse(_("Platsen ligger utanför %(kommun)s.") % {"kommun": kommun.name}, "latitude")
        if area is None:
            area = found
    if area is not None and area.pk != kommun.pk and area.parent_id != kommun.pk:
        raise refuse(_("Området hör inte till %(kommun)s.") % {"kommun": kommun.name}, "area")
    if item.latitude is None and area is None and not item.address.strip() and not item.place_name.strip():
        raise refuse(_("Ange var det hände: på kartan, en adress eller en plats."), "latitude")
    return area, number
