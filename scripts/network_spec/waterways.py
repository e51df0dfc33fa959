"""Sourced attributes of keten's national waterway links (for scripts/build_national_network.py).

Rijkswaterstaat's Vaarwegvakken carry route code (VRT_CODE), fairway name (VWG_NAAM) and kilometre
markers, but no CEMT class, depth, gauge or lock. This module adds them from tables that name a
source on every row, and guesses nothing:

- ``fairway_classes.csv``: CEMT class, reference depth and whether the Lobith discharge governs the
  depth, per RWS route (optionally per fairway name within the route);
- ``depth_gauges.csv``: positions of the gauges of keten's Lobith discharge -> depth relation; a
  section governed by the Lobith discharge takes the nearest gauge of its branch (Waal, Rhine);
  branches without a gauge of their own in the relation (IJssel, Pannerdensch Kanaal) take Nijmegen
  as a marked proxy, the choice src/keten/resilience/data/gauges.csv documents for the sketch;
- ``link_depths.csv``: depth at GlW and governing gauge of the German Rhine links, canal depths;
- ``locks.csv``: the main locks, each put on the nearest waterway link within LOCK_SNAP_KM.

Columns written (units in the names): cemt_class, cemt_source, reference_gauge, depth_ref_m,
depth_ref_basis, depth_gauge, depth_gauge_proxy, depth_gauge_km, depth_source, locks, lock_names,
lock_chamber_length_m, lock_chamber_width_m.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
LOCK_SNAP_KM = 1.5  # a lock further than this from every waterway link is reported, not placed
LOCK_NAMED_KM = 3.5  # ... unless a section of its own waterway lies within this (coarse RWS lines)
PROXY_GAUGE = "Nijmegen"  # as src/keten/resilience/data/gauges.csv for branches without a gauge
NO_CLASS = ("no class: route not in scripts/network_spec/fairway_classes.csv "
            "(Vaarwegvakken carries none)")
_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)  # ETRS89-LAEA, metres


def read_table(name: str) -> pd.DataFrame:
    """A CSV of this folder without its '#' header lines, every field as text."""
    text = (HERE / name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def _metres(geoms: np.ndarray) -> np.ndarray:
    """Lon/lat geometries to ETRS89-LAEA metres (distances in m)."""
    return shapely.transform(geoms, lambda xy: np.column_stack(_LAEA.transform(xy[:, 0], xy[:, 1])))


def fairway_attributes(vrt_code: pd.Series, vwg_naam: pd.Series, begkm: pd.Series,
                       endkm: pd.Series, geoms: np.ndarray, inland: np.ndarray) -> pd.DataFrame:
    """Class, depth and gauge columns for RWS sections (index as ``vrt_code``).

    ``begkm``/``endkm`` are the sections' kilometre markers (BEGKM/ENDKM), ``geoms`` their lon/lat
    lines; ``inland`` masks sections that are not sea lanes. A table row applies when route,
    name (if given) and kilometre range (if given) match; a row naming the fairway wins."""
    table = read_table("fairway_classes.csv")
    rows = sorted(table.to_dict("records"), key=lambda r: r["vwg_naam"] == "")
    by_code: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_code.setdefault(r["vrt_code"], []).append(r)
    n = len(vrt_code)
    out = pd.DataFrame({
        "cemt_class": [""] * n, "cemt_source": [NO_CLASS] * n, "reference_gauge": [""] * n,
        "depth_ref_m": np.full(n, np.nan), "depth_ref_basis": [""] * n, "depth_source": [""] * n,
        "depth_gauge": [""] * n, "depth_gauge_proxy": np.zeros(n, bool),
        "depth_gauge_km": np.full(n, np.nan)}, index=vrt_code.index)
    for i, (code, name, km0, km1, wet) in enumerate(zip(
            vrt_code.astype(str), vwg_naam.astype(str), begkm.astype(float),
            endkm.astype(float), inland, strict=True)):
        if not wet:
            out.iat[i, 1] = "sea lane: no inland class"
            continue
        row = next((r for r in by_code.get(code, []) if r["vwg_naam"] in ("", name)
                    and (not r["km_from"] or min(km0, km1) >= float(r["km_from"]))
                    and (not r["km_to"] or max(km0, km1) <= float(r["km_to"]))), None)
        if row is None:
            continue
        out.iat[i, 0] = row["cemt_class"]
        out.iat[i, 1] = row["source"]
        out.iat[i, 2] = row["reference_gauge"]
        if row["depth_ref_m"]:
            out.iat[i, 3] = float(row["depth_ref_m"])
            out.iat[i, 4] = row["depth_ref_basis"]
            out.iat[i, 5] = row["source"]
    _governing_gauges(out, vrt_code.astype(str), geoms)
    return out


def _governing_gauges(out: pd.DataFrame, code: pd.Series, geoms: np.ndarray) -> None:
    """depth_gauge for sections whose reference gauge is Lobith: the nearest gauge of the
    relation on the section's branch (Waal and Boven-Rijn: the Rhine/Waal gauges), else the
    marked proxy (IJssel, Pannerdensch Kanaal have no gauge of their own in the relation).
    The branch is told by the RWS route code."""
    gauges = read_table("depth_gauges.csv")
    pts = _metres(shapely.points(gauges["lon"].astype(float), gauges["lat"].astype(float)))
    dutch = gauges["river"].isin(["Waal", "Rhine"]).to_numpy() & (
        gauges["lat"].astype(float) > 51.7).to_numpy()  # Emmerich and the Waal gauges
    lobith = (out["reference_gauge"] == "Lobith").to_numpy()
    waal = lobith & (code == "101").to_numpy()
    mids = _metres(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    for i in np.flatnonzero(waal):
        d = shapely.distance(mids[i], pts[dutch]) / 1000.0
        k = int(np.argmin(d))
        out.iat[i, out.columns.get_loc("depth_gauge")] = gauges["gauge"].to_numpy()[dutch][k]
        out.iat[i, out.columns.get_loc("depth_gauge_km")] = round(float(d[k]), 1)
    for i in np.flatnonzero(lobith & ~waal):
        out.iat[i, out.columns.get_loc("depth_gauge")] = PROXY_GAUGE
        out.iat[i, out.columns.get_loc("depth_gauge_proxy")] = True
        near = shapely.distance(mids[i], pts[gauges["gauge"].to_numpy() == PROXY_GAUGE][0])
        out.iat[i, out.columns.get_loc("depth_gauge_km")] = round(float(near) / 1000.0, 1)


def apply_link_depths(links: pd.DataFrame) -> None:
    """Reference depth and governing gauge on keten's own waterway links (link_depths.csv)."""
    table = read_table("link_depths.csv").set_index("link_id")
    missing = sorted(set(table.index) - set(links["link_id"]))
    if missing:
        raise SystemExit(f"link_depths.csv names links the network lacks: {missing}")
    for col in ("depth_ref_m", "depth_ref_basis", "depth_gauge", "depth_source",
                "depth_gauge_proxy"):
        if col not in links.columns:
            links[col] = np.nan if col == "depth_ref_m" else (False if col.endswith("proxy")
                                                              else "")
    rows = links["link_id"].isin(table.index).to_numpy()
    t = table.loc[links.loc[rows, "link_id"]]
    links.loc[rows, "depth_ref_m"] = t["depth_ref_m"].astype(float).to_numpy()
    links.loc[rows, "depth_ref_basis"] = t["depth_ref_basis"].to_numpy()
    links.loc[rows, "depth_gauge"] = t["depth_gauge"].to_numpy()
    links.loc[rows, "depth_source"] = t["source"].to_numpy()


def place_locks(links: pd.DataFrame, geoms: np.ndarray) -> pd.DataFrame:
    """Put every lock of locks.csv on its waterway link; return one row per lock.

    Candidates are the inland-waterway links with a geometry (lon/lat). RWS sections
    (``vwk:``) whose corridor or fairway name contains the lock's waterway come first, then any
    RWS section, then keten's corridor links, each within LOCK_SNAP_KM, then a section of its
    own waterway within LOCK_NAMED_KM. On each link that gets a
    lock, ``locks`` becomes the number of listed locks on it (or the corridor's own larger
    count from its spec), ``lock_names`` their names and the
    chamber columns the smallest of their largest published chambers (the limit for a ship
    passing them all)."""
    locks = read_table("locks.csv")
    wet = (links["mode"] == "inland_waterway").to_numpy() & pd.notna(geoms)
    idx = np.flatnonzero(wet)
    lines = _metres(geoms[idx].astype(object))
    pts = _metres(shapely.points(locks["lon"].astype(float), locks["lat"].astype(float)))
    ids = links["link_id"].to_numpy()[idx].astype(str)
    rws = np.char.startswith(ids, "vwk:")
    fairway = links["fairway_name"] if "fairway_name" in links.columns else links["corridor"]
    names = [f"{links['corridor'].iat[i]} | {fairway.iat[i]}" for i in idx]
    placed = []
    for k, pt in enumerate(pts):
        d = shapely.distance(pt, lines) / 1000.0
        near = d <= LOCK_SNAP_KM
        on_its_waterway = np.array([locks["waterway"].iat[k] in x for x in names])
        named = on_its_waterway & near
        # the fairway the lock is on, else any RWS section, else a keten corridor link
        far = on_its_waterway & (d <= LOCK_NAMED_KM)
        pool = next((np.flatnonzero(m) for m in (named & rws, near & rws, named, near, far & rws)
                     if m.any()), np.array([], dtype=int))
        if not len(pool):
            placed.append({"link_id": "", "distance_km": round(float(d.min()), 2)})
            continue
        j = pool[np.argmin(d[pool])]
        placed.append({"link_id": ids[j], "distance_km": round(float(d[j]), 3)})
    result = locks.assign(**pd.DataFrame(placed))
    for col, empty in (("lock_names", ""), ("lock_chamber_length_m", np.nan),
                       ("lock_chamber_width_m", np.nan)):
        if col not in links.columns:
            links[col] = empty
    on = result[result["link_id"] != ""]
    for link_id, group in on.groupby("link_id", sort=True):
        row = links.index[links["link_id"] == link_id]
        length = pd.to_numeric(group["chamber_length_m"], errors="coerce")
        width = pd.to_numeric(group["chamber_width_m"], errors="coerce")
        before = pd.to_numeric(links.loc[row, "locks"], errors="coerce").fillna(0).max()
        links.loc[row, "locks"] = max(float(before), float(len(group)))  # a corridor's own count
        links.loc[row, "lock_names"] = "|".join(group["lock"])
        links.loc[row, "lock_chamber_length_m"] = length.min()
        links.loc[row, "lock_chamber_width_m"] = width.min()
    return result
