"""Exhaust emissions and energy of mobile machinery on site.

Engine work (kWh) = operating hours x rated power x load factor, or fuel burnt x density / SFC;
NOx, PM, NH3 = work x the g/kWh of the machine's EU Stage and power class (tables.py); NOx uses
the machine's measured g/kWh instead where the project gives one (real-world NOx of Stage IIIA
and older engines often exceeds the limit). CO2e =
diesel litres x the factor library's WTW factor per litre. An electric machine does the same
work from the grid (drive-train efficiency below): no exhaust on site, CO2e from the grid mix.
"""

from __future__ import annotations

from dataclasses import dataclass

from keten.construction.model import Machine
from keten.construction.tables import ConstructionTables, MachineryFactor
from keten.factors.library import FactorSet

DIESEL_CARRIER = "diesel_nl_b7"  # Dutch market diesel (CO2emissiefactoren.nl), factor library
GRID_CARRIER = "electricity_nl_grid"  # Dutch grid mix, factor library
# Battery/cable-electric drive train, grid to shaft (keten assumption: charger ~95 %,
# battery round trip ~95 %, motor and inverter ~95 %).
ELECTRIC_EFFICIENCY = 0.857


@dataclass(frozen=True)
class MachineRun:
    """A machine line over its phase: work, fuel and emissions (all machines of the line)."""

    source_id: str
    machine: Machine
    engine_work_kwh: float
    operating_hours: float  # machine-hours (count x hours)
    diesel_l: float
    electricity_kwh: float
    adblue_l: float
    nox_kg: float
    nh3_kg: float
    pm_kg: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    factor: MachineryFactor | None  # None for electric machines
    cost_eur: float | None

    @property
    def electric(self) -> bool:
        return self.machine.stage == "electric"


def run_machine(m: Machine, tables: ConstructionTables, fs: FactorSet) -> MachineRun:
    """Work, energy and emissions of one validated machine line."""
    mtype = tables.machine_types[m.machine_type]
    load = m.load_factor if m.load_factor is not None else mtype.load_factor
    diesel = fs.carrier(DIESEL_CARRIER)
    density = float(diesel.density_kg_per_l or 0.836)
    if m.fuel_l is not None:
        kwh = m.fuel_l * density * 1000.0 / mtype.sfc_g_per_kwh * m.count
    else:
        kwh = (m.hours or 0.0) * m.power_kw * load * m.count
    hours = (m.hours * m.count if m.hours is not None
             else kwh / (m.power_kw * load) if m.power_kw * load > 0 else 0.0)
    price = m.electric_price_eur_per_hour if m.stage == "electric" else None
    price = price if price is not None else m.price_eur_per_hour
    cost = price * hours if price is not None else None
    if m.stage == "electric":
        el = kwh / ELECTRIC_EFFICIENCY
        grid = fs.carrier(GRID_CARRIER)
        return MachineRun(m.machine_id, m, kwh, hours, 0.0, el, 0.0, 0.0, 0.0, 0.0,
                          el * float(grid.wtw_kgco2e_per_unit),
                          el * float(grid.ttw_kgco2e_per_unit), None, cost)
    factor = tables.machinery_factor(m.stage, m.power_kw)
    assert factor is not None, "validated input has a factor"
    litres = (m.fuel_l * m.count if m.fuel_l is not None
              else kwh * mtype.sfc_g_per_kwh / 1000.0 / density)
    return MachineRun(
        m.machine_id, m, kwh, hours, litres, 0.0,
        (m.adblue_l or 0.0) * m.count,
        kwh * (m.nox_g_per_kwh if m.nox_g_per_kwh is not None else factor.nox_g_per_kwh) / 1000.0,
        kwh * factor.nh3_g_per_kwh / 1000.0,
        kwh * factor.pm_g_per_kwh / 1000.0,
        litres * float(diesel.wtw_kgco2e_per_unit),
        litres * float(diesel.ttw_kgco2e_per_unit),
        factor, cost,
    )
