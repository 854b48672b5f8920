"""Where an incident happened, and how precisely each reader may see it.

Distances use the haversine formula on a sphere of the earth's mean radius, which is exact to a few metres
at the distances EST works with. A point is generalised by snapping it to the centre of a square grid cell
of `grid_m` metres (the cell's width in longitude is taken at the cell row's latitude), so the same point
always lands on the same centre and nothing finer than the cell can be read back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep

from lofte.areas.models import SUBDIVISION_KINDS, Area

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180


@dataclass(frozen=True, slots=True)
class LatLng:
    lat: float
    lng: float


def distance_m(a: LatLng, b: LatLng) -> float:
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlambda = math.radians(b.lng - a.lng)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def grid_cell(point: LatLng, grid_m: int) -> tuple[int, int]:
    """The (row, column) of the grid cell the point lies in."""
    lat_step = grid_m / METRES_PER_DEGREE_LAT
    row = math.floor(point.lat / lat_step)
    centre_lat = (row + 0.5) * lat_step
    lng_step = grid_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(centre_lat)))
    return row, math.floor(point.lng / lng_step)


def cell_centre(cell: tuple[int, int], grid_m: int) -> LatLng:
    row, column = cell
    lat_step = grid_m / METRES_PER_DEGREE_LAT
    centre_lat = (row + 0.5) * lat_step
    lng_step = grid_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(centre_lat)))
    return LatLng(round(centre_lat, 6), round((column + 0.5) * lng_step, 6))


def generalise(point: LatLng, grid_m: int) -> LatLng:
    return cell_centre(grid_cell(point, grid_m), grid_m)


@lru_cache(maxsize=512)
def _prepared(area_id: int, updated: str) -> PreparedGeometry | None:
    geometry = Area.objects.filter(pk=area_id).values_list("geometry", flat=True).first()
    return prep(shape(geometry)) if geometry else None


def contains(area: Area, point: LatLng) -> bool:
    """Whether the area's boundary holds the point (an area without a boundary holds nothing)."""
    prepared = _prepared(area.pk, area.updated_at.isoformat())
    return prepared is not None and prepared.contains(Point(point.lng, point.lat))


def area_for_point(kommun: Area, point: LatLng) -> Area | None:
    """The smallest of the kommun's own areas (district, RegSO, DeSO) that holds the point; else the kommun
    itself if it does; else None (the point is outside the kommun)."""
    if not contains(kommun, point):
        return None
    subdivisions = (
        Area.objects.filter(parent=kommun, kind__in=SUBDIVISION_KINDS)
        .exclude(geometry__isnull=True)
        .defer("geometry")
        .order_by("kind", "code")
    )
    found = [area for area in subdivisions if _in_bbox(area, point) and contains(area, point)]
    if not found:
        return kommun
    return min(found, key=_bbox_size)


def _in_bbox(area: Area, point: LatLng) -> bool:
    if not area.bbox:
        return True
    west, south, east, north = area.bbox
    return west <= point.lng <= east and south <= point.lat <= north


def _bbox_size(area: Area) -> float:
    if not area.bbox:
        return math.inf
    west, south, east, north = area.bbox
    return float((east - west) * (north - south))
