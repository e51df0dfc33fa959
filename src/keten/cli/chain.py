"""``keten chain``: sign, verify and show Carbon Added chain bundles (offline)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.tree import Tree

from keten.cli.keys import passphrase_from_env
from keten.errors import Problem, ValidationError
from keten.exchange.chain import sign_bundle, verify_bundle
from keten.exchange.chain_model import (
    QUANTITY_FIELDS,
    QUANTITY_LABELS,
    Party,
    PublicKeyEntry,
    StatementSummary,
    Subject,
    VerificationReport,
    format_decimal,
)
from keten.exchange.chain_own import own_from_document
from keten.exchange.chain_versions import mapping_text, statements_in
from keten.io.keys import read_json, read_private_key, read_trust_list, write_json

chain_app = typer.Typer(
    help="Carbon Added chain: signed emission statements passed down a transport chain.",
    no_args_is_help=True,
)


class VerifyFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ShowFormat(StrEnum):
    TABLE = "table"
    TREE = "tree"
    JSON = "json"


def _trust(path: Path | None) -> list[PublicKeyEntry] | None:
    return read_trust_list(path) if path is not None else None


@chain_app.command("sign")
def sign(
    key: Path = typer.Option(..., "--key", help="Your private key (PEM, from keten keys)."),
    passphrase_env: str | None = typer.Option(
        None, "--passphrase-env", help="Environment variable holding the key's passphrase."
    ),
    company: str = typer.Option(..., "--company", help="Your company id."),
    name: str | None = typer.Option(None, "--name", help="Your company name."),
    own: Path | None = typer.Option(
        None, "--own", help="Own emissions JSON (minimal object or footprint output)."
    ),
    footprint: Path | None = typer.Option(
        None, "--footprint", help="Output of `keten footprint --format json`."
    ),
    shipment: list[str] = typer.Option(
        [], "--shipment", help="Use only this shipment of a footprint file (repeatable)."
    ),
    shipment_id: str | None = typer.Option(None, "--shipment-id", help="Subject shipment id."),
    consignment_id: str | None = typer.Option(
        None, "--consignment-id", help="Subject consignment id (needed to sum shipments)."
    ),
    factor_set: str | None = typer.Option(None, "--factor-set", help="Factor set, if not in file."),
    method: str | None = typer.Option(None, "--method", help="Method, if not in the file."),
    upstream: list[Path] = typer.Option(
        [], "--upstream", help="Bundle received from an upstream partner (repeatable)."
    ),
    trust: Path | None = typer.Option(
        None, "--trust", help="Trust list to check upstream bundles against."
    ),
    statement_id: str | None = typer.Option(None, "--statement-id", help="Default: a UUID URN."),
    supersedes: Path | None = typer.Option(
        None, "--supersedes", help="Your earlier bundle this one corrects (same subject): the "
        "new statement signs sequence + 1 and a link to the one it replaces."
    ),
    map_upstream: list[str] = typer.Option(
        [], "--map", help="Upstream shipment/consignment id that your subject covers under "
        "another id (renumbering, consolidation); signed into the statement (repeatable)."
    ),
    relation: str | None = typer.Option(
        None, "--relation", help="renumbering or consolidation (default: renumbering for one "
        "mapped upstream statement, consolidation for several)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Bundle to write (JSON)."),
) -> None:
    """Sign your own emissions on top of the upstream bundles and write a new bundle."""
    if (own is None) == (footprint is None):
        raise ValidationError([Problem(reason="give exactly one of --own and --footprint",
                                       column="--own")], title="invalid options")
    source = own if own is not None else footprint
    assert source is not None
    private_key = read_private_key(key, passphrase_from_env(passphrase_env))
    subject, own_emissions = own_from_document(
        read_json(source),
        source=str(source),
        shipment_ids=shipment,
        shipment_id=shipment_id,
        consignment_id=consignment_id,
        factor_set=factor_set,
        method=method,
    )
    upstream_bundles = [read_json(path) for path in upstream]
    bundle = sign_bundle(
        private_key,
        Party(company, name),
        subject,
        own_emissions,
        upstream_bundles,
        trusted_keys=_trust(trust),
        statement_id=statement_id,
        supersedes=read_json(supersedes) if supersedes is not None else None,
        map_upstream=map_upstream,
        relation=relation,
    )
    write_json(output, bundle)
    report = verify_bundle(bundle)
    head = report.head
    assert head is not None
    console = Console(highlight=False)
    signed = head.statement
    version = f"sequence {signed.sequence}" + (
        f", supersedes {signed.supersedes}" if signed.supersedes else "")
    console.print(f"signed {signed.statement_id} for {subject.label()} as {company} ({version})")
    mapping = mapping_text(signed)
    if mapping:
        console.print(f"subject mapping (signed): {mapping}")
    console.print(f"hash {report.head_hash}")
    console.print("cumulative (signed):", markup=False)
    console.print(_quantities_block(head), markup=False)
    console.print(f"bundle with {len(report.statements)} statement(s) written to {output}")


def _quantities_text(summary: StatementSummary, *, cumulative: bool) -> str:
    """The quantities on one line, "CO2e WTW (kg) 436.35, ...", exactly as signed."""
    values = summary.statement.cumulative if cumulative else summary.statement.own.quantities
    return ", ".join(f"{QUANTITY_LABELS[n]} {format_decimal(getattr(values, n))}"
                     for n in QUANTITY_FIELDS)


def _quantities_block(summary: StatementSummary) -> str:
    """The cumulative quantities one a line, labels with units, the signed values exactly."""
    values = summary.statement.cumulative
    width = max(len(label) for label in QUANTITY_LABELS.values())
    return "\n".join(f"  {QUANTITY_LABELS[n]:<{width}}  {format_decimal(getattr(values, n))}"
                     for n in QUANTITY_FIELDS)


@chain_app.command("verify")
def verify(
    bundle_file: Path = typer.Argument(..., help="Bundle JSON to verify."),
    trust: Path | None = typer.Option(
        None, "--trust", help="Trust list of partners' registered keys (JSON)."
    ),
    output_format: VerifyFormat = typer.Option(VerifyFormat.TEXT, "--format"),
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="The head statement hash the sender announced."
    ),
    expect_subject: str | None = typer.Option(
        None, "--expect-subject", help="Shipment or consignment id the head must be about."
    ),
    expect_issuer: str | None = typer.Option(
        None, "--expect-issuer", help="Company id that must have issued the head."
    ),
    heads: list[Path] = typer.Option(
        [], "--heads", help="Statements the issuers published (a bundle, statements, or the "
        "answer of /keten/v1/statements/heads): a newer one marks its older version "
        "superseded (repeatable)."
    ),
    heads_from: list[str] = typer.Option(
        [], "--heads-from", help="Registered partner (keten partner add) whose keten host "
        "publishes its newest statements: asked for the bundle's subjects (repeatable)."
    ),
    against_store: bool = typer.Option(
        False, "--store", help="Also check against the statements your company holds in the "
        "keten store (KETEN_HOME)."
    ),
    company: str | None = typer.Option(
        None, "--company", help="Your company in the keten store, for --store and "
        "--heads-from (default: the only one)."
    ),
    ca_cert: Path | None = typer.Option(
        None, "--ca-cert", help="CA/self-signed certificate for the partner's HTTPS."
    ),
) -> None:
    """Check every signature, hash link, sum and subject, offline, and that the head is the
    claim expected; exit 6 on any broken link, 9 when a newer statement supersedes one of it,
    8 when valid but no trust list was given."""
    bundle = read_json(bundle_file)
    published: list[object] = []
    for path in heads:
        published += statements_in(read_json(path))
    held: list[object] = []
    if heads_from or against_store:
        held, fetched = _from_store(bundle, heads_from, against_store, company, ca_cert)
        published += fetched
    report = verify_bundle(bundle, _trust(trust), expected_head=expect_head,
                           expected_subject=expect_subject, expected_issuer=expect_issuer,
                           published=published, held=held)
    if output_format is VerifyFormat.JSON:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_verification(report, bundle_file, trust)
    # Raised, not typer.Exit: ``keten.cli.main`` maps them to exit codes 6, 9 and 8.
    report.raise_for_failure()
    report.raise_unless_trusted()


def _from_store(
    bundle: object, partners: list[str], against_store: bool, company: str | None,
    ca_cert: Path | None,
) -> tuple[list[object], list[object]]:
    """Statements the company holds (``--store``) and those its partners publish."""
    from keten.cli.partner import _company
    from keten.services import chain_store
    from keten.settings import Settings
    from keten.store import open_store

    settings = Settings()
    store = open_store(settings)
    try:
        company_id = _company(store, company)
        held: list[object] = []
        if against_store:
            held += chain_store.held_statements(store, company_id, bundle)
        published: list[object] = []
        for partner in partners:
            published += chain_store.fetch_published(
                store, settings, company_id, partner, bundle,
                verify=str(ca_cert) if ca_cert is not None else True)
        return held, published
    finally:
        store.close()


def _print_verification(report: VerificationReport, bundle_file: Path, trust: Path | None) -> None:
    console = Console(highlight=False)
    keys = f"keys from trust list {trust}" if trust else "keys from the bundle itself"
    console.print(
        f"{bundle_file}: {len(report.statements)} statement(s); checked "
        f"{report.checked_signatures} signature(s), {report.checked_links} hash link(s), "
        f"{report.checked_sums} sum(s); {keys}",
        markup=False,
    )
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    for mapping in report.subject_mappings:
        console.print(f"subject mapping: {mapping}", markup=False)
    for warning in report.warnings:
        console.print(f"WARNING: {warning}", markup=False)
    if report.superseded_only:
        console.print(f"SUPERSEDED: intact, but {len(report.issues)} statement(s) replaced by a "
                      "newer version of the same issuer (ask the sender for a bundle built on "
                      "the current one):", markup=False)
        for number, issue in enumerate(report.issues, start=1):
            console.print(f"  {number}. {issue}", markup=False)
        return
    if report.ok:
        head = report.head
        assert head is not None
        verdict = "OK" if report.trusted else "SIGNATURES VALID, SIGNERS NOT TRUSTED"
        console.print(
            f"{verdict}: {head.statement.statement_id} by {_party(head)} (signed), about "
            f"{head.statement.subject.label()}; cumulative:",
            markup=False,
        )
        console.print(_quantities_block(head), markup=False)
        return
    console.print(f"FAILED: {len(report.issues)} issue(s), upstream first:", markup=False)
    for number, issue in enumerate(report.issues, start=1):
        console.print(f"  {number}. {issue}", markup=False)


def _tree_order(report: VerificationReport) -> list[tuple[int, StatementSummary]]:
    """Head first, then each statement's upstream depth-first; unreachable ones last."""
    by_hash = {s.statement_hash: s for s in report.statements}
    rows: list[tuple[int, StatementSummary]] = []
    seen: set[str] = set()

    def visit(digest: str, level: int) -> None:
        summary = by_hash.get(digest)
        if summary is None or digest in seen:
            return
        seen.add(digest)
        rows.append((level, summary))
        for up in summary.statement.upstream:
            visit(up, level + 1)

    if report.head_hash is not None:
        visit(report.head_hash, 0)
    rows.extend((0, s) for s in report.statements if s.statement_hash not in seen)
    return rows


def _party(summary: StatementSummary) -> str:
    issuer = summary.statement.issuer
    return f"{issuer.company_name} ({issuer.company_id})" if issuer.company_name else \
        issuer.company_id


SHOWN_QUANTITIES = ("CO2e WTW kg", "CO2e TTW kg", "NOx kg", "PM kg")


def _subject_text(summary: StatementSummary, *, compact: bool = False) -> str:
    """The subject, with the signed mapping from upstream subjects (``S999 ← S001``); in
    full with the version unless ``compact`` (a table has its own version column)."""
    statement = summary.statement
    mapping = statement.subject_mapping

    def label(subject: Subject) -> str:
        if not compact:
            return subject.label()
        if subject.shipment_id is not None and subject.consignment_id is not None:
            return f"{subject.shipment_id} / {subject.consignment_id}"
        return subject.shipment_id or f"consignment {subject.consignment_id}"

    text = label(statement.subject)
    if mapping is not None:
        sources = ", ".join(sorted({label(u.subject) for u in mapping.upstream}))
        text += f" ← {sources}" + ("" if compact else f" ({mapping.relation})")
    return text if compact else f"{text} · {statement.version_label}"


def _status_text(summary: StatementSummary, report: VerificationReport) -> str:
    if summary.ok:
        return "ok"
    superseded = {s["statement_hash"] for s in report.superseded}
    return "SUPERSEDED" if summary.statement_hash in superseded else "BROKEN"


@chain_app.command("show")
def show(
    bundle_file: Path = typer.Argument(..., help="Bundle JSON to show."),
    trust: Path | None = typer.Option(None, "--trust", help="Trust list (JSON)."),
    output_format: ShowFormat = typer.Option(ShowFormat.TABLE, "--format"),
    heads: list[Path] = typer.Option(
        [], "--heads", help="Statements the issuers published (as for verify): marks the "
        "superseded ones (repeatable)."
    ),
) -> None:
    """Print the chain with each party's own and cumulative emissions (kg, tkm), the signed
    subject mappings and each statement's version."""
    published: list[object] = []
    for path in heads:
        published += statements_in(read_json(path))
    report = verify_bundle(read_json(bundle_file), _trust(trust), published=published)
    if output_format is ShowFormat.JSON:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        report.raise_for_failure()
        return
    console = Console(highlight=False, soft_wrap=output_format is ShowFormat.TABLE)
    rows = _tree_order(report)
    if output_format is ShowFormat.TREE:
        root = Tree(f"{bundle_file}")
        stack: list[Tree] = [root]
        for level, summary in rows:
            del stack[level + 1:]
            label = (
                f"{_party(summary)} · {_subject_text(summary)} · "
                f"own {_quantities_text(summary, cumulative=False)} · "
                f"cumulative {_quantities_text(summary, cumulative=True)}"
                + f" · {_status_text(summary, report)}"
            )
            stack.append(stack[-1].add(label, highlight=False))
        console.print(root)
    else:
        from decimal import Decimal

        from keten.cli.render import rich_table

        rounded = False

        def shown(value: object) -> object:
            """A signed figure to 0.001 in the table (230.287, not 230.287309090909)."""
            nonlocal rounded
            if isinstance(value, Decimal) and value.is_finite() and value != value.quantize(
                    Decimal("0.001")):
                rounded = True
                return value.quantize(Decimal("0.001"))
            return value

        table_rows = []
        for level, summary in rows:
            s = summary.statement
            own_q, cum_q = s.own.quantities, s.cumulative
            table_rows.append({
                "party": "  " * level + ("└ " if level else "") + _party(summary),
                "subject": _subject_text(summary, compact=True),
                "seq": s.sequence if s.sequence is not None else "fmt 1",
                **{f"own {label}": shown(getattr(own_q, n)) for n, label in zip(
                    QUANTITY_FIELDS[:4], SHOWN_QUANTITIES, strict=True)},
                **{f"cum. {label}": shown(getattr(cum_q, n)) for n, label in zip(
                    QUANTITY_FIELDS[:4], SHOWN_QUANTITIES, strict=True)},
                "cum. tkm": shown(cum_q.transport_activity_tkm),
                "status": _status_text(summary, report),
            })
        # status first after the parties: a narrow terminal drops the last quantities, never it
        columns = ["party", "subject", "seq", "status", "cum. CO2e WTW kg", "own CO2e WTW kg",
                   "cum. CO2e TTW kg", "own CO2e TTW kg", "cum. NOx kg", "own NOx kg",
                   "cum. PM kg", "own PM kg", "cum. tkm"]
        console.print(rich_table(f"Carbon Added chain {bundle_file}", table_rows, columns,
                                 hidden_hint="--format json shows every figure"))
        if rounded:
            console.print("figures rounded to 0.001; the signed values exactly: --format json",
                          markup=False)
    for mapping in report.subject_mappings:
        console.print(f"subject mapping: {mapping}", markup=False)
    for warning in report.warnings:
        console.print(f"WARNING: {warning}", markup=False)
    if report.superseded_only:
        console.print("SUPERSEDED: a newer statement replaces one of this chain", markup=False)
    elif not report.ok:
        console.print("NOT VERIFIED", markup=False)
    elif not report.trusted:
        console.print("signatures valid, signers not trusted (no --trust)", markup=False)
    report.raise_for_failure()


@chain_app.command("import")
def import_bundle(
    bundle_file: Path = typer.Argument(..., help="Bundle JSON to keep in the store."),
    company: str | None = typer.Option(
        None, "--company", help="Your company in the keten store (default: the only one)."
    ),
) -> None:
    """Verify a bundle as your company (its registered keys, the statements it holds) and keep
    its statements in the keten store, as ``POST /keten/v1/statements`` does: your own
    statements are then published to the partners you share the shipment's footprint with."""
    from keten.cli.partner import _company
    from keten.services import chain_store
    from keten.settings import Settings
    from keten.store import open_store

    bundle = read_json(bundle_file)
    store = open_store(Settings())
    try:
        company_id = _company(store, company)
        report = chain_store.verify_received(store, company_id, bundle)
        for warning in report.warnings:
            typer.echo(f"WARNING: {warning}")
        report.raise_for_failure()
        stored = chain_store.store_bundle(store, company_id, bundle)
    finally:
        store.close()
    trust = "trusted keys" if stored.trusted else "keys from the bundle (no keys registered)"
    typer.echo(f"{bundle_file}: verified with {trust}; {stored.stored} new statement(s) kept "
               f"for {company_id} (head {stored.head})")


def register(app: typer.Typer) -> None:
    app.add_typer(chain_app, name="chain")
