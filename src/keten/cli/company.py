"""``keten company`` (add, list, share, import) and ``keten credentials`` (create, rotate,
revoke)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from keten.errors import Problem, ValidationError
from keten.io.tables import read_json_file
from keten.services import auth, companies, exchange
from keten.settings import Settings
from keten.store import Store, open_store

company_app = typer.Typer(help="Companies (tenants) of the keten store.", no_args_is_help=True)
credentials_app = typer.Typer(
    help="OAuth2 client credentials of a company (secrets are stored hashed).", no_args_is_help=True
)
console = Console()


def _store() -> Store:
    return open_store(Settings())


@company_app.command("add")
def add(
    name: str = typer.Argument(..., help="Company name, e.g. 'Rijn Barge Lines'."),
    company_id: str | None = typer.Option(
        None, "--id", help="Company id (default: from the name)."
    ),
    urn: list[str] = typer.Option([], "--urn", help="PACT companyId URN (repeatable)."),
    callback_client_id: str | None = typer.Option(
        None, "--callback-client-id", help="Client id keten uses to call back this company's host."
    ),
    callback_url: str | None = typer.Option(
        None, "--callback-url", help="Only answer this company's data requests at this base URL "
        "(e.g. https://pact.partner.example); without it, the event's source is trusted."
    ),
    callback_client_secret: str | None = typer.Option(
        None, "--callback-client-secret", help="Client secret for those callbacks."
    ),
) -> None:
    """Register a company."""
    info = companies.add_company(
        _store(), name, company_id, urn, callback_client_id, callback_client_secret,
        callback_url,
    )
    console.print(f"added company [bold]{info.id}[/] ({info.name}) {', '.join(info.company_urns)}")


@company_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List companies with their URNs and number of active credentials."""
    rows = companies.list_companies(_store())
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], indent=2, default=list))
        return
    table = Table(header_style="bold")
    for col in ("id", "name", "company URNs", "active credentials", "callback"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.id,
            r.name,
            ", ".join(r.company_urns),
            str(r.active_credentials),
            "yes" if r.has_callback_credentials else "no",
        )
    console.print(table)


@company_app.command("share")
def share(
    owner: str = typer.Argument(..., help="Company whose footprints are shared."),
    recipient: str = typer.Argument(..., help="Company that may then see them."),
) -> None:
    """Share all current footprints of OWNER with RECIPIENT."""
    added = companies.share_footprints(_store(), owner, recipient)
    console.print(f"shared {added} new footprint(s) of {owner} with {recipient}")


def _read_import(
    path: Path, tocs: Path | None = None, hocs: Path | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """ShipmentFootprints (and TAD) from JSON, or computed from a TCE table by keten.footprint."""
    if path.suffix.lower() == ".json":
        try:
            doc = read_json_file(path)
        except ValidationError as exc:
            raise ValidationError(exc.problems, "cannot read import") from None
        if isinstance(doc, list):
            return doc, []
        if isinstance(doc, dict) and isinstance(doc.get("shipmentFootprints"), list):
            return doc["shipmentFootprints"], list(doc.get("tads") or [])
        raise ValidationError(
            [
                Problem(
                    "expected a list of ShipmentFootprints or {'shipmentFootprints': [...], "
                    "'tads': [...]}",
                    file=str(path),
                )
            ],
            "cannot read import",
        )
    raise AssertionError("TCE tables are read by exchange.footprints_from_table")


def _read_bundle(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError([Problem(str(exc), file=str(path))], "cannot read bundle") from exc
    if not isinstance(doc, dict):
        raise ValidationError([Problem("a bundle is a JSON object", file=str(path))])
    return doc


@company_app.command("import")
def import_(
    company_id: str = typer.Argument(..., help="Company that owns the data."),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON or TCE table."),
    direction: str | None = typer.Option(
        None, "--direction", help="upstream (scope 3 cat. 4) or downstream (cat. 9)."
    ),
    year: int | None = typer.Option(None, "--year", help="Reference year if TCEs have no times."),
    primary_share: float | None = typer.Option(
        None, "--primary-share", help="Primary-data share of these shipments, %."
    ),
    share_with: list[str] = typer.Option([], "--share-with", help="Company to share with."),
    tocs: Path | None = typer.Option(None, "--tocs", help="TOC file for a TCE table."),
    hocs: Path | None = typer.Option(None, "--hocs", help="HOC file for a TCE table."),
    bundle: list[Path] = typer.Option(
        [], "--bundle", exists=True, dir_okay=False,
        help="Signed Carbon Added bundle (keten chain sign) to serve with its shipment's "
        "footprint (repeatable).",
    ),
) -> None:
    """Import shipments (iLEAP ShipmentFootprint JSON, or a TCE table computed with
    keten.footprint) as PACT v3 footprints; atomic and idempotent."""
    category = None
    if direction is not None:
        if direction not in exchange.DIRECTIONS:
            raise ValidationError([Problem("use upstream or downstream", column="--direction")])
        category = exchange.DIRECTIONS[direction]
    options: dict[str, Any] = {
        "source": str(path),
        "bundles": [_read_bundle(b) for b in bundle],
    }
    published = ""
    if path.suffix.lower() == ".json":
        shipments, tads = _read_import(path, tocs, hocs)
        summary = exchange.import_footprints(
            _store(),
            company_id,
            shipments,
            scope3_category=category,
            reference_year=year,
            primary_data_share_pct=primary_share,
            tads=tads,
            share_with=share_with,
            **options,
        )
    else:  # a TCE table: keten computes the footprints, shares and categories per shipment
        from keten.cli.render import status

        with status(f"computing the footprints of {path.name} (ISO 14083)"):
            table = exchange.footprints_from_table(path, tocs, hocs)
        summary = exchange.import_table(
            _store(),
            company_id,
            table,
            share_with=share_with,
            reference_year=year,
            scope3_category=category if category is not None else table.scope3_category,
            primary_data_share_pct=(
                primary_share if primary_share is not None else table.primary_data_share_pct
            ),
            **options,
        )
        published = (
            f"\nserved with them: the {len(table.tocs)} TOC(s) and {len(table.hocs)} HOC(s) "
            "they name"
        )
        for reason in table.unpublishable:
            console.print(f"not served: {reason}")
    console.print(
        f"{company_id}: {summary.shipments_created} shipment(s) added, "
        f"{summary.shipments_updated} updated; {summary.tads_created + summary.tads_updated} TAD"
        f"{published}"
    )


@credentials_app.command("create")
def create(
    company_id: str = typer.Argument(..., help="Company the credentials belong to."),
    client_id: str | None = typer.Option(None, "--client-id", help="Use this client id."),
    client_secret: str | None = typer.Option(None, "--client-secret", help="Use this secret."),
) -> None:
    """Create client credentials; the secret is printed once and stored only hashed."""
    cred = auth.create_credentials(_store(), company_id, client_id, client_secret)
    typer.echo(f"client_id={cred.client_id}")
    typer.echo(f"client_secret={cred.client_secret}")


@credentials_app.command("rotate")
def rotate(
    client_id: str = typer.Argument(...),
    client_secret: str | None = typer.Option(None, "--client-secret", help="Use this new secret."),
) -> None:
    """Give a client a new secret (printed once)."""
    cred = auth.rotate_credentials(_store(), client_id, client_secret)
    typer.echo(f"client_id={cred.client_id}")
    typer.echo(f"client_secret={cred.client_secret}")


@credentials_app.command("revoke")
def revoke(client_id: str = typer.Argument(...)) -> None:
    """Revoke a client: its secret and all its tokens stop working at once."""
    auth.revoke_credentials(_store(), client_id)
    typer.echo(f"revoked {client_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(company_app, name="company")
    app.add_typer(credentials_app, name="credentials")
