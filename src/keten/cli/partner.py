"""``keten partner add|list|fetch|request|requests|received|intensities|remove``: keten as a
PACT client collecting partners' footprints (v2 or v3 by discovery)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from keten.cli.render import emit_json, emit_text, rich_table
from keten.errors import NotFoundError, Problem, ValidationError
from keten.settings import Settings
from keten.store import Store, open_store

partner_app = typer.Typer(
    help="Partners' PACT hosts: collect their footprints and TOC/HOC intensities.",
    no_args_is_help=True,
)
console = Console()

SHORT_UNITS = {"ton kilometer": "tkm", "kilogram": "kg", "liter": "l", "cubic meter": "m3"}
COMPANY_HELP = "Your company in the keten store (default: the only one)."
CA_HELP = "Trust this CA/self-signed certificate file for the partner's HTTPS."


def _company(store: Store, company: str | None) -> str:
    from keten.services.pact_documents import publisher

    if company is not None:
        return publisher(store, company).company_id
    try:
        return publisher(store).company_id
    except ValidationError as exc:
        raise ValidationError(
            [Problem("give --company ID (the store has none or several)", column="--company")]
        ) from exc


def _verify(ca_cert: Path | None) -> bool | str:
    return str(ca_cert) if ca_cert is not None else True


@partner_app.command("add")
def add(
    name: str = typer.Argument(..., help="Short name of the partner, e.g. rijnvaart."),
    url: str = typer.Option(..., "--url", help="Base URL of the partner's PACT host (https)."),
    client_id: str = typer.Option(..., "--client-id", help="Client id the partner gave you."),
    client_secret: str = typer.Option(
        ..., "--client-secret", help="Client secret (stored encrypted, never in plain text)."
    ),
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
    direction: str = typer.Option(
        "upstream", "--direction", help="upstream (scope 3 cat. 4) or downstream (cat. 9)."
    ),
    tenant: str | None = typer.Option(
        None, "--tenant", help="Company in this store whose credentials the partner uses to "
        "answer your requests (only it may answer them)."
    ),
) -> None:
    """Register a partner's PACT host and your client credentials there."""
    from keten.services import exchange, partners

    if direction not in exchange.DIRECTIONS:
        raise ValidationError([Problem("use upstream or downstream", column="--direction")])
    settings = Settings()
    store = open_store(settings)
    info = partners.add_partner(
        store,
        settings,
        _company(store, company),
        name,
        url,
        client_id,
        client_secret,
        scope3_category=exchange.DIRECTIONS[direction],
        tenant_company_id=tenant,
    )
    console.print(f"partner {info.name} ({info.base_url}) registered for {info.company_id}")


@partner_app.command("list")
def list_(
    company: str | None = typer.Option(None, "--company", help="Only this company's."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Partners with their PACT version, last fetch, status and number of footprints."""
    from keten.services import partners

    rows = [p.as_dict() for p in partners.list_partners(open_store(Settings()), company)]
    if as_json:
        emit_json(rows, None)
        return
    if not rows:
        console.print("no partners yet: keten partner add NAME --company ID --url URL "
                      "--client-id ID --client-secret SECRET")
        return
    # the columns that fit, most important first (a URL or an id is never cut)
    console.print(rich_table("Partners", [{
        "name": p["name"], "company": p["company_id"], "url": p["base_url"],
        "PACT": f"v{p['pact_version']}" if p["pact_version"] else "not yet known",
        "status": p["status"] + (f": {p['last_error'][:60]}" if p["last_error"] else ""),
        "last fetch (UTC)": p["last_fetch_at"] or "never",
        "footprints": int(p["received_footprints"])} for p in rows],
        ["name", "url", "status", "footprints", "PACT", "last fetch (UTC)", "company"],
        hidden_hint="--json shows them"))


@partner_app.command("fetch")
def fetch(
    name: str | None = typer.Argument(None, help="Partner (default: every partner)."),
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
    ca_cert: Path | None = typer.Option(None, "--ca-cert", exists=True, dir_okay=False,
                                        help=CA_HELP),
    pact_version: int | None = typer.Option(
        None, "--pact-version", help="2 or 3; default: discover (v3 first, then v2)."
    ),
) -> None:
    """Pull the partner's footprints (PACT v3 or v2 by discovery), validate them against the
    PACT and iLEAP schemas and store them with provenance. Bad data stores nothing."""
    from keten.services import partners

    if pact_version not in (None, 2, 3):
        raise ValidationError([Problem("use 2 or 3", column="--pact-version")])
    settings = Settings()
    store = open_store(settings)
    company_id = _company(store, company)
    names = [name] if name else [p.name for p in partners.list_partners(store, company_id)]
    if not names:
        raise NotFoundError(f"company '{company_id}' has no partners")
    for partner in names:
        summary = partners.fetch(
            store, settings, company_id, partner, verify=_verify(ca_cert),
            pact_version=pact_version,
        )
        statements = ", ".join(f"{k} {v}" for k, v in sorted(summary.statements.items()))
        console.print(
            f"{partner}: PACT v{summary.pact_version}, {summary.received} footprint(s): "
            f"{summary.created} new, {summary.updated} updated, {summary.unchanged} unchanged; "
            f"Carbon Added statements: {statements or 'none'}"
        )


@partner_app.command("request")
def request(
    name: str = typer.Argument(..., help="Partner to ask."),
    filters: list[str] = typer.Option(
        ..., "--filter", help="NAME=VALUE: productId, companyId, geography, classification "
        "(repeatable; OR within a name, AND across names)."
    ),
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
    wait_s: float = typer.Option(
        0.0, "--wait", help="Seconds to wait for the partner's answer (0: do not wait)."
    ),
    ca_cert: Path | None = typer.Option(None, "--ca-cert", exists=True, dir_okay=False,
                                        help=CA_HELP),
) -> None:
    """Send a RequestCreated event; the partner answers on this host's /3/events (or
    /2/events), which must be reachable at KETEN_PUBLIC_URL."""
    from keten.services import partner_requests

    settings = Settings()
    store = open_store(settings)
    criteria = partner_requests.parse_filter_options(filters)
    info = partner_requests.request(
        store, settings, _company(store, company), name, criteria, verify=_verify(ca_cert)
    )
    console.print(f"request {info.event_id} sent to {name} (PACT v{info.pact_version})")
    deadline = time.monotonic() + max(0.0, wait_s)
    while info.status in ("sent", "sending") and time.monotonic() < deadline:
        time.sleep(0.5)
        info = partner_requests.get_request(store, info.event_id)
    suffix = f": {info.detail}" if info.detail else ""
    count = f", {info.footprint_count} footprint(s)" if info.status == "fulfilled" else ""
    console.print(f"status: {info.status}{count}{suffix}")


@partner_app.command("requests")
def requests_(
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Outgoing data requests and their answers."""
    from keten.services import partner_requests

    store = open_store(Settings())
    rows = [r.as_dict() for r in partner_requests.list_requests(store, _company(store, company))]
    if as_json:
        emit_json(rows, None)
        return
    table = Table(title="Data requests sent", title_justify="left", header_style="bold")
    for col in ("sent", "partner", "criteria", "status", "footprints"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["created_at"] or "",
            r["partner"],
            json.dumps(r["criteria"]),
            r["status"] + (f": {r['detail'][:60]}" if r["detail"] else ""),
            str(r["footprint_count"]),
        )
    console.print(table)


@partner_app.command("received")
def received(
    name: str | None = typer.Argument(None, help="Only this partner's."),
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
    fmt: str = typer.Option("table", "--format", help="table, json (provenance) or pact "
                            "(the footprints exactly as received)."),
) -> None:
    """Footprints received from partners, with provenance and statement verification."""
    from keten.services import received as received_data

    if fmt not in ("table", "json", "pact"):
        raise ValidationError([Problem("use table, json or pact", column="--format")])
    store = open_store(Settings())
    company_id = _company(store, company)
    if fmt == "pact":
        emit_json(received_data.received_footprints(store, company_id, name, with_payload=True),
                  None)
        return
    rows: list[Any] = [
        r.as_dict()  # type: ignore[union-attr]
        for r in received_data.received_footprints(store, company_id, name)
    ]
    if fmt == "json":
        emit_json(rows, None)
        return
    if not rows:
        console.print("nothing received yet: keten partner fetch NAME")
        return
    table = Table(title="Received footprints", title_justify="left", header_style="bold")
    for col, justify in (("partner", "left"), ("kind", "left"), ("id", "left"),
                         ("kg CO2e", "right"), ("per", "right"), ("year", "right"),
                         ("PACT", "left"), ("statement", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        unit = SHORT_UNITS.get(r["declared_unit"], r["declared_unit"])
        table.add_row(
            r["partner"],
            r["kind"],
            r["local_id"] or r["footprint_id"][:8],
            f"{r['co2e_kg']:,.3f}",
            f"{r['declared_amount']:,.6g} {unit}",
            str(r["reference_year"] or ""),
            f"v{r['pact_version']}",
            "–" if r["statement_status"] == "none" else r["statement_status"],
        )
    console.print(table)


@partner_app.command("intensities")
def intensities(
    name: str = typer.Argument(..., help="Partner whose TOCs/HOCs to use."),
    tocs_out: Path | None = typer.Option(None, "--tocs-out", help="Write a keten TOC file."),
    hocs_out: Path | None = typer.Option(None, "--hocs-out", help="Write a keten HOC file."),
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
) -> None:
    """The TOC and HOC intensities a partner shared (iLEAP), as keten TOC/HOC files for
    ``keten footprint --tocs/--hocs``."""
    import pyarrow as pa

    from keten.exchange import ileap
    from keten.services import received as received_data
    from keten.services.footprint_output import csv_text

    if tocs_out is None and hocs_out is None:
        raise ValidationError([Problem("give --tocs-out and/or --hocs-out", column="--tocs-out")])
    store = open_store(Settings())
    tocs, hocs = received_data.received_intensities(store, _company(store, company), name)
    provenance = f"received from partner {name}"
    for out, items, row, label in (
        (tocs_out, tocs, ileap.toc_file_row, "TOC"),
        (hocs_out, hocs, ileap.hoc_file_row, "HOC"),
    ):
        if out is None:
            continue
        if not items:
            raise NotFoundError(f"partner {name} shared no {label}s (run keten partner fetch)")
        try:
            rows = [row(item, provenance) for item in items]
        except (KeyError, ValueError) as exc:
            raise ValidationError([Problem(f"a received {label} cannot be used: {exc}")]) from exc
        emit_text(csv_text(pa.Table.from_pylist(rows)), out)


@partner_app.command("publish")
def publish(
    company: str = typer.Argument(..., help="Your company (the carrier) in the keten store."),
    tocs: Path | None = typer.Option(None, "--tocs", exists=True, dir_okay=False,
                                     help="TOC file (as `keten toc` writes it)."),
    hocs: Path | None = typer.Option(None, "--hocs", exists=True, dir_okay=False,
                                     help="HOC file (as `keten hoc` writes it)."),
    share_with: list[str] = typer.Option([], "--share-with", help="Customer company (repeatable)."),
    year: int | None = typer.Option(None, "--year", help="Reference year (default: this year)."),
) -> None:
    """Carrier side of iLEAP's TOC/HOC transaction: serve your TOC and HOC intensities as
    iLEAP TOC/HOC footprints on /2 and /3, shared with the customers named."""
    from keten.services import exchange

    if tocs is None and hocs is None:
        raise ValidationError([Problem("give --tocs and/or --hocs", column="--tocs")])
    ids = exchange.publish_intensity_files(
        open_store(Settings()), company, tocs, hocs, share_with=share_with, reference_year=year
    )
    shared = f", shared with {', '.join(share_with)}" if share_with else ""
    console.print(f"{company}: {len(ids)} TOC/HOC footprint(s) published{shared}")


@partner_app.command("remove")
def remove(
    name: str = typer.Argument(...),
    company: str | None = typer.Option(None, "--company", help=COMPANY_HELP),
) -> None:
    """Remove a partner with the footprints received from it and its requests."""
    from keten.services import partners

    store = open_store(Settings())
    removed = partners.remove_partner(store, _company(store, company), name)
    console.print(f"partner {name} removed ({removed} received footprint(s) deleted)")


def register(app: typer.Typer) -> None:
    app.add_typer(partner_app, name="partner")
