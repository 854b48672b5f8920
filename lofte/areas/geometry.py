"""Reading and checking GeoJSON boundaries. No Django here: the callers decide what to store.

A file is refused before it can exhaust memory or a worker's time: its size is checked before it is read
(`check_size`), and its nesting and number of positions before it is parsed (`lofte.lib.jsonshape`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from lofte.lib.formatting import megabytes, number
from lofte.lib.jsonshape import measure

# Generous bounds around Sweden in WGS84; coordinates outside are almost always another projection.
SWEDEN_LNG = (9.0, 26.0)
SWEDEN_LAT = (54.0, 70.0)
# A national DeSO file, simplified, is some tens of MB; the web upload has its own, lower limit (forms.py).
MAX_FILE_BYTES = 100 * 1024 * 1024
# A MultiPolygon in a FeatureCollection nests 8 levels; properties may add a few.
MAX_DEPTH = 32
# Positions (vertices) in all areas together: enough for every DeSO of Sweden simplified, and at most some
# hundred MB once parsed. A boundary drawn finer than that gains nothing on a map of a kommun.
MAX_POSITIONS = 2_000_000
# A kommun's own upload on the web, read while a worker waits: Sweden's 290 kommuner, simplified as the map shows
# them, have some 20 000 positions, so a tenfold finer kommun fits. 780 000 positions filled a worker's memory.
UPLOAD_MAX_POSITIONS = 200_000


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


def check_size(size: int, filename: str) -> None:
    """Refuse a file larger than MAX_FILE_BYTES; call it with the file's size before reading it."""
    if size > MAX_FILE_BYTES:
        raise AreaFileError(
            _(
                "%(file)s: filen är %(size)s MB; högst %(limit)s MB går att läsa. Förenkla gränserna "
                "(till exempel med mapshaper eller QGIS) eller dela upp filen."
            )
            % {
                "file": filename,
                "size": megabytes(size),
                "limit": number(MAX_FILE_BYTES // (1024 * 1024), space="\u00a0"),
            }
        )


def _check_shape(raw: bytes, filename: str, max_positions: int) -> None:
    """Refuse absurd nesting and more positions than `max_positions` before json.loads builds them all."""
    found = measure(raw)
    if found.depth > MAX_DEPTH:
        raise AreaFileError(
            _(
                "%(file)s: filen är nästlad %(depth)s nivåer djupt, men GeoJSON med områden behöver högst "
                "%(limit)s. Kontrollera att det är en GeoJSON-fil."
            )
            % {"file": filename, "depth": number(found.depth, space="\u00a0"), "limit": MAX_DEPTH}
        )
    if found.leaf_arrays > max_positions:
        raise AreaFileError(
            _(
                "%(file)s: gränserna har %(count)s punkter; högst %(limit)s går att läsa. Förenkla gränserna "
                "(till exempel med mapshaper eller QGIS) och försök igen."
            )
            % {
                "file": filename,
                "count": number(found.leaf_arrays, space="\u00a0"),
                "limit": number(max_positions, space="\u00a0"),
            }
        )


def load_features(raw: bytes | str, filename: str, *, max_positions: int = MAX_POSITIONS) -> list[dict[str, Any]]:
    raw = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    check_size(len(raw), filename)
    _check_shape(raw, filename, max_positions)
    try:
        data = json.loads(raw)
    except RecursionError:  # nesting within MAX_DEPTH never gets here; kept so no file can end in a crash
        raise AreaFileError(_("%(file)s: filen är för djupt nästlad.") % {"file": filename}) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AreaFileError(
            _("%(file)s: filen är inte giltig GeoJSON (%(error)s).") % {"file": filename, "error": exc}
        ) from None
    if not isinstance(data, dict):
        raise AreaFileError(_("%(file)s: filen måste innehålla ett GeoJSON-objekt.") % {"file": filename})
    if data.get("type") == "Feature":
        return [data]
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise AreaFileError(
            _("%(file)s: filen måste vara en GeoJSON FeatureCollection eller Feature.") % {"file": filename}
        )
    if not data["features"]:
        raise AreaFileError(_("%(file)s: filen innehåller inga områden.") % {"file": filename})
    return data["features"]


def place(filename: str, number: int | None = None) -> str:
    """Where in a file a problem is, as the user will read it."""
    if number is None:
        return filename
    return _("%(file)s, område %(number)s") % {"file": filename, "number": number}


def field(where: str, name: str) -> str:
    return _('%(where)s, fält "%(field)s"') % {"where": where, "field": name}


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
            _(
                "%(where)s: koordinaterna är inte i WGS84 (grader). Filen ser ut att använda en annan "
                "projektion, till exempel SWEREF 99 TM. Spara om den i EPSG:4326."
            )
            % {"where": where}
        )
    if minx < SWEDEN_LNG[0] or maxx > SWEDEN_LNG[1] or miny < SWEDEN_LAT[0] or maxy > SWEDEN_LAT[1]:
        raise AreaFileError(
            _("%(where)s: området ligger utanför Sverige. Kontrollera att koordinaterna är longitud, latitud i WGS84.")
            % {"where": where}
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
    where = place(filename, number)
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise AreaFileError(_("%(where)s: posten är inte en GeoJSON Feature.") % {"where": where})
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise AreaFileError(_("%(where)s: egenskaperna måste vara ett objekt.") % {"where": field(where, "properties")})
    name = _text(props, name_property)
    if name is None:
        raise AreaFileError(_("%(where)s: namn saknas.") % {"where": field(where, name_property)})
    if len(name) > 200:
        raise AreaFileError(_("%(where)s: namnet är längre än 200 tecken.") % {"where": field(where, name_property)})
    code = _text(props, code_property)
    if code_property and code is None:
        raise AreaFileError(_("%(where)s: kod saknas.") % {"where": field(where, code_property or "")})
    kommun_code = _text(props, kommun_property)
    if kommun_property and kommun_code is None:
        raise AreaFileError(_("%(where)s: kommunkod saknas.") % {"where": field(where, kommun_property or "")})
    raw_geometry = feature.get("geometry")
    if not isinstance(raw_geometry, dict) or raw_geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise AreaFileError(
            _("%(where)s: geometrin måste vara en Polygon eller MultiPolygon.") % {"where": field(where, "geometry")}
        )
    try:
        geom = shape(raw_geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise AreaFileError(
            _("%(where)s: koordinaterna går inte att läsa (%(error)s).")
            % {"where": field(where, "geometry"), "error": exc}
        ) from None
    if geom.is_empty:
        raise AreaFileError(_("%(where)s: geometrin är tom.") % {"where": field(where, "geometry")})
    _check_coordinates(geom, where)
    if not geom.is_valid:
        raise AreaFileError(
            _("%(where)s: ogiltig polygon (%(reason)s).")
            % {"where": field(where, "geometry"), "reason": explain_validity(geom)}
        )
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
    max_positions: int = MAX_POSITIONS,
) -> list[ParsedArea]:
    """Every area of a GeoJSON file, checked; `max_positions` is lower for an upload on the web."""
    features = load_features(raw, filename, max_positions=max_positions)
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


def _refuse_duplicates(parsed: list[ParsedArea], filename: str, field_name: str) -> None:
    seen: dict[tuple[str | None, str], int] = {}
    for area in parsed:
        key = (area.kommun_code, area.code or area.name.casefold())
        if key in seen:
            raise AreaFileError(
                _("%(where)s: samma värde som område %(other)s – varje område får bara finnas en gång.")
                % {"where": field(place(filename, area.number), field_name), "other": seen[key]}
            )
        seen[key] = area.number


def overlaps(geometry: dict[str, Any], other: dict[str, Any]) -> bool:
    return bool(shape(geometry).intersects(shape(other)))
