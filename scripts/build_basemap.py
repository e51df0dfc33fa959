"""Build keten's offline basemap (src/keten/web/data/basemap.json) from Natural Earth 1:10m.

Natural Earth (naturalearthdata.com) is in the public domain. The GeoJSON copies used here
are those of the GitHub repository martynafford/natural-earth-geojson (10m/physical and
10m/cultural, some as .7z archives): land (coastline), admin-0 land boundaries (borders),
lakes and lakes_europe, rivers_lake_centerlines and rivers_europe, populated_places_simple.
Everything is clipped to the Netherlands and its hinterland, simplified, and written as one
small JSON with rounded coordinates. Needs ``py7zr`` at build time only (pip install
--target DIR py7zr; PYTHONPATH=DIR); keten itself only reads the JSON.

    PYTHONPATH=/tmp/py7z .venv/bin/python scripts/build_basemap.py /tmp/ne
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "keten" / "web" / "data" / "basemap.json"
BBOX = (1.8, 49.2, 10.2, 54.2)  # lon/lat: NL, BE, LU, western DE, the North Sea coast
TOLERANCE_DEG = 0.0015  # about 100-170 m: finer than a dashboard pixel at national zoom
MIN_POPULATION = 100_000  # hinterland cities labelled
NL_MIN_POPULATION = 10_000  # Dutch towns labelled (Moerdijk-size places are terminals)


def _read(folder: Path, name: str) -> gpd.GeoDataFrame:
    json_path = folder / f"{name}.json"
    if not json_path.exists():
        import py7zr

        with py7zr.SevenZipFile(folder / f"{name}.7z") as archive:
            archive.extractall(folder)
        found = sorted(folder.glob(f"{name}*.json")) + sorted(folder.glob(f"**/{name}*.json"))
        json_path = found[0]
    frame = gpd.read_file(json_path, engine="pyogrio", bbox=BBOX)
    return frame.clip(shapely.box(*BBOX))


def _coords(geom: shapely.Geometry, exterior_only: bool = False) -> list[list[list[float]]]:
    """Rings or lines of a geometry as [[lon, lat], ...] lists (3 decimals ~ 100 m)."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings = [part.exterior] if exterior_only else [part.exterior, *part.interiors]
        elif part.geom_type == "LineString":
            rings = [part]
        else:
            continue
        for ring in rings:
            pts = [[round(x, 3), round(y, 3)] for x, y in ring.coords]
            if len(pts) >= 2:
                out.append(pts)
    return out


def _layer(frame: gpd.GeoDataFrame, area_min: float = 0.0, exterior_only: bool = False
           ) -> list[list[list[float]]]:
    geoms = shapely.simplify(frame.geometry.to_numpy(), TOLERANCE_DEG, preserve_topology=True)
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        if area_min and g.area < area_min:
            continue
        out += _coords(g, exterior_only)
    return out


def build(folder: Path) -> dict[str, object]:
    land = _read(folder, "ne_10m_land")
    borders = _read(folder, "ne_10m_admin_0_boundary_lines_land")
    lakes = gpd.pd.concat([_read(folder, "ne_10m_lakes"), _read(folder, "ne_10m_lakes_europe")])
    rivers = gpd.pd.concat([_read(folder, "ne_10m_rivers_lake_centerlines"),
                            _read(folder, "ne_10m_rivers_europe")])
    places = _read(folder, "ne_10m_populated_places_simple")
    big = (places["pop_max"] >= MIN_POPULATION) | (
        (places["adm0_a3"] == "NLD") & (places["pop_max"] >= NL_MIN_POPULATION))
    labels = [{"name": str(r["name"]), "lon": round(float(r.geometry.x), 3),
               "lat": round(float(r.geometry.y), 3), "population": int(r["pop_max"]),
               "capital": bool(r.get("adm0cap", 0))}
              for _, r in places[big].sort_values("pop_max", ascending=False).iterrows()]
    return {
        "source": "Natural Earth 1:10m (public domain), via the GeoJSON copies of "
                  "github.com/martynafford/natural-earth-geojson; clipped and simplified by "
                  "scripts/build_basemap.py",
        "attribution": "Basemap: Natural Earth (public domain)",
        "bbox": list(BBOX),
        "land": _layer(land, exterior_only=True),  # lakes are drawn over it
        "lakes": _layer(lakes, area_min=0.0004, exterior_only=True),
        "rivers": _layer(rivers),
        "borders": _layer(borders),
        "places": labels,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Folder with the Natural Earth files.")
    args = parser.parse_args()
    doc = build(args.folder)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB): "
          + ", ".join(f"{k} {len(v)}" for k, v in doc.items() if isinstance(v, list)))


if __name__ == "__main__":
    main()
