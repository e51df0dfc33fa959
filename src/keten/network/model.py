"""The network model: a node table and a link table with units in the column names.

Nodes carry a stable id (UN/LOCODE where one exists, else a slug), a kind, the modes they
handle and, for terminals, the handling cost/time and the hub type used for HOC emissions.
Links carry one mode each, a length and a speed (or a travel time) and mode attributes
(CEMT class, reference gauge and locks for waterways; electrification and train length for
rail; road class). Tables are pandas DataFrames at this edge; routing works on numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from keten.model.enums import Mode


class NodeKind(StrEnum):
    SEAPORT = "seaport"
    INLAND_TERMINAL = "inland_terminal"
    RAIL_TERMINAL = "rail_terminal"
    AIRPORT = "airport"
    PIPELINE_TERMINAL = "pipeline_terminal"
    JUNCTION = "junction"
    BORDER_CROSSING = "border_crossing"
    CITY = "city"


# Column name -> kind ("str", "float", "bool"); the order is the canonical column order.
NODE_COLUMNS: dict[str, str] = {
    "node_id": "str",
    "name": "str",
    "lat": "float",
    "lon": "float",
    "kind": "str",
    "modes": "str",  # modes handled, "|"-separated (road|rail|inland_waterway|...)
    "hub_type": "str",  # HubType value; empty = no transshipment here
    "handling_cost_eur_per_t": "float",
    "handling_time_h": "float",
    "country": "str",
    "source": "str",
}

LINK_COLUMNS: dict[str, str] = {
    "link_id": "str",
    "from_node": "str",
    "to_node": "str",
    "mode": "str",
    "length_km": "float",
    "speed_kmh": "float",
    "time_h": "float",  # overrides length / speed when given
    "capacity_t_per_day": "float",
    "cemt_class": "str",
    "reference_gauge": "str",
    "locks": "float",
    "rail_electrified": "str",
    "train_length_m": "float",
    "road_class": "str",
    "corridor": "str",
    "bidirectional": "bool",
    "source": "str",
}
# Columns of imported files that are never kept as extra link attributes.
RESERVED_COLUMNS = frozenset({"geometry", "feature_type", "geometry_wkt"})

REQUIRED_NODE_COLUMNS = ("node_id", "lat", "lon")
REQUIRED_LINK_COLUMNS = ("from_node", "to_node", "mode", "length_km")

# Kinds that never transship goods (a junction only joins links of the same mode layer).
NON_HUB_KINDS = frozenset({NodeKind.JUNCTION, NodeKind.BORDER_CROSSING})


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a table as plain dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


@dataclass(frozen=True)
class ModeDefaults:
    """Per-mode defaults for links that do not say otherwise (see data/mode_defaults.csv)."""

    speed_kmh: dict[Mode, float]
    cost_eur_per_tkm: dict[Mode, float]
    source: dict[Mode, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Network:
    """A multimodal network: ``nodes`` and ``links`` tables in the canonical columns."""

    nodes: pd.DataFrame
    links: pd.DataFrame
    name: str = "network"
    # Optional shapely LineStrings (WGS84), one per link row; None: straight node-to-node.
    link_geometry: Any = field(default=None, repr=False, compare=False)

    @property
    def node_ids(self) -> list[str]:
        return self.nodes["node_id"].astype(str).tolist()

    def node_index(self) -> dict[str, int]:
        """Node id -> row (the first row when an id is duplicated)."""
        ids = self.node_ids
        # built back to front, so the first row of a repeated id is the one that stays
        return dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True))

    def node_modes(self) -> list[frozenset[str]]:
        """Modes each node handles, from its ``modes`` column and the links that touch it
        (worked out once per network: its tables are not changed after it is built)."""
        cached = self.__dict__.get("_node_modes")
        if cached is not None:
            return list(cached)
        result = self._node_modes()
        object.__setattr__(self, "_node_modes", tuple(result))
        return result

    def _node_modes(self) -> list[frozenset[str]]:
        out = [set(filter(None, m.split("|"))) for m in self.nodes["modes"].astype(str).tolist()]
        index = self.node_index()
        codes, names = pd.factorize(self.links["mode"].astype(str))
        rows = np.concatenate([
            self.links[col].astype(str).map(index).fillna(-1).to_numpy(dtype=int)
            for col in ("from_node", "to_node")])
        both = np.concatenate([codes, codes])
        hit = rows >= 0
        pairs = np.unique(rows[hit] * len(names) + both[hit])
        for row, code in zip((pairs // len(names)).tolist(), (pairs % len(names)).tolist(),
                             strict=True):
            out[row].add(str(names[code]))
        return [frozenset(s) for s in out]

    def link_time_h(self, defaults: ModeDefaults) -> np.ndarray:
        """Travel time per link: ``time_h`` if given, else length / speed (link or mode default)."""
        length = self.links["length_km"].to_numpy(dtype=float)
        speed = self.links["speed_kmh"].to_numpy(dtype=float).copy()
        modes = self.links["mode"].astype(str)
        missing = ~np.isfinite(speed) | (speed <= 0)
        if missing.any():
            by_name = {Mode(m).value: v for m, v in defaults.speed_kmh.items()}
            speed[missing] = modes[missing].map(by_name).fillna(50.0).to_numpy(dtype=float)
        time = self.links["time_h"].to_numpy(dtype=float).copy()
        no_time = ~np.isfinite(time)
        time[no_time] = length[no_time] / speed[no_time]
        return time

    def summary(self) -> dict[str, object]:
        """Counts of nodes by kind, links by mode, and kilometres by mode."""
        by_mode = self.links.groupby("mode")["length_km"].agg(["count", "sum"])
        return {
            "name": self.name,
            "nodes": len(self.nodes),
            "links": len(self.links),
            "nodes_by_kind": {str(k): int(v) for k, v in
                              self.nodes["kind"].value_counts().sort_index().items()},
            "links_by_mode": {str(m): int(r["count"]) for m, r in by_mode.iterrows()},
            "length_km_by_mode": {str(m): round(float(r["sum"]), 1)
                                  for m, r in by_mode.iterrows()},
        }
