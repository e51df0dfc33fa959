"""User factor files: TOC and HOC intensities, and fuel-and-activity data for ``keten toc``.

TOC file columns: ``toc_id``, ``mode``, ``co2e_intensity_wtw``, ``co2e_intensity_ttw``,
``intensity_unit`` (``kgCO2e/tkm`` or ``kgCO2e/TEUkm``); optional ``energy_carrier`` (an id
or a blend ``a:0.7;b:0.3``), ``emission_standard``, ``nox_intensity_g``, ``pm_intensity_g``,
``sox_intensity_g`` (grams per tkm or TEU-km), ``load_factor``, ``empty_distance_factor``,
``mass_per_teu_t``, ``temperature_control``, ``description``, ``data_source`` (``primary``,
the default for a user's own file, ``modelled`` or ``default``).

HOC file: ``hoc_id``, ``hub_type``, ``co2e_intensity_wtw``, ``co2e_intensity_ttw``,
``intensity_unit`` (``kgCO2e/t`` or ``kgCO2e/TEU``), and the same optional columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from keten.emissions.intensity import (
    EnergyUse,
    ModelledUse,
    hoc_from_energy,
    toc_from_energy,
    toc_from_model,
)
from keten.errors import KetenError, ValidationError
from keten.factors.blend import parse_blend
from keten.factors.library import FactorSet
from keten.factors.records import HOC, TOC
from keten.factors.vocabulary import normalise_carrier_spec
from keten.io.rows import RowParser, first_data_row, text_rows
from keten.io.tables import ensure_known_columns, read_table_as_text
from keten.model.enums import (
    ActivityUnit,
    DataSource,
    HubActivityUnit,
    HubType,
    Mode,
    Pollutant,
    TemperatureControl,
)

TOC_UNITS = {"kgCO2e/tkm": ActivityUnit.TKM, "kgCO2e/TEUkm": ActivityUnit.TEUKM}
HOC_UNITS = {"kgCO2e/t": HubActivityUnit.TONNES, "kgCO2e/TEU": HubActivityUnit.TEU}
COMMON_OPTIONAL = {
    "energy_carrier",
    "emission_standard",
    "nox_intensity_g",
    "pm_intensity_g",
    "sox_intensity_g",
    "mass_per_teu_t",
    "temperature_control",
    "description",
    "data_source",
}
TOC_REQUIRED = {"toc_id", "mode", "co2e_intensity_wtw", "co2e_intensity_ttw", "intensity_unit"}
TOC_OPTIONAL = COMMON_OPTIONAL | {"load_factor", "empty_distance_factor"}
HOC_REQUIRED = {"hoc_id", "hub_type", "co2e_intensity_wtw", "co2e_intensity_ttw", "intensity_unit"}


def _carrier(p: RowParser, fs: FactorSet, r: dict[str, str]) -> str:
    """The row's carrier or blend as keten ids; iLEAP names (``Diesel``, ``HVO100``) accepted."""
    spec = (r.get("energy_carrier") or "").strip()
    if not spec:
        return ""
    try:
        spec = normalise_carrier_spec(spec, fs.energy_carriers)
        parse_blend(spec)
    except KetenError as exc:
        p.bad("energy_carrier", str(exc))
    return spec


def _edf(p: RowParser, r: dict[str, str]) -> Decimal | None:
    """Empty distance factor = empty km / total km: 0 <= EDF < 1 (GLEC v3, iLEAP TOC)."""
    edf = p.positive(r, "empty_distance_factor", optional=True, allow_zero=True)
    if edf is not None and edf >= 1:
        p.bad(
            "empty_distance_factor",
            f"{edf} is not below 1: EDF is empty km / total km (0 <= EDF < 1)",
        )
        return None
    return edf


def _energy_fields(fs: FactorSet, carrier: str, wtw: Decimal, ttw: Decimal) -> dict[str, Any]:
    """Energy and biogenic CO2 per unit implied by a user's intensity and carrier."""
    if not carrier:
        return {"energy_mj_per_unit": None, "biogenic_co2_kg_per_unit": None}
    try:
        energy = fs.energy_per_unit_mj(carrier, ttw, wtw)
        return {
            "energy_mj_per_unit": energy,
            "biogenic_co2_kg_per_unit": fs.biogenic_co2_per_unit(carrier, energy),
        }
    except KetenError:
        return {"energy_mj_per_unit": None, "biogenic_co2_kg_per_unit": None}


def _intensities(p: RowParser, r: dict[str, str]) -> tuple[Decimal, Decimal]:
    wtw = p.positive(r, "co2e_intensity_wtw", allow_zero=True)
    ttw = p.positive(r, "co2e_intensity_ttw", allow_zero=True)
    if wtw is not None and ttw is not None and ttw > wtw:
        p.bad("co2e_intensity_ttw", f"TTW {ttw} is above WTW {wtw} (WTW = WTT + TTW)")
    return wtw or Decimal(0), ttw or Decimal(0)


def _pollutants(
    p: RowParser, fs: FactorSet, r: dict[str, str], carrier: str, wtw: Decimal, ttw: Decimal
) -> dict[str, Decimal | None]:
    given = {
        pol: p.positive(r, f"{pol.value}_intensity_g", optional=True, allow_zero=True)
        for pol in Pollutant
    }
    standard = (r.get("emission_standard") or "").strip()
    derived: dict[Pollutant, Decimal | None] = {}
    if carrier and standard and not p.problems:
        try:
            derived = fs.pollutant_intensities(
                carrier, standard, ttw, wtw, fs.energy_per_unit_mj(carrier, ttw, wtw)
            )
        except KetenError:
            derived = {}
    return {
        pol.value: given[pol] if given[pol] is not None else derived.get(pol) for pol in Pollutant
    }


def _check_duplicates(p: RowParser, seen: dict[str, int], key: str, column: str) -> None:
    if key in seen:
        p.bad(column, f"duplicate id '{key}' (also in row {seen[key]})")
    elif p.row is not None:
        seen[key] = p.row


def _read_intensity_rows(
    path: Path,
    fs: FactorSet,
    kind: str,
    required: set[str],
    optional: set[str],
    units: dict[str, Any],
) -> Iterator[tuple[RowParser, dict[str, str], dict[str, Any]]]:
    """Rows of a TOC or HOC file with the fields both share parsed; the caller adds its own.

    Yields (parser, raw row, common fields); a row whose common fields have a problem is
    not yielded. Raises one ValidationError with every problem at the end.
    """
    path = Path(path)
    table = read_table_as_text(path, json_key=f"{kind}s")
    title = f"{path}: invalid {kind.upper()} file"
    problems = ensure_known_columns(str(path), table.column_names, required, optional)
    if problems:
        raise ValidationError(problems, title=title)
    p = RowParser(str(path))
    seen: dict[str, int] = {}
    for row_no, r in text_rows(table, first_data_row(path)):
        p.row = row_no
        before = len(p.problems)
        key = p.text(r, f"{kind}_id")
        _check_duplicates(p, seen, key, f"{kind}_id")
        unit_raw = (r.get("intensity_unit") or "").strip()
        if unit_raw not in units:
            p.bad("intensity_unit", f"'{unit_raw}' is not one of {', '.join(units)}")
        wtw, ttw = _intensities(p, r)
        carrier = _carrier(p, fs, r)
        common = {
            f"{kind}_id": key,
            "activity_unit": units.get(unit_raw),
            "co2e_wtw_kg_per_unit": wtw,
            "co2e_ttw_kg_per_unit": ttw,
            "energy_carrier": carrier,
            "description": r.get("description", ""),
            "mass_per_teu_t": p.positive(r, "mass_per_teu_t", optional=True),
            "temperature_control": p.enum_or(
                TemperatureControl, r, "temperature_control", TemperatureControl.AMBIENT
            ),
            "data_source": p.enum_or(DataSource, r, "data_source", DataSource.PRIMARY),
            "source": f"user file {path.name}",
            "factor_set": f"user:{path.name}",
            "status": "user",
            **(_energy_fields(fs, carrier, wtw, ttw) if len(p.problems) == before else {}),
            **{f"{k}_g_per_unit": v for k, v in _pollutants(p, fs, r, carrier, wtw, ttw).items()},
        }
        if len(p.problems) == before:
            yield p, r, common
    if p.problems:
        raise ValidationError(p.problems, title=title)


def read_toc_file(path: Path, fs: FactorSet) -> dict[str, TOC]:
    """Read and validate a TOC file; raise one ValidationError listing every problem."""
    out: dict[str, TOC] = {}
    for p, r, common in _read_intensity_rows(
        path, fs, "toc", TOC_REQUIRED, TOC_OPTIONAL, TOC_UNITS
    ):
        before = len(p.problems)
        mode = p.enum(Mode, r, "mode")
        lf = p.dec(r, "load_factor", optional=True)
        if lf is not None and not (0 < lf <= 1):
            p.bad("load_factor", f"{lf} is not in (0, 1]")
        edf = _edf(p, r)
        if len(p.problems) == before and mode is not None:
            out[common["toc_id"]] = TOC(
                mode=mode,
                load_factor=lf,
                empty_distance_factor=edf,
                emission_standard=r.get("emission_standard", ""),
                **common,
            )
    return out


def read_hoc_file(path: Path, fs: FactorSet) -> dict[str, HOC]:
    """Read and validate a HOC file; raise one ValidationError listing every problem."""
    out: dict[str, HOC] = {}
    for p, r, common in _read_intensity_rows(
        path, fs, "hoc", HOC_REQUIRED, COMMON_OPTIONAL, HOC_UNITS
    ):
        hub_type = p.enum(HubType, r, "hub_type")
        if hub_type is not None:
            out[common["hoc_id"]] = HOC(hub_type=hub_type, **common)
    return out


ENERGY_REQUIRED = {"toc_id", "mode", "energy_carrier"}
ENERGY_OPTIONAL = {
    "fuel_amount",
    "transport_activity",
    "activity_unit",
    "emission_standard",
    "description",
    "fuel_per_km",
    "payload_capacity_t",
    "load_factor",
    "empty_distance_factor",
    "period_start",
    "period_end",
    "vehicle_id",
}


def read_energy_file(path: Path, fs: FactorSet) -> dict[str, TOC]:
    """TOC intensities from a fuel-and-activity file (``keten toc``).

    Each row is one vehicle or period of a TOC: either primary data (``fuel_amount`` in the
    carrier's unit, ``transport_activity`` in ``activity_unit`` tkm or TEUkm) or a vehicle
    model (``fuel_per_km``, ``payload_capacity_t``, ``load_factor``,
    ``empty_distance_factor``). Primary rows of one ``toc_id`` are pooled: intensity =
    sum of emissions / sum of activity (ISO 14083 6.2).
    """
    path = Path(path)
    table = read_table_as_text(path, json_key="records")
    problems = ensure_known_columns(str(path), table.column_names, ENERGY_REQUIRED, ENERGY_OPTIONAL)
    if problems:
        raise ValidationError(problems, title=f"{path}: invalid fuel and activity file")
    p = RowParser(str(path))
    primary: dict[str, list[EnergyUse]] = defaultdict(list)
    units: dict[str, ActivityUnit] = {}
    modes: dict[str, Mode] = {}
    modelled: dict[str, TOC] = {}
    modelled_rows: dict[str, int] = {}
    primary_rows: dict[str, int] = {}
    utilisation: dict[str, dict[str, list[tuple[Decimal | None, Decimal]]]] = defaultdict(
        lambda: defaultdict(list))
    for row_no, r in text_rows(table, first_data_row(path)):
        p.row = row_no
        toc_id = p.text(r, "toc_id")
        mode = p.enum(Mode, r, "mode")
        carrier = _one_carrier(p, fs, r)
        standard = (r.get("emission_standard") or "").strip()
        if mode is not None and toc_id in modes and modes[toc_id] is not mode:
            p.bad("mode", f"TOC '{toc_id}' has rows with different modes")
        if mode is not None:
            modes[toc_id] = mode
        if (r.get("fuel_per_km") or "").strip():
            # A TOC is modelled from one vehicle model (GLEC): a second one is ambiguous.
            if toc_id in modelled_rows:
                p.bad(
                    "toc_id",
                    f"TOC '{toc_id}' has a second modelled row (first: row "
                    f"{modelled_rows[toc_id]}); give one vehicle model per TOC",
                )
            elif toc_id in primary_rows:
                p.bad(
                    "toc_id",
                    f"TOC '{toc_id}' mixes a modelled row with primary fuel rows "
                    f"(row {primary_rows[toc_id]}); use one data source per TOC",
                )
            if p.row is not None:
                modelled_rows.setdefault(toc_id, p.row)
            fuel_km = p.positive(r, "fuel_per_km")
            cap = p.positive(r, "payload_capacity_t")
            lf = p.positive(r, "load_factor")
            edf = _edf(p, r)
            if None in (fuel_km, cap, lf) or mode is None or p.problems:
                continue
            try:
                modelled[toc_id] = toc_from_model(
                    fs,
                    mode,
                    ModelledUse(toc_id, carrier, fuel_km, cap, lf, edf or Decimal(0), standard),  # type: ignore[arg-type]
                    r.get("description", ""),
                )
            except (KetenError, ValueError) as exc:
                p.bad("load_factor", str(exc))
            continue
        if toc_id in modelled_rows:
            p.bad(
                "toc_id",
                f"TOC '{toc_id}' mixes primary fuel rows with a modelled row "
                f"(row {modelled_rows[toc_id]}); use one data source per TOC",
            )
        if p.row is not None:
            primary_rows.setdefault(toc_id, p.row)
        amount = p.positive(r, "fuel_amount", allow_zero=True)
        # An empty or positioning trip (activity 0) still burns fuel: pooled into its TOC
        # (ISO 14083 6.2: the TOC's emissions over all its activity).
        activity = p.positive(r, "transport_activity", allow_zero=True)
        unit_raw = (r.get("activity_unit") or "tkm").strip()
        if unit_raw not in ("tkm", "TEUkm"):
            p.bad("activity_unit", f"'{unit_raw}' is not tkm or TEUkm")
            continue
        unit = ActivityUnit(unit_raw)
        if toc_id in units and units[toc_id] is not unit:
            p.bad("activity_unit", f"TOC '{toc_id}' mixes tkm and TEUkm rows")
        units[toc_id] = unit
        if amount is not None and activity is not None:
            primary[toc_id].append(EnergyUse(toc_id, carrier, amount, activity, standard))
            # measured utilisation (e.g. from `keten load-factor`): iLEAP TOC fields
            load = p.dec(r, "load_factor", optional=True)
            if load is not None and not (0 < load <= 1):
                p.bad("load_factor", f"{load} is not in (0, 1]")
            utilisation[toc_id]["load_factor"].append((load, activity))
            utilisation[toc_id]["empty_distance_factor"].append((_edf(p, r), activity))
    if p.problems:
        raise ValidationError(p.problems, title=f"{path}: invalid fuel and activity file")
    p.row = None
    out = dict(modelled)
    for toc_id, uses in primary.items():
        if sum((u.activity for u in uses), Decimal(0)) <= 0:
            p.bad(
                "transport_activity",
                f"TOC '{toc_id}': its rows have no transport activity"
                " in total; an intensity needs activity > 0",
            )
            continue
        toc = toc_from_energy(fs, toc_id, modes[toc_id], units[toc_id], uses)
        lf = _weighted(utilisation[toc_id]["load_factor"])
        edf = _weighted(utilisation[toc_id]["empty_distance_factor"])
        out[toc_id] = replace(toc, source=f"{toc.source}; file {path.name}",
                              load_factor=lf if lf is not None else toc.load_factor,
                              empty_distance_factor=edf if edf is not None
                              else toc.empty_distance_factor)
    if p.problems:
        raise ValidationError(p.problems, title=f"{path}: invalid fuel and activity file")
    return out


def _weighted(values: list[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Activity-weighted mean of a utilisation figure given on every row, else None."""
    if not values or any(v is None for v, _ in values):
        return None
    total = sum((a for _, a in values), Decimal(0))
    if total <= 0:
        return None
    return sum((v * a for v, a in values if v is not None), Decimal(0)) / total


def _one_carrier(p: RowParser, fs: FactorSet, r: dict[str, str]) -> str:
    """One energy carrier as a keten id; keten ids and iLEAP names accepted (any case)."""
    raw = p.text(r, "energy_carrier")
    if not raw:
        return raw
    if ":" in raw:
        p.bad("energy_carrier", f"'{raw}': give one carrier per row (a blend is one row each)")
        return raw
    try:
        return normalise_carrier_spec(raw, fs.energy_carriers)
    except KetenError as exc:
        p.bad("energy_carrier", str(exc))
        return raw


def read_hub_energy_file(path: Path, fs: FactorSet) -> dict[str, HOC]:
    """HOC intensities from hub energy use and throughput (``keten hoc``).

    Columns: ``hoc_id``, ``hub_type``, ``energy_carrier``, ``energy_amount`` (carrier unit),
    ``throughput``, ``activity_unit`` (``t`` or ``TEU``); optional ``emission_standard``.
    """
    path = Path(path)
    table = read_table_as_text(path, json_key="records")
    problems = ensure_known_columns(
        str(path),
        table.column_names,
        {"hoc_id", "hub_type", "energy_carrier", "energy_amount", "throughput"},
        {"activity_unit", "emission_standard", "description", "period_start", "period_end"},
    )
    if problems:
        raise ValidationError(problems, title=f"{path}: invalid hub energy file")
    p = RowParser(str(path))
    uses: dict[str, list[EnergyUse]] = defaultdict(list)
    hub_types: dict[str, HubType] = {}
    units: dict[str, HubActivityUnit] = {}
    for row_no, r in text_rows(table, first_data_row(path)):
        p.row = row_no
        hoc_id = p.text(r, "hoc_id")
        hub_type = p.enum(HubType, r, "hub_type")
        unit = p.enum(HubActivityUnit, r, "activity_unit", HubActivityUnit.TONNES)
        carrier = _one_carrier(p, fs, r)
        amount = p.positive(r, "energy_amount", allow_zero=True)
        throughput = p.positive(r, "throughput", allow_zero=True)
        if hub_type is None or unit is None or amount is None or throughput is None:
            continue
        hub_types[hoc_id], units[hoc_id] = hub_type, unit
        uses[hoc_id].append(
            EnergyUse(
                hoc_id, carrier, amount, throughput, (r.get("emission_standard") or "").strip()
            )
        )
    p.row = None
    for hoc_id, items in uses.items():
        if sum((u.activity for u in items), Decimal(0)) <= 0:
            p.bad(
                "throughput",
                f"HOC '{hoc_id}': its rows have no throughput in total; an "
                "intensity needs throughput > 0",
            )
    if p.problems:
        raise ValidationError(p.problems, title=f"{path}: invalid hub energy file")
    return {h: hoc_from_energy(fs, h, hub_types[h], units[h], u) for h, u in uses.items()}
