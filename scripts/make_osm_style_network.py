"""Write a synthetic OSM-style road network for import tests and benchmarks (no downloads).

The network imitates what an OpenStreetMap export looks like to an importer:
- a perturbed grid of junctions around Utrecht (NL), joined by ways that span several blocks
  and carry intermediate shape points, so ways must be split where they cross;
- ways drawn in either direction, ``oneway=yes`` and ``oneway=-1``, ``maxspeed`` in km/h or
  mph or ``none``, highway classes, bridges;
- closed roundabout-like ways (self-loops after splitting) and small islands that are not
  joined to the main grid (disconnected parts);
- a parallel pair of links between two junctions (a multi-edge).

Two files describe the same links: ``NAME.osm`` (OSM XML) and ``NAME.gpkg`` (one LineString
per link with ``u``/``v`` junction ids in an arbitrary order, as OSMnx-style exports have, so
many geometries run from ``v`` to ``u``; plus ``highway``, ``maxspeed_kmh``, ``oneway``,
``bridge`` and a ``flood_depth_m`` hazard attribute).

    python scripts/make_osm_style_network.py OUT_DIR [--side 160] [--seed 11]

``--side 160`` gives about 50,000 links; tests use a small side.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSES = np.array(["motorway", "trunk", "primary", "secondary", "tertiary", "residential"])
SPEEDS = {"motorway": 100, "trunk": 80, "primary": 80, "secondary": 60, "tertiary": 50,
          "residential": 30}


@dataclass
class Synthetic:
    """What was written, for tests to check the importer against."""

    osm: Path
    gpkg: Path
    links: int  # links after splitting ways at junctions
    junctions: int
    self_loops: int
    islands: int
    reversed_in_gpkg: int
    node_lonlat: dict[int, tuple[float, float]]  # junction id -> true position


def _ways(side: int, rng: np.random.Generator, first_id: int
          ) -> list[tuple[list[int], str, str, str, str]]:
    """Ways over a side x side grid of junction ids first_id..: (nodes, class, oneway,
    maxspeed, bridge); shape points are added later."""
    grid = np.arange(side * side).reshape(side, side) + first_id
    ways = []
    for lines in (grid, grid.T):
        for r, line in enumerate(lines):
            cls = CLASSES[min(r % 9, 5)] if r % 9 < 6 else "residential"
            k = 0
            while k < side - 1:
                span = int(rng.integers(2, 9))
                nodes = [int(x) for x in line[k:min(k + span, side - 1) + 1]]
                k += span
                if rng.random() < 0.5:
                    nodes.reverse()  # drawn against the grid direction
                u = rng.random()
                oneway = "yes" if u < 0.08 else "-1" if u < 0.1 else ""
                v = rng.random()
                speed = ("none" if v < 0.02 else f"{round(SPEEDS[cls] / 1.609344)} mph"
                         if v < 0.05 else "" if v < 0.2 else str(SPEEDS[cls]))
                bridge = "yes" if rng.random() < 0.03 else ""
                ways.append((nodes, str(cls), oneway, speed, bridge))
    return ways


def make(out_dir: Path, side: int = 160, seed: int = 11, name: str = "osm_style") -> Synthetic:
    """Write NAME.osm and NAME.gpkg into ``out_dir`` (see module doc)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    step = 0.004  # degrees between junctions (~300-450 m)
    lon0, lat0 = 5.0, 52.0
    pos: dict[int, tuple[float, float]] = {}
    next_id = 1

    def add_node(lon: float, lat: float) -> int:
        nonlocal next_id
        pos[next_id] = (lon, lat)
        next_id += 1
        return next_id - 1

    for i in range(side):
        for j in range(side):
            jit = rng.normal(0, step * 0.08, 2)
            add_node(lon0 + j * step + jit[0], lat0 + i * step * 0.62 + jit[1])
    ways = _ways(side, rng, 1)
    # islands: 3 small grids far east of the main one
    island_ways = []
    for isl in range(3):
        first = next_id
        for i in range(3):
            for j in range(3):
                add_node(lon0 + (side + 5 + 4 * isl + j) * step, lat0 + i * step)
        island_ways += _ways(3, rng, first)
    ways += island_ways
    junctions = next_id - 1
    # a parallel link (multi-edge) between the first two junctions of the grid
    ways.append(([1, 2], "service", "", "", ""))
    # roundabout-like closed ways hanging at a junction: self-loops after splitting
    loops = []
    for j in range(1, side * side, max(1, side * side // 12))[:12]:
        lon, lat = pos[j]
        ring = [j] + [add_node(lon + step * 0.1 * np.cos(a), lat + step * 0.1 * np.sin(a))
                      for a in np.linspace(0.5, 5.8, 4)] + [j]
        loops.append((ring, "residential", "yes", "", ""))
    ways += loops
    # shape points between consecutive junctions of each way
    shaped: list[tuple[list[int], str, str, str, str]] = []
    segments: list[tuple[int, int, list[int], int]] = []  # u, v, vertices, way index
    for nodes, cls, oneway, speed, bridge in ways:
        full = [nodes[0]]
        for a, b in itertools.pairwise(nodes):
            (x1, y1), (x2, y2) = pos[a], pos[b]
            inner = []
            if rng.random() < 0.7:
                for t in np.sort(rng.random(int(rng.integers(1, 4)))):
                    inner.append(add_node(x1 + (x2 - x1) * t + rng.normal(0, step * 0.02),
                                          y1 + (y2 - y1) * t + rng.normal(0, step * 0.02)))
            full += [*inner, b]
        shaped.append((full, cls, oneway, speed, bridge))
    junction_set = set(range(1, junctions + 1))
    for w, (full, *_rest) in enumerate(shaped):
        start = 0
        for k in range(1, len(full)):
            if full[k] in junction_set or k == len(full) - 1:
                segments.append((full[start], full[k], full[start:k + 1], w))
                start = k
    osm = out_dir / f"{name}.osm"
    with osm.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" '
                 'generator="keten make_osm_style_network.py (synthetic, not OSM data)">\n')
        for nid, (lon, lat) in pos.items():
            fh.write(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for w, (full, cls, oneway, speed, bridge) in enumerate(shaped):
            fh.write(f'  <way id="{100000 + w}">\n')
            fh.write("".join(f'    <nd ref="{r}"/>\n' for r in full))
            tags = {"highway": cls, "oneway": oneway, "maxspeed": speed, "bridge": bridge,
                    "ref": f"R{w % 97}"}
            fh.write("".join(f'    <tag k="{k}" v="{v}"/>\n' for k, v in tags.items() if v))
            fh.write("  </way>\n")
        fh.write("</osm>\n")
    flip = rng.random(len(segments)) < 0.45  # u/v listed against the drawing direction
    u = [s[1] if f else s[0] for s, f in zip(segments, flip, strict=True)]
    v = [s[0] if f else s[1] for s, f in zip(segments, flip, strict=True)]
    flat = [pos[r] for s in segments for r in s[2]]
    owner = np.repeat(np.arange(len(segments)), [len(s[2]) for s in segments])
    lines = shapely.linestrings(np.asarray(flat), indices=owner)
    gpkg = out_dir / f"{name}.gpkg"
    frame = gpd.GeoDataFrame({
        "u": u, "v": v, "osmid": [100000 + s[3] for s in segments],
        "highway": [shaped[s[3]][1] for s in segments],
        "maxspeed_kmh": [float(SPEEDS.get(shaped[s[3]][1], 20)) for s in segments],
        "oneway": [shaped[s[3]][2] for s in segments],
        "bridge": [shaped[s[3]][4] for s in segments],
        "flood_depth_m": np.round(np.clip(rng.normal(-0.5, 0.6, len(segments)), 0, None), 2),
    }, geometry=lines, crs=4326)
    if gpkg.exists():
        gpkg.unlink()
    frame.to_file(gpkg, layer="edges", driver="GPKG", engine="pyogrio")
    return Synthetic(osm, gpkg, len(segments), junctions, len(loops), 3, int(flip.sum()),
                     {n: pos[n] for n in junction_set})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--side", type=int, default=160)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--name", default="osm_style")
    args = parser.parse_args()
    s = make(args.out_dir, args.side, args.seed, args.name)
    print(f"wrote {s.osm} and {s.gpkg}: {s.links} links, {s.junctions} junctions, "
          f"{s.self_loops} self-loops, {s.islands} islands, {s.reversed_in_gpkg} links "
          "listed v->u")


if __name__ == "__main__":
    main()
