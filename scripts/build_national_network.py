"""Build keten's national-scale network (src/keten/network/data/national/*.parquet) once.

Layers, each link naming its source and licence:
- waterways: every Rijkswaterstaat fairway section (Vaarwegvakken BN0212-a, 2017-11-01;
  3,721 sections routable through their junction ids VWJ_ID_BEG/END; RWS open data, CC0),
  sea-lane sections as mode ``sea``; CEMT class, reference depth, Lobith reference gauge and
  governing depth gauge per RWS route from scripts/network_spec/fairway_classes.csv (a source
  on every row; routes not listed keep no class), the main locks of network_spec/locks.csv on
  the sections they lie on, depths at GlW of the German Rhine from network_spec/link_depths.csv
  (logic: network_spec/waterways.py); plus the default network's Rhine, Waal, IJssel, Maas,
  German and Belgian waterway links (CEMT class, locks, gauge);
- roads: the major-road graph of scgraph_data ``world_highways`` (OpenStreetMap-derived,
  ODbL 1.0) inside NL, BE and western DE (largest connected part), trucks at 80 km/h
  (RVV 1990 art. 21: the Dutch lorry limit on motorways); it replaces the default network's
  sketched road links;
- rail: scgraph_data ``world_railways`` (ODbL 1.0) in the same area, plus the default
  network's freight corridors (Betuweroute, Brabantroute, border crossings) with their
  electrification; electrification and power system per link from the lines of
  scripts/network_spec/rail_lines.csv (ProRail / DB InfraGO / Infrabel network statements,
  laid onto the layer by scripts/network_spec/route_attributes.py); a Dutch link on no listed
  line takes the ProRail standard (1.5 kV DC), any other "unknown";
- pipelines, sea and air links, ports, terminals and border crossings: keten's sketch
  network (ids kept, so demo data and UN/LOCODEs still resolve), plus the terminals of
  src/keten/network/data/terminals.csv (seaports, airports, inland container, rail and bulk
  terminals of NL, BE and western DE, each with its source) and the links of
  scripts/network_spec/national_links.csv (Belgian waterways, the Rhine above Cologne, the
  Main, product pipelines RRP/RMR, sea links by searoute, air links), each with its source;
- road speed: the legal lorry limit of the country the link lies in (nearest GeoNames place),
  the same on every road class (NL: 80 km/h on autosnelwegen, autowegen and other roads
  outside built-up areas alike, RVV 1990 art. 21);
  road class: the class of the sketch corridor (A-road = motorway) whose path on the layer
  the link lies on, then "motorway" and then "trunk" on the routes of
  scripts/network_spec/road_routes.csv (by route number, each with its road authority; laid
  by route_attributes.py, with the other carriageway beside the path; a motorway is never
  lowered to trunk), else "major" (the OSM layer has no highway tag);
- access (transfer) links: each terminal or port joined to the nearest node of every layer it
  handles (straight line x 1.2), if that node is within ACCESS_MAX_KM.

Needs, besides keten's dependencies: ``scgraph<3`` and ``scgraph_data`` (pip install --target
DIR; PYTHONPATH=DIR) at build time only, and the fairway data.

    PYTHONPATH=/tmp/scg .venv/bin/python scripts/build_national_network.py \\
        --fairways /work/shared/data/rws-vaarwegvakken/Vaarwegvakken.shp
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from keten.network.build import sketch_network
from keten.network.geometry import haversine_km, link_lines
from keten.network.io import read_links_file

# scripts/ is not a package: network_spec (waterways, route_attributes) is found via sys.path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from network_spec.waterways import (
    apply_link_depths,
    fairway_attributes,
    place_locks,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "keten" / "network" / "data" / "national"
BBOX = (2.4, 49.4, 9.2, 53.8)  # lon/lat: NL, BE, LU and Germany west of about Kassel
RWS = "Rijkswaterstaat Vaarwegvakken BN0212-a (2017-11-01)"
RWS_LICENCE = "CC0 1.0 (Rijkswaterstaat open data)"
OSM_LICENCE = "ODbL 1.0 (OpenStreetMap contributors)"
SEA_WORDS = ("Voorzorgsgebied", "VSS", "NCP", "Vrije Scheepvaartzone", "Vrije scheepvaartzone",
             "Vrijje", "Vrije Scheepsvaartzone", "DW Route", "Aanloop", "Nabij", "nabij")
# Legal limit for lorries over 3.5 t on motorways, by country (the speed a truck plans with):
ROAD_SPEED_KMH = {
    "NL": (80.0, "RVV 1990 art. 21: lorries over 3.5 t, 80 km/h"),
    "BE": (90.0, "Belgian Wegcode art. 11.3: vehicles over 3.5 t on motorways, 90 km/h"),
    "DE": (80.0, "StVO par. 3(3) 2a: lorries over 3.5 t, 80 km/h"),
    "LU": (80.0, "keten assumption: 80 km/h as in NL/DE (Luxembourg allows 90 on motorways)"),
}
ROAD_CLASS_SOURCE_NONE = ("major road (scgraph_data world_highways: OSM motorway/trunk/primary; "
                          "the layer does not carry the OSM highway class)")
RAIL_ELECTRIFIED_NONE = ("unknown: scgraph_data world_railways carries no OSM electrified tag "
                         "and the link is on no line of scripts/network_spec/rail_lines.csv")
# ProRail: the Dutch network is electrified at 1.5 kV DC except the lines listed without
# overhead wire (rail_lines.csv) and the 25 kV Betuweroute / HSL-Zuid
RAIL_NL_STANDARD = ("1.5 kV DC", "ProRail Netverklaring: Dutch lines are electrified at 1.5 kV "
                    "DC unless listed without overhead wire (scripts/network_spec/rail_lines.csv)")
RAIL_SYSTEMS = {
    "NL": ("1.5 kV DC", "ProRail Netverklaring: 1.5 kV DC (Betuweroute 25 kV AC)"),
    "DE": ("15 kV 16.7 Hz AC", "DB InfraGO: 15 kV 16.7 Hz AC"),
    "BE": ("3 kV DC", "Infrabel Netverklaring: 3 kV DC"),
}
ROAD_ROUTES = ROOT / "scripts" / "network_spec" / "road_routes.csv"
# classes road_routes.csv may give, highest first: a higher class wins where two routes meet
ROUTE_CLASSES = ("motorway", "trunk")
RAIL_LINES = ROOT / "scripts" / "network_spec" / "rail_lines.csv"
ACCESS_CIRCUITY = 1.2
ACCESS_MAX_KM = 12.0  # a transfer link longer than this is not a link but a missing layer
TERMINALS = ROOT / "src" / "keten" / "network" / "data" / "terminals.csv"
PLACES = ROOT / "src" / "keten" / "network" / "data" / "places.csv"
EXTRA_LINKS = ROOT / "scripts" / "network_spec" / "national_links.csv"
AIR_GCD_ADD_KM = 95.0  # EN 16258 / ISO 14083 great-circle distance adjustment for air
SIMPLIFY_DEG = 0.0003  # ~25 m: fairway shapes kept, package data small


def _fairways(shp: Path) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    net = read_links_file(shp, mode="inland_waterway", from_col="VWJ_ID_BEG",
                          to_col="VWJ_ID_END", id_col="VWK_ID", corridor_col="VRT_NAAM",
                          keep=("VWG_NAAM", "VRT_CODE", "BEGKM", "ENDKM"))
    nodes = net.nodes.assign(node_id="vwj:" + net.nodes["node_id"].astype(str),
                             kind="junction", modes="", source=f"{RWS}; {RWS_LICENCE}")
    links = net.links.copy()
    links["link_id"] = "vwk:" + links["link_id"].astype(str)
    links["from_node"] = "vwj:" + links["from_node"].astype(str)
    links["to_node"] = "vwj:" + links["to_node"].astype(str)
    names = links["corridor"].astype(str) + " " + links["VWG_NAAM"].astype(str)
    sea = names.str.contains("|".join(SEA_WORDS), regex=True).to_numpy()
    links["mode"] = np.where(sea, "sea", "inland_waterway")
    links["source"] = f"{RWS}; {RWS_LICENCE}"
    links["licence"] = RWS_LICENCE
    # CEMT class, reference depth, governing gauge: sourced per RWS route (network_spec/)
    attrs = fairway_attributes(links["VRT_CODE"], links["VWG_NAAM"], links["BEGKM"],
                               links["ENDKM"], net.link_geometry, ~sea)
    for col in attrs.columns:
        links[col] = attrs[col].to_numpy()
    links["rws_route_code"] = links["VRT_CODE"].astype(str)
    geoms = shapely.simplify(net.link_geometry, SIMPLIFY_DEG, preserve_topology=True)
    links = links.rename(columns={"VWG_NAAM": "fairway_name"}).drop(columns=["VRT_CODE"])
    return nodes, links, geoms


def _waterway_attributes(links: pd.DataFrame, geometry: np.ndarray, nodes: pd.DataFrame) -> None:
    """Locks on their links and depths on keten's own waterway links (network_spec/)."""
    shape = geometry.copy()  # links without a stored shape: the straight line, to place locks
    gap = pd.isna(shape) & (links["mode"] == "inland_waterway").to_numpy()
    pos = nodes.drop_duplicates("node_id").set_index("node_id")[["lon", "lat"]].astype(float)
    ends = [pos.loc[links["from_node"].to_numpy()[gap]].to_numpy(),
            pos.loc[links["to_node"].to_numpy()[gap]].to_numpy()]
    shape[gap] = shapely.linestrings(np.stack(ends, axis=1))
    placed = place_locks(links, shape)
    for r in placed[placed["link_id"] == ""].to_dict("records"):
        print(f"  lock {r['lock']} not placed: nearest waterway link {r['distance_km']} km away")
    apply_link_depths(links)
    links["locks"] = pd.to_numeric(links["locks"], errors="coerce")  # counts, not text
    links["depth_gauge_proxy"] = links["depth_gauge_proxy"].fillna(False).astype(bool)


def _scgraph(graph: object, mode: str, prefix: str, what: str
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The largest connected part of an scgraph GeoGraph inside BBOX, as nodes and links."""
    coords = np.asarray(graph.nodes, dtype=float)  # type: ignore[attr-defined]  # [lat, lon]
    inside = ((coords[:, 1] >= BBOX[0]) & (coords[:, 1] <= BBOX[2])
              & (coords[:, 0] >= BBOX[1]) & (coords[:, 0] <= BBOX[3]))
    rows = np.flatnonzero(inside)
    a_list, b_list, d_list = [], [], []
    adjacency = graph.graph  # type: ignore[attr-defined]
    for a in rows:
        for b, dist in adjacency[a].items():
            if a < b and inside[b]:
                a_list.append(a)
                b_list.append(b)
                d_list.append(dist)
    a, b, dist_km = np.array(a_list), np.array(b_list), np.array(d_list, dtype=float)
    n = len(coords)
    _, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)),
                                    directed=False)
    main = np.bincount(label[a]).argmax()
    keep = label[a] == main
    a, b, dist_km = a[keep], b[keep], dist_km[keep]
    # dead ends made by clipping the world graph to BBOX (and OSM stubs): pruned, so that a
    # bridge in the result is a real one; a part within 8 km of the box edge is a clip
    while True:
        degree = np.bincount(np.r_[a, b], minlength=n)
        lon, lat = coords[:, 1], coords[:, 0]
        near_edge = ((lon - BBOX[0] < 0.12) | (BBOX[2] - lon < 0.12)
                     | (lat - BBOX[1] < 0.08) | (BBOX[3] - lat < 0.08))
        stub = (degree == 1) & near_edge
        drop = stub[a] | stub[b]
        if not drop.any():
            break
        a, b, dist_km = a[~drop], b[~drop], dist_km[~drop]
    used = np.unique(np.r_[a, b])
    source = f"scgraph_data {what} ({OSM_LICENCE})"
    nodes = pd.DataFrame({"node_id": [f"{prefix}:{k}" for k in used],
                          "lat": coords[used, 0], "lon": coords[used, 1], "kind": "junction",
                          "modes": mode, "source": source})
    gc = haversine_km(coords[a, 1], coords[a, 0], coords[b, 1], coords[b, 0])
    links = pd.DataFrame({"link_id": [f"{prefix}:{x}-{y}" for x, y in zip(a, b, strict=True)],
                          "from_node": [f"{prefix}:{x}" for x in a],
                          "to_node": [f"{prefix}:{y}" for y in b], "mode": mode,
                          "length_km": np.maximum(dist_km, gc, where=np.isfinite(dist_km),
                                                  out=gc.copy()),
                          "source": source, "licence": OSM_LICENCE})
    if mode == "road":
        mid_lon = (coords[a, 1] + coords[b, 1]) / 2
        mid_lat = (coords[a, 0] + coords[b, 0]) / 2
        country = _country_of(mid_lon, mid_lat)
        links["country"] = country
        links["speed_kmh"] = [ROAD_SPEED_KMH.get(c, ROAD_SPEED_KMH["DE"])[0] for c in country]
        links["speed_source"] = [ROAD_SPEED_KMH.get(c, ROAD_SPEED_KMH["DE"])[1] for c in country]
        links["road_class"] = "major"
        links["road_class_source"] = ROAD_CLASS_SOURCE_NONE
    else:
        links["rail_electrified"] = ""
        links["electrified_source"] = RAIL_ELECTRIFIED_NONE
    return nodes, links


def _country_of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """ISO country of the nearest GeoNames place (places.csv) of NL, BE, LU or DE."""
    places = pd.read_csv(PLACES)
    places = places[places["country"].isin(["NL", "BE", "LU", "DE"])]
    scale = np.cos(np.radians(51.5))
    tree = cKDTree(np.column_stack([places["lon"] * scale, places["lat"]]))
    _, near = tree.query(np.column_stack([np.asarray(lon) * scale, np.asarray(lat)]))
    return places["country"].to_numpy()[near]


def _terminals() -> pd.DataFrame:
    body = "\n".join(line for line in TERMINALS.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))
    import io

    table = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    for col in ("lat", "lon", "handling_cost_eur_per_t", "handling_time_h"):
        table[col] = table[col].astype(float)
    return table


def _extra_links(nodes: pd.DataFrame) -> pd.DataFrame:
    """The links of national_links.csv with their lengths (see that file's header)."""
    from keten.network.sea import sea_distance_km

    body = "\n".join(line for line in EXTRA_LINKS.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))
    import io

    spec = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    pos = nodes.set_index("node_id")[["lat", "lon"]].astype(float)
    rows = []
    for r in spec.to_dict("records"):
        (lat1, lon1), (lat2, lon2) = pos.loc[r["from_node"]], pos.loc[r["to_node"]]
        gc = float(haversine_km(np.array([lon1]), np.array([lat1]), np.array([lon2]),
                                np.array([lat2]))[0])
        how = r["length"]
        if how == "rhine_km":
            km = abs(float(r["from_km"]) - float(r["to_km"]))
            source = f"{r['source']}: difference of WSV kilometre markers"
        elif how == "gc":
            km = gc * float(r["circuity"])
            source = r["source"]
        elif how == "searoute":
            km = max(sea_distance_km(lat1, lon1, lat2, lon2), 1.1 * gc)
            source = ("searoute (Eurostat MARNET maritime network) shortest sea route, at "
                      "least great-circle x 1.1")
        elif how == "air":
            km = gc + AIR_GCD_ADD_KM
            source = "great-circle + 95 km (EN 16258 / ISO 14083 air GCD adjustment)"
        else:
            raise SystemExit(f"unknown length rule {how!r} in {EXTRA_LINKS}")
        rows.append({
            "link_id": f"{r['mode']}:{r['from_node']}:{r['to_node']}",
            "from_node": r["from_node"], "to_node": r["to_node"], "mode": r["mode"],
            "length_km": round(km, 2), "cemt_class": r["cemt_class"],
            "cemt_source": ("class of the largest admitted ship as published by the waterway "
                            "manager, recorded by keten" if r["cemt_class"] else ""),
            "reference_gauge": r["reference_gauge"], "locks": r["locks"],
            "corridor": r["corridor"], "source": source,
            "licence": "keten (Apache-2.0); facts from the named source"})
    return pd.DataFrame(rows)


def _road_classes(road_links: pd.DataFrame, road_nodes: pd.DataFrame, sketch: object) -> None:
    """Give each road link on the layer path of a sketch road corridor that corridor's class
    and name (the sketch's A-roads are motorways, N-roads trunk roads; links_spec.csv)."""
    from scipy.sparse.csgraph import dijkstra

    ids = pd.Index(road_nodes["node_id"])
    a = ids.get_indexer(road_links["from_node"])
    b = ids.get_indexer(road_links["to_node"])
    w = road_links["length_km"].to_numpy(float)
    n = len(ids)
    graph = coo_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    edge = {(min(x, y), max(x, y)): i for i, (x, y) in enumerate(zip(a, b, strict=True))}
    scale = np.cos(np.radians(52.0))
    tree = cKDTree(np.column_stack([road_nodes["lon"] * scale, road_nodes["lat"]]))
    sn = sketch.nodes.set_index("node_id")  # type: ignore[attr-defined]
    sk = sketch.links[sketch.links["mode"] == "road"]  # type: ignore[attr-defined]
    ends = np.unique(np.r_[sk["from_node"], sk["to_node"]])
    _, near = tree.query(np.column_stack([sn.loc[ends, "lon"] * scale, sn.loc[ends, "lat"]]))
    snap = dict(zip(ends, near, strict=True))
    sources = np.unique(near)
    _, pred = dijkstra(graph, indices=sources, return_predecessors=True)
    row_of = {s: i for i, s in enumerate(sources)}
    road_class = road_links["road_class"].to_numpy(dtype=object).copy()
    corridor = np.full(len(road_links), "", dtype=object)
    class_source = road_links["road_class_source"].to_numpy(dtype=object).copy()
    # motorways first, so a trunk corridor never overwrites a motorway on a shared stretch
    order = sk.assign(rank=(sk["road_class"] != "motorway").astype(int)).sort_values("rank")
    for r in order.to_dict("records"):
        s, t = snap[r["from_node"]], snap[r["to_node"]]
        p = pred[row_of[s]]
        v = t
        while v != s and v >= 0:
            u = p[v]
            if u < 0:
                break
            i = edge.get((min(u, v), max(u, v)))
            if i is not None and not corridor[i]:
                road_class[i] = r["road_class"] or "major"
                corridor[i] = r["corridor"]
                class_source[i] = (f"class of keten corridor {r['corridor']} "
                                   "(scripts/network_spec/links_spec.csv) along its path")
            v = u
    road_links["road_class"] = road_class
    road_links["corridor"] = corridor
    road_links["road_class_source"] = class_source


def _named_road_classes(road_links: pd.DataFrame, road_nodes: pd.DataFrame) -> None:
    """Motorways, then trunk roads, by route number (scripts/network_spec/road_routes.csv, each
    with its road authority) on the links their waypoints pin, then their other carriageway;
    a class laid earlier (a sketch-corridor motorway, a motorway route) is never lowered."""
    import network_spec.route_attributes as ra

    spec = ra.read_spec(ROAD_ROUTES)
    unknown = sorted(set(spec["road_class"]) - set(ROUTE_CLASSES))
    if unknown:
        raise SystemExit(f"{ROAD_ROUTES}: road_class {unknown} is not one of {ROUTE_CLASSES}")
    for rank, cls in enumerate(ROUTE_CLASSES):
        rows = spec[spec["road_class"] == cls].reset_index(drop=True)
        _lay_road_class(road_links, road_nodes, rows, set(ROUTE_CLASSES[:rank + 1]))


def _lay_road_class(road_links: pd.DataFrame, road_nodes: pd.DataFrame, spec: pd.DataFrame,
                    keep: set[str]) -> None:
    """Lay the routes of ``spec`` (one class) onto the layer; a link already of a class in
    ``keep`` (this class or a higher one) stays as it is."""
    import network_spec.route_attributes as ra

    cls = str(spec["road_class"].iloc[0]) if len(spec) else ""
    road_class = road_links["road_class"].to_numpy(dtype=object).copy()
    found = ra.match_routes(road_links, road_nodes, spec, pd.read_csv(PLACES),
                            prefer=road_class == cls)
    for line in found.skipped:
        print(f"  road route not laid: {line}")
    class_source = road_links["road_class_source"].to_numpy(dtype=object).copy()
    corridor = road_links["corridor"].to_numpy(dtype=object).copy()
    for i, row in sorted(found.link_route.items()):
        if road_class[i] in keep:
            continue
        r = spec.iloc[row]
        road_class[i] = cls
        class_source[i] = (f"{cls} {r['route']} ({r['source']}; "
                           f"scripts/network_spec/road_routes.csv): {found.link_rule[i]}")
        corridor[i] = corridor[i] or r["route"].split(" (")[0]
    beside = ra.parallel_links(road_links, road_nodes, road_class == cls)
    for i, j in sorted(beside.items()):
        if road_class[i] != "major":
            continue
        road_class[i] = cls
        class_source[i] = f"other carriageway: {ra.PARALLEL_RULE}{class_source[j]}"
        corridor[i] = corridor[i] or corridor[j]
    road_links["road_class"] = road_class
    road_links["road_class_source"] = class_source
    road_links["corridor"] = corridor


def _rail_electrification(rail_links: pd.DataFrame, rail_nodes: pd.DataFrame) -> None:
    """Electrification per rail link from the lines of scripts/network_spec/rail_lines.csv
    (network statements); a Dutch link on no listed line takes the ProRail standard."""
    import network_spec.route_attributes as ra

    spec = ra.read_spec(RAIL_LINES)
    found = ra.match_routes(rail_links, rail_nodes, spec, pd.read_csv(PLACES), name_col="line")
    for line in found.skipped:
        print(f"  rail line not laid: {line}")
    pos = rail_nodes.set_index("node_id")[["lon", "lat"]].astype(float)
    a = pos.loc[rail_links["from_node"]].to_numpy()
    b = pos.loc[rail_links["to_node"]].to_numpy()
    country = _country_of((a[:, 0] + b[:, 0]) / 2, (a[:, 1] + b[:, 1]) / 2)
    electrified = np.where(country == "NL", "yes", "unknown").astype(object)
    system = np.where(country == "NL", RAIL_NL_STANDARD[0], "").astype(object)
    source = np.where(country == "NL", RAIL_NL_STANDARD[1], RAIL_ELECTRIFIED_NONE).astype(object)
    for i, row in sorted(found.link_route.items()):
        r = spec.iloc[row]
        electrified[i] = r["electrified"]
        system[i] = r["system"]
        source[i] = (f"{r['line']}: {r['source']} (scripts/network_spec/rail_lines.csv); "
                     f"{found.link_rule[i]}")
    matched = np.zeros(len(rail_links), dtype=bool)
    matched[list(found.link_route)] = True
    for i, j in sorted(ra.parallel_links(rail_links, rail_nodes, matched).items()):
        electrified[i], system[i] = electrified[j], system[j]
        source[i] = f"other track: {ra.PARALLEL_RULE}{source[j]}"
    rail_links["country"] = country
    rail_links["rail_electrified"] = electrified
    rail_links["rail_power_system"] = system
    rail_links["electrified_source"] = source


def _sketch_rail_systems(base_links: pd.DataFrame, sketch: object) -> None:
    """The power system of the sketch's electrified freight corridors (their electrification
    is in links_spec.csv), by the rules of the network statements: Betuweroute 25 kV AC,
    other Dutch lines 1.5 kV DC, German 15 kV 16.7 Hz AC, Belgian 3 kV DC."""
    rail = (base_links["mode"] == "rail").to_numpy()
    sn = sketch.nodes.set_index("node_id")  # type: ignore[attr-defined]
    mid_lon = (sn.loc[base_links["from_node"], "lon"].to_numpy(float)
               + sn.loc[base_links["to_node"], "lon"].to_numpy(float)) / 2
    mid_lat = (sn.loc[base_links["from_node"], "lat"].to_numpy(float)
               + sn.loc[base_links["to_node"], "lat"].to_numpy(float)) / 2
    country = _country_of(mid_lon, mid_lat)
    system = np.array([RAIL_SYSTEMS.get(c, ("", ""))[0] for c in country], dtype=object)
    system[base_links["corridor"].astype(str).str.startswith("Betuweroute").to_numpy()] = (
        "25 kV 50 Hz AC")
    yes = rail & (base_links["rail_electrified"].astype(str) == "yes").to_numpy()
    base_links["rail_power_system"] = np.where(yes, system, "")
    base_links.loc[rail, "electrified_source"] = np.where(
        yes[rail], "electrification: keten sketch corridor (links_spec.csv); system: "
        + np.array([RAIL_SYSTEMS.get(c, ("", "unknown"))[1] for c in country[rail]],
                   dtype=object), "keten sketch corridor (links_spec.csv)")


def _rail_unknowns(links: pd.DataFrame) -> None:
    """Rail links no source speaks for (sketch links without a value, transfer links) say
    "unknown", so every rail link is yes, no or unknown."""
    rail = (links["mode"] == "rail").to_numpy()
    blank = rail & ~links["rail_electrified"].astype(str).isin(["yes", "no", "unknown"]).to_numpy()
    links.loc[blank, "rail_electrified"] = "unknown"
    links.loc[blank, "electrified_source"] = (
        "unknown: no network statement recorded for this link (a terminal's transfer link or "
        "a sketch link without a value)")
    links.loc[rail & links["rail_power_system"].isna().to_numpy(), "rail_power_system"] = ""


def _access(terminals: pd.DataFrame, layer_nodes: pd.DataFrame, mode: str) -> pd.DataFrame:
    """A transfer link from each terminal handling ``mode`` to the layer's nearest node
    (straight line x ACCESS_CIRCUITY), where that node is within ACCESS_MAX_KM."""
    wants = terminals[terminals["modes"].astype(str).str.split("|").apply(lambda m: mode in m)
                      & ~terminals["kind"].isin(["junction"])]
    if not len(wants) or not len(layer_nodes):
        return pd.DataFrame()
    scale = np.cos(np.radians(52.0))
    tree = cKDTree(np.column_stack([layer_nodes["lon"] * scale, layer_nodes["lat"]]))
    lon = wants["lon"].astype(float).to_numpy()
    lat = wants["lat"].astype(float).to_numpy()
    _, near = tree.query(np.column_stack([lon * scale, lat]))
    target = layer_nodes.iloc[near]
    km = haversine_km(lon, lat, target["lon"].to_numpy(float), target["lat"].to_numpy(float))
    ok = km <= ACCESS_MAX_KM
    for node_id, d in zip(wants["node_id"][~ok], km[~ok], strict=True):
        print(f"  no {mode} transfer link for {node_id}: nearest layer node {d:.1f} km away")
    return pd.DataFrame({
        "link_id": [f"access:{mode}:{n}" for n in wants["node_id"][ok]],
        "from_node": wants["node_id"].to_numpy()[ok], "to_node": target["node_id"].to_numpy()[ok],
        "mode": mode, "length_km": np.maximum(0.3, km[ok] * ACCESS_CIRCUITY),
        "source": f"keten transfer link: straight line x {ACCESS_CIRCUITY} to the nearest "
                  f"{mode} node", "licence": "keten (Apache-2.0)"})


def build(fairway_shp: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from scgraph_data.world_highways import world_highways_geograph
    from scgraph_data.world_railways import world_railways_geograph

    dn = sketch_network()
    fw_nodes, fw_links, fw_geoms = _fairways(fairway_shp)
    road_nodes, road_links = _scgraph(world_highways_geograph, "road", "road",
                                      "world_highways")
    _road_classes(road_links, road_nodes, dn)
    _named_road_classes(road_links, road_nodes)
    rail_nodes, rail_links = _scgraph(world_railways_geograph, "rail", "rail",
                                      "world_railways")
    _rail_electrification(rail_links, rail_nodes)
    fw_nodes["modes"] = ""
    base_links = dn.links[dn.links["mode"] != "road"].copy()
    base_links["licence"] = "keten sketch network (see its source column)"
    _sketch_rail_systems(base_links, dn)
    new_terminals = _terminals()
    clash = set(new_terminals["node_id"]) & set(dn.nodes["node_id"])
    if clash:
        raise SystemExit(f"terminals.csv repeats sketch node ids: {sorted(clash)}")
    hubs = pd.concat([dn.nodes, new_terminals], ignore_index=True)
    extra = _extra_links(hubs)
    access = [_access(hubs, road_nodes, "road"), _access(hubs, rail_nodes, "rail"),
              _access(hubs, fw_nodes, "inland_waterway")]
    nodes = pd.concat([hubs, fw_nodes, road_nodes, rail_nodes], ignore_index=True)
    links = pd.concat([base_links, fw_links, road_links, rail_links, extra, *access],
                      ignore_index=True)
    _rail_unknowns(links)
    geometry = np.concatenate([link_lines(dn)[dn.links["mode"].to_numpy() != "road"],
                               fw_geoms,
                               np.full(len(road_links) + len(rail_links) + len(extra)
                                       + sum(len(x) for x in access), None)])
    _waterway_attributes(links, geometry, nodes)
    used = set(links["from_node"]) | set(links["to_node"])
    nodes = nodes[nodes["node_id"].isin(used)].reset_index(drop=True)  # sketch-road junctions
    links["geometry_wkb"] = shapely.to_wkb(geometry)
    links["geometry_wkb"] = links["geometry_wkb"].where(pd.notna(geometry), None)
    return nodes, links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fairways", type=Path, required=True)
    args = parser.parse_args()
    nodes, links = build(args.fairways)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "__init__.py").touch()
    text_cols = [c for c in links.columns if links[c].dtype == object and c != "geometry_wkb"]
    links[text_cols] = links[text_cols].astype(str).replace({"nan": "", "None": ""})
    node_text = [c for c in nodes.columns if nodes[c].dtype == object]
    nodes[node_text] = nodes[node_text].astype(str).replace({"nan": "", "None": ""})
    pq.write_table(pa.Table.from_pandas(nodes, preserve_index=False), OUT / "nodes.parquet",
                   compression="zstd")
    pq.write_table(pa.Table.from_pandas(links, preserve_index=False), OUT / "links.parquet",
                   compression="zstd")
    # the map's merged lines, so the dashboard draws the network without loading it
    from keten.network.build import national_network
    from keten.network.display import display_chains

    national_network.cache_clear()
    lines = pd.DataFrame(display_chains(national_network()))
    pq.write_table(pa.Table.from_pandas(lines, preserve_index=False), OUT / "display.parquet",
                   compression="zstd")
    size = sum(p.stat().st_size for p in OUT.glob("*.parquet")) / 1e6
    print(f"wrote {OUT}: {len(nodes)} nodes, {len(links)} links "
          f"({links['mode'].value_counts().to_dict()}), {size:.1f} MB")


if __name__ == "__main__":
    main()
