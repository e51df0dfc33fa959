"""Deep-sea legs with the ``searoute`` package: ports by UN/LOCODE, passages to avoid.

A port that is not a node of the network (e.g. CNSHA) is joined to every seaport of the
network by a sea link whose length is searoute's shortest maritime route, optionally
avoiding chokepoints (``suez``, ``babalmandab``, ``panama``, ...). searoute's own default
restriction (the Northwest passage) is always kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd

from keten.errors import KetenError, NoRouteError
from keten.network.build import network_from_frames
from keten.network.model import Network, records

# Passages searoute can avoid (searoute 1.3+ ``restrictions``).
PASSAGES = ("babalmandab", "bosporus", "gibraltar", "suez", "panama", "ormuz", "northwest",
            "malacca", "sunda")
SEAROUTE_SOURCE = "searoute (Eurostat MARNET maritime network) shortest sea route"


@lru_cache(maxsize=1)
def sea_ports() -> dict[str, tuple[str, float, float]]:
    """UN/LOCODE -> (name, lat, lon) from searoute's port list."""
    text = resources.files("searoute.data").joinpath("ports.geojson").read_text(encoding="utf-8")
    out = {}
    for f in json.loads(text)["features"]:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        out[str(p["port"]).upper()] = (str(p.get("name", p["port"])), float(lat), float(lon))
    return out


def check_passages(avoid: Iterable[str]) -> tuple[str, ...]:
    """Normalise passage names; unknown names are an error listing the known ones."""
    names = tuple(sorted({a.strip().lower().replace("-", "").replace("_", "")
                          for a in avoid if a.strip()}))
    bad = [a for a in names if a not in PASSAGES]
    if bad:
        raise KetenError(f"unknown passage(s) {', '.join(bad)}; use {', '.join(PASSAGES)}")
    return names


@lru_cache(maxsize=4096)
def sea_distance_km(lat1: float, lon1: float, lat2: float, lon2: float,
                    avoid: tuple[str, ...] = ()) -> float:
    """Shortest sea route in km between two points (searoute), avoiding ``avoid``."""
    import searoute

    restrictions = sorted({"northwest", *check_passages(avoid)})
    try:
        feature = searoute.searoute([lon1, lat1], [lon2, lat2], units="km",
                                    restrictions=restrictions)
    except Exception as exc:  # searoute raises plain exceptions when no route exists
        raise NoRouteError(f"no sea route avoiding {', '.join(restrictions)}: {exc}") from None
    length = float(feature["properties"]["length"])
    if not length > 0 and (lat1, lon1) != (lat2, lon2):
        raise NoRouteError(f"no sea route avoiding {', '.join(restrictions)}")
    return length


def with_foreign_port(net: Network, locode: str, avoid: tuple[str, ...] = ()) -> Network:
    """A copy of ``net`` with port ``locode`` joined by sea links to every sea-capable port."""
    name, lat, lon = sea_ports()[locode]
    nodes = net.nodes
    has_sea = nodes["modes"].astype(str).str.split("|").apply(lambda ms: "sea" in ms)
    ports = nodes[has_sea & (nodes["kind"] == "seaport")]
    rows = []
    for p in records(ports):
        try:
            km = sea_distance_km(lat, lon, float(p["lat"]), float(p["lon"]), avoid)
        except NoRouteError:
            continue
        rows.append({"link_id": f"sea:{locode}:{p['node_id']}", "from_node": locode,
                     "to_node": p["node_id"], "mode": "sea", "length_km": km,
                     "corridor": "deep sea", "bidirectional": "true",
                     "source": SEAROUTE_SOURCE + (f", avoiding {', '.join(avoid)}" if avoid
                                                  else "")})
    node = {"node_id": locode, "name": name, "lat": lat, "lon": lon, "kind": "seaport",
            "modes": "sea", "hub_type": "maritime_container_terminal",
            "handling_cost_eur_per_t": 0.0, "handling_time_h": 0.0, "country": locode[:2],
            "source": "UN/LOCODE and position from searoute ports"}
    new_nodes = pd.concat([nodes, pd.DataFrame([node])], ignore_index=True)
    new_links = pd.concat([net.links, pd.DataFrame(rows)], ignore_index=True)
    return network_from_frames(new_nodes.astype(object), new_links.astype(object),
                               name=net.name)
