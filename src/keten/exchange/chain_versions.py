"""Versions of chain statements and the subjects they bind (pure).

Format 2 signs, per (issuer, subject), a ``sequence`` (1, 2, ...) and a ``supersedes`` link
to the hash of the statement a correction replaces. A statement is **superseded** when the
same issuer signed another statement for the same subject that links to it or carries a
higher sequence; for format 1 statements, which signed neither, the later signed
``issued_at`` decides. Which statements are compared (the bundle's own, the verifier's store,
a partner's published heads) is the caller's choice; every one must verify first.

A statement's subject must match the subject of each upstream statement it builds on, unless
its signed ``subject_mapping`` names that upstream statement and the subject it is about
(consolidation of several shipments into one, or renumbering of the same goods).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from keten.exchange.chain_model import Statement, Subject


@dataclass(frozen=True)
class Supersession:
    """``old`` is replaced by ``new`` (same issuer, same subject); ``where`` says where the
    newer statement was found: ``bundle``, ``store`` or ``published``."""

    old_hash: str
    old: Statement
    new_hash: str
    new: Statement
    where: str
    how: str

    def message(self) -> str:
        return (f"{self.old.statement_id} ({self.old.version_label}, issued "
                f"{self.old.issued_at}) is replaced by {self.new.statement_id} "
                f"({self.new.version_label}, issued {self.new.issued_at}, {self.how}), found "
                f"{_WHERE[self.where]}")

    def as_dict(self) -> dict[str, object]:
        return {
            "statement_hash": self.old_hash,
            "statement_id": self.old.statement_id,
            "company_id": self.old.issuer.company_id,
            "subject": self.old.subject.as_json(),
            "sequence": self.old.sequence,
            "issued_at": self.old.issued_at,
            "superseded_by": self.new.statement_id,
            "superseded_by_hash": self.new_hash,
            "newer_sequence": self.new.sequence,
            "newer_issued_at": self.new.issued_at,
            "found_in": self.where,
        }


_WHERE = {
    "bundle": "in this bundle (the head does not use it)",
    "store": "among the statements held in the store",
    "published": "among the issuer's published statements",
}


def same_subject(a: Subject, b: Subject) -> bool:
    return a.as_json() == b.as_json()


def _newer(new: Statement, new_hash: str, old: Statement, old_hash: str) -> str | None:
    """How ``new`` supersedes ``old`` (same issuer and subject assumed), or None."""
    if new_hash == old_hash:
        return None
    if new.supersedes == old_hash:
        return "signed supersedes link"
    if new.sequence is not None and old.sequence is not None:
        return "higher signed sequence" if new.sequence > old.sequence else None
    # Format 1 on either side: only the signed issue time orders them.
    return "later signed issued_at (format 1)" if new.issued_at > old.issued_at else None


def supersessions(
    targets: Iterable[tuple[str, Statement]],
    candidates: Iterable[tuple[str, Statement, str]],
) -> list[Supersession]:
    """For each target statement, the newest candidate by the same issuer for the same subject
    that supersedes it (candidates: verified ``(hash, statement, where)``)."""
    by_key: dict[tuple[str, str], list[tuple[str, Statement, str]]] = {}
    for digest, statement, where in candidates:
        by_key.setdefault(_key(statement), []).append((digest, statement, where))
    found: list[Supersession] = []
    for digest, statement in targets:
        best: Supersession | None = None
        for new_hash, new, where in by_key.get(_key(statement), ()):
            how = _newer(new, new_hash, statement, digest)
            if how is not None and (best is None or _rank(new) > _rank(best.new)):
                best = Supersession(digest, statement, new_hash, new, where, how)
        if best is not None:
            found.append(best)
    return found


def equivocations(
    targets: Iterable[tuple[str, Statement]],
    candidates: Iterable[tuple[str, Statement, str]],
) -> list[str]:
    """Two different statements signed by one issuer for one subject with the same sequence:
    the issuer contradicts itself, and neither can be taken as the current one."""
    seen: dict[tuple[tuple[str, str], int], set[str]] = {}
    for digest, statement, _ in candidates:
        if statement.sequence is not None:
            seen.setdefault((_key(statement), statement.sequence), set()).add(digest)
    out = []
    for digest, statement in targets:
        if statement.sequence is None:
            continue
        others = sorted(seen.get((_key(statement), statement.sequence), set()) - {digest})
        if others:
            out.append(f"{statement.issuer.company_id} signed two different statements with "
                       f"sequence {statement.sequence} for {statement.subject.label()}: "
                       f"{digest} and {others[0]} (a correction names the statement it "
                       "replaces: keten chain sign --supersedes)")
    return out


def _key(statement: Statement) -> tuple[str, str]:
    subject = statement.subject
    return statement.issuer.company_id, f"{subject.shipment_id}\x00{subject.consignment_id}"


def _rank(statement: Statement) -> tuple[int, str]:
    return statement.sequence or 0, statement.issued_at


# --- Subjects --------------------------------------------------------------------------------


def subject_relation(downstream: Subject, upstream: Subject) -> str:
    """'same' when the subjects share a shipment or consignment id; 'conflict' when they name
    different ids of the same kind (shipment S999 on shipment S001); 'unknown' when they use
    different kinds (a consignment built on a shipment: nothing signed says it contains it)."""
    pairs = [(downstream.shipment_id, upstream.shipment_id),
             (downstream.consignment_id, upstream.consignment_id)]
    if any(a is not None and a == b for a, b in pairs):
        return "same"
    if any(a is not None and b is not None for a, b in pairs):
        return "conflict"
    return "unknown"


@dataclass(frozen=True)
class SubjectCheck:
    """What the subjects of a statement and its upstream statements say: ``issues`` break the
    chain, ``warnings`` are shown, ``mapped`` lists the signed mappings that were used."""

    issues: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    mapped: tuple[str, ...] = ()


def check_subjects(
    statement: Statement, upstream: Sequence[tuple[str, str, Statement]]
) -> SubjectCheck:
    """Check ``statement``'s subject against each upstream ``(hash, label, statement)``."""
    issues: list[str] = []
    warnings: list[str] = []
    mapped: list[str] = []
    mapping = statement.subject_mapping
    own = statement.subject.label()
    for digest, label, up in upstream:
        signed = mapping.subject_of(digest) if mapping is not None else None
        if signed is not None:
            if not same_subject(signed, up.subject):
                issues.append(f"its signed subject mapping says {label} is about "
                              f"{signed.label()}, but {label} is about {up.subject.label()}")
            elif subject_relation(statement.subject, up.subject) != "same":
                assert mapping is not None
                mapped.append(f"{statement.statement_id} maps {up.subject.label()} (of {label}) "
                              f"to {own}: {mapping.relation}, signed")
            continue
        relation = subject_relation(statement.subject, up.subject)
        if relation == "conflict":
            issues.append(f"is about {own} but builds on {label} about {up.subject.label()}, "
                          "and no signed subject mapping covers it")
        elif relation == "unknown":
            warnings.append(f"{statement.statement_id} is about {own} and builds on {label} "
                            f"about {up.subject.label()}: no shared id or signed subject "
                            "mapping says these are the same goods")
    return SubjectCheck(tuple(issues), tuple(warnings), tuple(mapped))


def mapping_text(statement: Statement) -> str | None:
    """``shipment S001 → shipment S999 (renumbering)``, for display; None without a mapping."""
    mapping = statement.subject_mapping
    if mapping is None:
        return None
    sources = ", ".join(sorted({u.subject.label() for u in mapping.upstream}))
    return f"{sources} → {statement.subject.label()} ({mapping.relation})"


def statements_in(document: object) -> list[object]:
    """The signed statements in a document of published statements: a bundle, one signed
    statement, a list of them, or the ``{"data": [...]}`` answer of
    ``/keten/v1/statements/heads`` or ``/keten/v1/statements`` (items with
    ``signed_statement``)."""
    if isinstance(document, dict):
        if "statement" in document and "signature" in document:
            return [document]
        items = document.get("statements", document.get("data"))
    else:
        items = document
    if not isinstance(items, list):
        return []
    return [item.get("signed_statement", item) if isinstance(item, dict) else item
            for item in items]
