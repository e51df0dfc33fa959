"""Hazard use cases: a hazard overlay on a network (multi-link redundancy), and raster
hazards in disruption scenarios (sampled along the links, then used as a link attribute)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from keten.errors import Problem, ValidationError
from keten.network.build import default_network
from keten.network.io import read_network_file
from keten.network.labels import with_link_names
from keten.network.model import Network
from keten.resilience.hazard import HazardResult, hazard_overlay, sample_raster_max


def overlay(network: Path | None, threshold: float | None, attribute: str | None = None,
            raster: Path | None = None, same_mode: bool = True) -> HazardResult:
    """Links of ``network`` (default: built-in) whose ``attribute`` or ``raster`` value
    reaches ``threshold``, removed at once, with each one's detour or cut."""
    problems = []
    if (attribute is None) == (raster is None):
        problems.append(Problem("give --hazard-col or --hazard-raster (one of them)", None,
                                None, "hazard"))
    if threshold is None:
        problems.append(Problem("give --threshold (links at or above it are removed)", None,
                                None, "threshold"))
    if problems:
        raise ValidationError(problems, title="invalid hazard overlay")
    assert threshold is not None
    net = default_network() if network is None else read_network_file(network)
    if raster is not None:
        from keten.io.hazard_raster import read_raster

        result = hazard_overlay(net, threshold, raster=read_raster(raster), same_mode=same_mode)
    else:
        result = hazard_overlay(net, threshold, attribute=attribute, same_mode=same_mode)
    # tables show the links by name; the JSON keeps the id next to it
    return dataclasses.replace(result, table=with_link_names(result.table, net))


def with_raster_hazards(doc: Any, net: Network, base: Path | None) -> tuple[Any, Network]:
    """Turn ``target: {hazard: {raster: FILE, at_least: X}}`` into an attribute target:
    the raster (relative to ``base``, the scenario file's folder) is sampled along every link
    into a ``hazard:FILE`` column of a copy of ``net``. Other documents pass unchanged."""
    disruptions = doc.get("disruptions") if isinstance(doc, dict) else None
    if not isinstance(disruptions, list):
        return doc, net
    from keten.io.hazard_raster import read_raster

    out = copy.deepcopy(doc)
    columns: dict[str, Any] = {}
    for d in out["disruptions"]:
        target = d.get("target") if isinstance(d, dict) else None
        hazard = target.get("hazard") if isinstance(target, dict) else None
        if not isinstance(hazard, dict) or not hazard.get("raster") or hazard.get("attribute"):
            continue
        path = Path(str(hazard["raster"]))
        if not path.is_absolute() and base is not None:
            path = base / path
        column = f"hazard:{path.name}"
        if column not in columns:
            columns[column] = sample_raster_max(net, read_raster(path))
        hazard["attribute"] = column
        hazard.pop("raster")
    if not columns:
        return doc, net
    links = pd.concat([net.links, pd.DataFrame(columns, index=net.links.index)], axis=1)
    return out, Network(nodes=net.nodes, links=links, name=net.name,
                        link_geometry=net.link_geometry)
