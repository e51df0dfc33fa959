"""Links and nodes as a reader knows them: "Waal: Nijmegen – Pannerdensche Kop" rather than
``inland_waterway:wj-nijmegen:wj-pannerdensche-kop``, "Duisburg" rather than ``DEDUI``.

A link's name is its waterway (``fairway_name`` of an RWS section) or corridor, followed by
the names of its ends where the network names them; a link with neither keeps its id. The
ids stay the keys: these names are for tables and charts, never to look anything up by.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from keten.display import node_labels
from keten.network.model import Network

# qualifiers of junction names that say nothing a link's waterway does not already say
_JUNCTION_PREFIXES = ("Fairway junction ", "Rail junction ", "Road junction ")


def node_names(net: Network) -> dict[str, str]:
    """Node id -> short place name (:func:`keten.display.node_labels`), for every node the
    network names ("Nijmegen" for the fairway junction at Nijmegen); unnamed nodes are absent,
    as are names without a letter (an RWS junction's "2477" is a number, not a place)."""
    names = net.nodes["name"].astype(str)
    named = net.nodes[names.str.contains(r"[^\W\d_]", regex=True)]
    labels = node_labels(named["node_id"].astype(str), named["name"].astype(str))
    return {i: _without_prefix(n) for i, n in labels.items()}


def _without_prefix(name: str) -> str:
    for prefix in _JUNCTION_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return name


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index)
    values = frame[column].astype(object)
    return values.where(values.notna(), "").astype(str).str.strip().replace(
        {"nan": "", "None": ""})


def with_link_names(frame: pd.DataFrame, net: Network) -> pd.DataFrame:
    """A copy of ``frame`` with a ``link_name`` column after its ``link_id``."""
    out = frame.copy()
    names = link_names(net, out["link_id"].astype(str))
    out.insert(list(out.columns).index("link_id") + 1, "link_name",
               [names[str(i)] for i in out["link_id"]])
    return out


def link_names(net: Network, link_ids: Iterable[str]) -> dict[str, str]:
    """Link id -> readable name for ``link_ids`` (unknown ids map to themselves)."""
    wanted = list(dict.fromkeys(str(i) for i in link_ids))
    links = net.links[net.links["link_id"].astype(str).isin(wanted)]
    nodes = node_names(net)
    way = _text(links, "fairway_name")
    way = way.where(way != "", _text(links, "corridor"))
    out = {i: i for i in wanted}
    for link_id, a, b, name in zip(links["link_id"].astype(str), links["from_node"].astype(str),
                                   links["to_node"].astype(str), way, strict=True):
        ends = list(dict.fromkeys(nodes[n] for n in (a, b) if n in nodes))
        between = " – ".join(ends)
        if name and len(ends) == 1:  # a terminal's access link to the junction of its name
            out[link_id] = f"{name} at {between}"
        elif name and between:
            out[link_id] = f"{name}: {between}"
        elif name:
            out[link_id] = name
        elif len(ends) == 2:  # one named end alone would pass for a place, not a link
            out[link_id] = between
        elif len(ends) == 1 and link_id.startswith("access:"):  # a terminal's own link
            out[link_id] = f"access to {between}"
    return out
