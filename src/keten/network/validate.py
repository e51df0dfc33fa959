"""Network validation report: duplicate ids, dangling node references, zero or negative
lengths, links whose mode a node does not list, and disconnected components (per mode layer
and for the whole network). Returns problems; ``check_network`` raises them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import rustworkx as rx

from keten.errors import Problem, ValidationError
from keten.network.model import Network, records


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate_network`` found; ``problems`` are errors, ``components`` facts."""

    problems: list[Problem]
    components: int
    component_sizes: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "components": self.components,
            "component_sizes": self.component_sizes,
            "problems": [p.as_dict() for p in self.problems],
        }


def _components(n_nodes: int, a: np.ndarray, b: np.ndarray) -> list[list[int]]:
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n_nodes))
    graph.add_edges_from_no_data(list(zip(a.tolist(), b.tolist(), strict=True)))
    comps = [sorted(c) for c in rx.connected_components(graph)]
    return sorted(comps, key=len, reverse=True)


def validate_network(net: Network, file: str | None = None) -> ValidationReport:
    """Every structural problem of ``net`` (row numbers count the header as row 1)."""
    problems: list[Problem] = []
    if len(net.links) == 0:
        problems.append(Problem("the network has no links", file))
    ids = net.nodes["node_id"].astype(str)
    for nid in sorted(ids[ids.duplicated()].unique()):
        rows = (np.flatnonzero((ids == nid).to_numpy()) + 2).tolist()
        problems.append(Problem(f"duplicate node id '{nid}' (rows {rows})", file, rows[1],
                                "node_id"))
    lids = net.links["link_id"].astype(str)
    for lid in sorted(lids[lids.duplicated()].unique()):
        rows = (np.flatnonzero((lids == lid).to_numpy()) + 2).tolist()
        problems.append(Problem(f"duplicate link id '{lid}' (rows {rows})", file, rows[1],
                                "link_id"))
    index = net.node_index()
    modes = net.nodes["modes"].astype(str).str.split("|").tolist()
    a_idx, b_idx = [], []
    for i, row in enumerate(records(net.links)):
        r = i + 2
        for col in ("from_node", "to_node"):
            ref = row[col]
            if ref not in index:
                problems.append(Problem(f"link '{row['link_id']}' refers to unknown node '{ref}'",
                                        file, r, col))
        length = row["length_km"]
        if not np.isfinite(length):
            problems.append(Problem(f"link '{row['link_id']}' has no length", file, r, "length_km"))
        elif length <= 0:
            problems.append(Problem(f"link '{row['link_id']}' has length {length} km (must be > 0)",
                                    file, r, "length_km"))
        if row["from_node"] == row["to_node"]:
            problems.append(Problem(f"link '{row['link_id']}' is a self-loop", file, r, "to_node"))
        if row["from_node"] in index and row["to_node"] in index:
            a_idx.append(index[row["from_node"]])
            b_idx.append(index[row["to_node"]])
            for col in ("from_node", "to_node"):
                node_modes = modes[index[row[col]]]
                if node_modes != [""] and row["mode"] not in node_modes:
                    problems.append(Problem(
                        f"node '{row[col]}' does not list mode '{row['mode']}' "
                        f"used by link '{row['link_id']}'", file, r, col))
    unique_rows = sorted(set(index.values()))  # a duplicated id is one node here
    pos = {row: k for k, row in enumerate(unique_rows)}
    comps = _components(len(unique_rows), np.array([pos[a] for a in a_idx], dtype=int),
                        np.array([pos[b] for b in b_idx], dtype=int))
    comps = [[unique_rows[k] for k in comp] for comp in comps]
    if len(comps) > 1:
        for comp in comps[1:]:
            names = [net.node_ids[i] for i in comp[:8]]
            more = f" and {len(comp) - 8} more" if len(comp) > 8 else ""
            problems.append(Problem(
                f"disconnected component of {len(comp)} node(s) not joined to the main network "
                f"of {len(comps[0])}: {', '.join(names)}{more}", file, None, None))
    return ValidationReport(problems=problems, components=len(comps),
                            component_sizes=[len(c) for c in comps])


def check_network(net: Network, file: str | None = None) -> Network:
    """Raise one ``ValidationError`` listing every problem, or return ``net`` unchanged."""
    report = validate_network(net, file)
    if report.problems:
        raise ValidationError(report.problems, title=f"invalid network '{net.name}'")
    return net
