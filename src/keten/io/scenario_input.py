"""Read resilience inputs: scenario / scenario-distribution documents (YAML or JSON), demand
matrices (CSV, JSON or Parquet) and supply networks (YAML or JSON), gathering every problem."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from keten.errors import Problem, ValidationError
from keten.io.rows import first_data_row, text_rows
from keten.io.tables import (
    ensure_known_columns,
    parse_json,
    read_table_as_text,
    read_utf8,
    require_file,
)
from keten.resilience.flows import Flow, flows_from_records
from keten.resilience.survival import (
    DEFAULT_HORIZON_DAYS,
    NODE_KINDS,
    SupplyArc,
    SupplyNetwork,
    SupplyNode,
)

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
DEMAND_REQUIRED = {"origin", "destination", "tonnes_per_day"}
DEMAND_OPTIONAL = {"flow_id", "modes", "cargo", "source"}


def read_document(path: Path) -> Any:
    """A YAML or JSON document; syntax errors become a ValidationError naming the file."""
    require_file(path)
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise ValidationError([Problem(f"unsupported file type '{suffix}'; use YAML or JSON",
                                       str(path))], title="invalid input")
    text = read_utf8(path)
    if suffix == ".json":
        return parse_json(path, text)
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise ValidationError([Problem("not readable YAML: nested too deeply", str(path))],
                              title="invalid input") from None
    except yaml.YAMLError as exc:
        raise ValidationError([Problem(f"not valid YAML: {exc}", str(path))],
                              title="invalid input") from exc


def read_demand(path: Path) -> list[Flow]:
    """A demand matrix file (CSV/JSON/Parquet): origin, destination, tonnes_per_day, modes."""
    table = read_table_as_text(path, json_key="flows")
    problems = ensure_known_columns(str(path), table.column_names, DEMAND_REQUIRED,
                                    DEMAND_OPTIONAL)
    if problems:
        raise ValidationError(problems, title="invalid demand matrix")
    first = first_data_row(path)
    records = [rec for _, rec in text_rows(table, first)]
    return flows_from_records(records, file=str(path), first_row=first)


def _number(doc: dict[str, Any], key: str, where: str, problems: list[Problem], file: str,
            default: float | None = None) -> float | None:
    raw = doc.get(key, default)
    field = f"{where}.{key}" if where else key
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.append(Problem(f"'{raw}' is not a number", file, None, field))
        return None
    if raw < 0:
        problems.append(Problem(f"{raw} must be >= 0", file, None, field))
        return None
    return float(raw)


def _per_product(doc: Any, where: str, problems: list[Problem], file: str,
                 products: set[str]) -> dict[str, float]:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem("expected {product: amount}", file, None, where))
        return {}
    out = {}
    for prod, _val in doc.items():
        if str(prod) not in products:
            problems.append(Problem(f"unknown product '{prod}'", file, None, f"{where}.{prod}"))
        v = _number(doc, prod, where, problems, file)
        if v is not None:
            out[str(prod)] = v
    return out


def supply_network_from_document(doc: Any, file: str) -> SupplyNetwork:
    """Validate a supply-network document (see docs/resilience.md) into a SupplyNetwork."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise ValidationError([Problem("expected an object with nodes, arcs, demand", file)],
                              title="invalid supply network")
    products = {str(p) for p in doc.get("products", []) or []}
    if not products:
        problems.append(Problem("expected a non-empty list of products", file, None,
                                "products"))
    nodes: list[SupplyNode] = []
    ids: set[str] = set()
    for i, n in enumerate(doc.get("nodes", []) or []):
        where = f"nodes[{i}]"
        if not isinstance(n, dict):
            problems.append(Problem("expected an object", file, None, where))
            continue
        nid = str(n.get("id", "")).strip()
        if not nid:
            problems.append(Problem("missing id", file, None, f"{where}.id"))
        elif nid in ids:
            problems.append(Problem(f"node id '{nid}' is used more than once", file, None,
                                    f"{where}.id"))
        ids.add(nid)
        kind = str(n.get("kind", ""))
        if kind not in NODE_KINDS:
            problems.append(Problem(f"'{kind}' is not one of {', '.join(NODE_KINDS)}", file,
                                    None, f"{where}.kind"))
        ttr = _number(n, "time_to_recover_days", where, problems, file, 0.0)
        nodes.append(SupplyNode(nid, kind,
                                _per_product(n.get("capacity_per_day"),
                                             f"{where}.capacity_per_day", problems, file,
                                             products),
                                _per_product(n.get("inventory"), f"{where}.inventory",
                                             problems, file, products), ttr or 0.0))
    if not nodes:
        problems.append(Problem("expected a non-empty list of nodes", file, None, "nodes"))
    arcs: list[SupplyArc] = []
    for i, a in enumerate(doc.get("arcs", []) or []):
        where = f"arcs[{i}]"
        if not isinstance(a, dict):
            problems.append(Problem("expected an object", file, None, where))
            continue
        for key in ("from", "to"):
            if str(a.get(key, "")) not in ids:
                problems.append(Problem(f"unknown node '{a.get(key, '')}'", file, None,
                                        f"{where}.{key}"))
        prod = str(a.get("product", ""))
        if prod not in products:
            problems.append(Problem(f"unknown product '{prod}'", file, None,
                                    f"{where}.product"))
        lead = _number(a, "lead_time_days", where, problems, file, 0.0)
        cap = _number(a, "capacity_per_day", where, problems, file)
        arcs.append(SupplyArc(str(a.get("from", "")), str(a.get("to", "")), prod, lead or 0.0,
                              cap))
    bom: dict[str, dict[str, float]] = {}
    for i, b in enumerate(doc.get("bom", []) or []):
        where = f"bom[{i}]"
        if not isinstance(b, dict):
            problems.append(Problem("expected an object", file, None, where))
            continue
        prod, comp = str(b.get("product", "")), str(b.get("component", ""))
        for key, val in (("product", prod), ("component", comp)):
            if val not in products:
                problems.append(Problem(f"unknown product '{val}'", file, None,
                                        f"{where}.{key}"))
        qty = _number(b, "quantity", where, problems, file)
        if qty is not None:
            bom.setdefault(prod, {})[comp] = qty
    demand: dict[tuple[str, str], float] = {}
    kinds = {n.node_id: n.kind for n in nodes}
    for i, d in enumerate(doc.get("demand", []) or []):
        where = f"demand[{i}]"
        if not isinstance(d, dict):
            problems.append(Problem("expected an object", file, None, where))
            continue
        cust, prod = str(d.get("customer", "")), str(d.get("product", ""))
        if kinds.get(cust) != "customer":
            problems.append(Problem(f"'{cust}' is not a customer node", file, None,
                                    f"{where}.customer"))
        if prod not in products:
            problems.append(Problem(f"unknown product '{prod}'", file, None,
                                    f"{where}.product"))
        rate = _number(d, "units_per_day", where, problems, file)
        if rate is not None:
            demand[(cust, prod)] = demand.get((cust, prod), 0.0) + rate
    if not demand:
        problems.append(Problem("expected a non-empty demand list", file, None, "demand"))
    horizon = _number(doc, "horizon_days", "", problems, file, DEFAULT_HORIZON_DAYS)
    if problems:
        raise ValidationError(problems, title="invalid supply network")
    return SupplyNetwork(str(doc.get("name", Path(file).stem)), tuple(nodes), tuple(arcs), bom,
                         demand, horizon or DEFAULT_HORIZON_DAYS)


def read_supply_network(path: Path) -> SupplyNetwork:
    return supply_network_from_document(read_document(path), str(path))


GAUGE_SERIES_KEYS = ("day", "date")


def read_gauge_series(path: Path) -> list[dict[str, Any]]:
    """A CSV (or JSON/Parquet) of gauge readings, one row per day: ``date`` (YYYY-MM-DD) or
    ``day`` (0, 1, ...) and one column per gauge (Kaub, Koeln, Ruhrort, Emmerich in cm;
    Lobith in m +NAP) and/or ``discharge_m3s``. Empty cells are skipped; every bad cell is
    reported (row, column) at once. The rows become a low-water disruption's ``series``."""
    from keten.resilience.gauges import READING_GAUGES, gauge_name

    table = read_table_as_text(path, json_key="series")
    first = first_data_row(path)
    file = str(path)
    problems: list[Problem] = []
    names = table.column_names
    if not any(n in GAUGE_SERIES_KEYS for n in names):
        problems.append(Problem("needs a 'date' or a 'day' column", file, None, "date"))
    for n in names:
        if n not in (*GAUGE_SERIES_KEYS, "discharge_m3s", "source", "note") and \
                gauge_name(n) is None:
            problems.append(Problem(f"unknown column (gauges: {', '.join(READING_GAUGES)}; "
                                    "or discharge_m3s, date, day, source)", file, None, n))
    rows: list[dict[str, Any]] = []
    for i, rec in text_rows(table, first):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            v = v.strip()
            if not v or k in ("source", "note"):
                continue
            if k == "date":
                row[k] = v
                continue
            try:
                x = float(v)
            except ValueError:
                problems.append(Problem(f"'{v}' is not a number", file, i, k))
                continue
            if not math.isfinite(x):
                problems.append(Problem(f"'{v}' is not a finite number", file, i, k))
                continue
            row[k] = int(x) if k == "day" and x == int(x) else x
        if len(row) > 0:
            rows.append(row)
    if not rows:
        problems.append(Problem("no readings", file))
    if problems:
        raise ValidationError(problems, title="invalid gauge readings")
    return rows


def low_water_from_readings(path: Path, days: int | None = None) -> dict[str, Any]:
    """A scenario document: low water following the readings in ``path`` (see
    :func:`read_gauge_series`); dated rows start the scenario at the first date."""
    rows = read_gauge_series(path)
    dates = sorted(r["date"] for r in rows if "date" in r)
    doc: dict[str, Any] = {"name": f"low water from the readings in {path.name}",
                           "disruptions": [{"id": "low-water", "type": "low_water",
                                            "series": rows,
                                            "recovery": {"kind": "linear", "days": 5}}]}
    if dates:
        doc["start_date"] = dates[0]
    if days is not None:
        doc["disruptions"][0]["duration_days"] = days
    return doc
