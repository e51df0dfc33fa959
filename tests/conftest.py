"""Shared fixtures. Store fixtures run each test on SQLite and on a real PostgreSQL cluster that
this file starts itself (``initdb`` + ``pg_ctl`` in a temp dir, one cluster per test session,
one fresh database per test). If PostgreSQL is not installed the fixture fails loudly: install
Debian's ``postgresql`` package (the tests never skip)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from keten.store import Store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SHARED = Path(__file__).resolve().parents[2] / "shared"


@dataclass(frozen=True)
class PostgresCluster:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"


def _pg_bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.fail(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: "
            "run `apt-get install -y postgresql` (the store tests need a real PostgreSQL)",
            pytrace=False,
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster on a spare loopback port (trust auth)."""
    bindir = _pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="keten-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system user
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            pytest.fail(f"{args[0]} failed: {done.stdout}\n{done.stderr}", pytrace=False)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(root / "log"),
        "-w",
        "start",
    )
    try:
        yield PostgresCluster("127.0.0.1", port, "postgres")
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """URL of a fresh, empty database in the session's cluster (dropped after the test)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = (
        f"host={postgres_cluster.host} port={postgres_cluster.port} user=postgres dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_cluster.url(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'keten.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty keten store on each backend."""
    opened = Store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty SQLite store (for API tests that need one backend only)."""
    opened = Store(f"sqlite:///{tmp_path / 'keten.sqlite'}")
    try:
        yield opened
    finally:
        opened.close()


def shipment_footprint(
    shipment_id: str,
    legs: list[tuple[str, str, str, str]] | None = None,
    *,
    origin_country: str = "NL",
    departure: str = "2025-03-03T06:00:00Z",
    arrival: str = "2025-03-03T14:00:00Z",
) -> dict[str, object]:
    """A hand-written iLEAP ShipmentFootprint; ``legs`` are (mass kg, km, WTW kg, TTW kg)."""
    legs = legs or [("10000", "100", "75.1", "60.2")]
    tces = []
    for i, (mass, km, wtw, ttw) in enumerate(legs):
        tkm = str(int(mass) * int(km) / 1000).removesuffix(".0")
        tce: dict[str, object] = {
            "tceId": f"{shipment_id}-T{i + 1}",
            "tocId": "road-truck-diesel",
            "shipmentId": shipment_id,
            "mass": mass,
            "distance": {"actual": km},
            "origin": {"city": "Rotterdam", "country": origin_country, "locode": "NLRTM"},
            "destination": {"city": "Duisburg", "country": "DE", "locode": "DEDUI"},
            "transportActivity": tkm,
            "departureAt": departure,
            "arrivalAt": arrival,
            "co2eWTW": wtw,
            "co2eTTW": ttw,
        }
        if i:
            tce["prevTceIds"] = [f"{shipment_id}-T{i}"]
        tces.append(tce)
    return {"shipmentId": shipment_id, "mass": legs[0][0], "tces": tces}


@pytest.fixture
def make_shipment_footprint() -> object:
    """Factory for hand-written iLEAP ShipmentFootprints (see ``shipment_footprint``)."""
    return shipment_footprint


@pytest.fixture(scope="module")
def demo_dashboard_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over a SQLite store with the dashboard demo loaded; not logged in."""
    from fastapi.testclient import TestClient

    from keten.api.app import create_app
    from keten.services.dashboard import load_dashboard_demo
    from keten.settings import Settings

    home = tmp_path_factory.mktemp("home")
    store = Store(f"sqlite:///{home / 'keten.sqlite'}")
    load_dashboard_demo(store)
    app = create_app(Settings(home=home, secret_key="web-test-secret"), store=store)
    with TestClient(app) as test_client:
        yield test_client
    store.close()
