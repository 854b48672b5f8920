"""Riket, the 21 län and the 290 kommuner, from the files in areas/data (see docs/data-sources.md).

Called from a data migration with the historical model, so it must only use plain model methods.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from lofte.areas.geometry import summarise

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCE_CODES = "SCB, Län och kommuner i kodnummerordning"
SOURCE_BOUNDARIES = "Valmyndigheten/okfse sweden-geojson (förenklad)"


def _read_codes() -> list[dict[str, str]]:
    with (DATA_DIR / "kommuner_lan_scb_koder.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _read_geojson(name: str) -> list[dict[str, Any]]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))["features"]


def _fields(geometry: dict[str, Any] | None) -> dict[str, Any]:
    if geometry is None:
        return {"geometry": None, "bbox": None, "centroid_lat": None, "centroid_lng": None}
    bbox, (lat, lng) = summarise(shape(geometry))
    return {"geometry": geometry, "bbox": bbox, "centroid_lat": lat, "centroid_lng": lng}


def load_reference_areas(Area: Any) -> dict[str, int]:
    """Create or update the reference areas; returns how many rows of each kind there are."""
    rows = _read_codes()
    lan_shapes = {
        f"{int(f['properties']['l_id']):02d}": f["geometry"] for f in _read_geojson("sweden_lan_okfse.geojson")
    }
    kommun_shapes = {f["properties"]["id"]: f["geometry"] for f in _read_geojson("sweden_kommuner_okfse.geojson")}

    riket_geometry = mapping(unary_union([shape(g) for g in lan_shapes.values()]))
    riket, _ = Area.objects.update_or_create(
        code="00",
        defaults={
            "name": "Riket",
            "kind": "riket",
            "parent": None,
            "source": SOURCE_BOUNDARIES,
            **_fields(riket_geometry),
        },
    )
    lan_names = {row["county_code"]: row["county_name"] for row in rows}
    lans = {}
    for code, name in sorted(lan_names.items()):
        lans[code], _ = Area.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": "lan",
                "parent": riket,
                "source": SOURCE_BOUNDARIES,
                **_fields(lan_shapes.get(code)),
            },
        )
    for row in rows:
        code = row["municipality_code"]
        Area.objects.update_or_create(
            code=code,
            defaults={
                "name": row["municipality_name"],
                "kind": "kommun",
                "parent": lans[row["county_code"]],
                "source": SOURCE_BOUNDARIES,
                **_fields(kommun_shapes.get(code)),
            },
        )
    return {"riket": 1, "lan": len(lans), "kommun": len(rows)}
