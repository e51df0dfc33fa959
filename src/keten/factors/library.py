"""The factor library: energy carriers, default TOCs and HOCs, air-pollutant factors.

Package data in ``keten/factors/data/*.csv``; every row carries ``source``, ``year`` and
``factor_set``. A result records ``FactorSet.version`` so it can be traced to these rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from keten.errors import FactorNotFoundError, ValidationError
from keten.factors.blend import (
    ZERO_TTW_FAMILIES,
    energy_intensity_mj,
    energy_per_unit_mj,
    resolve_blend,
)
from keten.factors.records import HOC, TOC, EnergyCarrierFactor, PollutantFactor
from keten.io.rows import RowParser
from keten.model.enums import (
    ActivityUnit,
    DataSource,
    EnergyCarrierType,
    HubActivityUnit,
    HubType,
    Mode,
    Pollutant,
    TemperatureControl,
)

DATA_PACKAGE = "keten.factors.data"
FACTOR_KINDS = ("fuel", "toc", "hoc", "pollutant")
# Built-in factor sets and the folder of package data each lives in. Older sets stay
# readable so a result can be reproduced with the set it names (pin with ``factor_set=``).
FACTOR_SETS: dict[str, str] = {
    "keten-2026.1": "",
    "keten-2026.2": "keten-2026.2/",
    "keten-2026.3": "keten-2026.3/",
}
DEFAULT_FACTOR_SET = "keten-2026.3"


@dataclass(frozen=True)
class DistanceAdjustment:
    """Great-circle distance x factor + additive km approximates the actual distance."""

    mode: str
    factor: Decimal
    additive_km: Decimal
    source: str

    def apply(self, gcd_km: float) -> float:
        return gcd_km * float(self.factor) + float(self.additive_km)


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
    distance_adjustment: dict[str, DistanceAdjustment] = field(default_factory=dict)
    # Where sources disagree, the basis this set follows (factor_set.json "bases").
    bases: dict[str, str] = field(default_factory=dict)

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

    def daf(self, mode: str) -> DistanceAdjustment:
        try:
            return self.distance_adjustment[mode]
        except KeyError:
            raise FactorNotFoundError(f"no distance adjustment factor for mode '{mode}'") from None

    def with_tocs(self, tocs: dict[str, TOC]) -> FactorSet:
        """A copy where the given TOCs override or extend the defaults."""
        return replace(self, tocs={**self.tocs, **tocs})

    def with_hocs(self, hocs: dict[str, HOC]) -> FactorSet:
        return replace(self, hocs={**self.hocs, **hocs})

    def energy_per_unit_mj(
        self, energy_carrier: str, co2e_ttw: Decimal, co2e_wtw: Decimal
    ) -> Decimal | None:
        """MJ of energy per activity unit behind a CO2e intensity, from the carrier's WTW
        factor per MJ (never zero for a fuel, unlike TTW for HVO or biomethane)."""
        parts = resolve_blend(energy_carrier, self.energy_carriers)
        return energy_intensity_mj(parts, co2e_ttw, co2e_wtw)

    def pollutant_intensities(
        self,
        energy_carrier: str,
        emission_standard: str,
        co2e_ttw: Decimal,
        co2e_wtw: Decimal,
        energy_mj: Decimal | None = None,
    ) -> dict[Pollutant, Decimal | None]:
        """g of NOx, PM, SOx per activity unit: energy use x the engine standard's factors.

        The energy per activity unit is ``energy_mj`` where known, else backed out of the
        WTW intensity with the carrier's WTW per MJ (EMEP/EEA Tier 1 style: pollutant per kg
        fuel burnt). A zero TTW (HVO, biomethane) does not zero the pollutants; carriers with
        no combustion at the vehicle (electricity, hydrogen) emit 0.
        """
        parts = resolve_blend(energy_carrier, self.energy_carriers)
        if energy_mj is None:
            energy_mj = energy_intensity_mj(parts, co2e_ttw, co2e_wtw)
        out: dict[Pollutant, Decimal | None] = {}
        for pollutant in Pollutant:
            total: Decimal | None = Decimal(0)
            for part in parts:
                if part.carrier.family in ZERO_TTW_FAMILIES:
                    continue
                kg = part.carrier.kg_per_unit
                mj = energy_per_unit_mj(part.carrier)
                g_per_kg = self.pollutant_g_per_kg_fuel(
                    part.carrier.family, emission_standard, pollutant
                )
                if energy_mj is None or kg is None or not mj or g_per_kg is None:
                    total = None
                    break
                assert total is not None
                total += part.share * energy_mj / mj * kg * g_per_kg
            out[pollutant] = total
        return out

    def biogenic_co2_per_unit(
        self, energy_carrier: str, energy_mj: Decimal | None
    ) -> Decimal | None:
        """kg biogenic CO2 per activity unit from the energy use and the blend's carriers."""
        if energy_mj is None:
            return None
        total = Decimal(0)
        for part in resolve_blend(energy_carrier, self.energy_carriers):
            mj = energy_per_unit_mj(part.carrier)
            if mj:
                total += part.share * energy_mj / mj * part.carrier.biogenic_co2_kg_per_unit
        return total


def _not_found(kind: str, key: str, known: dict[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=5, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    return f"unknown {kind} '{key}'{hint} (see `keten factors list`)"


def _status(r: dict[str, str]) -> str:
    """A row's provenance; keten-2026.1 files have no column: derivations say so in 'source'."""
    if r.get("status"):
        return r["status"]
    return "derived" if "derivation" in r.get("source", "").lower() else "published"


def _rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows with their physical line number in the file (``#`` comment lines skipped)."""
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    numbered = [
        (n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.startswith("#")
    ]
    reader = csv.DictReader(line for _, line in numbered)
    for row in reader:
        yield (
            numbered[reader.line_num - 1][0],
            {k.strip(): (v or "").strip() for k, v in row.items() if k},
        )


class _Parser(RowParser):
    """Parses one CSV of the library, gathering every problem."""

    def __init__(self, name: str, folder: str = "") -> None:
        super().__init__(f"keten/factors/data/{folder}{name}")
        self.name = folder + name


def _load_carriers(p: _Parser) -> dict[str, EnergyCarrierFactor]:
    out: dict[str, EnergyCarrierFactor] = {}
    for row_no, r in _rows(p.name):
        p.row = row_no
        wtt, ttw, wtw = (
            p.dec(r, c)
            for c in ("wtt_kgco2e_per_unit", "ttw_kgco2e_per_unit", "wtw_kgco2e_per_unit")
        )
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
            ileap_energy_carrier=p.enum_or(
                EnergyCarrierType, r, "ileap_energy_carrier", EnergyCarrierType.DIESEL, True
            ).value,
            ileap_feedstock=r.get("ileap_feedstock") or None,
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
            biogenic_co2_kg_per_unit=p.dec(r, "biogenic_co2_kg_per_unit", optional=True)
            or Decimal(0),
            status=_status(r),
            table=r.get("table", ""),
            edition=r.get("edition", "") or r.get("year", ""),
            note=r.get("note", ""),
        )
    return out


def _load_pollutants(p: _Parser) -> dict[str, PollutantFactor]:
    out: dict[str, PollutantFactor] = {}
    for row_no, r in _rows(p.name):
        p.row = row_no
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
            status=_status(r),
            table=r.get("table", ""),
            edition=r.get("edition", "") or r.get("year", ""),
        )
    return out


def _load_tocs(p: _Parser) -> dict[str, TOC]:
    out: dict[str, TOC] = {}
    for row_no, r in _rows(p.name):
        p.row = row_no
        tid = p.text(r, "toc_id")
        if tid in out:
            p.bad("toc_id", f"duplicate id '{tid}'")
        out[tid] = TOC(
            toc_id=tid,
            mode=p.enum_or(Mode, r, "mode", Mode.ROAD, required=True),
            activity_unit=p.enum_or(
                ActivityUnit, r, "activity_unit", ActivityUnit.TKM, required=True
            ),
            co2e_wtw_kg_per_unit=p.dec(r, "co2e_wtw_kg_per_unit") or Decimal(0),
            co2e_ttw_kg_per_unit=p.dec(r, "co2e_ttw_kg_per_unit") or Decimal(0),
            energy_carrier=p.text(r, "energy_carrier"),
            description=p.text(r, "description"),
            vehicle_class=r.get("vehicle_class", ""),
            temperature_control=p.enum_or(
                TemperatureControl, r, "temperature_control", TemperatureControl.AMBIENT
            ),
            emission_standard=p.text(r, "emission_standard"),
            load_factor=p.dec(r, "load_factor", optional=True),
            empty_distance_factor=p.dec(r, "empty_distance_factor", optional=True),
            mass_per_teu_t=p.dec(r, "mass_per_teu_t", optional=True),
            actual_distance_adjustment=_adjustment(p, r),
            data_source=DataSource.DEFAULT,
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
            status=_status(r),
            table=r.get("table", ""),
            edition=r.get("edition", "") or r.get("year", ""),
            note=r.get("note", ""),
        )
    return out


def _adjustment(p: _Parser, r: dict[str, str]) -> Decimal | None:
    """``actual_distance_adjustment``: a fraction in (-1, 0] (a planned-distance default is
    lowered when the actual distance is used, never raised)."""
    value = p.dec(r, "actual_distance_adjustment", optional=True)
    if value is not None and not Decimal(-1) < value <= 0:
        p.bad("actual_distance_adjustment", f"{value} is not a fraction in (-1, 0]")
        return None
    return value


def _load_hocs(p: _Parser) -> dict[str, HOC]:
    out: dict[str, HOC] = {}
    for row_no, r in _rows(p.name):
        p.row = row_no
        hid = p.text(r, "hoc_id")
        if hid in out:
            p.bad("hoc_id", f"duplicate id '{hid}'")
        out[hid] = HOC(
            hoc_id=hid,
            hub_type=p.enum_or(HubType, r, "hub_type", HubType.TRANSSHIPMENT, required=True),
            activity_unit=p.enum_or(
                HubActivityUnit, r, "activity_unit", HubActivityUnit.TONNES, required=True
            ),
            co2e_wtw_kg_per_unit=p.dec(r, "co2e_wtw_kg_per_unit") or Decimal(0),
            co2e_ttw_kg_per_unit=p.dec(r, "co2e_ttw_kg_per_unit") or Decimal(0),
            energy_carrier=r.get("energy_carrier", ""),
            description=p.text(r, "description"),
            temperature_control=p.enum_or(
                TemperatureControl, r, "temperature_control", TemperatureControl.AMBIENT
            ),
            nox_g_per_unit=p.dec(r, "nox_g_per_unit", optional=True),
            pm_g_per_unit=p.dec(r, "pm_g_per_unit", optional=True),
            sox_g_per_unit=p.dec(r, "sox_g_per_unit", optional=True),
            mass_per_teu_t=p.dec(r, "mass_per_teu_t", optional=True),
            data_source=DataSource.DEFAULT,
            source=p.text(r, "source"),
            year=p.year(r),
            factor_set=p.text(r, "factor_set"),
            status=_status(r),
            table=r.get("table", ""),
            edition=r.get("edition", "") or r.get("year", ""),
            note=r.get("note", ""),
        )
    return out


def _with_pollutants(tocs: dict[str, TOC], fs: FactorSet, p: _Parser) -> dict[str, TOC]:
    out = {}
    for tid, toc in tocs.items():
        try:
            energy = fs.energy_per_unit_mj(
                toc.energy_carrier, toc.co2e_ttw_kg_per_unit, toc.co2e_wtw_kg_per_unit
            )
            pol = fs.pollutant_intensities(
                toc.energy_carrier,
                toc.emission_standard,
                toc.co2e_ttw_kg_per_unit,
                toc.co2e_wtw_kg_per_unit,
                energy,
            )
        except (FactorNotFoundError, ValueError) as exc:
            p.row = None
            p.bad("energy_carrier", f"TOC '{tid}': {exc}")
            continue
        out[tid] = replace(
            toc,
            nox_g_per_unit=pol[Pollutant.NOX],
            pm_g_per_unit=pol[Pollutant.PM],
            sox_g_per_unit=pol[Pollutant.SOX],
            energy_mj_per_unit=energy,
            biogenic_co2_kg_per_unit=fs.biogenic_co2_per_unit(toc.energy_carrier, energy),
        )
    return out


def _hocs_with_energy(hocs: dict[str, HOC], fs: FactorSet) -> dict[str, HOC]:
    """Energy and biogenic CO2 per unit for each HOC; electric hubs emit no pollutants (0)."""
    out = {}
    for hid, hoc in hocs.items():
        energy = biogenic = None
        electric = False
        if hoc.energy_carrier in fs.energy_carriers:
            energy = fs.energy_per_unit_mj(
                hoc.energy_carrier, hoc.co2e_ttw_kg_per_unit, hoc.co2e_wtw_kg_per_unit
            )
            biogenic = fs.biogenic_co2_per_unit(hoc.energy_carrier, energy)
            electric = fs.energy_carriers[hoc.energy_carrier].family in ZERO_TTW_FAMILIES

        def known(value: Decimal | None, electric: bool = electric) -> Decimal | None:
            return Decimal(0) if value is None and electric else value

        out[hid] = replace(
            hoc,
            energy_mj_per_unit=energy,
            biogenic_co2_kg_per_unit=biogenic,
            nox_g_per_unit=known(hoc.nox_g_per_unit),
            pm_g_per_unit=known(hoc.pm_g_per_unit),
            sox_g_per_unit=known(hoc.sox_g_per_unit),
        )
    return out


def _load_daf(p: _Parser) -> dict[str, DistanceAdjustment]:
    if not resources.files(DATA_PACKAGE).joinpath(p.name).is_file():
        return {}
    out: dict[str, DistanceAdjustment] = {}
    for row_no, r in _rows(p.name):
        p.row = row_no
        mode = p.enum(Mode, r, "mode")
        if mode is None:
            continue
        out[mode.value] = DistanceAdjustment(
            mode=mode.value,
            factor=p.dec(r, "factor") or Decimal(1),
            additive_km=p.dec(r, "additive_km", optional=True) or Decimal(0),
            source=p.text(r, "source"),
        )
    return out


def available_factor_sets() -> list[str]:
    return list(FACTOR_SETS)


@lru_cache(maxsize=8)
def load_factor_set(version: str | None = None) -> FactorSet:
    """Load a built-in factor set: ``None`` is the default (latest), or pin a version."""
    version = version or DEFAULT_FACTOR_SET
    if version not in FACTOR_SETS:
        raise FactorNotFoundError(
            f"unknown factor set '{version}'; available: {', '.join(FACTOR_SETS)}"
        )
    folder = FACTOR_SETS[version]
    meta = json.loads(
        resources.files(DATA_PACKAGE).joinpath(folder + "factor_set.json").read_text()
    )
    parsers = {
        n: _Parser(n, folder)
        for n in (
            "energy_carriers.csv",
            "pollutant_factors.csv",
            "toc_defaults.csv",
            "hoc_defaults.csv",
            "distance_adjustment.csv",
        )
    }
    carriers = _load_carriers(parsers["energy_carriers.csv"])
    pollutants = _load_pollutants(parsers["pollutant_factors.csv"])
    tocs = _load_tocs(parsers["toc_defaults.csv"])
    hocs = _load_hocs(parsers["hoc_defaults.csv"])
    fs = FactorSet(
        distance_adjustment=_load_daf(parsers["distance_adjustment.csv"]),
        version=meta["version"],
        description=meta["description"],
        energy_carriers=carriers,
        tocs={},
        hocs=hocs,
        pollutant_factors=pollutants,
        sources=meta.get("sources", []),
        bases=meta.get("bases", {}),
    )
    fs = replace(
        fs,
        tocs=_with_pollutants(tocs, fs, parsers["toc_defaults.csv"]),
        hocs=_hocs_with_energy(hocs, fs),
    )
    problems = [x for parser in parsers.values() for x in parser.problems]
    if problems:
        raise ValidationError(problems, title="the built-in factor library is inconsistent")
    return fs
