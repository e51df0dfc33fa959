"""Disclosure report per ISO 14083:2023 clause 12 and CountEmissionsEU (Reg. (EU) 2026/1030).

For one reporting period: the transport chains and their TCEs, emissions per TOC and HOC with
their intensities, the shares of primary, modelled and default data, the distance basis, the
factor set and every factor used with its source, the allocation rule, and what was excluded.

Every number is an exact decimal string computed on the exact path (``FootprintResult.tces``):
a verifier can recompute each TCE as activity x the factor row named, each shipment as the sum
of its TCEs and the totals as the sum of the shipments, from the JSON alone.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from keten.emissions.footprint import SUM_COLUMNS, FootprintResult
from keten.emissions.results import ShipmentResult, TCEResult
from keten.errors import Problem, ValidationError
from keten.factors.blend import parse_blend
from keten.factors.library import FactorSet
from keten.io.tables import atomic_path

STANDARD = "EN ISO 14083:2023; GLEC Framework v3.1; Regulation (EU) 2026/1030 (CountEmissionsEU)"
ALLOCATION = (
    "Transport: a TCE's emissions are its transport activity (mass x distance in tkm, or TEU x "
    "distance in TEU-km) x the intensity of its TOC; a TOC's intensity is all its emissions over "
    "all its activity in the period, empty and positioning trips included (ISO 14083 6.2, 6.3). "
    "Hubs: mass handled (t) or TEU x the HOC intensity (ISO 14083 6.4). A chain is the sum of its "
    "TCEs (clause 7). Emissions are WTW = WTT + TTW, GWP100 as in the factor rows."
)
ALWAYS_EXCLUDED = [
    "Infrastructure, vehicle manufacture and maintenance (outside the ISO 14083 operational scope)",
    "Non-CO2 effects of aviation at altitude (radiative forcing): not included, as ISO 14083 5.1",
    "Biogenic CO2 of combustion: reported separately (co2_biogenic_kg), not in CO2e",
]
DISTANCE_LABELS = {
    "actual": "actual distance given in the input",
    "sfd": "shortest feasible distance on keten's network (a real network path)",
    "gcd": "great-circle distance x the mode's distance adjustment factor (air: + 95 km)",
}
ZERO = Decimal(0)


def _s(value: Decimal | None) -> str | None:
    """An exact decimal as plain text (no exponent), or None."""
    if value is None:
        return None
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return date.fromisoformat(text[:10])


def _shipment_day(s: ShipmentResult) -> date | None:
    days = [d for t in s.tces if (d := _day(t.departure_at) or _day(t.arrival_at))]
    return min(days) if days else None


def _tce(t: TCEResult) -> dict[str, Any]:
    return {
        "tce_id": t.tce_id,
        "kind": t.kind,
        "prev_tce_ids": list(t.prev_tce_ids),
        "factor_id": t.toc_id or t.hoc_id,
        "mode": t.mode,
        "hub_type": t.hub_type,
        "origin": t.origin,
        "destination": t.destination,
        "departure_at": t.departure_at,
        "mass_kg": _s(t.mass_kg),
        "distance_km": _s(t.distance_km),
        "distance_type": t.distance_type,
        # GLEC v2 planned-distance rule: emissions = activity x factor x (1 + adjustment)
        "distance_adjustment": _s(t.distance_adjustment),
        "teu": _s(t.teu),
        "transport_activity_tkm": _s(t.transport_activity_tkm),
        "activity": _s(t.activity),
        "activity_unit": t.activity_unit,
        "co2e_wtw_kg": _s(t.co2e_wtw_kg),
        "co2e_ttw_kg": _s(t.co2e_ttw_kg),
        "co2e_wtt_kg": _s(t.co2e_wtt_kg),
        "nox_kg": _s(t.nox_kg),
        "pm_kg": _s(t.pm_kg),
        "sox_kg": _s(t.sox_kg),
        "co2_biogenic_kg": _s(t.co2_biogenic_kg),
        "data_source": t.data_source,
        "factor_status": t.factor_status,
    }


def _shipment(s: ShipmentResult) -> dict[str, Any]:
    return {
        "shipment_id": s.shipment_id,
        "mass_kg": _s(s.mass_kg),
        "transport_activity_tkm": _s(s.transport_activity_tkm),
        "co2e_wtw_kg": _s(s.co2e_wtw_kg),
        "co2e_ttw_kg": _s(s.co2e_ttw_kg),
        "co2e_wtt_kg": _s(s.co2e_wtt_kg),
        "nox_kg": _s(s.nox_kg),
        "pm_kg": _s(s.pm_kg),
        "sox_kg": _s(s.sox_kg),
        "co2_biogenic_kg": _s(s.co2_biogenic_kg),
        "co2e_intensity_wtw_kg_per_tkm": _s(s.co2e_intensity_wtw_kg_per_tkm),
        "co2e_intensity_basis": s.intensity_basis,
        "co2e_intensity_wtw_incl_hubs_kg_per_tkm": _s(s.co2e_intensity_wtw_incl_hubs_kg_per_tkm),
        "tces": [_tce(t) for t in s.tces],
    }


def _sum(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def _totals(ships: list[ShipmentResult]) -> dict[str, str | None]:
    # the same figures the footprint totals (WTT as the sum of each shipment's WTW - TTW)
    out: dict[str, str | None] = {k: _s(_sum([getattr(s, k) for s in ships])) for k in SUM_COLUMNS}
    out["shipment_count"] = str(len(ships))
    out["tce_count"] = str(sum(len(s.tces) for s in ships))
    return out


def _categories(tces: list[TCEResult], fs: FactorSet) -> list[dict[str, Any]]:
    """Emissions per TOC and HOC with the intensity applied (ISO 14083 12: per TOC/HOC)."""
    groups: dict[str, list[TCEResult]] = defaultdict(list)
    for t in tces:
        groups[t.toc_id or t.hoc_id or "?"].append(t)
    out = []
    for fid, items in sorted(groups.items()):
        rec: Any = fs.tocs.get(fid) or fs.hocs.get(fid)
        activity = sum((t.activity for t in items), ZERO)
        out.append(
            {
                "factor_id": fid,
                "kind": "TOC" if items[0].kind == "transport" else "HOC",
                "mode_or_hub_type": items[0].mode or items[0].hub_type,
                "tce_count": len(items),
                "activity": _s(activity),
                "activity_unit": items[0].activity_unit,
                "transport_activity_tkm": _s(sum((t.transport_activity_tkm for t in items), ZERO)),
                "co2e_wtw_kg": _s(sum((t.co2e_wtw_kg for t in items), ZERO)),
                "co2e_ttw_kg": _s(sum((t.co2e_ttw_kg for t in items), ZERO)),
                "co2e_wtw_kg_per_unit": _s(rec.co2e_wtw_kg_per_unit),
                "co2e_ttw_kg_per_unit": _s(rec.co2e_ttw_kg_per_unit),
                "data_source": items[0].data_source,
                "factor_status": items[0].factor_status,
            }
        )
    return out


def _shares(tces: list[TCEResult], attr: str, labels: tuple[str, ...]) -> dict[str, str]:
    total = sum((t.co2e_wtw_kg for t in tces), ZERO)
    by: dict[str, Decimal] = {k: ZERO for k in labels}
    for t in tces:
        key = getattr(t, attr)
        by[key] = by.get(key, ZERO) + t.co2e_wtw_kg
    return {k: _s(v / total if total else ZERO) or "0" for k, v in by.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _s(value)
    if hasattr(value, "value") and not isinstance(value, str | int | float):
        return value.value
    return value


def _factor_rows(tces: list[TCEResult], fs: FactorSet) -> dict[str, Any]:
    """Every TOC, HOC, energy carrier and distance adjustment the results used, in full."""
    tocs = sorted({t.toc_id for t in tces if t.toc_id})
    hocs = sorted({t.hoc_id for t in tces if t.hoc_id})
    records = [fs.toc(x) for x in tocs] + [fs.hoc(x) for x in hocs]
    carriers: set[str] = set()
    for rec in records:
        spec = (rec.energy_carrier or "").strip()
        # a blend with shares (``a:0.4;b:0.6``) or, from older files, ids alone (``a;b``)
        ids = [c for c, _ in parse_blend(spec)] if ":" in spec else spec.split(";")
        carriers |= {c.strip() for c in ids if c.strip()} & set(fs.energy_carriers)
    modes = sorted({t.mode for t in tces if t.distance_type == "gcd" and t.mode})
    return {
        "tocs": [{k: _plain(v) for k, v in asdict(fs.toc(x)).items()} for x in tocs],
        "hocs": [{k: _plain(v) for k, v in asdict(fs.hoc(x)).items()} for x in hocs],
        "energy_carriers": [
            {k: _plain(v) for k, v in asdict(fs.carrier(c)).items()} for c in sorted(carriers)
        ],
        "distance_adjustment": [
            {
                "mode": m,
                "factor": _s(fs.daf(m).factor),
                "additive_km": _s(fs.daf(m).additive_km),
                "source": fs.daf(m).source,
            }
            for m in modes
        ],
    }


def iso14083_report(
    result: FootprintResult,
    period_start: date | None = None,
    period_end: date | None = None,
    organisation: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The disclosure document of a footprint for the period [start, end] (inclusive days).

    A shipment belongs to the period by its first departure (or arrival) date; shipments
    outside it are listed under exclusions with the reason, shipments without any date are
    included and counted as such."""
    if period_start and period_end and period_end < period_start:
        raise ValidationError(
            [Problem(f"period end {period_end} is before its start {period_start}", column="--to")]
        )
    fs = result.factors
    assert fs is not None
    included: list[ShipmentResult] = []
    excluded: list[dict[str, str]] = []
    undated = 0
    for s in result.shipments:
        day = _shipment_day(s)
        if day is None:
            undated += 1
        elif (period_start and day < period_start) or (period_end and day > period_end):
            excluded.append(
                {
                    "shipment_id": s.shipment_id,
                    "first_day": day.isoformat(),
                    "co2e_wtw_kg": _s(s.co2e_wtw_kg) or "0",
                    "reason": "outside the reporting period",
                }
            )
            continue
        included.append(s)
    tces = [t for s in included for t in s.tces]
    distance: dict[str, dict[str, Any]] = {}
    for t in tces:
        if t.kind != "transport":
            continue
        d = distance.setdefault(
            t.distance_type or "?",
            {
                "label": DISTANCE_LABELS.get(t.distance_type or "", "unknown"),
                "tce_count": 0,
                "transport_activity_tkm": ZERO,
            },
        )
        d["tce_count"] += 1
        d["transport_activity_tkm"] += t.transport_activity_tkm
    for d in distance.values():
        d["transport_activity_tkm"] = _s(d["transport_activity_tkm"])
    return {
        "report": "ISO 14083 disclosure",
        "standard": STANDARD,
        "organisation": organisation,
        "period": {
            "start": period_start.isoformat() if period_start else None,
            "end": period_end.isoformat() if period_end else None,
            "shipments_without_date_included": undated,
        },
        "generated_at": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "method": result.method,
        "factor_set": {
            "version": fs.version,
            "description": fs.description,
            "bases": fs.bases,
            "sources": fs.sources,
        },
        "totals": _totals(included),
        "data_quality": {
            "basis": "shares of WTW CO2e",
            "by_data_source": _shares(tces, "data_source", ("primary", "modelled", "default")),
            "by_factor_status": _shares(tces, "factor_status", ("user", "published", "derived")),
        },
        "distance_basis": distance,
        "allocation": ALLOCATION,
        "per_category": _categories(tces, fs),
        "chains": [_shipment(s) for s in included],
        "factors_used": _factor_rows(tces, fs),
        "exclusions": {"shipments": excluded, "always": ALWAYS_EXCLUDED},
    }


def _table(title: str, rows: list[dict[str, Any]], cols: list[str]) -> str:
    if not rows:
        return f"<h2>{html.escape(title)}</h2><p>none</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(r.get(c, '') if r.get(c) is not None else ''))}</td>"
            for c in cols
        )
        + "</tr>"
        for r in rows
    )
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body}</table>"


def report_html(doc: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (no scripts, no external files)."""
    p = doc["period"]
    period = f"{p['start'] or 'open'} to {p['end'] or 'open'}"
    totals = [{"figure": k, "value": v} for k, v in doc["totals"].items()]
    shares = [
        {"basis": "data source", "class": k, "share_of_wtw": v}
        for k, v in doc["data_quality"]["by_data_source"].items()
    ]
    shares += [
        {"basis": "factor status", "class": k, "share_of_wtw": v}
        for k, v in doc["data_quality"]["by_factor_status"].items()
    ]
    dist = [{"distance_type": k, **v} for k, v in doc["distance_basis"].items()]
    tce_rows = [{"shipment_id": c["shipment_id"], **t} for c in doc["chains"] for t in c["tces"]]
    used = doc["factors_used"]
    factor_rows = [
        {"id": r.get("toc_id") or r.get("hoc_id"), **r} for r in used["tocs"] + used["hocs"]
    ]
    parts = [
        f"<h1>ISO 14083 disclosure: {html.escape(doc['organisation'] or 'transport chains')}</h1>",
        f"<p>Reporting period {html.escape(period)}. {html.escape(doc['standard'])}. "
        f"Factor set <b>{html.escape(doc['factor_set']['version'])}</b>. "
        f"Generated {html.escape(doc['generated_at'])}. Figures are rounded to 4 decimals here;"
        " the JSON report carries every digit for re-computation.</p>",
        _table("Totals", totals, ["figure", "value"]),
        _table("Data quality (share of WTW CO2e)", shares, ["basis", "class", "share_of_wtw"]),
        _table(
            "Distance basis",
            dist,
            ["distance_type", "label", "tce_count", "transport_activity_tkm"],
        ),
        f"<h2>Allocation</h2><p>{html.escape(doc['allocation'])}</p>",
        _table(
            "Emissions per TOC and HOC",
            doc["per_category"],
            [
                "factor_id",
                "kind",
                "mode_or_hub_type",
                "tce_count",
                "activity",
                "activity_unit",
                "co2e_wtw_kg",
                "co2e_ttw_kg",
                "co2e_wtw_kg_per_unit",
                "data_source",
                "factor_status",
            ],
        ),
        _table(
            "Transport chains",
            doc["chains"],
            [
                "shipment_id",
                "mass_kg",
                "transport_activity_tkm",
                "co2e_wtw_kg",
                "co2e_ttw_kg",
                "nox_kg",
                "co2_biogenic_kg",
                "co2e_intensity_wtw_kg_per_tkm",
                "co2e_intensity_wtw_incl_hubs_kg_per_tkm",
            ],
        ),
        _table(
            "Transport chain elements",
            tce_rows,
            [
                "shipment_id",
                "tce_id",
                "kind",
                "factor_id",
                "distance_km",
                "distance_type",
                "activity",
                "activity_unit",
                "co2e_wtw_kg",
                "co2e_ttw_kg",
                "data_source",
                "factor_status",
            ],
        ),
        _table(
            "Factors used",
            factor_rows,
            [
                "id",
                "co2e_wtw_kg_per_unit",
                "co2e_ttw_kg_per_unit",
                "activity_unit",
                "energy_carrier",
                "status",
                "source",
                "table",
                "edition",
                "note",
            ],
        ),
        _table(
            "Energy carriers used",
            used["energy_carriers"],
            [
                "carrier_id",
                "unit",
                "wtt_kgco2e_per_unit",
                "ttw_kgco2e_per_unit",
                "wtw_kgco2e_per_unit",
                "status",
                "source",
            ],
        ),
        _table(
            "Distance adjustment used",
            used["distance_adjustment"],
            ["mode", "factor", "additive_km", "source"],
        ),
        _table(
            "Excluded shipments",
            doc["exclusions"]["shipments"],
            ["shipment_id", "first_day", "co2e_wtw_kg", "reason"],
        ),
        "<h2>Always excluded</h2><ul>"
        + "".join(f"<li>{html.escape(x)}</li>" for x in doc["exclusions"]["always"])
        + "</ul>",
        "<h2>Bases where sources disagree</h2><ul>"
        + "".join(
            f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
            for k, v in doc["factor_set"]["bases"].items()
        )
        + "</ul>",
    ]
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:"
        "collapse;font-size:12px;margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px"
        " 6px;text-align:left;vertical-align:top}th{background:#eee}"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>ISO 14083 "
        f"disclosure</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


def write_iso14083_report(
    doc: dict[str, Any], html_path: Path | None, json_path: Path | None
) -> list[Path]:
    """Write the report as HTML and/or JSON, each replaced atomically."""
    written = []
    if json_path is not None:
        with atomic_path(json_path) as tmp:
            tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
        written.append(Path(json_path))
    if html_path is not None:
        with atomic_path(html_path) as tmp:
            tmp.write_text(report_html(doc), encoding="utf-8")
        written.append(Path(html_path))
    return written
