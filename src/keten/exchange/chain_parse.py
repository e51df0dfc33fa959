"""Strict parsing of a chain statement's signed payload: format 2 (sequence, supersedes,
subject mapping) and format 1 of earlier keten. Pure: JSON-like values in, a
:class:`~keten.exchange.chain_model.Statement` or the list of everything wrong out.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from keten.exchange.chain_model import (
    _TIMESTAMP_RE,
    MAPPING_RELATIONS,
    MAX_DECIMAL_CHARS,
    MAX_SEQUENCE,
    MAX_UPSTREAM,
    QUANTITY_FIELDS,
    STATEMENT_FORMAT,
    STATEMENT_FORMAT_V1,
    MappedUpstream,
    OwnEmissions,
    Party,
    Quantities,
    Statement,
    Subject,
    SubjectMapping,
    _check_keys,
    _text,
    is_hash,
    parse_decimal,
)


def _quantities(
    obj: Mapping[str, Any], where: str, out: list[str], *, allow_negative: bool = False
) -> Quantities | None:
    values: list[Decimal] = []
    for name in QUANTITY_FIELDS:
        raw = obj.get(name)
        value = parse_decimal(raw)
        if value is None:
            out.append(
                f"{where}.{name}: {raw!r} is not a decimal string "
                f"(digits, optional fraction, no exponent, at most {MAX_DECIMAL_CHARS} chars)"
            )
            continue
        if value < 0 and not allow_negative:
            out.append(f"{where}.{name}: negative value {raw}")
        values.append(value)
    if len(values) != len(QUANTITY_FIELDS):
        return None
    return Quantities(*values)


def _subject(obj: object, where: str, out: list[str]) -> Subject | None:
    if not isinstance(obj, Mapping):
        out.append(f"{where}: must be an object")
        return None
    _check_keys(obj, where, set(), {"shipment_id", "consignment_id"}, out)
    shipment = _text(obj.get("shipment_id"), f"{where}.shipment_id", out, optional=True)
    consignment = _text(obj.get("consignment_id"), f"{where}.consignment_id", out, optional=True)
    if shipment is None and consignment is None:
        out.append(f"{where}: needs a shipment_id or a consignment_id")
        return None
    return Subject(shipment, consignment)


def _hash_list(value: object, where: str, out: list[str]) -> tuple[str, ...] | None:
    """Ascending, distinct ``sha256:`` hashes (one canonical order, so one signed byte string)."""
    if not isinstance(value, list) or len(value) > MAX_UPSTREAM:
        out.append(f"{where}: must be a list of at most {MAX_UPSTREAM} hashes")
        return None
    if not all(is_hash(h) for h in value):
        out.append(f"{where}: every entry must be 'sha256:' + 64 lower-case hex")
        return None
    hashes = tuple(str(h) for h in value)
    if len(set(hashes)) != len(hashes):
        out.append(f"{where}: lists the same hash twice")
    elif list(hashes) != sorted(hashes):
        out.append(f"{where}: hashes must be in ascending order")
    else:
        return hashes
    return None


def _sequence(value: object, out: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SEQUENCE:
        out.append(f"statement.sequence: must be an integer from 1 to {MAX_SEQUENCE}")
        return None
    return value


def _subject_mapping(
    value: object, upstream: tuple[str, ...] | None, out: list[str]
) -> SubjectMapping | None:
    where = "statement.subject_mapping"
    if not isinstance(value, Mapping):
        out.append(f"{where}: must be an object")
        return None
    _check_keys(value, where, {"relation", "upstream"}, set(), out)
    relation = value.get("relation")
    if relation not in MAPPING_RELATIONS:
        out.append(f"{where}.relation: must be one of {', '.join(MAPPING_RELATIONS)}")
    entries = value.get("upstream")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_UPSTREAM:
        out.append(f"{where}.upstream: must be a non-empty list of at most {MAX_UPSTREAM}")
        return None
    mapped: list[MappedUpstream] = []
    for index, entry in enumerate(entries):
        at = f"{where}.upstream[{index}]"
        if not isinstance(entry, Mapping):
            out.append(f"{at}: must be an object")
            continue
        _check_keys(entry, at, {"statement", "subject"}, set(), out)
        digest = entry.get("statement")
        subject = _subject(entry.get("subject"), f"{at}.subject", out)
        if not is_hash(digest):
            out.append(f"{at}.statement: must be 'sha256:' + 64 lower-case hex")
        elif upstream is not None and digest not in upstream:
            out.append(f"{at}.statement: maps {digest}, which is not in 'upstream'")
        elif subject is not None:
            mapped.append(MappedUpstream(str(digest), subject))
    hashes = [m.statement_hash for m in mapped]
    if hashes != sorted(set(hashes)):
        out.append(f"{where}.upstream: one entry per upstream statement, by ascending hash")
    if len(mapped) != len(entries) or relation not in MAPPING_RELATIONS:
        return None
    return SubjectMapping(str(relation), tuple(mapped))


_BASE_MEMBERS = {"format", "statement_id", "issued_at", "issuer", "subject", "own", "upstream",
                 "cumulative"}
#: Members of a statement payload per format: (required, optional).
_MEMBERS = {
    STATEMENT_FORMAT_V1: (_BASE_MEMBERS, set()),
    STATEMENT_FORMAT: (_BASE_MEMBERS | {"sequence", "supersedes"}, {"subject_mapping"}),
}


def parse_statement_payload(payload: object) -> tuple[Statement | None, list[str]]:
    """Parse a statement payload (format 2, or format 1 of earlier keten) strictly; return it
    or the list of everything wrong."""
    out: list[str] = []
    if not isinstance(payload, Mapping):
        return None, ["statement: must be an object"]
    statement_format = payload.get("format")
    if statement_format in _MEMBERS:
        required, optional = _MEMBERS[str(statement_format)]
    else:
        out.append(f"statement.format: must be '{STATEMENT_FORMAT}' (or '{STATEMENT_FORMAT_V1}' "
                   "of earlier keten)")
        required, optional = _BASE_MEMBERS, {"sequence", "supersedes", "subject_mapping"}
    _check_keys(payload, "statement", required, optional, out)
    statement_id = _text(payload.get("statement_id"), "statement.statement_id", out)
    issued_at = payload.get("issued_at")
    if not isinstance(issued_at, str) or not _TIMESTAMP_RE.match(issued_at):
        out.append("statement.issued_at: must be a UTC timestamp YYYY-MM-DDTHH:MM:SSZ")
        issued_at = None

    issuer_obj = payload.get("issuer")
    party: Party | None = None
    fingerprint: str | None = None
    if isinstance(issuer_obj, Mapping):
        _check_keys(
            issuer_obj, "statement.issuer", {"company_id", "key_fingerprint"},
            {"company_name"}, out,
        )
        company_id = _text(issuer_obj.get("company_id"), "statement.issuer.company_id", out)
        name = _text(
            issuer_obj.get("company_name"), "statement.issuer.company_name", out, optional=True
        )
        fingerprint_raw = issuer_obj.get("key_fingerprint")
        if is_hash(fingerprint_raw):
            fingerprint = str(fingerprint_raw)
        else:
            out.append("statement.issuer.key_fingerprint: must be 'sha256:' + 64 lower-case hex")
        if company_id is not None:
            party = Party(company_id, name)
    else:
        out.append("statement.issuer: must be an object")

    subject = _subject(payload.get("subject"), "statement.subject", out)

    own_obj = payload.get("own")
    own: OwnEmissions | None = None
    if isinstance(own_obj, Mapping):
        _check_keys(own_obj, "statement.own", {*QUANTITY_FIELDS, "factor_set", "method"},
                    set(), out)
        quantities = _quantities(own_obj, "statement.own", out)
        factor_set = _text(own_obj.get("factor_set"), "statement.own.factor_set", out)
        method = _text(own_obj.get("method"), "statement.own.method", out)
        if quantities is not None and factor_set is not None and method is not None:
            own = OwnEmissions(quantities, factor_set, method)
    else:
        out.append("statement.own: must be an object")

    upstream = _hash_list(payload.get("upstream"), "statement.upstream", out)

    cumulative_obj = payload.get("cumulative")
    cumulative: Quantities | None = None
    if isinstance(cumulative_obj, Mapping):
        _check_keys(cumulative_obj, "statement.cumulative", set(QUANTITY_FIELDS), set(), out)
        cumulative = _quantities(cumulative_obj, "statement.cumulative", out)
    else:
        out.append("statement.cumulative: must be an object")

    sequence = supersedes = mapping = None
    if statement_format == STATEMENT_FORMAT:
        sequence = _sequence(payload.get("sequence"), out)
        raw_supersedes = payload.get("supersedes")
        if raw_supersedes is not None and not is_hash(raw_supersedes):
            out.append("statement.supersedes: must be null or 'sha256:' + 64 lower-case hex")
        else:
            supersedes = raw_supersedes
        if sequence is not None and (sequence == 1) != (raw_supersedes is None):
            out.append("statement.supersedes: null exactly when sequence is 1 (a first "
                       "statement replaces nothing; a correction names what it replaces)")
        if upstream is not None and supersedes in upstream:
            out.append("statement.supersedes: a statement cannot build on the one it replaces")
        if "subject_mapping" in payload:
            mapping = _subject_mapping(payload["subject_mapping"], upstream, out)

    if out:
        return None, out
    assert statement_id is not None and issued_at is not None and party is not None
    assert fingerprint is not None and subject is not None and own is not None
    assert upstream is not None and cumulative is not None
    return (
        Statement(statement_id, issued_at, party, fingerprint, subject, own, upstream, cumulative,
                  str(statement_format), sequence, supersedes, mapping),
        [],
    )
