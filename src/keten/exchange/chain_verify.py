"""Verification of Carbon Added chain bundles: signatures, hash links, sums, trust (pure).

The bundle and statement formats are documented in :mod:`keten.exchange.chain`, whose public
API re-exports :func:`verify_bundle`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from keten.exchange.canonical import CanonicalJsonError, canonical_json
from keten.exchange.chain_model import (
    BUNDLE_FORMAT,
    BUNDLE_FORMATS,
    QUANTITY_FIELDS,
    QUANTITY_LABELS,
    SIGNATURE_ALGORITHM,
    PublicKeyEntry,
    Quantities,
    Statement,
    StatementSummary,
    TrustedKey,
    VerificationIssue,
    VerificationReport,
    b64decode_strict,
    format_decimal,
    is_hash,
    parse_key_entry,
    statement_hash,
)
from keten.exchange.chain_parse import parse_statement_payload
from keten.exchange.chain_versions import (
    check_subjects,
    equivocations,
    supersessions,
)

# --- Verification ----------------------------------------------------------------------------

#: Upper bound on statements in one bundle, so that an API cannot be made to verify without end.
MAX_STATEMENTS = 10_000


@dataclass
class _Record:
    index: int
    raw: object
    digest: str | None = None
    statement: Statement | None = None
    signature: bytes | None = None
    issues: list[VerificationIssue] = field(default_factory=list)

    def issue(self, check: str, message: str) -> None:
        s = self.statement
        self.issues.append(
            VerificationIssue(
                check=check,
                message=message,
                statement_id=s.statement_id if s else _loose_id(self.raw),
                company_id=s.issuer.company_id if s else _loose_company(self.raw),
                statement_hash=self.digest,
            )
        )


def _loose_id(raw: object) -> str | None:
    if isinstance(raw, Mapping) and isinstance(raw.get("statement"), Mapping):
        value = raw["statement"].get("statement_id")
        return value if isinstance(value, str) else None
    return None


def _loose_company(raw: object) -> str | None:
    if isinstance(raw, Mapping) and isinstance(raw.get("statement"), Mapping):
        issuer = raw["statement"].get("issuer")
        if isinstance(issuer, Mapping) and isinstance(issuer.get("company_id"), str):
            return str(issuer["company_id"])
    return None


#: Within one statement, the order in which its issues are reported (root causes first).
_CHECK_RANK = {
    check: rank
    for rank, check in enumerate(
        ("schema", "duplicate", "key", "trust", "signature", "link", "cycle", "double_count",
         "arithmetic", "unreachable", "subject", "superseded")
    )
}


#: Faults that make a statement itself untrustworthy (not merely misplaced in the bundle).
_FAULTS_OF_ITS_OWN = {"schema", "duplicate", "key", "trust", "signature"}

#: Tier 0: a fault in the statement itself; 1: a broken hash link; 2: a consequence of others.
_CHECK_TIER = {"link": 1, "cycle": 1, "unreachable": 2}


def _label(record: _Record) -> str:
    if record.statement is not None:
        return record.statement.statement_id
    return record.digest or f"#{record.index}"


def _payload(raw: object) -> object:
    return raw.get("statement") if isinstance(raw, Mapping) else None


def _parse_record(index: int, raw: object) -> _Record:
    record = _Record(index, raw)
    if not isinstance(raw, Mapping):
        record.issue("schema", "a statement must be a JSON object")
        return record
    try:
        record.digest = statement_hash(raw)
    except CanonicalJsonError as exc:
        record.issue("schema", f"cannot be canonicalised: {exc}")
        return record
    problems: list[str] = []
    extra = sorted(set(raw) - {"statement", "signature"})
    if extra:
        problems.append(f"unknown member(s) {', '.join(extra)} next to statement and signature")
    signature = raw.get("signature")
    if not isinstance(signature, Mapping) or set(signature) != {"algorithm", "value"}:
        problems.append("signature: must be an object with exactly 'algorithm' and 'value'")
    else:
        if signature.get("algorithm") != SIGNATURE_ALGORITHM:
            problems.append(f"signature.algorithm: must be '{SIGNATURE_ALGORITHM}'")
        record.signature = b64decode_strict(signature.get("value"), 64)
        if record.signature is None:
            problems.append("signature.value: must be standard base64 of 64 bytes")
    statement, statement_problems = parse_statement_payload(raw.get("statement"))
    problems.extend(statement_problems)
    if problems:
        record.signature = None
        record.issue("schema", "; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""))
    record.statement = statement if not problems else None
    return record


def _topological_order(
    digests: Sequence[str], upstream_of: Mapping[str, Sequence[str]]
) -> tuple[list[str], list[str]]:
    """Upstream-first order (ties by position), and the nodes left over because of a cycle."""
    position = {d: i for i, d in enumerate(digests)}
    waiting = {d: len(upstream_of.get(d, ())) for d in digests}
    downstream: dict[str, list[str]] = {d: [] for d in digests}
    for node in digests:
        for up in upstream_of.get(node, ()):
            downstream[up].append(node)
    ready = sorted((d for d in digests if waiting[d] == 0), key=position.__getitem__)
    queue = deque(ready)
    order: list[str] = []
    while queue:
        node = queue.popleft()
        order.append(node)
        released = []
        for child in downstream[node]:
            waiting[child] -= 1
            if waiting[child] == 0:
                released.append(child)
        queue.extend(sorted(released, key=position.__getitem__))
    done = set(order)
    return order, [d for d in digests if d not in done]


def _trust_index(
    trusted_keys: Iterable[TrustedKey],
) -> dict[str, dict[str, PublicKeyEntry]]:
    index: dict[str, dict[str, PublicKeyEntry]] = {}
    for entry in trusted_keys:
        index.setdefault(entry.company_id, {})[entry.fingerprint] = entry
    return index


def verify_bundle(
    bundle: object,
    trusted_keys: Iterable[TrustedKey] | None = None,
    *,
    expected_head: str | None = None,
    expected_subject: str | None = None,
    expected_issuer: str | None = None,
    published: Iterable[object] = (),
    held: Iterable[object] = (),
) -> VerificationReport:
    """Check every signature, hash link and sum in a bundle, offline, and that it is the claim
    the caller expects.

    With ``trusted_keys`` (partners' registered keys), each statement must be signed by a key
    registered for the company it names; without, the bundle's own key list is used and the
    report says the signers are not trusted. Each statement's subject must share a shipment or
    consignment id with every upstream statement it builds on. ``expected_head`` (a statement
    hash), ``expected_subject`` (a shipment or consignment id) and ``expected_issuer`` (a
    company id) pin the head, so a bundle truncated to its upstream part or re-headed does not
    pass as the claim asked for. ``published`` (a partner's published heads) and ``held`` (the
    verifier's store) are signed statements to check freshness against: a statement the head
    builds on that one of them, or another statement in the bundle, supersedes is reported as
    a ``superseded`` issue (each is used only if its signature verifies with the same keys).
    Issues come upstream-first, so ``report.first_issue`` is the first broken link.
    """
    trusted = trusted_keys is not None
    trust = _trust_index(trusted_keys) if trusted_keys is not None else None
    bundle_issues: list[VerificationIssue] = []

    def bundle_issue(check: str, message: str) -> VerificationReport:
        bundle_issues.append(VerificationIssue(check, message))
        return VerificationReport(head_hash=None, trusted=trusted, issues=tuple(bundle_issues))

    if not isinstance(bundle, Mapping):
        return bundle_issue("bundle", "a bundle must be a JSON object")
    if bundle.get("format") not in BUNDLE_FORMATS:
        bundle_issues.append(VerificationIssue("bundle", f"format must be '{BUNDLE_FORMAT}' (or "
                                               f"'{BUNDLE_FORMATS[0]}' of earlier keten)"))
    extra = sorted(set(bundle) - {"format", "head", "statements", "keys"})
    if extra:
        bundle_issues.append(VerificationIssue("bundle", f"unknown member(s) {', '.join(extra)}"))
    raw_statements = bundle.get("statements")
    if not isinstance(raw_statements, list) or not raw_statements:
        return bundle_issue("bundle", "'statements' must be a non-empty list")
    if len(raw_statements) > MAX_STATEMENTS:
        return bundle_issue("bundle", f"more than {MAX_STATEMENTS} statements")
    raw_keys = bundle.get("keys", [])
    bundle_keys: dict[str, PublicKeyEntry] = {}
    if not isinstance(raw_keys, list):
        bundle_issues.append(VerificationIssue("key", "'keys' must be a list"))
        raw_keys = []
    for index, obj in enumerate(raw_keys):
        entry, problems = parse_key_entry(obj, f"keys[{index}]")
        for problem in problems:
            bundle_issues.append(VerificationIssue("key", problem))
        if entry is not None:
            known = bundle_keys.get(entry.fingerprint)
            if known is not None and known.company_id != entry.company_id:
                bundle_issues.append(VerificationIssue(
                    "key", f"keys[{index}]: key {entry.fingerprint} is listed for both "
                    f"{known.company_id} and {entry.company_id}"))
            bundle_keys.setdefault(entry.fingerprint, entry)

    records = [_parse_record(i, raw) for i, raw in enumerate(raw_statements)]
    by_digest: dict[str, _Record] = {}
    by_statement_id: dict[str, _Record] = {}
    unhashed: list[_Record] = []
    for record in records:
        if record.digest is None:
            unhashed.append(record)
            continue
        if record.digest in by_digest:
            record.issue("duplicate", f"the same statement appears twice in the bundle "
                         f"(positions {by_digest[record.digest].index} and {record.index})")
            continue
        by_digest[record.digest] = record
        if record.statement is not None:
            sid = record.statement.statement_id
            if sid in by_statement_id:
                record.issue("duplicate", f"statement id {sid} is also used by the statement at "
                             f"position {by_statement_id[sid].index}")
            else:
                by_statement_id[sid] = record

    head = bundle.get("head")
    head_digest: str | None = None
    head_issues: list[VerificationIssue] = []
    if not is_hash(head):
        head_issues.append(VerificationIssue("bundle", "'head' must be 'sha256:' + 64 hex"))
    elif head not in by_digest:
        head_issues.append(VerificationIssue(
            "bundle", f"head {head} is not the hash of any statement in the bundle (the head "
            "statement was removed or altered)"))
    else:
        head_digest = str(head)

    # Hash links: an upstream hash must be the hash of a statement in the bundle.
    digests = list(by_digest)
    upstream_of: dict[str, list[str]] = {}
    links = 0
    for digest in digests:
        record = by_digest[digest]
        resolved: list[str] = []
        for up in record.statement.upstream if record.statement else ():
            links += 1
            if up in by_digest:
                resolved.append(up)
            else:
                record.issue("link", f"upstream statement {up} is not in the bundle (removed, "
                             "or altered so that its hash changed)")
        upstream_of[digest] = resolved

    order, in_cycle = _topological_order(digests, upstream_of)
    for digest in in_cycle:
        by_digest[digest].issue(
            "cycle", "statement is part of, or builds on, a cycle of upstream links"
        )

    # Depth from the head; statements the head does not build on do not belong in the bundle.
    # With a broken head, the one statement nobody builds on is taken as the head for this.
    depth: dict[str, int] = {}
    root = head_digest
    if root is None:
        referenced = {up for ups in upstream_of.values() for up in ups}
        tops = [d for d in digests if d not in referenced]
        root = tops[0] if len(tops) == 1 else None
    if root is not None:
        depth[root] = 0
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for up in upstream_of.get(node, ()):
                if up not in depth:
                    depth[up] = depth[node] + 1
                    queue.append(up)
        for digest in digests:
            if digest not in depth:
                by_digest[digest].issue("unreachable", "the head statement does not build on "
                                        "this statement; it does not belong in the bundle")

    # Within what the head builds on, a statement built on by two others reaches the head by
    # two paths, so its emissions would be counted twice (there is no allocation here).
    first_user: dict[str, str] = {}
    signatures = sums = 0
    for digest in order:
        record = by_digest[digest]
        statement = record.statement
        if not depth or digest in depth:
            for up in upstream_of[digest]:
                if up in first_user:
                    record.issue("double_count", f"builds on {_label(by_digest[up])}, which "
                                 f"{_label(by_digest[first_user[up]])} also builds on, so its "
                                 "emissions would be counted twice")
                else:
                    first_user[up] = digest
        if statement is None or record.signature is None:
            continue

        key = _verifying_key(record, statement, trust, bundle_keys)
        if key is not None:
            signatures += 1
            try:
                Ed25519PublicKey.from_public_bytes(key.public_key).verify(
                    record.signature, canonical_json(_payload(record.raw))
                )
            except InvalidSignature:
                record.issue("signature", f"signature does not verify with key "
                             f"{statement.key_fingerprint}: the statement or its signature "
                             "was altered")

        ups = [by_digest[u].statement for u in upstream_of[digest]]
        if len(ups) == len(statement.upstream) and all(u is not None for u in ups):
            sums += 1
            _check_sum(record, statement, [u.cumulative for u in ups if u is not None])

    # Root causes first: what is wrong with a statement itself (signature, sums, ...) comes
    # before the broken links and orphaned statements that follow from it. Within a tier,
    # statements go upstream first; orphans (not reached from the head, often the altered
    # statement whose hash no longer matches) before reached ones.
    orphans = [d for d in order if d not in depth]
    reached = [d for d in order if d in depth]
    sequence = [r for r in unhashed]
    sequence += [by_digest[d] for d in orphans + reached + in_cycle]
    sequence += [r for r in records if r.digest is not None and by_digest.get(r.digest) is not r]
    ranked = sorted(
        ((_CHECK_TIER.get(issue.check, 0), position, _CHECK_RANK.get(issue.check, 0), issue)
         for position, record in enumerate(sequence) for issue in record.issues),
        key=lambda item: item[:3],
    )
    # A head hash that matches nothing is a broken link: after the faults that explain it.
    ranked += [(1, -1, 0, issue) for issue in head_issues]
    ranked.sort(key=lambda item: item[:3])
    issues = list(bundle_issues) + [item[3] for item in ranked]

    # Semantic binding: a statement builds only on statements about the same goods, unless its
    # signed subject mapping names the upstream statement and what that one is about.
    subject_warnings: list[str] = []
    mappings: list[str] = []
    for digest in order:
        record = by_digest[digest]
        statement = record.statement
        if statement is None:
            continue
        links_of = [(up, _label(by_digest[up]), by_digest[up].statement)
                    for up in upstream_of[digest]]
        check = check_subjects(statement, [(d, lab, u) for d, lab, u in links_of if u is not None])
        for message in check.issues:
            record.issue("subject", message)
            issues.append(record.issues[-1])
        subject_warnings += check.warnings
        mappings += check.mapped

    # Versions: a statement the head builds on that a newer one of the same issuer for the
    # same subject replaces (found in the bundle, the store or the issuer's published heads).
    # (a statement the head does not use still shows that its predecessor is out of date)
    intact = [(d, r.statement) for d, r in by_digest.items() if r.statement is not None
              and not {i.check for i in r.issues} & _FAULTS_OF_ITS_OWN]
    reached_statements = [(d, by_digest[d].statement) for d in order
                          if d in depth and by_digest[d].statement is not None]
    known_notes: list[str] = []
    candidates = [(d, st, "bundle") for d, st in intact if st is not None]
    for where, raws in (("published", published), ("store", held)):
        candidates += _checked_known(raws, where, trust, bundle_keys, known_notes)
    targets = [(d, st) for d, st in reached_statements if st is not None]
    found = supersessions(targets, candidates)
    for item in found:
        by_digest[item.old_hash].issue("superseded", item.message())
        issues.append(by_digest[item.old_hash].issues[-1])
    for message in equivocations(targets, candidates):
        issues.append(VerificationIssue("sequence", message))
    legacy = [st.statement_id for _, st in targets if st is not None and st.legacy]
    if legacy:
        known_notes.append(
            f"{len(legacy)} statement(s) in format 1 of earlier keten ({', '.join(legacy[:3])}"
            f"{' …' if len(legacy) > 3 else ''}): no signed sequence, supersedes link or subject "
            "mapping; a replayed older version is found only by the signed issued_at of a newer "
            "statement the verifier holds or is shown")

    head_statement = by_digest[head_digest].statement if head_digest is not None else None
    issues += _expectation_issues(head_digest, head_statement, expected_head,
                                  expected_subject, expected_issuer)
    warnings = tuple(subject_warnings) + _factor_set_warnings(
        head_statement, head_digest, by_digest, depth)

    summaries = []
    for digest in order + in_cycle:
        parsed = by_digest[digest].statement
        if parsed is not None:
            summaries.append(StatementSummary(digest, parsed, depth.get(digest, -1),
                                              ok=not by_digest[digest].issues))
    notes = tuple(known_notes) + (() if trusted else (
        "no trust list: keys were taken from the bundle itself, which proves the chain is intact "
        "but not who signed it; pass the partners' registered keys to check identities",))
    return VerificationReport(
        head_hash=head_digest,
        trusted=trusted,
        statements=tuple(summaries),
        issues=tuple(issues),
        checked_signatures=signatures,
        checked_links=links,
        checked_sums=sums,
        notes=notes,
        warnings=warnings,
        subject_mappings=tuple(mappings),
        superseded=tuple(item.as_dict() for item in found),
    )


def _checked_known(
    raws: Iterable[object],
    where: str,
    trust: Mapping[str, Mapping[str, PublicKeyEntry]] | None,
    bundle_keys: Mapping[str, PublicKeyEntry],
    notes: list[str],
) -> list[tuple[str, Statement, str]]:
    """The signed statements of a store or a partner that verify with the same keys as the
    bundle (a trust list, or the bundle's own keys): only those can show a newer version."""
    out: list[tuple[str, Statement, str]] = []
    ignored = 0
    for index, raw in enumerate(raws):
        record = _parse_record(index, raw)
        statement = record.statement
        if statement is None or record.signature is None or record.digest is None:
            ignored += 1
            continue
        key = _verifying_key(record, statement, trust, bundle_keys)
        try:
            if key is None:
                raise InvalidSignature
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(
                record.signature, canonical_json(_payload(record.raw)))
        except InvalidSignature:
            ignored += 1
            continue
        out.append((record.digest, statement, where))
    if ignored:
        notes.append(f"{ignored} {where} statement(s) ignored: malformed, or not signed by a key "
                     "this verification accepts")
    return out


def _expectation_issues(
    head_digest: str | None,
    head: Statement | None,
    expected_head: str | None,
    expected_subject: str | None,
    expected_issuer: str | None,
) -> list[VerificationIssue]:
    found: list[VerificationIssue] = []
    if expected_head is not None and head_digest != expected_head:
        found.append(VerificationIssue("expectation", f"the bundle's head is {head_digest}, not "
                                       f"the expected {expected_head}"))
    if head is None:
        return found
    subject = head.subject
    if expected_subject is not None and expected_subject not in (
        subject.shipment_id, subject.consignment_id
    ):
        found.append(VerificationIssue(
            "expectation", f"the head statement is about {subject.label()}, not the expected "
            f"{expected_subject}", head.statement_id, head.issuer.company_id, head_digest))
    if expected_issuer is not None and head.issuer.company_id != expected_issuer:
        found.append(VerificationIssue(
            "expectation", f"the head statement is issued by {head.issuer.company_id}, not the "
            f"expected {expected_issuer}", head.statement_id, head.issuer.company_id, head_digest))
    return found


def _factor_set_warnings(
    head: Statement | None,
    head_digest: str | None,
    by_digest: Mapping[str, _Record],
    depth: Mapping[str, int],
) -> tuple[str, ...]:
    """A chain whose statements used different factor sets adds figures from different
    default tables: allowed, but the reader should know (ISO 14083 asks the method be named)."""
    if head is None:
        return ()
    sets: dict[str, list[str]] = {}
    for digest in depth:
        statement = by_digest[digest].statement
        if statement is not None:
            sets.setdefault(statement.own.factor_set, []).append(statement.issuer.company_id)
    if len(sets) <= 1:
        return ()
    listed = "; ".join(f"{name}: {', '.join(sorted(set(who)))}" for name, who in sorted(
        sets.items()))
    return (f"mixed factor sets in the chain (head {head.statement_id} uses "
            f"{head.own.factor_set}): {listed}",)


def _verifying_key(
    record: _Record,
    statement: Statement,
    trust: Mapping[str, Mapping[str, PublicKeyEntry]] | None,
    bundle_keys: Mapping[str, PublicKeyEntry],
) -> PublicKeyEntry | None:
    company = statement.issuer.company_id
    fingerprint = statement.key_fingerprint
    if trust is not None:
        registered = trust.get(company)
        if not registered:
            record.issue("trust", f"company {company} has no key in the trust list")
            return None
        if fingerprint not in registered:
            record.issue("trust", f"signed with key {fingerprint}, which is not registered for "
                         f"company {company} in the trust list")
            return None
        return registered[fingerprint]
    entry = bundle_keys.get(fingerprint)
    if entry is None:
        record.issue("key", f"no public key with fingerprint {fingerprint} in the bundle")
        return None
    if entry.company_id != company:
        record.issue("key", f"key {fingerprint} is listed for company {entry.company_id}, but "
                     f"the statement is issued by {company}")
        return None
    return entry


def _check_sum(record: _Record, statement: Statement, upstream: list[Quantities]) -> None:
    expected = statement.own.quantities.plus(*upstream)
    wrong = []
    for name in QUANTITY_FIELDS:
        stated = getattr(statement.cumulative, name)
        should = getattr(expected, name)
        label = QUANTITY_LABELS[name]
        if stated != should:
            own = format_decimal(getattr(statement.own.quantities, name))
            if upstream:
                parts = " + ".join([own] + [format_decimal(getattr(u, name)) for u in upstream])
                wrong.append(f"cumulative {label} is {format_decimal(stated)}, but own + "
                             f"upstream is {parts} = {format_decimal(should)}")
            else:
                wrong.append(f"cumulative {label} is {format_decimal(stated)}, but with no "
                             f"upstream statement it must equal own, {own}")
    if wrong:
        record.issue("arithmetic", "; ".join(wrong))
