"""Browser fixtures: a real uvicorn server (thread, free loopback port, temp SQLite store with the
dashboard demo data) and one Debian chromium for the whole session, driven by Playwright.

Never ``playwright install``: the browser is Debian's ``/usr/bin/chromium``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from keten.api.app import create_app
from keten.services.dashboard import DEMO_PASSWORD, DEMO_USER, load_dashboard_demo
from keten.settings import Settings
from keten.store import Store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

pytestmark = pytest.mark.browser

# Deadlines, not speed checks (speed is measured in benchmarks/): the suite runs on two
# workers of a shared 2-core machine, where a page that plans on load can take half a minute.
TIMEOUT_MS = 60_000
expect.set_options(timeout=20_000)  # playwright's default for expect() is 5 s


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    store: Store


@contextmanager
def serve_demo(home: Path) -> Iterator[Server]:
    """A uvicorn server (thread, free loopback port) over a fresh SQLite store in ``home``
    with the dashboard demo loaded; stopped on exit."""
    settings = Settings(home=home, secret_key="browser-test-secret")
    store = Store(f"sqlite:///{home / 'keten.sqlite'}")
    load_dashboard_demo(store)
    app = create_app(settings, store=store)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", store)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo server shared by the session's browser tests, which must leave its store as
    they found it. A test module that changes the store overrides this fixture with a server
    of its own (``serve_demo``), so no test depends on which ran before it."""
    with serve_demo(tmp_path_factory.mktemp("keten-home")) as shared:
        yield shared


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def _logins() -> dict[str, dict[str, Any]]:
    """Storage states of a logged-in demo user, one per server URL."""
    return {}


@pytest.fixture
def login_state(browser: Browser, server: Server,
                _logins: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Cookies of a logged-in demo user on ``server`` (logged in once through the form)."""
    if server.url not in _logins:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url + "/")
        page.get_by_label("User name").fill(DEMO_USER)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/network")
        _logins[server.url] = context.storage_state()  # type: ignore[assignment]
        context.close()
    return _logins[server.url]


@dataclass
class Watch:
    """Console errors, failed requests, HTTP errors and requests leaving the server."""

    base: str
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", lambda m: self.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: self.http_errors.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        page.on("request", lambda r: self.external.append(r.url)
                if not (r.url.startswith(self.base) or r.url.startswith("data:")
                        or r.url.startswith("blob:")) else None)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.failed == []
        assert self.http_errors == []
        assert self.external == []


@dataclass
class Session:
    page: Page
    watch: Watch
    url: str

    def goto(self, path: str) -> None:
        self.page.goto(self.url + path, wait_until="load")

    def shot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def context(browser: Browser, login_state: dict[str, Any]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(storage_state=login_state,  # type: ignore[arg-type]
                              viewport={"width": 1366, "height": 900}, accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def session(context: BrowserContext, server: Server) -> Session:
    page = context.new_page()
    watch = Watch(server.url)
    watch.attach(page)
    return Session(page, watch, server.url)
