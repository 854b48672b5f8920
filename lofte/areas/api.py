"""Areas in the JSON API: open reference data."""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from lofte.areas import queries
from lofte.areas.models import Area
from lofte.lib.api import Text, errors

router = Router(tags=["areas"])

Kind = Literal["riket", "lan", "kommun", "district", "regso", "deso"]


class Centroid(Schema):
    lat: float
    lng: float


class AreaOut(Schema):
    code: str
    name: str
    kind: Kind
    parent: str | None = Field(None, description="The parent area's code")
    centroid: Centroid | None = None
    bbox: list[float] | None = Field(None, description="[west, south, east, north] in WGS84")

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_centroid(obj: Area) -> dict[str, float] | None:
        if obj.centroid_lat is None or obj.centroid_lng is None:
            return None
        return {"lat": obj.centroid_lat, "lng": obj.centroid_lng}


class AreaFilter(Schema):
    kind: Kind | None = None
    parent: Text | None = Field(None, description="Only areas directly within this code")
    q: Text | None = Field(None, description="Part of the name")


def _area_or_404(code: str) -> Area:
    area = queries.get_area(code)
    if area is None:
        raise Http404
    return area


@router.get("", response={200: list[AreaOut], **errors(400)}, summary="List areas", auth=None)
def list_areas(request: HttpRequest, filters: Query[AreaFilter]) -> Any:
    return list(queries.search(kind=filters.kind, parent=filters.parent, q=filters.q))


@router.get("/{code}", response={200: AreaOut, **errors(400, 404)}, summary="One area by its code", auth=None)
def get_area(request: HttpRequest, code: Text) -> Any:
    return _area_or_404(code)


@router.get(
    "/{code}/geojson",
    response={200: dict[str, Any], **errors(400, 404)},
    summary="The area's boundary and those of its parts, as GeoJSON",
    auth=None,
)
def get_geojson(request: HttpRequest, code: Text, children: bool = True) -> dict[str, Any]:
    area = _area_or_404(code)
    features = [area.as_feature()]
    if children:
        features += [child.as_feature() for child in area.children.order_by("code")]
    return {"type": "FeatureCollection", "features": features}
