"""Waterway attributes of the national default network (scripts/network_spec/waterways.py):
CEMT class, reference depth and governing gauge per Rijkswaterstaat route, and the main locks,
checked against what keten did not write: the RWS section names and geometry, CBS's published
fairway lengths, and the gauge positions of Deltares' discharge-depth relation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely
from pyproj import Transformer

from keten.resilience.lowwater import GaugeAssignment, depth_relation, low_water_links_at

ROOT = Path(__file__).resolve().parents[2]
LINKS = ROOT / "src" / "keten" / "network" / "data" / "national" / "links.parquet"
SPEC = ROOT / "scripts" / "network_spec"
COLUMNS = ["link_id", "from_node", "to_node", "mode", "length_km", "corridor", "fairway_name",
           "rws_route_code", "ENDKM",
           "cemt_class", "cemt_source", "reference_gauge", "depth_ref_m", "depth_ref_basis",
           "depth_gauge", "depth_gauge_proxy", "depth_gauge_km", "locks", "lock_names",
           "geometry_wkb"]
# CBS StatLine 71531ned "Lengte van vaarwegen; vaarwegkenmerken", 2018, Nederland (source RWS):
# main transport axes 552 km + main fairways 897 km (the waterways of class IV and up that the
# Nationaal Water Programma sets for them), all fairways 6,297 km.
CBS_MAIN_KM = 552 + 897
CBS_TOTAL_KM = 6_297


def _table(name: str) -> list[dict[str, str]]:
    text = (SPEC / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(
        "\n".join(line for line in text.splitlines() if not line.startswith("#")))))


@pytest.fixture(scope="module")
def rws() -> object:
    links = pq.read_table(LINKS, columns=COLUMNS).to_pandas()
    return links[links["link_id"].str.startswith("vwk:")].reset_index(drop=True)


def test_named_fairways_have_their_published_class(rws: object) -> None:
    links = rws  # type: ignore[assignment]
    expect = {("101", "Waal"): "VIc", ("225", "Amsterdam-Rijnkanaal"): "VIb",
              ("081", "Kanaal Zutphen-Enschede"): "Va", ("151", "Maximakanaal"): "IV",
              ("150", "Julianakanaal"): "Vb", ("119", "Maas-Waalkanaal"): "Vb",
              ("129", "Schelde-Rijnverbinding"): "VIb", ("130", "Kanaal Gent-Terneuzen"): "VIb",
              ("111", "Oude Maas"): "VIc", ("225e", "Lekkanaal"): "Vb",
              ("230", "Markermeer"): "Vb", ("003", "Van Starkenborghkanaal"): "Va",
              ("101", "Boven-Merwede"): "VIc", ("108", "Nieuwe Merwede"): "VIc",
              ("115", "Hartelkanaal"): "VIc"}
    for (code, name), cls in expect.items():
        rows = links[(links["rws_route_code"] == code) & (links["fairway_name"] == name)]
        assert len(rows) and set(rows["cemt_class"]) == {cls}, (code, name)
    maas = links[(links["rws_route_code"] == "150") & (links["fairway_name"] == "Maas")]
    above_lith = maas["ENDKM"] <= 167.1  # the Maas is weir-held from Borgharen to Lith
    assert set(maas.loc[above_lith, "cemt_class"]) == {"Vb"}
    assert set(maas.loc[~above_lith, "cemt_class"]) == {"Va"} and (~above_lith).sum() >= 4  # VNDS
    # session 6: RWS VNDS bevaarbaarheid records, matched to the sections by geometry
    for code, name, classes in [("101", "Beneden-Merwede", {"VIc"}), ("101", "Noord", {"VIc"}),
                                ("102", "Nieuwe Maas", {"VIb"}),
                                ("102", "Het Scheur", {"VIb", "VIc"}),
                                ("102", "Nieuwe Waterweg", {"Va", "VIc"}),
                                ("112", "Dordtsche Kil", {"VIc"}),
                                ("108", "Hollandsch Diep", {"VIc"}),
                                ("150", "Bergsche Maas", {"Va", "VIc"}), ("150", "Amer", {"VIc"}),
                                ("233", "Noordzeekanaal", {"VIb"})]:
        rows = links[(links["rws_route_code"] == code) & (links["fairway_name"] == name)]
        assert len(rows) and set(rows["cemt_class"]) == classes, (code, name)
    berg = links[(links["rws_route_code"] == "150") & (links["fairway_name"] == "Bergsche Maas")]
    assert set(berg.loc[berg["ENDKM"] <= 217.225, "cemt_class"]) == {"Va"}  # VIc only at the Amer
    zwv = links[(links["rws_route_code"] == "121") & (links["fairway_name"] == "Zuid-Willemsvaart")]
    below_veghel = zwv["ENDKM"] <= 24.615  # nl.wikipedia: IV Veghel - 's-Hertogenbosch, II above
    assert set(zwv.loc[below_veghel, "cemt_class"]) == {"IV"}
    assert set(zwv.loc[~below_veghel, "cemt_class"]) == {"II"}
    classed = links[links["cemt_class"] != ""]
    assert set(classed["cemt_source"]) <= {r["source"] for r in _table("fairway_classes.csv")}
    assert not (links["cemt_source"] == "nearest corridor of keten's default network").any()


def test_classified_length_against_cbs(rws: object) -> None:
    """The Dutch sections keten classifies (class IV and up) stay within CBS's main-network
    length, and cover at least 87 % of it (1,281 km = 88.4 % after issue 11's sixth session; the
    coverage before it, 1,099 km = 75.8 %, fails this); the RWS sections' inland length matches
    CBS's total."""
    links = rws  # type: ignore[assignment]
    inland = links[links["mode"] == "inland_waterway"]
    dutch = inland[~inland["rws_route_code"].isin(["304"])]  # 304: Albertkanaal (Belgium)
    main = dutch["cemt_class"].isin(["IV", "Va", "Vb", "VIa", "VIb", "VIc"])  # CBS counts IV and up
    classed_km = dutch.loc[main, "length_km"].sum()
    assert 0.87 * CBS_MAIN_KM <= classed_km <= 1.05 * CBS_MAIN_KM
    assert dutch["length_km"].sum() >= CBS_TOTAL_KM  # the set also holds harbours and basins


def test_every_class_row_was_read_in_its_source() -> None:
    """No class rests on memory: each row of fairway_classes.csv was read in the page it names,
    and the rows removed for want of a readable source (issue 11) stay unclassed."""
    rows = _table("fairway_classes.csv")
    assert {r["checked"] for r in rows} <= {"read", "secondary"}
    assert all(r["source"] for r in rows)
    keyed = {(r["vrt_code"], r["vwg_naam"]) for r in rows}
    for gone in [("022", ""), ("102", ""), ("101", ""), ("086", "")]:
        assert gone not in keyed, gone


def test_every_lock_lies_on_its_fairway() -> None:
    """Each lock of locks.csv sits on one link whose RWS route or fairway name is the lock's
    waterway, within 1.5 km of the lock's published position (3.5 km on the coarse
    single-section Albertkanaal), measured here in UTM 31N from the stored geometry (the straight
    line for a keten corridor link) rather than in the build's projection."""
    links = pq.read_table(LINKS, columns=COLUMNS).to_pandas()
    links = links[links["lock_names"].fillna("") != ""]
    nodes = pq.read_table(LINKS.with_name("nodes.parquet"), columns=["node_id", "lon", "lat"])
    pos = {n: (x, y) for n, x, y in zip(*(nodes.column(c).to_pylist()
                                         for c in ("node_id", "lon", "lat")), strict=True)}
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32631", always_xy=True)
    unplaced = set()
    for lock in _table("locks.csv"):
        on = links[links["lock_names"].str.split("|").apply(
            lambda names, n=lock["lock"]: n in names)]
        if not len(on):
            unplaced.add(lock["lock"])
            continue
        assert len(on) == 1, lock["lock"]
        row = on.iloc[0]
        assert lock["waterway"] in f"{row['corridor']} | {row['fairway_name']}", lock["lock"]
        shape = (shapely.from_wkb(row["geometry_wkb"]) if row["geometry_wkb"] is not None
                 else shapely.LineString([pos[row["from_node"]], pos[row["to_node"]]]))
        line = shapely.transform(shape,
                                 lambda xy: np.column_stack(utm.transform(xy[:, 0], xy[:, 1])))
        pt = shapely.Point(utm.transform(float(lock["lon"]), float(lock["lat"])))
        limit_km = 3.5 if lock["waterway"] == "Albertkanaal" else 1.5
        assert line.distance(pt) / 1000 <= limit_km, lock["lock"]
        assert row["locks"] >= 1
    assert not unplaced


def test_rhine_branch_sections_name_the_gauge_that_governs_them(rws: object) -> None:
    links = rws  # type: ignore[assignment]
    waal = links[(links["rws_route_code"] == "101") & (links["fairway_name"] == "Waal")]
    assert set(waal["reference_gauge"]) == {"Lobith"}
    assert set(waal["depth_ref_m"]) == {2.80} and set(waal["depth_ref_basis"]) == {
        "OLR (150 m wide)"}
    assert set(waal["depth_gauge"]) <= {"Erlecom", "Nijmegen", "Ophemert", "St. Andries",
                                        "Zaltbommel"}
    assert (waal["depth_gauge_km"] < 25).all() and not waal["depth_gauge_proxy"].any()
    ijssel = links[(links["rws_route_code"] == "084")
                   & (links["fairway_name"] == "Geldersche IJssel")]
    assert set(ijssel["depth_gauge"]) == {"Nijmegen"} and ijssel["depth_gauge_proxy"].all()
    lake = links[links["fairway_name"].isin(["Ketelmeer", "Keteldiep"])]
    assert len(lake) and set(lake["reference_gauge"]) == {""}  # at the IJsselmeer's level
    canal = links[links["rws_route_code"].isin(["225", "081", "150"])]
    assert set(canal["reference_gauge"]) == {""} and set(canal["depth_gauge"]) == {""}
    # the columns feed keten's low-water model as they are
    rel = depth_relation().depth_at(800.0)
    assign = {r.link_id: GaugeAssignment(r.link_id, (r.depth_gauge,), bool(r.depth_gauge_proxy),
                                         "") for r in waal.itertuples()}
    out = low_water_links_at(rel, zip(waal["link_id"], waal["cemt_class"],
                                      waal["reference_gauge"], strict=True), gauges=assign)
    assert len(out) == len(waal) and all(0 < x.payload_factor < 1 for x in out)
    assert np.isclose(min(x.depth_m for x in out), min(rel[g] for g in waal["depth_gauge"]))


def test_a_lock_goes_to_its_own_fairway_before_a_nearer_harbour() -> None:
    """place_locks on two parallel lines: the harbour basin lies nearer to the lock, the named
    fairway 0.8 km away wins; a corridor link keeps its own larger lock count."""
    import sys

    import pandas as pd

    sys.path.insert(0, str(ROOT / "scripts"))
    from network_spec.waterways import place_locks

    lock = next(r for r in _table("locks.csv") if r["lock"] == "Prinses Irenesluizen")
    lat, lon = float(lock["lat"]), float(lock["lon"])
    links = pd.DataFrame({
        "link_id": ["vwk:harbour", "vwk:ark", "inland_waterway:a:b"],
        "mode": "inland_waterway", "corridor": ["Haven", "Amsterdam-Rijnkanaal", "ARK sketch"],
        "fairway_name": ["Haven", "Amsterdam-Rijnkanaal", ""], "locks": [np.nan, np.nan, 3.0]})
    geoms = np.array([shapely.LineString([(lon - 0.01, lat + d), (lon + 0.01, lat + d)])
                      for d in (0.001, 0.007, 0.0)], dtype=object)
    placed = place_locks(links, geoms)
    row = placed[placed["lock"] == "Prinses Irenesluizen"].iloc[0]
    assert row["link_id"] == "vwk:ark" and 0.7 < row["distance_km"] < 0.85
    assert links.loc[1, "locks"] == 1 and links.loc[1, "lock_names"] == "Prinses Irenesluizen"
    assert links.loc[1, "lock_chamber_length_m"] == 260 and np.isnan(links.loc[0, "locks"])
    corridor = links.iloc[[2]].reset_index(drop=True)
    place_locks(corridor, geoms[[2]])
    assert corridor.loc[0, "locks"] == 3 and "Prinses Irenesluizen" in corridor.loc[0, "lock_names"]
