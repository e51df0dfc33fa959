"""Import benchmark: keten's importer against a plain geopandas read of the same file.

The 50k-link OSM-style network of scripts/make_osm_style_network.py is written once as a
GeoPackage (links with u/v ids, many drawn v->u) and as OSM XML. Timed, best of 3:
- keten ``read_links_file`` (ids placed by consensus, geometry, lengths, attributes) plus
  ``validate_network``, against ``geopandas.read_file`` of the same GeoPackage (which only
  reads it);
- keten ``read_osm`` (split at junctions, oneway, maxspeed) plus validation, against
  ``geopandas.read_file(layer="lines")`` of the same .osm through GDAL's OSM driver (which
  neither splits ways nor gives node ids).
The four are run in turn, five rounds, and the best time of each is kept (the machine is
shared: alternating keeps a load spike from falling on one side only). Ratios are from the
same run. Aim: import + validate within a few seconds, <= 3x the plain read.

    python benchmarks/network_import.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from routing import best_of, make_osm_style

from keten.network.io import read_links_file, read_osm
from keten.network.validate import validate_network


def main(rounds: int = 5) -> None:
    made = make_osm_style(160)
    print(f"OSM-style network: {made.links:,} links, {made.junctions:,} junctions, "
          f"{made.reversed_in_gpkg:,} listed v->u")

    def keten_gpkg() -> None:
        net = read_links_file(made.gpkg, mode="road", from_col="u", to_col="v",
                              speed_col="maxspeed_kmh", class_col="highway")
        validate_network(net)

    def keten_osm() -> None:
        validate_network(read_osm(made.osm))

    cases = {"keten gpkg": keten_gpkg,
             "geopandas gpkg": lambda: gpd.read_file(made.gpkg, engine="pyogrio"),
             "keten osm": keten_osm,
             "geopandas osm": lambda: gpd.read_file(made.osm, layer="lines", engine="pyogrio")}
    best = {name: float("inf") for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            best[name] = min(best[name], best_of(fn, 1))
    k_gpkg, g_gpkg = best["keten gpkg"], best["geopandas gpkg"]
    k_osm, g_osm = best["keten osm"], best["geopandas osm"]
    print(f"GeoPackage: keten import + validate {k_gpkg:.2f} s, geopandas read {g_gpkg:.2f} s"
          f" -> {k_gpkg / g_gpkg:.2f}x")
    print(f"OSM XML:    keten import + validate {k_osm:.2f} s, geopandas (GDAL OSM) read "
          f"{g_osm:.2f} s -> {k_osm / g_osm:.2f}x")


if __name__ == "__main__":
    main()
