"""PACT/iLEAP host use cases: import footprints, list/get them with access control, events, TAD.

Imports are atomic (one transaction: all shipments or none) and idempotent (a shipment id
re-imported for the same company updates its rows and keeps its footprint id).

How a shipment is marked for CSRD reporting: ``scope3_category`` on import, 4 for upstream
transportation and distribution (transport the reporting company buys, GHG Protocol / ESRS E1
scope 3 category 4) or 9 for downstream transportation and distribution (transport of sold
products it does not pay for, category 9); ``None`` leaves it unclassified.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from keten.errors import NotFoundError, Problem, ProblemCollector, ValidationError
from keten.exchange import pact, pact_v2
from keten.store import Store, utcnow
from keten.store import repository as repo
from keten.store import tables as t

SCOPE3_UPSTREAM = 4
SCOPE3_DOWNSTREAM = 9
DIRECTIONS = {"upstream": SCOPE3_UPSTREAM, "downstream": SCOPE3_DOWNSTREAM}
MAX_PAGE = 1000
TAD_MODES = ("Road", "Rail", "Air", "Sea", "InlandWaterway")


@dataclass(frozen=True)
class ImportSummary:
    company_id: str
    shipments_created: int
    shipments_updated: int
    tads_created: int
    tads_updated: int
    footprint_ids: tuple[str, ...] = field(default=())
    #: TOC/HOC footprints published with the shipments (:func:`import_table`).
    intensity_ids: tuple[str, ...] = field(default=())


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _check_shipments(shipments: Sequence[Mapping[str, Any]], source: str) -> None:
    problems = ProblemCollector(file=source)
    seen: set[str] = set()
    for row, sf in enumerate(shipments):
        if not isinstance(sf, Mapping):
            problems.add("a ShipmentFootprint must be an object", row=row)
            continue
        sid = sf.get("shipmentId")
        if not isinstance(sid, str) or not sid:
            problems.add("required, a non-empty string", row=row, column="shipmentId")
        elif sid in seen:
            problems.add(
                f"shipment '{sid}' appears twice in this import", row=row, column="shipmentId"
            )
        else:
            seen.add(sid)
        if _decimal(sf.get("mass")) is None:
            problems.add("required, a decimal string (kg)", row=row, column="mass")
        tces = sf.get("tces")
        if not isinstance(tces, list) or not tces:
            problems.add("required, a non-empty list of TCEs", row=row, column="tces")
            continue
        tce_ids: set[str] = set()
        for i, tce in enumerate(tces):
            if not isinstance(tce, Mapping):
                problems.add(f"tces[{i}] must be an object", row=row, column="tces")
                continue
            tce_id = tce.get("tceId")
            if not isinstance(tce_id, str) or not tce_id or tce_id in tce_ids:
                problems.add(f"tces[{i}].tceId missing or repeated", row=row, column="tceId")
            else:
                tce_ids.add(tce_id)
            for name in ("mass", "transportActivity", "co2eWTW", "co2eTTW"):
                value = _decimal(tce.get(name))
                if value is None or value < 0:
                    problems.add(
                        f"tces[{i}].{name} must be a non-negative decimal string",
                        row=row,
                        column=name,
                    )
    problems.raise_if_any("invalid shipment footprints")


def _check_tads(tads: Sequence[Mapping[str, Any]], source: str) -> None:
    problems = ProblemCollector(file=source)
    for row, tad in enumerate(tads):
        if not isinstance(tad, Mapping):
            problems.add("a TAD must be an object", row=row)
            continue
        for name in ("activityId", "departureAt", "arrivalAt", "mode"):
            if not isinstance(tad.get(name), str) or not tad.get(name):
                problems.add("required, a non-empty string", row=row, column=name)
        if tad.get("mode") not in TAD_MODES:
            problems.add(f"mode must be one of {', '.join(TAD_MODES)}", row=row, column="mode")
        for name in ("departureAt", "arrivalAt"):
            if isinstance(tad.get(name), str):
                try:
                    pact.parse_datetime_utc(tad[name])
                except ValueError:
                    problems.add("not an ISO 8601 date-time", row=row, column=name)
    problems.raise_if_any("invalid transport activity data")


def _total(tces: Sequence[Mapping[str, Any]], name: str) -> Decimal:
    return sum((Decimal(str(x[name])) for x in tces), Decimal(0))


def _for_shipment(value: Any, shipment_id: str) -> Any:
    """One value for every shipment, or the shipment's own from a mapping."""
    return value.get(shipment_id) if isinstance(value, Mapping) else value


def _bundles_by_shipment(
    bundles: Sequence[Mapping[str, Any]],
    shipment_footprints: Sequence[Mapping[str, Any]],
    source: str,
) -> dict[str, Mapping[str, Any]]:
    """Each bundle by the shipment its head statement names; a bundle that does not verify
    (its own keys), names no imported shipment, or repeats one is refused."""
    if not bundles:
        return {}
    from keten.exchange.chain import head_statement
    from keten.exchange.chain_verify import verify_bundle

    problems = ProblemCollector(file=source)
    wanted = {str(sf.get("shipmentId")) for sf in shipment_footprints}
    out: dict[str, Mapping[str, Any]] = {}
    for row, bundle in enumerate(bundles):
        report = verify_bundle(bundle)
        if not report.ok:
            problems.add(f"the bundle does not verify: {report.first_issue}", row=row)
            continue
        subject = head_statement(bundle).get("statement", {}).get("subject", {})
        shipment_id = subject.get("shipment_id") if isinstance(subject, Mapping) else None
        if shipment_id not in wanted:
            problems.add(
                f"the bundle is about shipment {shipment_id!r}, not imported here", row=row
            )
        elif shipment_id in out:
            problems.add(f"a second bundle for shipment {shipment_id}", row=row)
        else:
            out[str(shipment_id)] = bundle
    problems.raise_if_any("invalid Carbon Added bundles")
    return out


@dataclass(frozen=True)
class TableImport:
    """ShipmentFootprints computed from a TCE table, with what the table says per shipment."""

    shipment_footprints: list[dict[str, Any]]
    primary_data_share_pct: dict[str, float]
    scope3_category: dict[str, int | None]
    #: Each shipment's data sources (:func:`keten.exchange.ileap.shipment_data_quality`).
    data_quality: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: iLEAP TOCs and HOCs of every ``tocId``/``hocId`` the ShipmentFootprints name, as the
    #: footprint used them (keten defaults or the ``--tocs``/``--hocs`` files), so that an
    #: import can serve them beside the shipments (iLEAP v1.0.0 Test Case 002).
    tocs: list[dict[str, Any]] = field(default_factory=list)
    hocs: list[dict[str, Any]] = field(default_factory=list)
    #: Why a named TOC or HOC cannot be served as an iLEAP document (no energy carrier, a mode
    #: iLEAP v1.0.0 lacks); such ids stay unresolved for the recipient.
    unpublishable: tuple[str, ...] = ()


def footprints_from_table(
    path: Path, tocs: Path | None = None, hocs: Path | None = None
) -> TableImport:
    """Run keten.footprint on a TCE table: iLEAP ShipmentFootprints, each shipment's
    emission-weighted primary-data share and its scope 3 category (TCE column
    ``scope3_category``: 4 upstream, 9 downstream)."""
    from keten.exchange import ileap
    from keten.services.footprint import footprint

    result = footprint(path, tocs=tocs, hocs=hocs)
    shares = {s.shipment_id: float(s.primary_data_share * 100) for s in result.shipments}
    categories: dict[str, int | None] = {}
    collector = ProblemCollector(str(path))
    for s in result.shipments:
        found = {t.scope3_category for t in s.tces if t.scope3_category}
        if len(found) > 1:
            collector.add(
                f"shipment '{s.shipment_id}' has TCEs in scope 3 categories "
                f"{', '.join(sorted(found))}",
                column="scope3_category",
            )
        value = next(iter(found), None)
        if value is not None and value not in ("4", "9"):
            collector.add(
                f"shipment '{s.shipment_id}': scope3_category must be 4 or 9, not '{value}'",
                column="scope3_category",
            )
        categories[s.shipment_id] = int(value) if value in ("4", "9") else None
    collector.raise_if_any("invalid scope 3 categories")
    quality = {s.shipment_id: ileap.shipment_data_quality(s) for s in result.shipments}
    shipment_footprints = ileap.shipment_footprints(result)
    toc_ids = sorted({t.toc_id for s in result.shipments for t in s.tces if t.toc_id})
    hoc_ids = sorted({t.hoc_id for s in result.shipments for t in s.tces if t.hoc_id})
    fs = result.factors
    assert fs is not None  # services.footprint always keeps the factor set it used
    toc_data, hoc_data, unpublishable = _ileap_intensities(
        {i: fs.tocs[i] for i in toc_ids if i in fs.tocs},
        {i: fs.hocs[i] for i in hoc_ids if i in fs.hocs},
        fs,
    )
    return TableImport(
        shipment_footprints,
        shares,
        categories,
        quality,
        toc_data,
        hoc_data,
        tuple(reason for reason, _column in unpublishable),
    )


def _ileap_intensities(
    toc_records: Mapping[str, Any], hoc_records: Mapping[str, Any], fs: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str]]]:
    """iLEAP TOC and HOC data of keten TOC/HOC records, and why any cannot be one (reason,
    column)."""
    from keten.exchange import ileap

    toc_data: list[dict[str, Any]] = []
    hoc_data: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    for records, out, build, label in (
        (toc_records, toc_data, ileap.toc_data, "TOC"),
        (hoc_records, hoc_data, ileap.hoc_data, "HOC"),
    ):
        for key, record in records.items():
            if not record.energy_carrier:  # iLEAP v1.0.0 TOC/HOC: energyCarriers, minItems 1
                problems.append(
                    (f"{label} {key} has no energy_carrier (iLEAP requires one)", "energy_carrier")
                )
                continue
            mode = getattr(record, "mode", None)
            if mode is not None and mode.ileap is None:
                problems.append((f"TOC {key}: iLEAP v1.0.0 has no mode {mode.value}", "mode"))
                continue
            out.append(build(record, fs))
    return toc_data, hoc_data, problems


def import_table(
    store: Store,
    company_id: str,
    table: TableImport,
    *,
    share_with: Sequence[str] = (),
    reference_year: int | None = None,
    **options: Any,
) -> ImportSummary:
    """Import a computed TCE table (:func:`footprints_from_table`): first the TOCs and HOCs its
    shipments name, shared as the shipments are, then the shipments
    (:func:`import_footprints`, with ``options``). Every ``tocId``/``hocId`` a served
    ShipmentFootprint names then resolves to a served TOC/HOC, on ``/2`` and ``/3``
    (iLEAP v1.0.0 Test Case 002), also where the footprint fell back on keten's default
    (GLEC modelled) TOCs."""
    intensity_ids = import_intensities(
        store,
        company_id,
        table.tocs,
        table.hocs,
        reference_year=reference_year,
        share_with=share_with,
    )
    summary = import_footprints(
        store,
        company_id,
        table.shipment_footprints,
        share_with=share_with,
        reference_year=reference_year,
        data_quality=table.data_quality,
        **options,
    )
    return replace(summary, intensity_ids=intensity_ids)


#: Shipments built and staged per batch (bounds the rows held in memory at once).
IMPORT_BATCH = 5000

#: ``progress(phase, done, total)`` of an import: "staged" after each batch, "swapped" at the end.
Progress = Callable[[str, int, int], None]


def import_footprints(
    store: Store,
    company_id: str,
    shipment_footprints: Sequence[Mapping[str, Any]],
    *,
    scope3_category: int | Mapping[str, int | None] | None = None,
    reference_year: int | None = None,
    primary_data_share_pct: float | Mapping[str, float | None] | None = None,
    tads: Sequence[Mapping[str, Any]] = (),
    share_with: Sequence[str] = (),
    source: str = "import",
    bundles: Sequence[Mapping[str, Any]] = (),
    data_quality: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Store iLEAP ShipmentFootprints of a company as PACT v3 ProductFootprints (plus TAD).

    ``reference_year`` sets the reference period when the TCEs carry no departure/arrival
    times (default: the current year). ``scope3_category`` and ``primary_data_share_pct`` are
    one value for all shipments or a mapping per shipment id. ``data_quality`` (per shipment
    id, :func:`keten.exchange.ileap.shipment_data_quality`) is kept with each shipment and
    fills the documents' data quality and biogenic fields. ``bundles`` are signed Carbon
    Added bundles (``keten chain sign``) served with the footprint of the shipment their head
    statement names.

    All or nothing, with a short write: the rows are staged in bulk where nobody sees them
    (:class:`keten.store.staging.ImportStage`), then one transaction makes them visible and
    replaces the shipments' previous versions.
    """
    from keten.exchange import ileap
    from keten.exchange.received import bundle_extension
    from keten.store.staging import ImportStage, dumps, sqlite_datetime

    _check_shipments(shipment_footprints, source)
    by_shipment = _bundles_by_shipment(bundles, shipment_footprints, source)
    _check_tads(tads, source)
    categories = (
        scope3_category.values() if isinstance(scope3_category, Mapping) else [scope3_category]
    )
    if any(c not in (None, SCOPE3_UPSTREAM, SCOPE3_DOWNSTREAM) for c in categories):
        collector = ProblemCollector(source)
        collector.add(
            "scope 3 category must be 4 (upstream) or 9 (downstream)", column="scope3_category"
        )
        collector.raise_if_any()
    now = utcnow()
    with store.transaction() as session:  # short: the company, its id key, what exists
        company = repo.get_company(session, company_id)
        if company is None:
            raise NotFoundError(f"no company '{company_id}'")
        for cid in share_with:
            if repo.get_company(session, cid) is None:
                raise NotFoundError(f"no company '{cid}' to share with")
        key = repo.footprint_id_key(session, company)
        name, urns = company.name, list(company.company_urns)
        sids = [str(sf["shipmentId"]) for sf in shipment_footprints]
        pf_ids = [pact.footprint_id_for(company_id, "shipment", sid, key) for sid in sids]
        created_at = repo.footprint_created(session, pf_ids)
    sqlite = store.dialect == "sqlite"

    def moment(value: datetime | None) -> Any:
        return sqlite_datetime(value) if sqlite else value

    quality_of = data_quality or {}
    total = len(shipment_footprints)
    with ImportStage(store) as stage:
        for first in range(0, total, IMPORT_BATCH):
            shipments: list[tuple[Any, ...]] = []
            tce_rows: list[tuple[Any, ...]] = []
            footprints: list[tuple[Any, ...]] = []
            values: list[tuple[Any, ...]] = []
            for sf, sid, pf_id in zip(
                shipment_footprints[first : first + IMPORT_BATCH],
                sids[first : first + IMPORT_BATCH],
                pf_ids[first : first + IMPORT_BATCH],
                strict=True,
            ):
                tces = list(sf["tces"])
                start, _end = pact.reference_period(tces, reference_year, now)
                share = _for_shipment(primary_data_share_pct, sid)
                quality = quality_of.get(sid)
                shipments.append((
                    sid,
                    _for_shipment(scope3_category, sid),
                    start.year if reference_year is None else reference_year,
                    float(Decimal(str(sf["mass"]))),
                    float(_total(tces, "transportActivity")),
                    float(_total(tces, "co2eWTW")),
                    float(_total(tces, "co2eTTW")),
                    share,
                    dumps(dict(sf)),
                    None if quality is None else dumps(dict(quality)),
                ))
                tce_rows.extend(
                    (
                        sid,
                        str(x["tceId"]),
                        float(Decimal(str(x["co2eWTW"]))),
                        float(Decimal(str(x["co2eTTW"]))),
                        float(Decimal(str(x["transportActivity"]))),
                        dumps(dict(x)),
                    )
                    for x in tces
                )
                ctx = pact.shipment_context(
                    name,
                    urns,
                    sf,
                    created_at.get(pf_id, now),
                    reference_year=reference_year,
                    primary_data_share_pct=share,
                    footprint_id_key=key,
                    data_quality_rating=(quality or {}).get("dataQualityRating"),
                )
                payload = pact.shipment_product_footprint(sf, company_id, ctx)
                if sid in by_shipment:
                    payload["extensions"].append(bundle_extension(by_shipment[sid]))
                cols = repo.footprint_columns(payload)
                footprints.append((
                    pf_id,
                    sid,
                    cols["status"],
                    cols["status_lower"],
                    moment(cols["created"]),
                    moment(cols["validity_start"]),
                    moment(cols["validity_end"]),
                    cols["geography_country"],
                    cols["geography_region"],
                    cols["geography_subdivision"],
                    dumps(payload),
                    dumps(ileap.v2_document(payload, quality)),
                ))
                for kind, kept in enumerate(repo.filter_values(payload)):
                    values.extend((kind, pf_id, v) for v in kept)
            stage.add("shipments", shipments)
            stage.add("tces", tce_rows)
            stage.add("footprints", footprints)
            stage.add("filter_values", values)
            if progress is not None:
                progress("staged", min(first + IMPORT_BATCH, total), total)
        stage.add(
            "tads",
            [
                (
                    str(tad["activityId"]),
                    str(tad["mode"]),
                    moment(pact.parse_datetime_utc(str(tad["departureAt"]))),
                    moment(pact.parse_datetime_utc(str(tad["arrivalAt"]))),
                    dumps(dict(tad)),
                )
                for tad in {str(tad["activityId"]): tad for tad in tads}.values()
            ],
        )
        counts = stage.swap(company_id, now, share_with)
    if progress is not None:
        progress("swapped", total, total)
    return ImportSummary(
        company_id,
        counts.shipments_created,
        counts.shipments_updated,
        counts.tads_created,
        counts.tads_updated,
        tuple(pf_ids),
    )


def list_footprints(
    store: Store,
    company_id: str,
    criteria: pact.FootprintFilter,
    limit: int,
    after: str | None = None,
    pact_version: int = 3,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the footprints a company may see (its own and those shared with it);
    returns (page, opaque cursor of the next page or None). ``after`` is such a cursor.
    ``pact_version`` 2 gives their stored PACT v2.3 documents."""
    limit = max(0, min(limit, MAX_PAGE))
    position = decode_cursor(after) if after else None
    with store.transaction() as session:
        page, next_position = repo.query_footprints(
            session, company_id, criteria, limit, position, pact_version
        )
    return page, encode_cursor(next_position) if next_position is not None else None


def encode_cursor(position: tuple[datetime, str]) -> str:
    """Opaque paging cursor for a (created, id) position."""
    raw = f"{position[0].isoformat()}|{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, str]:
    """Inverse of :func:`encode_cursor`; ``ValidationError`` if the token is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, pf_id = raw.split("|", 1)
        return datetime.fromisoformat(created), str(uuid.UUID(pf_id))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            [Problem("not a paging cursor of this host", column="after")]
        ) from exc


def list_footprints_v2(
    store: Store, company_id: str, odata_filter: str | None, limit: int, after: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of PACT v2.3 footprints (``GET /2/footprints``), mapped from the same stored
    v3 documents; ``odata_filter`` is the ``$filter`` expression (see
    :func:`keten.exchange.pact_v2.parse_odata_filter`). With a filter the cursor is an offset
    into the matches (``o<n>``)."""
    limit = max(0, min(limit, MAX_PAGE))
    if not odata_filter or not odata_filter.strip():
        return list_footprints(store, company_id, pact.FootprintFilter(), limit, after, 2)
    conditions = pact_v2.parse_odata_filter(odata_filter)
    offset = 0
    if after:
        if not (after.startswith("o") and after[1:].isdigit()):
            raise ValidationError([Problem("not a paging cursor of this host", column="after")])
        offset = int(after[1:])
    found: list[dict[str, Any]] = []
    position: str | None = None
    while True:
        page, position = list_footprints(
            store, company_id, pact.FootprintFilter(), MAX_PAGE, position, 2
        )
        found.extend(v2 for v2 in page if pact_v2.matches_odata(v2, conditions))
        if position is None or len(found) > offset + limit:
            break
    more = len(found) > offset + limit
    return found[offset : offset + limit], (f"o{offset + limit}" if more else None)


def get_footprint(
    store: Store, company_id: str, footprint_id: str, pact_version: int = 3
) -> dict[str, Any]:
    """One footprint (its PACT v2.3 document with ``pact_version`` 2); ``NotFoundError`` if
    unknown or not visible to ``company_id``: the same answer for both."""
    with store.transaction() as session:
        row = repo.get_footprint_row(session, footprint_id)
        if row is None or not repo.can_see(session, row, company_id):
            raise NotFoundError(f"no footprint '{footprint_id}'")
        if pact_version == 2:
            return dict(row.payload_v2 or pact_v2.to_v2(row.payload))
        return dict(row.payload)


def list_tads(
    store: Store, company_id: str, params: Mapping[str, Sequence[str]], limit: int, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """iLEAP TAD of a company, filtered by TAD properties given as ``name=value`` (OR within a
    name, AND across names, case-insensitive, top-level string properties)."""
    limit = max(0, min(limit, MAX_PAGE))
    modes = list(params.get("mode", ()))
    others = {k: {v.lower() for v in vs} for k, vs in params.items() if k != "mode" and vs}
    with store.transaction() as session:
        if not others:
            rows = repo.query_tads(session, company_id, limit, offset, modes)
            return rows[:limit], len(rows) > limit
        rows = repo.query_tads(session, company_id, 10**9, 0, modes)

    def keep(tad: Mapping[str, Any]) -> bool:
        for name, wanted in others.items():
            value = tad.get(name)
            values = value if isinstance(value, list) else [value]
            if not {str(v).lower() for v in values if v is not None} & wanted:
                return False
        return True

    kept = [r for r in rows if keep(r)]
    return kept[offset : offset + limit], len(kept) > offset + limit


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class EventReceipt:
    row_id: int
    needs_answer: bool


def receive_event(store: Store, company_id: str, event: Any, version: int = 3) -> EventReceipt:
    """Validate and record a PACT event (``version`` 2 on ``/2/events``, 3 on ``/3/events``);
    a new RequestCreated event needs an asynchronous answer."""
    if version == 2:
        payload = pact_v2.validate_event_v2(event)
        is_request = payload["type"] == pact_v2.REQUEST_CREATED_V2
    else:
        payload = pact.validate_event(event)
        is_request = payload["type"] == pact.REQUEST_CREATED
    answers = (
        pact.REQUEST_FULFILLED,
        pact.REQUEST_REJECTED,
        pact_v2.REQUEST_FULFILLED_V2,
        pact_v2.REQUEST_REJECTED_V2,
    )
    if payload["type"] in answers:
        # An answer to one of our own requests (keten as a PACT client): store what it brings;
        # a bad answer raises before the event is recorded.
        from keten.services.partner_requests import receive_answer

        receive_answer(store, company_id, payload)
    with store.transaction() as session:
        stored = repo.add_event(
            session, company_id, payload, "accepted" if is_request else "received"
        )
    return EventReceipt(stored.row_id, is_request and stored.created)


def event_version(store: Store, row_id: int) -> int:
    """2 for a PACT v2 event row (answered on ``/2/events``), else 3."""
    with store.transaction() as session:
        row = session.get(t.Event, row_id)
        return 2 if row is not None and pact_v2.is_v2_event_type(row.type) else 3


def answer_for_request(
    store: Store, row_id: int, max_footprints: int = 100
) -> tuple[dict[str, Any], str]:
    """The data of the answer to a RequestCreated event: (event data, fulfilled|rejected type),
    in the event's own PACT version (v2 answers carry v2 footprints and v2 event types)."""
    with store.transaction() as session:
        row = session.get(t.Event, row_id)
        if row is None:
            raise NotFoundError(f"no event row {row_id}")
        company_id = row.company_id
        data = dict(row.payload.get("data") or {})
        v2 = pact_v2.is_v2_event_type(row.type)
    if v2:
        criteria = pact_v2.fragment_filter(data.get("pf"))
    else:
        criteria = pact.parse_filter(data, source="event.data")
    if criteria.is_empty():
        pfs: list[dict[str, Any]] = []
    else:
        pfs, _ = list_footprints(store, company_id, criteria, max_footprints, None, 2 if v2 else 3)
    if pfs:
        kind = pact.REQUEST_FULFILLED
        answer: dict[str, Any] = {"pfs": pfs}
    else:
        kind = pact.REQUEST_REJECTED
        error = {"code": "NotFound", "message": "no product footprint matches the request"}
        answer = {"error": error}
    return answer, (pact_v2.ANSWER_TYPES_V2[kind] if v2 else kind)


def event_status(store: Store, row_id: int, status: str, detail: str | None = None) -> None:
    with store.transaction() as session:
        repo.set_event_status(session, row_id, status, detail)


def callback_credentials(store: Store, row_id: int) -> tuple[str, str, str, str, str | None] | None:
    """(requesting event id, source, client id, client secret, allowed base URL or None) to
    answer an event, if the company has callback credentials."""
    with store.transaction() as session:
        row = session.get(t.Event, row_id)
        if row is None:
            return None
        company = repo.get_company(session, row.company_id)
        if company is None or not company.callback_client_id or not company.callback_client_secret:
            return None
        return (
            row.event_id,
            row.source,
            company.callback_client_id,
            company.callback_client_secret,
            company.callback_base_url,
        )


def import_intensities(
    store: Store,
    company_id: str,
    tocs: Sequence[Mapping[str, Any]] = (),
    hocs: Sequence[Mapping[str, Any]] = (),
    *,
    reference_year: int | None = None,
    share_with: Sequence[str] = (),
) -> tuple[str, ...]:
    """Store iLEAP TOCs and HOCs (emission intensities, iLEAP DT#2) as ProductFootprints."""
    problems = ProblemCollector(file="intensities")
    for row, toc in enumerate(tocs):
        if not isinstance(toc, Mapping) or not isinstance(toc.get("tocId"), str):
            problems.add("tocId required", row=row, column="tocId")
        elif _decimal(toc.get("co2eIntensityWTW")) is None:
            problems.add("a decimal string", row=row, column="co2eIntensityWTW")
    for row, hoc in enumerate(hocs):
        if not isinstance(hoc, Mapping) or not isinstance(hoc.get("hocId"), str):
            problems.add("hocId required", row=row, column="hocId")
        elif _decimal(hoc.get("co2eIntensityWTW")) is None:
            problems.add("a decimal string", row=row, column="co2eIntensityWTW")
    problems.raise_if_any("invalid TOC/HOC")
    now = utcnow()
    year = reference_year or now.year
    ids: list[str] = []
    with store.transaction() as session:
        company = repo.get_company(session, company_id)
        if company is None:
            raise NotFoundError(f"no company '{company_id}'")
        Builder = Callable[[Mapping[str, Any], str, pact.FootprintContext], dict[str, Any]]
        items: list[tuple[str, Mapping[str, Any], Builder]]
        items = [("toc", x, pact.toc_product_footprint) for x in tocs]
        items += [("hoc", x, pact.hoc_product_footprint) for x in hocs]
        key = repo.footprint_id_key(session, company)
        for kind, item, build in items:
            pf_id = pact.footprint_id_for(company_id, kind, str(item[f"{kind}Id"]), key)
            existing = repo.get_footprint_row(session, pf_id)
            ctx = pact.FootprintContext(
                company_name=company.name,
                company_urns=list(company.company_urns),
                reference_period_start=datetime(year, 1, 1),
                reference_period_end=datetime(year + 1, 1, 1),
                created=existing.created if existing is not None else now,
                geography_region="Western Europe",
                footprint_id_key=key,
            )
            repo.upsert_footprint(session, company_id, build(item, company_id, ctx), None)
            ids.append(pf_id)
        for cid in share_with:
            if repo.get_company(session, cid) is None:
                raise NotFoundError(f"no company '{cid}' to share with")
            repo.share_footprints(session, company_id, cid, ids)
    return tuple(ids)


def publish_intensity_files(
    store: Store,
    company_id: str,
    tocs: Path | None,
    hocs: Path | None,
    *,
    share_with: Sequence[str] = (),
    reference_year: int | None = None,
) -> tuple[str, ...]:
    """Serve a carrier's TOC/HOC files (as ``keten toc``/``keten hoc`` write them) as iLEAP
    TOC/HOC footprints (iLEAP DT#2, the TOC/HOC transaction), shared with its customers."""
    from keten.factors.library import load_factor_set
    from keten.io.factor_input import read_hoc_file, read_toc_file

    fs = load_factor_set()
    problems = ProblemCollector(file=str(tocs or hocs))
    toc_records = read_toc_file(tocs, fs) if tocs is not None else {}
    hoc_records = read_hoc_file(hocs, fs) if hocs is not None else {}
    toc_data, hoc_data, reasons = _ileap_intensities(toc_records, hoc_records, fs)
    for reason, column in reasons:
        problems.add(reason, column=column)
    problems.raise_if_any("cannot publish these intensities")
    return import_intensities(
        store, company_id, toc_data, hoc_data, reference_year=reference_year, share_with=share_with
    )
