"""``keten dashboard``: the web dashboard (and the PACT API) on the embedded store, with the
demo data loaded; prints the URL and the demo log-in. ``make run`` uses it."""

from __future__ import annotations

import typer

from keten.settings import Settings


def dashboard(
    host: str | None = typer.Option(None, "--host", help="Address (default: KETEN_HOST or "
                                    "127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="TCP port (default: KETEN_PORT or 8000)."),
    demo: bool = typer.Option(True, "--demo/--no-demo",
                              help="Load the demo company, footprints, chain and user first."),
    log_level: str = typer.Option("warning", "--log-level"),
    warm: bool = typer.Option(True, "--warm/--no-warm",
                              help="Compute the resilience page's first views (low water at "
                                   "800 m3/s, criticality on the national network) in the "
                                   "background at start, so its first visit is quick."),
) -> None:
    """Serve the dashboard at http://HOST:PORT/ (same app as the PACT v3 API)."""
    import threading

    import uvicorn

    from keten.api.app import create_app
    from keten.cli.port import ensure_port_free
    from keten.services.dashboard import load_dashboard_demo
    from keten.store import open_store

    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    ensure_port_free(host, port)
    store = open_store(settings)
    login = ""
    if demo:
        info = load_dashboard_demo(store)
        login = f"  demo log-in: user name '{info.username}', password '{info.password}'"
    app = create_app(settings, store=store)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"keten dashboard serving at http://{shown}:{port}/  (store: "
               f"{settings.resolved_database_url()})")
    if login:
        typer.echo(login)
    typer.echo("  press Ctrl+C to stop")
    if warm:
        from keten.services.dashboard import warm_resilience_views

        threading.Thread(target=warm_resilience_views, name="keten-warm", daemon=True).start()
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False)


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
