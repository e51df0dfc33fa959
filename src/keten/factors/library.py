"""The factor library: energy carriers, default TOCs and HOCs, air-pollutant factors.

Package data in ``keten/factors/data/*.csv``; every row carries ``source``, ``year`` and
``factor_set``. A result records ``FactorSet.version`` so it can be traced to these rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from keten.errors import FactorNotFoundError, Problem, ValidationError
from keten.factors.blend import (
    ZERO_TTW_FAMILIES,
    energy_intensity_mj,
    energy_per_unit_mj,
    resolve_blend,
)
from keten.factors.records import HOC, TOC, EnergyCarrierFactor, PollutantFactor
from keten.model.enums import (
    ActivityUnit,
    DataSource,
    HubActivityUnit,
    HubType,
    Mode,
    Pollutant,
    TemperatureControl,
)

DATA_PACKAGE = "keten.factors.data"
FACTOR_KINDS = ("fuel", "toc", "hoc", "pollutant")


@dataclass(frozen=True)
class FactorSet:
    """An immutable, versioned set of factors."""

    version: str
    description: str
    energy_carriers: dict[str, EnergyCarrierFactor]
    tocs: dict[str, TOC]
    hocs: dict[str, HOC]
    pollutant_factors: dict[str, PollutantFactor]
    sources: list[dict[str, str]] = field(default_factory=list)

    def toc(self, toc_id: str) -> TOC:
        try:
            return self.tocs[toc_id]
        except KeyError:
            raise FactorNotFoundError(_not_found("TOC", toc_id, self.tocs)) from None

    def hoc(self, hoc_id: str) -> HOC:
        try:
            return self.hocs[hoc_id]
        except KeyError:
            raise FactorNotFoundError(_not_found("HOC", hoc_id, self.hocs)) from None

    def carrier(self, carrier_id: str) -> EnergyCarrierFactor:
        try:
            return self.energy_carriers[carrier_id]
        except KeyError:
            raise FactorNotFoundError(
                _not_found("energy carrier", carrier_id, self.energy_carriers)
            ) from None

    def pollutant_g_per_kg_fuel(
        self, fuel_family: str, emission_standard: str, pollutant: Pollutant
    ) -> Decimal | None:
        for f in self.pollutant_factors.values():
            if (
                f.fuel_family == fuel_family
                and f.emission_standard == emission_standard
                and f.pollutant == pollutant.value
            ):
                return f.g_per_kg_fuel
        return None

    def with_tocs(self, tocs: dict[str, TOC]) -> FactorSet:
        """A copy where the given TOCs override or extend the defaults."""
        return replace(self, tocs={**self.tocs, **tocs})

    def with_hocs(self, hocs: dict[str, HOC]) -> FactorSet:
        return replace(self, hocs={**self.hocs, **hocs})

    def pollutant_intensities(
        self, energy_carrier: str, emission_standard: str, co2e_ttw: Decimal, co2e_wtw: Decimal
    ) -> dict[Pollutant, Decimal | None]:
        """g of NOx, PM, SOx per activity unit implied by a CO2e intensity.

        The energy use per activity unit is backed out of the CO2e intensity with the
        carrier's factors, then multiplied by the fuel's pollutant factor (EMEP/EEA style,
        g per kg fuel). Zero-TTW carriers (electricity, hydrogen) emit none at the vehicle.
        """
        parts = resolve_blend(energy_carrier, self.energy_carriers)
        energy_mj = energy_intensity_mj(parts, co2e_ttw, co2e_wtw)
        out: dict[Pollutant, Decimal | None] = {}
        for pollutant in Pollutant:
            total = Decimal(0)
            for part in parts:
                if part.carrier.family in ZERO_TTW_FAMILIES:
                    continue
                kg = part.carrier.kg_per_unit
                mj = energy_per_unit_mj(part.carrier)
                g_per_kg = self.pollutant_g_per_kg_fuel(
                    part.carrier.family, emission_standard, pollutant
                )
                if energy_mj is None or kg is None or not mj or g_per_kg is None:
                    total = Decimal(-1)
                    break
                total += part.share * energy_mj / mj * kg * g_per_kg
            out[pollutant] = None if total < 0 else total
        return out


def _not_found(kind: str, key: str, known: dict[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=5, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    return f"unknown {kind} '{key}'{hint} (see `keten factors list`)"


def _rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    reader = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    for i, row in enumerate(reader, start=2):
        yield i, {k.strip(): (v or "").strip() for k, v in row.items() if k}


class _Parser:
    """Parses one CSV of the library, gathering every problem."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.row = 0

    def bad(self, column: str, reason: str) -> None:
        self.problems.append(Problem(reason, f"keten/factors/data/{self.name}", self.row, column))

    def dec(self, row: dict[str, str], column: str, optional: bool = False) -> Decimal | None:
        raw = row.get(column, "")
        if raw == "":
            if not optional:
                self.bad(column, "missing value")
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:
            self.bad(column, f"'{raw}' is not a number")
            return None

    def text(self, row: dict[str, str], column: str) -> str:
        raw = row.get(column, "")
        if not raw:
            self.bad(column, "missing value")
        return raw

    def year(self, row: dict[str, str]) -> int:
        raw = row.get("year", "")
        if not raw.isdigit():
            self.bad("year", f"'{raw}' is not a year")
            return 0
        return int(raw)


def _load_carriers(p: _Parser) -> dict[str, EnergyCarrierFactor]:
    out: dict[str, EnergyCarrierFactor] = {}
    for p.row, r in _rows(p.name):
        wtt, ttw, wtw = (p.dec(r, c) for c in ("wtt_kgco2e_per_unit", "ttw_kgco2e_per_unit",
                                                "wtw_kgco2e_per_unit"))
        if None not in (wtt, ttw, wtw) and abs(wtt + ttw - wtw) > Decimal("0.011"):  # type: ignore[operator]
            p.bad("wtw_kgco2e_per_unit", f"WTW {wtw} is not WTT {wtt} + TTW {ttw}")
        if r.get("unit") not in ("l", "kg", "kWh"):
            p.bad("unit", f"'{r.get('unit')}' is not l, kg or kWh")
        cid = p.text(r, "carrier_id")
        if cid in out:
            p.bad("carrier_id", f"duplicate id '{cid}'")
        out[cid] = EnergyCarrierFactor(
            carrier_id=cid,
            family=p.text(r, "family"),
            name=p.text(r, "name"),
            region=r.get("region", ""),
            unit=r.get("unit", ""),
            wtt_kgco2e_per_unit=wtt or Decimal(0),
            ttw_kgco2e_per_unit=ttw or Decimal(0),
            wtw_kgco2e_per_unit=wtw or Decimal(0),
            lhv_mj_per_unit=p.dec(r, "lhv_mj_per_unit", optional=True),
            density_kg_per_l=p.dec(r, "density_kg_per_l", optional=True),
            ileap_energy_carrier=p.text(r, "ileap_energy_carrier"),
            ileap_feedstock=r.get("ileap_feedstock") or None,
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
        )
    return out


def _load_pollutants(p: _Parser) -> dict[str, PollutantFactor]:
    out: dict[str, PollutantFactor] = {}
    for p.row, r in _rows(p.name):
        if r.get("pollutant") not in {x.value for x in Pollutant}:
            p.bad("pollutant", f"'{r.get('pollutant')}' is not nox, pm or sox")
        fid = p.text(r, "factor_id")
        if fid in out:
            p.bad("factor_id", f"duplicate id '{fid}'")
        out[fid] = PollutantFactor(
            factor_id=fid,
            fuel_family=p.text(r, "fuel_family"),
            emission_standard=p.text(r, "emission_standard"),
            pollutant=r.get("pollutant", ""),
            g_per_kg_fuel=p.dec(r, "g_per_kg_fuel") or Decimal(0),
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
            note=r.get("note", ""),
        )
    return out


def _enum(p: _Parser, enum: Any, r: dict[str, str], column: str, default: Any = None) -> Any:
    raw = r.get(column, "")
    if not raw and default is not None:
        return default
    try:
        return enum(raw)
    except ValueError:
        p.bad(column, f"'{raw}' is not one of {', '.join(e.value for e in enum)}")
        return default if default is not None else next(iter(enum))


def _load_tocs(p: _Parser) -> dict[str, TOC]:
    out: dict[str, TOC] = {}
    for p.row, r in _rows(p.name):
        tid = p.text(r, "toc_id")
        if tid in out:
            p.bad("toc_id", f"duplicate id '{tid}'")
        out[tid] = TOC(
            toc_id=tid,
            mode=_enum(p, Mode, r, "mode"),
            activity_unit=_enum(p, ActivityUnit, r, "activity_unit"),
            co2e_wtw_kg_per_unit=p.dec(r, "co2e_wtw_kg_per_unit") or Decimal(0),
            co2e_ttw_kg_per_unit=p.dec(r, "co2e_ttw_kg_per_unit") or Decimal(0),
            energy_carrier=p.text(r, "energy_carrier"),
            description=p.text(r, "description"),
            vehicle_class=r.get("vehicle_class", ""),
            temperature_control=_enum(
                p, TemperatureControl, r, "temperature_control", TemperatureControl.AMBIENT
            ),
            emission_standard=p.text(r, "emission_standard"),
            load_factor=p.dec(r, "load_factor", optional=True),
            empty_distance_factor=p.dec(r, "empty_distance_factor", optional=True),
            mass_per_teu_t=p.dec(r, "mass_per_teu_t", optional=True),
            data_source=DataSource.DEFAULT,
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
        )
    return out


def _load_hocs(p: _Parser) -> dict[str, HOC]:
    out: dict[str, HOC] = {}
    for p.row, r in _rows(p.name):
        hid = p.text(r, "hoc_id")
        if hid in out:
            p.bad("hoc_id", f"duplicate id '{hid}'")
        out[hid] = HOC(
            hoc_id=hid,
            hub_type=_enum(p, HubType, r, "hub_type"),
            activity_unit=_enum(p, HubActivityUnit, r, "activity_unit"),
            co2e_wtw_kg_per_unit=p.dec(r, "co2e_wtw_kg_per_unit") or Decimal(0),
            co2e_ttw_kg_per_unit=p.dec(r, "co2e_ttw_kg_per_unit") or Decimal(0),
            energy_carrier=r.get("energy_carrier", ""),
            description=p.text(r, "description"),
            temperature_control=_enum(
                p, TemperatureControl, r, "temperature_control", TemperatureControl.AMBIENT
            ),
            nox_g_per_unit=p.dec(r, "nox_g_per_unit", optional=True),
            pm_g_per_unit=p.dec(r, "pm_g_per_unit", optional=True),
            sox_g_per_unit=p.dec(r, "sox_g_per_unit", optional=True),
            mass_per_teu_t=p.dec(r, "mass_per_teu_t", optional=True),
            data_source=DataSource.DEFAULT,
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
        )
    return out


def _with_pollutants(tocs: dict[str, TOC], fs: FactorSet, p: _Parser) -> dict[str, TOC]:
    out = {}
    for tid, toc in tocs.items():
        try:
            pol = fs.pollutant_intensities(
                toc.energy_carrier, toc.emission_standard,
                toc.co2e_ttw_kg_per_unit, toc.co2e_wtw_kg_per_unit,
            )
        except (FactorNotFoundError, ValueError) as exc:
            p.problems.append(Problem(str(exc), "keten/factors/data/toc_defaults.csv", None,
                                      "energy_carrier"))
            continue
        out[tid] = replace(
            toc,
            nox_g_per_unit=pol[Pollutant.NOX],
            pm_g_per_unit=pol[Pollutant.PM],
            sox_g_per_unit=pol[Pollutant.SOX],
        )
    return out


@lru_cache(maxsize=4)
def load_factor_set(version: str | None = None) -> FactorSet:
    """Load the built-in factor set (the only one shipped so far is the latest)."""
    meta = json.loads(resources.files(DATA_PACKAGE).joinpath("factor_set.json").read_text())
    if version not in (None, meta["version"]):
        raise FactorNotFoundError(
            f"unknown factor set '{version}'; available: {meta['version']}"
        )
    parsers = {n: _Parser(n) for n in ("energy_carriers.csv", "pollutant_factors.csv",
                                        "toc_defaults.csv", "hoc_defaults.csv")}
    carriers = _load_carriers(parsers["energy_carriers.csv"])
    pollutants = _load_pollutants(parsers["pollutant_factors.csv"])
    tocs = _load_tocs(parsers["toc_defaults.csv"])
    hocs = _load_hocs(parsers["hoc_defaults.csv"])
    fs = FactorSet(
        version=meta["version"],
        description=meta["description"],
        energy_carriers=carriers,
        tocs={},
        hocs=hocs,
        pollutant_factors=pollutants,
        sources=meta.get("sources", []),
    )
    fs = replace(fs, tocs=_with_pollutants(tocs, fs, parsers["toc_defaults.csv"]))
    problems = [x for parser in parsers.values() for x in parser.problems]
    if problems:
        raise ValidationError(problems, title="the built-in factor library is inconsistent")
    return fs
