"""Build keten's shipped zero-emission-zone polygons from NDW's open data "Emissiezones".

    .venv/bin/python scripts/build_ze_zones.py EMISSIEZONES.xml[.gz] [--out FILE]

NDW (Nationaal Dataportaal Wegverkeer) publishes every Dutch environmental and zero-emission
zone as DATEX II v3 (``ControlledZoneTablePublication``, one ``urbanVehicleAccessRegulation``
per zone; polygons as GML ``posList`` of "lat lon" pairs in WGS84) under CC0. This script keeps
the zero-emission zones for city logistics (names "ZE ..."/"ZES ..."; Eindhoven's record is
named "ZE Zone"), one feature each, with the municipality, the date the zone starts, the
traffic decree (``gmb-...``: Gemeenteblad), NDW's record id and version, and the snapshot it
came from. Environmental zones (LEZ, milieuzone) are left out: they bind other vehicles.

Records left out are listed in the collection's ``skipped`` with the reason (e.g. a record
without a name whose polygon repeats another zone's). A zone whose parts overlap or nest is
stored as the union of its parts and says so in ``geometry_note``. Namespace URIs are ignored
(NDW's feed used ``http://levelC/schema/3/...`` in 2025 and ``http://datex2.eu/schema/3/...``
in 2026).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "keten" / "bundling" / "data" / "ze_zones.geojson"
LICENCE = "CC0 1.0 (NDW open data)"
DIGITS = 6  # ~0.1 m in latitude


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el: ET.Element, *path: str) -> ET.Element | None:
    """The first descendant reached through the local names in ``path`` (any namespace)."""
    cur: list[ET.Element] = [el]
    for name in path:
        cur = [c for e in cur for c in e.iter() if _local(c.tag) == name and c is not e]
        if not cur:
            return None
    return cur[0]


def _text(el: ET.Element, *path: str) -> str:
    found = _find(el, *path)
    return (found.text or "").strip() if found is not None else ""


def _polygons(reg: ET.Element) -> MultiPolygon:
    polys = []
    for gp in (e for e in reg.iter() if _local(e.tag) == "gmlPolygon"):
        rings: dict[str, list[list[tuple[float, float]]]] = {"exterior": [], "interior": []}
        for ring in gp:
            pos = _find(ring, "posList")
            if pos is None or _local(ring.tag) not in rings:
                continue
            v = [float(x) for x in (pos.text or "").split()]
            rings[_local(ring.tag)].append([(v[i + 1], v[i]) for i in range(0, len(v) - 1, 2)])
        for ext in rings["exterior"]:
            polys.append(Polygon(ext, rings["interior"] or None))
    return MultiPolygon(polys)


def _zone_id(name: str, authority: str) -> str:
    label = authority if name in ("ZE Zone", "onbekend") else re.sub(r"^ZES? (zone )?", "", name)
    label = label.replace("'s-", "S-").replace(" ", "-")
    return "ZE-" + re.sub(r"[^A-Za-z0-9-]", "", label).upper()


def _round(geom: Any) -> Any:
    return shapely.set_precision(geom, 10**-DIGITS) if DIGITS else geom


def build(xml_bytes: bytes) -> dict[str, Any]:
    root = ET.fromstring(xml_bytes)
    published = _text(root, "publicationTime")
    features, skipped, seen = [], [], {}
    for reg in (e for e in root.iter() if _local(e.tag) == "urbanVehicleAccessRegulation"):
        name = _text(reg, "name", "value")
        authority = _text(reg, "issuingAuthority", "value")
        ndw_id = reg.get("id", "")
        if not re.match(r"^ZES? ", name):
            if name.startswith(("LEZ ", "Milieuzone ")):
                continue
            skipped.append({"ndw_id": ndw_id, "name": name, "authority": authority,
                            "reason": "no zone name (not a ZE record by name)"})
            continue
        geom = _polygons(reg)
        note = "as published"
        if not geom.is_valid:
            # each gmlPolygon is an area of the zone: where parts overlap or one lies inside
            # another (NDW's Amersfoort records), the zone is their union, not a hole
            geom = shapely.unary_union([shapely.make_valid(g) for g in geom.geoms])
            note = "overlapping or nested parts merged (union of the published polygons)"
        geom = _round(geom)
        if geom.geom_type == "Polygon":
            geom = MultiPolygon([geom])
        key = geom.wkb
        if key in seen:
            skipped.append({"ndw_id": ndw_id, "name": name, "authority": authority,
                            "reason": f"same polygon as {seen[key]}"})
            continue
        zid = _zone_id(name, authority)
        seen[key] = zid
        decree = _text(reg, "regulationId")
        start = _text(reg, "validityByOrder", "overallStartTime")[:10]
        version = _text(reg, "controlledZoneRecordVersionTime")[:10]
        features.append({"type": "Feature", "properties": {
            "zone_id": zid,
            "name": name.removeprefix("ZE zone ").removeprefix("ZES ").removeprefix("ZE ")
            if name != "ZE Zone" else authority,
            "municipality": authority,
            "valid_from": start,
            "traffic_decree": decree if re.match(r"^(gmb|stcrt)-\d{4}-\d+$", decree) else "",
            "url": _text(reg, "urlForFurtherInformation"),
            "ndw_id": ndw_id,
            "ndw_record_version": version,
            "geometry_note": note,
            "source": (f"NDW open data 'Emissiezones' (DATEX II v3 ControlledZoneTablePublication,"
                       f" published {published[:10]}), record {ndw_id} '{name}' of {version}"
                       + (f"; traffic decree {decree}" if decree.startswith("gmb-") else "")),
            "licence": LICENCE,
        }, "geometry": mapping(geom)})
    features.sort(key=lambda f: f["properties"]["zone_id"])
    return {"type": "FeatureCollection",
            "name": "Dutch zero-emission zones for city logistics (NDW open data)",
            "source": "NDW open data 'Emissiezones' (emissiezones.xml.gz), DATEX II v3",
            "published": published, "licence": LICENCE, "skipped": skipped,
            "features": features}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("xml", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    raw = args.xml.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    doc = build(raw)
    # one feature per line: a new snapshot shows in a diff as the zones that changed
    head = json.dumps({k: v for k, v in doc.items() if k != "features"}, ensure_ascii=False)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in doc["features"]]
    text = head[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}"
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(text + "\n")
    tmp.replace(args.out)
    print(f"{len(doc['features'])} zones, {len(doc['skipped'])} skipped -> {args.out}")


if __name__ == "__main__":
    main()
