"""Turn a party's own-emissions document into the subject and figures of a chain statement.

Two shapes are accepted (both already parsed from JSON, numbers as Decimal or strings):

* the output of ``keten footprint --format json``::

    {"factor_set": "keten-2026.1" | {"version": ...}, "method": "...",
     "shipments": [{"shipment_id": "S1", "co2e_wtw_kg": ..., "co2e_ttw_kg": ..., "nox_kg": ...,
                    "pm_kg": ..., "transport_activity_tkm": ..., ...}, ...]}

  One shipment becomes a statement about that shipment; several (all, or those chosen) are
  summed exactly into one statement about a consignment, whose id must then be given.

* a minimal own-emissions object::

    {"shipment_id": "S1", "consignment_id": "C7", "co2e_wtw_kg": "120.5", "co2e_ttw_kg": "98.1",
     "nox_kg": "0.52", "pm_kg": "0.011", "transport_activity_tkm": "2400",
     "factor_set": "keten-2026.1", "method": "ISO 14083:2023"}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from keten.errors import ProblemCollector
from keten.exchange.chain_model import (
    DEFAULT_METHOD,
    MAX_ID_CHARS,
    QUANTITY_FIELDS,
    OwnEmissions,
    Quantities,
    Subject,
    exact_sum,
    parse_decimal,
)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    return parse_decimal(value)


def _quantities(
    obj: Mapping[str, Any], problems: ProblemCollector, row: int | None
) -> Quantities | None:
    values: list[Decimal] = []
    for name in QUANTITY_FIELDS:
        raw = obj.get(name)
        value = _decimal(raw)
        if raw is None:
            problems.add("missing; every chain statement carries this figure", row, name)
        elif value is None:
            problems.add(f"{raw!r} is not a decimal number (write it as a string, e.g. \"12.5\")",
                         row, name)
        elif value < 0:
            problems.add(f"negative value {raw}", row, name)
        else:
            values.append(value)
    return Quantities(*values) if len(values) == len(QUANTITY_FIELDS) else None


def _factor_set_name(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, Mapping):
        for key in ("version", "id", "name"):
            inner = value.get(key)
            if isinstance(inner, str) and inner.strip():
                return inner
    return None


def _identifier(value: object, problems: ProblemCollector, column: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        problems.add("must be a non-empty string", column=column)
        return None
    text = str(value)
    if len(text) > MAX_ID_CHARS:
        problems.add(f"longer than {MAX_ID_CHARS} characters", column=column)
        return None
    return text


def own_from_document(
    document: object,
    *,
    source: str | None = None,
    shipment_ids: Sequence[str] = (),
    shipment_id: str | None = None,
    consignment_id: str | None = None,
    factor_set: str | None = None,
    method: str | None = None,
) -> tuple[Subject, OwnEmissions]:
    """The subject and own emissions in ``document``; raises ``ValidationError`` listing every
    problem. Explicit arguments win over values in the document."""
    problems = ProblemCollector(source)
    if not isinstance(document, Mapping):
        problems.add("must be a JSON object")
        problems.raise_if_any("invalid own-emissions document")
        raise AssertionError  # pragma: no cover

    chosen_factor_set = factor_set or _factor_set_name(document.get("factor_set"))
    chosen_method = method or (
        document["method"] if isinstance(document.get("method"), str) else None
    )

    if "shipments" in document:
        shipments = document["shipments"]
        if not isinstance(shipments, list) or not shipments:
            problems.add("must be a non-empty list of shipments", column="shipments")
            problems.raise_if_any("invalid footprint document")
        rows: list[tuple[int, Mapping[str, Any]]] = []
        by_id: dict[str, int] = {}
        for index, item in enumerate(shipments):
            if not isinstance(item, Mapping):
                problems.add("shipment must be an object", row=index)
                continue
            sid = _identifier(item.get("shipment_id"), problems, "shipment_id")
            if sid is None:
                problems.add("shipment has no shipment_id", row=index, column="shipment_id")
                continue
            by_id[sid] = index
            rows.append((index, item))
        if shipment_ids:
            for wanted in shipment_ids:
                if wanted not in by_id:
                    problems.add(f"shipment '{wanted}' is not in the document",
                                 column="shipment_id")
            rows = [(i, item) for i, item in rows if str(item.get("shipment_id")) in shipment_ids]
        parts: list[Quantities] = []
        factor_sets: set[str] = set()
        methods: set[str] = set()
        for index, item in rows:
            q = _quantities(item, problems, index)
            if q is not None:
                parts.append(q)
            fs = _factor_set_name(item.get("factor_set"))
            if fs:
                factor_sets.add(fs)
            if isinstance(item.get("method"), str) and item["method"].strip():
                methods.add(item["method"])
        if chosen_factor_set is None and factor_sets:
            chosen_factor_set = ", ".join(sorted(factor_sets))
        if chosen_method is None and methods:
            chosen_method = ", ".join(sorted(methods))
        selected_ids = [str(item.get("shipment_id")) for _, item in rows]
        subject_shipment = shipment_id
        if len(selected_ids) == 1 and subject_shipment is None:
            subject_shipment = selected_ids[0]
        if len(selected_ids) > 1 and consignment_id is None:
            problems.add(
                f"{len(selected_ids)} shipments would be summed into one statement: give a "
                "consignment id (--consignment-id) or choose one shipment (--shipment)",
                column="shipments",
            )
        quantities = (
            Quantities(*(exact_sum([getattr(p, n) for p in parts]) for n in QUANTITY_FIELDS))
            if parts and len(parts) == len(rows)
            else None
        )
        subject_consignment = consignment_id
    else:
        quantities = _quantities(document, problems, None)
        subject_shipment = shipment_id or _identifier(
            document.get("shipment_id"), problems, "shipment_id"
        )
        subject_consignment = consignment_id or _identifier(
            document.get("consignment_id"), problems, "consignment_id"
        )

    if chosen_factor_set is None:
        problems.add("no factor set named; add \"factor_set\" or pass --factor-set",
                     column="factor_set")
    if subject_shipment is None and subject_consignment is None:
        problems.add("no shipment_id or consignment_id for the statement's subject",
                     column="shipment_id")
    problems.raise_if_any("invalid own-emissions document")
    assert quantities is not None and chosen_factor_set is not None
    return (
        Subject(subject_shipment, subject_consignment),
        OwnEmissions(quantities, chosen_factor_set, chosen_method or DEFAULT_METHOD),
    )
