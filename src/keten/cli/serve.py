"""``keten serve``: the PACT v2 + v3 / iLEAP host (uvicorn), HTTPS with a given or self-signed
cert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from keten.errors import Problem, ValidationError
from keten.settings import Settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int | None = typer.Option(None, "--port", help="TCP port (default: KETEN_PORT or "
                                    "8000)."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", exists=True, dir_okay=False),
    tls_key: Path | None = typer.Option(None, "--tls-key", exists=True, dir_okay=False),
    self_signed: bool = typer.Option(
        False, "--self-signed", help="HTTPS with a self-signed certificate kept in the keten home."
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Load the demo company, footprints, chain and dashboard user first."
    ),
    log_level: str = typer.Option("info", "--log-level"),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Worker processes (each a full app); use the cores you have for more requests/s.",
    ),
) -> None:
    """Serve the PACT v2.3 and v3.0 APIs (with iLEAP extensions) and the dashboard. With TLS,
    plain HTTP is refused."""
    import uvicorn

    from keten.api.app import create_app
    from keten.services.dashboard import load_dashboard_demo
    from keten.services.tls import ensure_self_signed
    from keten.store import open_store

    if (tls_cert is None) != (tls_key is None):
        raise ValidationError([Problem("give both --tls-cert and --tls-key", column="--tls-cert")])
    if self_signed and tls_cert is not None:
        raise ValidationError([Problem("use --self-signed or --tls-cert/--tls-key, not both")])
    from keten.cli.port import ensure_port_free

    settings = Settings()
    port = port or settings.port
    ensure_port_free(host, port)
    store = open_store(settings)
    if demo:
        loaded = load_dashboard_demo(store)
        typer.echo(
            f"demo data loaded for company '{loaded.company_id}'; dashboard login "
            f"'{loaded.username}' / '{loaded.password}'",
            err=True,
        )
    if self_signed:
        tls_cert, tls_key = ensure_self_signed(settings.home)
        typer.echo(f"self-signed certificate: {tls_cert}", err=True)
    use_tls = tls_cert is not None
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "ssl_certfile": str(tls_cert) if tls_cert else None,
        "ssl_keyfile": str(tls_key) if tls_key else None,
        "log_level": log_level,
        "proxy_headers": False,
    }
    if workers > 1:
        import os

        from keten.api.app import REQUIRE_HTTPS_ENV
        from keten.services.auth import signing_key

        signing_key(store, settings.secret_key)  # made once here, shared by every worker
        store.close()
        os.environ[REQUIRE_HTTPS_ENV] = "1" if use_tls else "0"
        uvicorn.run("keten.api.app:app_from_environment", factory=True, workers=workers,
                    **options)
        return
    uvicorn.run(create_app(settings, store=store, require_https=use_tls), **options)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
