"""``mount_dashboard(app, state)``: the dashboard's pages, static files, login and JSON routes on
keten's FastAPI app. Pages are Jinja2 templates; the data comes from ``/dashboard/api/...``."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from keten.api.deps import AppState
from keten.services import dashboard_users
from keten.web.charts import plotly_js_path
from keten.web.jobs import JobManager
from keten.web.session import (
    COOKIE_NAME,
    SESSION_TTL_S,
    Session,
    decode_session,
    encode_session,
    session_key,
)

STATIC_DIR = Path(__file__).with_name("static")
TEMPLATE_DIR = Path(__file__).with_name("templates")

#: The pages, in menu order: (path, title, template).
PAGES = [
    ("/network", "Network", "network.html"),
    ("/footprint", "Footprint", "footprint.html"),
    ("/planning", "Planning", "planning.html"),
    ("/bundling", "Effectiveness", "bundling.html"),
    ("/resilience", "Resilience", "resilience.html"),
    ("/chain", "Chain", "chain.html"),
    ("/construction", "Construction", "construction.html"),
    ("/partners", "Partners", "partners.html"),
]


@dataclass
class DashboardState:
    """What the dashboard routes need besides the API's state."""

    api: AppState
    jobs: JobManager = field(default_factory=JobManager)
    templates: jinja2.Environment = field(default_factory=lambda: jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True))
    workdir: tempfile.TemporaryDirectory[str] = field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="keten-dashboard-"))
    _demo_lock: threading.Lock = field(default_factory=threading.Lock)
    _demo_factors: tuple[Path, Path] | None = None

    @property
    def key(self) -> bytes:
        return session_key(self.api.signing_key)

    @property
    def tile_url(self) -> str | None:
        return self.api.settings.tile_url

    def demo_factor_files(self) -> tuple[Path, Path]:
        """The demo carrier's TOCs and demo terminals' HOCs (made once from the demo fuel and
        energy data by ``keten demo``'s job), for footprints of the demo TCE file."""
        with self._demo_lock:
            if self._demo_factors is None:
                from keten.services.demo import run_demo

                run = run_demo(Path(self.workdir.name) / "demo")
                self._demo_factors = (run.files["tocs.csv"], run.files["hocs.csv"])
            return self._demo_factors


def dashboard(request: Request) -> DashboardState:
    state: DashboardState = request.app.state.dashboard
    return state


def current_session(request: Request) -> Session | None:
    return decode_session(dashboard(request).key, request.cookies.get(COOKIE_NAME))


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/network"
    return target


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    state = dashboard(request)
    session = current_session(request)
    html = state.templates.get_template(template).render(
        pages=PAGES, path=request.url.path, user=session, **context)
    return HTMLResponse(html, status_code=status_code)


pages = APIRouter(include_in_schema=False)


@pages.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/network" if current_session(request) else "/login", 303)


@pages.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@pages.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/network")) -> Response:
    state = dashboard(request)
    user = dashboard_users.authenticate_user(state.api.store, username.strip(), password)
    if user is None:
        return render(request, "login.html", status_code=401, next=_safe_next(next),
                      error="Unknown user or wrong password.", username=username)
    response = RedirectResponse(_safe_next(next), 303)
    response.set_cookie(COOKIE_NAME, encode_session(state.key, user.username, user.company_id),
                        max_age=SESSION_TTL_S, httponly=True, samesite="lax",
                        secure=state.api.require_https, path="/")
    return response


@pages.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", 303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


def _resilience_context() -> dict[str, Any]:
    from keten.services.dashboard import FIRST_DISCHARGE_M3S, capacity_form_defaults

    # the views `keten dashboard` computes at start: the slider's start and these fields
    return {"capacity": capacity_form_defaults(), "first_discharge": FIRST_DISCHARGE_M3S}


# what a page's template needs beyond the common context
PAGE_CONTEXT: dict[str, Callable[[], dict[str, Any]]] = {"resilience.html": _resilience_context}


def _page(path: str, title: str, template: str) -> None:
    def view(request: Request) -> Response:
        session = current_session(request)
        if session is None:
            return RedirectResponse(f"/login?next={quote(path)}", 303)
        state = dashboard(request)
        extra = PAGE_CONTEXT[template]() if template in PAGE_CONTEXT else {}
        return render(request, template, title=title, company_id=session.company_id,
                      tile_url=state.tile_url, **extra)

    view.__name__ = f"page_{title.lower()}"
    pages.add_api_route(path, view, methods=["GET"], include_in_schema=False)


for _path, _title, _template in PAGES:
    _page(_path, _title, _template)


@pages.get("/dashboard/static/plotly.min.js")
def plotly_js() -> Response:
    return FileResponse(plotly_js_path(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


def mount_dashboard(app: FastAPI, state: AppState) -> DashboardState:
    """Add the dashboard (pages, static files, ``/dashboard/api``) to keten's app."""
    from keten.web.api import install_exception_handler
    from keten.web.api import router as api_router
    from keten.web.partners_api import router as partners_router

    dash = DashboardState(api=state)
    app.state.dashboard = dash
    app.include_router(pages)
    app.include_router(api_router)
    from keten.web.construction_api import router as construction_router

    app.include_router(construction_router)
    app.include_router(partners_router)
    from keten.web.bundling import router as bundling_router

    app.include_router(bundling_router)
    install_exception_handler(app)
    app.mount("/dashboard/static", StaticFiles(directory=str(STATIC_DIR)),
              name="dashboard-static")
    return dash
