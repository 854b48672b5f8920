"""Reading and checking GeoJSON boundaries. No Django here: the callers decide what to store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

# Generous bounds around Sweden in WGS84; coordinates outside are almost always another projection.
SWEDEN_LNG = (9.0, 26.0)
SWEDEN_LAT = (54.0, 70.0)


class AreaFileError(ValueError):
    """A problem in an uploaded boundary file, with a message a user can act on."""


@dataclass(frozen=True)
class ParsedArea:
    number: int
    name: str
    code: str | None
    kommun_code: str | None
    geometry: dict[str, Any]
    bbox: list[float]
    centroid: tuple[float, float]  # (lat, lng)


def summarise(geom: BaseGeometry) -> tuple[list[float], tuple[float, float]]:
    minx, miny, maxx, maxy = geom.bounds
    point = geom.representative_point()
    return [round(v, 6) for v in (minx, miny, maxx, maxy)], (round(point.y, 6), round(point.x, 6))


def load_features(raw: bytes | str, filename: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AreaFileError(f"{filename}: filen är inte giltig GeoJSON ({exc}).") from None
    if not isinstance(data, dict):
        raise AreaFileError(f"{filename}: filen måste innehålla ett GeoJSON-objekt.")
    if data.get("type") == "Feature":
        return [data]
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise AreaFileError(f"{filename}: filen måste vara en GeoJSON FeatureCollection eller Feature.")
    if not data["features"]:
        raise AreaFileError(f"{filename}: filen innehåller inga områden.")
    return data["features"]


def _text(props: dict[str, Any], key: str | None) -> str | None:
    if not key:
        return None
    value = props.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _check_coordinates(geom: BaseGeometry, where: str) -> None:
    minx, miny, maxx, maxy = geom.bounds
    if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
        raise AreaFileError(
            f"{where}: koordinaterna är inte i WGS84 (grader). Filen ser ut att använda en annan "
            "projektion, till exempel SWEREF 99 TM. Spara om den i EPSG:4326."
        )
    if minx < SWEDEN_LNG[0] or maxx > SWEDEN_LNG[1] or miny < SWEDEN_LAT[0] or maxy > SWEDEN_LAT[1]:
        raise AreaFileError(
            f"{where}: området ligger utanför Sverige. Kontrollera att koordinaterna är longitud, latitud i WGS84."
        )


def parse_feature(
    feature: Any,
    number: int,
    filename: str,
    *,
    name_property: str,
    code_property: str | None = None,
    kommun_property: str | None = None,
) -> ParsedArea:
    where = f"{filename}, område {number}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise AreaFileError(f"{where}: posten är inte en GeoJSON Feature.")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise AreaFileError(f'{where}, fält "properties": egenskaperna måste vara ett objekt.')
    name = _text(props, name_property)
    if name is None:
        raise AreaFileError(f'{where}, fält "{name_property}": namn saknas.')
    if len(name) > 200:
        raise AreaFileError(f'{where}, fält "{name_property}": namnet är längre än 200 tecken.')
    code = _text(props, code_property)
    if code_property and code is None:
        raise AreaFileError(f'{where}, fält "{code_property}": kod saknas.')
    kommun_code = _text(props, kommun_property)
    if kommun_property and kommun_code is None:
        raise AreaFileError(f'{where}, fält "{kommun_property}": kommunkod saknas.')
    raw_geometry = feature.get("geometry")
    if not isinstance(raw_geometry, dict) or raw_geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise AreaFileError(f'{where}, fält "geometry": geometrin måste vara en Polygon eller MultiPolygon.')
    try:
        geom = shape(raw_geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise AreaFileError(f'{where}, fält "geometry": koordinaterna går inte att läsa ({exc}).') from None
    if geom.is_empty:
        raise AreaFileError(f'{where}, fält "geometry": geometrin är tom.')
    _check_coordinates(geom, where)
    if not geom.is_valid:
        raise AreaFileError(f'{where}, fält "geometry": ogiltig polygon ({explain_validity(geom)}).')
    bbox, centroid = summarise(geom)
    # Through JSON so the geometry compares equal to what the database gives back (lists, not tuples).
    geometry = json.loads(json.dumps(mapping(geom)))
    return ParsedArea(number, name, code, kommun_code, geometry, bbox, centroid)


def parse_area_file(
    raw: bytes | str,
    filename: str,
    *,
    name_property: str = "name",
    code_property: str | None = None,
    kommun_property: str | None = None,
) -> list[ParsedArea]:
    features = load_features(raw, filename)
    parsed = [
        parse_feature(
            feature,
            number,
            filename,
            name_property=name_property,
            code_property=code_property,
            kommun_property=kommun_property,
        )
        for number, feature in enumerate(features, start=1)
    ]
    _refuse_duplicates(parsed, filename, code_property or name_property)
    return parsed


def _refuse_duplicates(parsed: list[ParsedArea], filename: str, field: str) -> None:
    seen: dict[tuple[str | None, str], int] = {}
    for area in parsed:
        key = (area.kommun_code, area.code or area.name.casefold())
        if key in seen:
            raise AreaFileError(
                f'{filename}, område {area.number}, fält "{field}": '
                f"samma värde som område {seen[key]} – varje område får bara finnas en gång."
            )
        seen[key] = area.number


def overlaps(geometry: dict[str, Any], other: dict[str, Any]) -> bool:
    return bool(shape(geometry).intersects(shape(other)))
