"""Demo data shipped with keten: a shipper's portfolio, a carrier's fuel log, terminal energy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def demo_file(name: str) -> Path:
    """Path of a bundled demo file (tces.csv, fuel_activity.csv, hub_energy.csv, ...)."""
    return Path(str(resources.files("keten.demo").joinpath("data", name)))
