"""Typed records of the Carbon Added chain and strict parsing of their JSON form.

The JSON format itself is documented in :mod:`keten.exchange.chain` and ``docs/chain.md``.
Everything here is pure: JSON-like values in, frozen dataclasses or problem lists out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from typing import Any

from keten.errors import ChainVerificationError, KetenError, Problem, ValidationError
from keten.exchange.canonical import canonical_json

#: Format 2 (current) signs a ``sequence`` per (issuer, subject), a ``supersedes`` link and,
#: optionally, a ``subject_mapping``; format 1 statements of earlier keten still verify.
STATEMENT_FORMAT = "keten.carbon-added.statement/2"
STATEMENT_FORMAT_V1 = "keten.carbon-added.statement/1"
STATEMENT_FORMATS = (STATEMENT_FORMAT_V1, STATEMENT_FORMAT)
BUNDLE_FORMAT = "keten.carbon-added.bundle/2"
BUNDLE_FORMAT_V1 = "keten.carbon-added.bundle/1"
BUNDLE_FORMATS = (BUNDLE_FORMAT_V1, BUNDLE_FORMAT)
TRUST_FORMAT = "keten.trusted-keys/1"
SIGNATURE_ALGORITHM = "Ed25519"
DEFAULT_METHOD = "ISO 14083:2023"

#: The quantities each statement carries for its own part and cumulatively, in this order.
QUANTITY_FIELDS = ("co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg", "transport_activity_tkm")
#: How people read them (messages and tables); the signed JSON keeps the field names.
QUANTITY_LABELS = {"co2e_wtw_kg": "CO2e WTW (kg)", "co2e_ttw_kg": "CO2e TTW (kg)",
                   "nox_kg": "NOx (kg)", "pm_kg": "PM (kg)",
                   "transport_activity_tkm": "transport activity (tkm)"}

# iLEAP "Decimal" strings: an optional minus, digits, an optional fraction; no exponent.
_DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
MAX_DECIMAL_CHARS = 60
# Enough digits that sums of thousands of 60-character figures stay exact; Inexact is trapped.
_EXACT_PRECISION = 400

_HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MAX_ID_CHARS = 200
MAX_UPSTREAM = 10_000
#: Largest sequence number: canonical JSON holds integers up to 2**53 exactly.
MAX_SEQUENCE = 2**53
#: How a downstream subject relates to the upstream subjects it maps: the goods of several
#: upstream shipments in one (``consolidation``), or the same goods under a new id
#: (``renumbering``).
MAPPING_RELATIONS = ("consolidation", "renumbering")


# --- Decimal strings -----------------------------------------------------------------------


def parse_decimal(text: object) -> Decimal | None:
    """The Decimal of an iLEAP-style decimal string, or None when it is not one."""
    if not isinstance(text, str) or len(text) > MAX_DECIMAL_CHARS or not _DECIMAL_RE.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def format_decimal(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing zeros: ``Decimal('1.50E+2')`` →
    ``'150'``."""
    if not value.is_finite():
        raise ValueError(f"not a finite decimal: {value}")
    with localcontext() as ctx:
        ctx.prec = _EXACT_PRECISION
        text = format(value.normalize(), "f")
    if text in ("-0", "-0.0"):
        return "0"
    return text


def exact_sum(values: list[Decimal]) -> Decimal:
    """Sum Decimals exactly; raises ``decimal.Inexact`` rather than round."""
    with localcontext() as ctx:
        ctx.prec = _EXACT_PRECISION
        ctx.traps[Inexact] = True
        total = Decimal(0)
        for value in values:
            total = total + value
        return total


# --- Records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantities:
    """The five chain quantities: kg CO2e well-to-wheel and tank-to-wheel, kg NOx, kg PM, tkm."""

    co2e_wtw_kg: Decimal
    co2e_ttw_kg: Decimal
    nox_kg: Decimal
    pm_kg: Decimal
    transport_activity_tkm: Decimal

    @classmethod
    def zero(cls) -> Quantities:
        return cls(*(Decimal(0) for _ in QUANTITY_FIELDS))

    def as_strings(self) -> dict[str, str]:
        return {name: format_decimal(getattr(self, name)) for name in QUANTITY_FIELDS}

    def plus(self, *others: Quantities) -> Quantities:
        """Exact component-wise sum of this and the others."""
        return Quantities(
            *(
                exact_sum([getattr(self, name)] + [getattr(o, name) for o in others])
                for name in QUANTITY_FIELDS
            )
        )


@dataclass(frozen=True)
class OwnEmissions:
    """One party's own emissions for the subject, and the factor set and method behind them."""

    quantities: Quantities
    factor_set: str
    method: str = DEFAULT_METHOD

    def as_json(self) -> dict[str, str]:
        return {
            **self.quantities.as_strings(),
            "factor_set": self.factor_set,
            "method": self.method,
        }


@dataclass(frozen=True)
class Party:
    """The company issuing a statement."""

    company_id: str
    company_name: str | None = None


@dataclass(frozen=True)
class Subject:
    """What a statement is about: a shipment, a consignment, or both."""

    shipment_id: str | None = None
    consignment_id: str | None = None

    def as_json(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.shipment_id is not None:
            out["shipment_id"] = self.shipment_id
        if self.consignment_id is not None:
            out["consignment_id"] = self.consignment_id
        return out

    def label(self) -> str:
        parts = []
        if self.shipment_id is not None:
            parts.append(f"shipment {self.shipment_id}")
        if self.consignment_id is not None:
            parts.append(f"consignment {self.consignment_id}")
        return ", ".join(parts)


@dataclass(frozen=True)
class MappedUpstream:
    """One upstream statement (by hash) and the subject it is about, as the downstream
    issuer signed it."""

    statement_hash: str
    subject: Subject

    def as_json(self) -> dict[str, Any]:
        return {"statement": self.statement_hash, "subject": self.subject.as_json()}


@dataclass(frozen=True)
class SubjectMapping:
    """A signed statement that the statement's own subject covers the subjects of these
    upstream statements (consolidation, or renumbering of the same goods)."""

    relation: str
    upstream: tuple[MappedUpstream, ...]

    def as_json(self) -> dict[str, Any]:
        return {"relation": self.relation, "upstream": [u.as_json() for u in self.upstream]}

    def subject_of(self, statement_hash: str) -> Subject | None:
        for entry in self.upstream:
            if entry.statement_hash == statement_hash:
                return entry.subject
        return None


@dataclass(frozen=True)
class Statement:
    """The signed payload of one statement, parsed. ``sequence`` and ``supersedes`` are None
    for format 1 statements, which did not sign them."""

    statement_id: str
    issued_at: str
    issuer: Party
    key_fingerprint: str
    subject: Subject
    own: OwnEmissions
    upstream: tuple[str, ...]
    cumulative: Quantities
    format: str = STATEMENT_FORMAT
    sequence: int | None = None
    supersedes: str | None = None
    subject_mapping: SubjectMapping | None = None

    @property
    def legacy(self) -> bool:
        """A format 1 statement: no signed sequence, supersedes link or subject mapping."""
        return self.format == STATEMENT_FORMAT_V1

    @property
    def version_label(self) -> str:
        return "format 1, no sequence" if self.sequence is None else f"sequence {self.sequence}"


@dataclass(frozen=True)
class PublicKeyEntry:
    """A company's Ed25519 public key (raw 32 bytes), as listed in a bundle or trust file."""

    company_id: str
    public_key: bytes
    company_name: str | None = None

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    def as_json(self) -> dict[str, str]:
        out = {
            "company_id": self.company_id,
            "public_key": b64encode(self.public_key),
            "fingerprint": self.fingerprint,
        }
        if self.company_name is not None:
            out["company_name"] = self.company_name
        return out


#: A partner key registered for a company; the trust list is a collection of them.
TrustedKey = PublicKeyEntry


@dataclass(frozen=True)
class VerificationIssue:
    """One thing wrong with a bundle: which check failed, where, and why."""

    check: str
    message: str
    statement_id: str | None = None
    company_id: str | None = None
    statement_hash: str | None = None

    def __str__(self) -> str:
        where = []
        if self.statement_id is not None:
            where.append(f"statement {self.statement_id}")
        elif self.statement_hash is not None:
            where.append(f"statement {self.statement_hash}")
        else:
            where.append("bundle")
        if self.company_id is not None:
            where.append(f"party {self.company_id}")
        return f"{', '.join(where)}: {self.check}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "check": self.check,
            "message": self.message,
            "statement_id": self.statement_id,
            "company_id": self.company_id,
            "statement_hash": self.statement_hash,
        }


@dataclass(frozen=True)
class StatementSummary:
    """A statement as verification saw it, for display and for the API."""

    statement_hash: str
    statement: Statement
    depth: int
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        s = self.statement
        return {
            "statement_hash": self.statement_hash,
            "statement_id": s.statement_id,
            "issued_at": s.issued_at,
            "company_id": s.issuer.company_id,
            "company_name": s.issuer.company_name,
            "key_fingerprint": s.key_fingerprint,
            "subject": s.subject.as_json(),
            "own": s.own.as_json(),
            "cumulative": s.cumulative.as_strings(),
            "upstream": list(s.upstream),
            "format": s.format,
            "sequence": s.sequence,
            "supersedes": s.supersedes,
            "subject_mapping": s.subject_mapping.as_json() if s.subject_mapping else None,
            "depth": self.depth,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class VerificationReport:
    """The outcome of verifying a bundle. ``issues[0]`` is the first broken link."""

    head_hash: str | None
    trusted: bool
    statements: tuple[StatementSummary, ...] = ()
    issues: tuple[VerificationIssue, ...] = ()
    checked_signatures: int = 0
    checked_links: int = 0
    checked_sums: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Flags that do not break the chain but must be shown (e.g. mixed factor sets).
    warnings: tuple[str, ...] = field(default_factory=tuple)
    #: Signed subject mappings the chain relies on, as sentences (shown with the chain).
    subject_mappings: tuple[str, ...] = field(default_factory=tuple)
    #: Statements a newer one of the same issuer and subject replaces (also issues).
    superseded: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def superseded_only(self) -> bool:
        """Intact, but a newer statement replaces one it holds: every issue is 'superseded'."""
        return bool(self.issues) and all(i.check == "superseded" for i in self.issues)

    @property
    def status(self) -> str:
        """``verified``, ``untrusted`` (intact, keys from the bundle), ``superseded`` (intact,
        but a newer statement replaces one of it) or ``broken``."""
        if self.superseded_only:
            return "superseded"
        if self.issues:
            return "broken"
        return "verified" if self.trusted else "untrusted"

    def raise_unless_trusted(self) -> None:
        """After :meth:`raise_for_failure`: raise :class:`UntrustedSignersError` when the
        signatures were checked with the bundle's own keys only."""
        if not self.trusted:
            raise UntrustedSignersError()

    @property
    def first_issue(self) -> VerificationIssue | None:
        return self.issues[0] if self.issues else None

    @property
    def head(self) -> StatementSummary | None:
        for summary in self.statements:
            if summary.statement_hash == self.head_hash:
                return summary
        return None

    def raise_for_failure(self) -> None:
        """Raise :class:`BrokenChainError` naming the first broken link, if any, or
        :class:`SupersededError` when the only issues are superseded statements."""
        if self.superseded_only:
            raise SupersededError(self)
        if self.issues:
            raise BrokenChainError(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "status": self.status,
            "head": self.head_hash,
            "trusted": self.trusted,
            "checked": {
                "signatures": self.checked_signatures,
                "links": self.checked_links,
                "sums": self.checked_sums,
            },
            "first_issue": self.first_issue.as_dict() if self.first_issue else None,
            "issues": [issue.as_dict() for issue in self.issues],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "subject_mappings": list(self.subject_mappings),
            "superseded": list(self.superseded),
            "statements": [summary.as_dict() for summary in self.statements],
        }


class UntrustedSignersError(KetenError):
    """Every signature, link and sum holds, but against keys the bundle brought itself: anyone
    can re-sign a bundle with their own key, so who signed is not established."""

    exit_code = 8

    def __init__(self) -> None:
        super().__init__("signatures valid, signers not trusted: no trust list was given, so "
                         "the keys came from the bundle itself; pass --trust with the "
                         "partners' registered keys")


class BrokenChainError(ChainVerificationError):
    """A bundle failed verification; carries the full report."""

    def __init__(self, report: VerificationReport) -> None:
        self.report = report
        first = report.first_issue
        count = len(report.issues)
        more = f" ({count - 1} more issue(s))" if count > 1 else ""
        super().__init__(f"chain verification failed at the first broken link {first}{more}")


class SupersededError(BrokenChainError):
    """Every signature, link and sum holds, but the issuer has since signed a newer statement
    for the same subject (a higher signed ``sequence`` or a ``supersedes`` link): the claim is
    authentic but out of date. Exit 9, apart from 6, so that a pipeline can ask for the
    current version instead of treating the partner as tampered with."""

    exit_code = 9

    def __init__(self, report: VerificationReport) -> None:
        self.report = report
        first = report.first_issue
        count = len(report.issues)
        more = f" ({count - 1} more)" if count > 1 else ""
        ChainVerificationError.__init__(self, f"{first}{more}")


# --- Encodings -------------------------------------------------------------------------------


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode_strict(text: object, length: int) -> bytes | None:
    """Standard padded base64 of exactly ``length`` bytes, in its one canonical spelling."""
    if not isinstance(text, str):
        return None
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    # Unused low bits of the last character would otherwise let two spellings decode alike.
    if len(data) != length or b64encode(data) != text:
        return None
    return data


def key_fingerprint(public_key_raw: bytes) -> str:
    """``sha256:`` + hex SHA-256 of the raw 32-byte Ed25519 public key."""
    return "sha256:" + hashlib.sha256(public_key_raw).hexdigest()


def statement_hash(signed: Mapping[str, Any]) -> str:
    """``sha256:`` + hex SHA-256 of the canonical JSON of a signed statement."""
    return "sha256:" + hashlib.sha256(canonical_json(signed)).hexdigest()


def is_hash(text: object) -> bool:
    return isinstance(text, str) and bool(_HASH_RE.match(text))


def utc_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Strict parsing --------------------------------------------------------------------------


def _check_keys(
    obj: Mapping[str, Any], where: str, required: set[str], optional: set[str], out: list[str]
) -> None:
    for name in sorted(required - obj.keys()):
        out.append(f"{where}: missing '{name}'")
    for name in sorted(obj.keys() - required - optional):
        out.append(f"{where}: unknown member '{name}'")


def _text(value: object, where: str, out: list[str], *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        out.append(f"{where}: must be a non-empty string of at most {MAX_ID_CHARS} characters")
        return None
    return value


def parse_key_entry(obj: object, where: str) -> tuple[PublicKeyEntry | None, list[str]]:
    """Parse one key entry ``{company_id, company_name?, public_key, fingerprint}``."""
    out: list[str] = []
    if not isinstance(obj, Mapping):
        return None, [f"{where}: must be an object"]
    _check_keys(obj, where, {"company_id", "public_key", "fingerprint"}, {"company_name"}, out)
    company_id = _text(obj.get("company_id"), f"{where}.company_id", out)
    name = _text(obj.get("company_name"), f"{where}.company_name", out, optional=True)
    raw = b64decode_strict(obj.get("public_key"), 32)
    if raw is None:
        out.append(f"{where}.public_key: must be standard base64 of a 32-byte Ed25519 key")
    elif obj.get("fingerprint") != key_fingerprint(raw):
        out.append(f"{where}.fingerprint: does not match the public key")
    if out or company_id is None or raw is None:
        return None, out
    return PublicKeyEntry(company_id, raw, name), []


def parse_trust_list(document: object, source: str | None = None) -> list[PublicKeyEntry]:
    """The key entries of a trust list document; ``ValidationError`` lists every problem."""
    problems: list[Problem] = []
    entries: list[PublicKeyEntry] = []
    if not isinstance(document, Mapping):
        problems.append(Problem(reason="must be a JSON object", file=source))
    else:
        if document.get("format") != TRUST_FORMAT:
            problems.append(Problem(reason=f"format must be '{TRUST_FORMAT}'", file=source,
                                    column="format"))
        keys = document.get("keys")
        if not isinstance(keys, list):
            problems.append(Problem(reason="'keys' must be a list", file=source, column="keys"))
            keys = []
        for index, obj in enumerate(keys):
            entry, reasons = parse_key_entry(obj, f"keys[{index}]")
            problems.extend(Problem(reason=r, file=source, row=index) for r in reasons)
            if entry is not None:
                entries.append(entry)
    if problems:
        raise ValidationError(problems, title="invalid trust list")
    return entries


def trust_list_document(entries: Iterable[PublicKeyEntry]) -> dict[str, Any]:
    return {"format": TRUST_FORMAT, "keys": [e.as_json() for e in entries]}
