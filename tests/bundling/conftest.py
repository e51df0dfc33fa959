from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLOMON = ROOT / "tests" / "reference" / "data" / "solomon"


def load_file(relative: str) -> ModuleType:
    """A module from a file of the repository that is not in a package (scripts/,
    benchmarks/)."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

FLEET_HEADER = ("vehicle_type,count,depot,capacity_kg,capacity_pallets,cost_per_km_eur,"
                "cost_per_hour_eur,fixed_cost_eur,speed_kmh,energy_carrier,emission_standard,"
                "energy_per_km_empty,energy_per_km_full,range_km,shift_start,shift_end\n")
DEPOT = '"51.5600,5.0500"'
DIESEL = f"rigid,2,{DEPOT},9000,18,0.42,45,60,62,diesel_nl_b7,euro_vi,0.22,0.30,,05:00,20:00\n"
BEV = (f"ebox,1,{DEPOT},7500,16,0.30,47,110,62,electricity_nl_grid,electric,0.95,1.25,"
       "{rng},05:00,20:00\n")


@pytest.fixture
def write(tmp_path: Path):
    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return _write


def fleet_text(diesel: bool = True, bev_range: float | None = None) -> str:
    text = FLEET_HEADER + (DIESEL if diesel else "")
    if bev_range is not None:
        text += BEV.format(rng=bev_range)
    return text
