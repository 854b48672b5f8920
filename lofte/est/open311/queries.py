"""What Open311 reads: the partnership's requests and each one as precise as the key's organisation may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from lofte.est import places
from lofte.est.models import ApiKey, EstSettings, Incident, IncidentUpdate
from lofte.partnerships.models import Partnership


@dataclass(frozen=True)
class Reader:
    """Who reads: the key's organisation, and the partnership's grid for the requests that are not theirs."""

    organisation_id: int
    grid_m: int

    def owns(self, incident: Incident) -> bool:
        return self.organisation_id in (incident.organisation_id, incident.routed_to_id)


def reader_for(partnership: Partnership, key: ApiKey) -> Reader:
    grid_m = EstSettings.objects.filter(partnership=partnership).values_list("grid_m", flat=True).first()
    return Reader(key.organisation_id, grid_m or EstSettings._meta.get_field("grid_m").get_default())


def requests_of(partnership: Partnership) -> QuerySet[Incident]:
    latest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-created_at", "-id").values("note")[:1]
    return (
        Incident.objects.filter(partnership=partnership)
        .select_related("category", "routed_to", "area")
        .defer("area__geometry", "area__bbox")
        .annotate(latest_note=Subquery(latest))
        .order_by("-occurred_at", "-id")
    )


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def as_request(incident: Incident, reader: Reader) -> dict[str, Any]:
    """One incident as an Open311 service request, as precise as the reader may see it."""
    own = reader.owns(incident)
    lat, lng = incident.latitude, incident.longitude
    if lat is not None and lng is not None and not own:
        point = places.generalise(places.LatLng(lat, lng), reader.grid_m)
        lat, lng = point.lat, point.lng
    if own:
        address = incident.address or incident.place_name or None
    else:
        address = incident.area.name if incident.area_id and incident.area else None
    note = getattr(incident, "latest_note", None) or None
    return {
        "service_request_id": str(incident.pk),
        "status": "open" if incident.is_open else "closed",
        "status_notes": note if own else None,
        "service_name": incident.category.label,
        "service_code": incident.category.code,
        "description": (incident.description or None) if own else None,
        "agency_responsible": incident.routed_to.name if incident.routed_to else None,
        "service_notice": str(incident.get_status_display()),
        "requested_datetime": _iso(incident.occurred_at),
        "updated_datetime": _iso(incident.updated_at),
        "expected_datetime": None,
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
        "media_url": None,
    }
