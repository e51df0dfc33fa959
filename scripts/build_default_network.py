"""Generate keten's default network links (src/keten/network/data/links.csv) once.

Reads the node table (package data) and scripts/network_spec/links_spec.csv, then computes
each link's length:

- road: shortest path on scgraph_data's world highway graph (OpenStreetMap-derived, ODbL);
- rail: shortest path on scgraph_data's world railway graph (OpenStreetMap-derived, ODbL);
- inland_waterway: shortest path on the Rijkswaterstaat fairway sections (Vaarwegvakken,
  BN0212-a, 2017) without the North Sea lanes; sea: the same sections including them;
- pipeline: great-circle x 1.15; air: great-circle + 95 km (EN 16258 / ISO 14083 air GCD
  adjustment); a ``fixed_length_km`` in the spec overrides (with its own source).

Needs, besides keten's dependencies: ``scgraph<3`` and ``scgraph_data`` (pip install --target
DIR, then PYTHONPATH=DIR) and the fairway data. keten itself never imports them.

    PYTHONPATH=/tmp/scg .venv/bin/python scripts/build_default_network.py \
        --fairways /work/shared/data/rws-vaarwegvakken/Vaarwegvakken.shp
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
NODES = ROOT / "src/keten/network/data/nodes.csv"
LINKS = ROOT / "src/keten/network/data/links.csv"
SPEC = ROOT / "scripts/network_spec/links_spec.csv"
SEA_WORDS = (
    "Voorzorgsgebied",
    "VSS",
    "NCP",
    "Vrije Scheepvaartzone",
    "Vrije scheepvaartzone",
    "Vrijje",
    "Vrije Scheepsvaartzone",
    "DW Route",
    "Aanloop",
    "Nabij",
    "nabij",
)
SNAPPED_KINDS = ("junction", "border_crossing")
MAX_CIRCUITY = 1.6
FALLBACK_CIRCUITY = 1.25
SPEED_KMH = {
    "road": {"motorway": 80.0, "trunk": 70.0, "secondary": 60.0},
    "rail": 60.0,
    "inland_waterway": 12.0,
    "sea": 26.0,
    "air": 650.0,
    "pipeline": 6.0,
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


class Fairways:
    """Fairway graph (junction ids) with node snapping; lengths from geometry in metres."""

    def __init__(self, path: str, sea: bool) -> None:
        g = gpd.read_file(path)
        if not sea:
            g = g[~g["VWG_NAAM"].fillna("").str.contains("|".join(SEA_WORDS))]
        ids = np.unique(np.concatenate([g["VWJ_ID_BEG"].to_numpy(), g["VWJ_ID_END"].to_numpy()]))
        index = {int(j): i for i, j in enumerate(ids)}
        a = np.array([index[int(j)] for j in g["VWJ_ID_BEG"]])
        b = np.array([index[int(j)] for j in g["VWJ_ID_END"]])
        w = g.geometry.length.to_numpy() / 1000.0
        n = len(ids)
        self.matrix = coo_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
        _, labels = connected_components(self.matrix, directed=False)
        main = np.bincount(labels).argmax()
        xy = np.zeros((n, 2))
        starts = g.geometry.apply(lambda ln: ln.coords[0]).tolist()
        ends = g.geometry.apply(lambda ln: ln.coords[-1]).tolist()
        for i, j in enumerate(a):
            xy[j] = starts[i]
        for i, j in enumerate(b):
            xy[j] = ends[i]
        self.keep = np.flatnonzero(labels == main)
        self.tree = cKDTree(xy[self.keep])
        self.to_rd = pyproj.Transformer.from_crs(4326, 28992, always_xy=True)

    def length_km(self, a: dict[str, str], b: dict[str, str]) -> float:
        """Fairway length between two nodes; terminals add their straight access distance,
        junctions and border points are snapped onto the fairway (no access distance)."""
        lat1, lon1, lat2, lon2 = (
            float(a["lat"]),
            float(a["lon"]),
            float(b["lat"]),
            float(b["lon"]),
        )
        (x1, x2), (y1, y2) = self.to_rd.transform([lon1, lon2], [lat1, lat2])
        (d1, i1), (d2, i2) = (self.tree.query((x1, y1)), self.tree.query((x2, y2)))
        s, t = int(self.keep[i1]), int(self.keep[i2])
        dist = float(dijkstra(self.matrix, directed=False, indices=s)[t])
        for d, node in ((d1, a), (d2, b)):
            if node["kind"] not in SNAPPED_KINDS:
                dist += d / 1000.0
        return dist


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fairways", required=True)
    args = ap.parse_args()
    from scgraph_data.world_highways import world_highways_geograph
    from scgraph_data.world_railways import world_railways_geograph

    nodes = {r["node_id"]: r for r in _rows(NODES)}
    iww = Fairways(args.fairways, sea=False)
    sea = Fairways(args.fairways, sea=True)
    out = []
    for r in _rows(SPEC):
        a, b, mode = nodes[r["from_node"]], nodes[r["to_node"]], r["mode"]
        la, oa, lb, ob = (float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"]))
        if r["fixed_length_km"]:
            length, source = float(r["fixed_length_km"]), r["fixed_source"]
        elif mode in ("road", "rail"):
            graph = world_highways_geograph if mode == "road" else world_railways_geograph
            crow = haversine_km(la, oa, lb, ob)
            try:
                res = graph.get_shortest_path(
                    origin_node={"latitude": la, "longitude": oa},
                    destination_node={"latitude": lb, "longitude": ob},
                    output_units="km",
                    silent=True,
                )
                length = float(res["length"])
            except Exception:
                length = math.inf
            kind = "highway" if mode == "road" else "railway"
            source = (
                f"shortest path on scgraph_data world_{kind}s (OpenStreetMap contributors, "
                "ODbL) between the node positions"
            )
            if length > MAX_CIRCUITY * crow + 5.0:
                # The world graphs are coarse (main roads/lines only): a missing local link shows
                # as a long detour or no path; fall back to a typical circuity factor.
                length = crow * FALLBACK_CIRCUITY
                source = (
                    f"great-circle x {FALLBACK_CIRCUITY} (scgraph_data path missing or "
                    "implausible for this short link)"
                )
        elif mode in ("inland_waterway", "sea"):
            length = (iww if mode == "inland_waterway" else sea).length_km(a, b)
            source = (
                "shortest path on Rijkswaterstaat Vaarwegvakken BN0212-a (2017-11-01) "
                "fairway sections plus node access"
            )
        elif mode == "pipeline":
            length = haversine_km(la, oa, lb, ob) * 1.15
            source = "great-circle x 1.15 (keten assumption for pipeline routing)"
        else:
            length = haversine_km(la, oa, lb, ob) + 95.0
            source = "great-circle + 95 km (EN 16258 / ISO 14083 air distance adjustment)"
        speed = SPEED_KMH[mode]
        speed_kmh = speed[r["road_class"] or "motorway"] if isinstance(speed, dict) else speed
        out.append(
            {
                "link_id": f"{mode}:{r['from_node']}:{r['to_node']}",
                "from_node": r["from_node"],
                "to_node": r["to_node"],
                "mode": mode,
                "length_km": f"{length:.1f}",
                "speed_kmh": f"{speed_kmh:g}",
                "time_h": "",
                "capacity_t_per_day": "",
                "cemt_class": r["cemt_class"],
                "reference_gauge": r["reference_gauge"],
                "locks": r["locks"],
                "rail_electrified": r["rail_electrified"],
                "train_length_m": r["train_length_m"],
                "road_class": r["road_class"],
                "corridor": r["corridor"],
                "bidirectional": "true",
                "source": source,
            }
        )
        print(f"{out[-1]['link_id']:60s} {length:8.1f}")
    with LINKS.open("w", newline="", encoding="utf-8") as f:
        f.write(
            "# Default keten network: links. Generated by scripts/build_default_network.py;\n"
            "# speed_kmh are keten defaults per mode/road class (average incl. stops).\n"
        )
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)


if __name__ == "__main__":
    main()
