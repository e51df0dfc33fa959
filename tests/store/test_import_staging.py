"""Stage, then swap (#17): an import is invisible until one short transaction makes it
visible, other writes go on meanwhile, a ``kill -9`` at any moment leaves nothing visible and
no staging behind; and footprint ids nobody else can compute (HMAC of a per-company secret),
kept across re-imports and given to old stores by migration 7. Each test runs on SQLite and
on PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from keten.errors import NotFoundError
from keten.exchange import pact
from keten.services import companies, exchange
from keten.store import Store, migrate
from keten.store import tables as t
from keten.store.migrations import MIGRATIONS

Make = Callable[..., dict[str, Any]]


def _shipments(store: Store, company_id: str) -> int:
    with store.transaction() as session:
        query = select(func.count()).where(t.Shipment.company_id == company_id)
        return int(session.scalar(query) or 0)


def _staging_tables(store: Store) -> list[str]:
    """Staging tables any session can still see (SQLite: in the file; PostgreSQL: anywhere,
    temporary schemas of other sessions included)."""
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE name LIKE 'stage%'"
        else:
            sql = (
                "SELECT schemaname || '.' || tablename FROM pg_tables "
                "WHERE tablename LIKE 'stage%'"
            )
        return [str(r[0]) for r in conn.execute(text(sql))]


def test_staged_rows_are_invisible_and_other_writes_go_on(
    store: Store, make_shipment_footprint: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    companies.add_company(store, "Acme", "acme")
    companies.add_company(store, "Other", "other")
    monkeypatch.setattr(exchange, "IMPORT_BATCH", 3)
    seen: list[tuple[int, int]] = []

    def during(phase: str, done: int, total: int) -> None:
        if phase != "staged":
            return
        seen.append((done, _shipments(store, "acme")))  # nothing visible while staging
        # another writer (an API event, a company) is not blocked by the staging import
        exchange.receive_event(store, "other", {
            "specversion": "1.0", "id": f"e-{done}", "source": "//other.example/", "type":
            pact.PUBLISHED, "time": "2026-01-01T00:00:00Z", "data": {"pfIds": []}})

    sfs = [make_shipment_footprint(f"S{i}") for i in range(8)]
    summary = exchange.import_footprints(store, "acme", sfs, progress=during)
    assert seen == [(3, 0), (6, 0), (8, 0)]
    assert summary.shipments_created == 8 and _shipments(store, "acme") == 8
    assert len(exchange.list_footprints(store, "acme", pact.FootprintFilter(), 100)[0]) == 8
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.Event)) == 3
    assert _staging_tables(store) == []


def test_reimport_keeps_id_created_and_shares(store: Store, make_shipment_footprint: Make) -> None:
    companies.add_company(store, "Acme", "acme")
    companies.add_company(store, "Shipper", "shipper")
    first = exchange.import_footprints(store, "acme", [make_shipment_footprint("S1")],
                                       share_with=["shipper"])
    before = exchange.get_footprint(store, "shipper", first.footprint_ids[0])
    changed = make_shipment_footprint("S1", [("10000", "100", "90", "70")])
    second = exchange.import_footprints(store, "acme", [changed, make_shipment_footprint("S2")])
    assert (second.shipments_created, second.shipments_updated) == (1, 1)
    assert second.footprint_ids[0] == first.footprint_ids[0]
    after = exchange.get_footprint(store, "shipper", first.footprint_ids[0])  # still shared
    assert after["created"] == before["created"]
    assert after["pcf"]["pcfExcludingBiogenicUptake"] == "90"
    v2 = exchange.get_footprint(store, "acme", first.footprint_ids[0], pact_version=2)
    assert v2["pcf"]["pCfExcludingBiogenic"] == "90" and v2["specVersion"] == "2.3.0"


def test_ids_cannot_be_computed_from_company_and_shipment(
    store: Store, make_shipment_footprint: Make
) -> None:
    companies.add_company(store, "Acme", "acme")
    summary = exchange.import_footprints(store, "acme", [make_shipment_footprint("S1")])
    pf_id = summary.footprint_ids[0]
    old_formula = pact.footprint_id_for("acme", "shipment", "S1")  # uuid5, public inputs
    assert pf_id != old_formula
    with pytest.raises(NotFoundError):
        exchange.get_footprint(store, "acme", old_formula)
    assert uuid.UUID(pf_id).version == 4
    # the same shipment re-imported keeps its id; another store's company of the same name
    # gets other ids (its own secret)
    again = exchange.import_footprints(store, "acme", [make_shipment_footprint("S1")])
    assert again.footprint_ids == (pf_id,)
    other = Store(store.url.replace("keten.sqlite", "other.sqlite")) if store.dialect == "sqlite" \
        else None
    if other is not None:
        companies.add_company(other, "Acme", "acme")
        theirs = exchange.import_footprints(other, "acme", [make_shipment_footprint("S1")])
        assert theirs.footprint_ids != (pf_id,)
        other.close()


def test_migration_7_gives_old_footprints_secret_ids(store: Store) -> None:
    """A store of schema 6 (uuid5 ids) migrates: each footprint gets its HMAC id, its filter
    rows and shares follow, the old id answers 404, and it gets its v2 document."""
    from keten.exchange import ileap

    url = store.url
    store.close()
    with store.engine.begin() as conn:  # back to schema 6 with an old-style footprint
        conn.execute(text("DELETE FROM schema_version WHERE version >= 7"))
        now = datetime(2026, 1, 1)
        for cid in ("acme", "shipper"):
            conn.execute(insert(t.Company.__table__).values(  # type: ignore[arg-type]
                id=cid, name=cid.title(), company_urns=[f"urn:x:{cid}"], created_at=now))
        old_id = pact.footprint_id_for("acme", "shipment", "S1")
        sf = {"shipmentId": "S1", "mass": "1000", "tces": [{
            "tceId": "T1", "shipmentId": "S1", "mass": "1000", "distance": {"actual": "10"},
            "transportActivity": "10", "co2eWTW": "1", "co2eTTW": "0.8"}]}
        ctx = pact.shipment_context("Acme", ["urn:x:acme"], sf, now)
        payload = pact.shipment_product_footprint(sf, "acme", ctx)
        assert payload["id"] == old_id
        conn.execute(insert(t.ProductFootprintRow.__table__).values(  # type: ignore[arg-type]
            id=old_id, company_id="acme", status="Active", status_lower="active",
            created=now, payload=payload))
        conn.execute(insert(t.FootprintProductId.__table__).values(  # type: ignore[arg-type]
            footprint_id=old_id, value=payload["productIds"][0].lower()))
        conn.execute(insert(t.Share.__table__).values(  # type: ignore[arg-type]
            footprint_id=old_id, recipient_company_id="shipper", created_at=now))
    assert MIGRATIONS[-1][0] == 8
    migrated = Store(url, migrate_schema=False)
    assert migrate(migrated.engine) == [7, 8]  # 8 again: it may run twice
    with migrated.transaction() as session:
        key = bytes.fromhex(session.get(t.Company, "acme").footprint_id_key)  # type: ignore[union-attr]
    new_id = pact.footprint_id_for("acme", "shipment", "S1", key)
    assert new_id != old_id
    with pytest.raises(NotFoundError):
        exchange.get_footprint(migrated, "acme", old_id)
    got = exchange.get_footprint(migrated, "shipper", new_id)  # the share followed
    assert got["id"] == new_id
    filtered = exchange.list_footprints(
        migrated, "acme", pact.FootprintFilter(product_ids=(payload["productIds"][0].lower(),)),
        10)[0]
    assert [d["id"] for d in filtered] == [new_id]
    v2 = exchange.get_footprint(migrated, "acme", new_id, pact_version=2)
    assert v2 == ileap.v2_document(got, None)
    migrated.close()


_CHILD = """
import sys, time
from keten.services import exchange
from keten.store import Store
store = Store(sys.argv[1])
sfs = [{"shipmentId": f"S{i}", "mass": "1000", "tces": [{
    "tceId": f"S{i}-T1", "shipmentId": f"S{i}", "mass": "1000", "distance": {"actual": "10"},
    "transportActivity": "10", "co2eWTW": "1", "co2eTTW": "0.8"}]} for i in range(40)]
exchange.IMPORT_BATCH = 10
def progress(phase, done, total):
    if phase == "staged" and done == 20:
        print("staging", flush=True)
        time.sleep(60)  # killed here, half staged
exchange.import_footprints(store, "acme", sfs, progress=progress)
"""


def test_kill9_during_an_import_leaves_nothing(store: Store, tmp_path: Path) -> None:
    companies.add_company(store, "Acme", "acme")
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    child = subprocess.Popen([sys.executable, str(script), store.url], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "staging"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert _shipments(store, "acme") == 0
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.ProductFootprintRow)) == 0
    deadline = time.monotonic() + 20  # PostgreSQL drops the dead session's temporary tables
    while _staging_tables(store) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _staging_tables(store) == []
    if store.dialect == "sqlite":  # and the dead import left no file beside the store
        folder = Path(store.url.removeprefix("sqlite:///")).parent
        assert sorted(p.name for p in folder.iterdir() if "keten.sqlite" in p.name
                      and not p.name.endswith(("-wal", "-shm"))) == ["keten.sqlite"]
    # the next import runs and is complete
    subprocess.run([sys.executable, "-c", _CHILD.replace("time.sleep(60)", "pass"), store.url],
                   check=True, timeout=120)
    assert _shipments(store, "acme") == 40


def test_api_writes_during_a_long_import_succeed(
    store_url: str, tmp_path: Path, make_shipment_footprint: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``POST /3/events`` while a big import is staging answers 200 (the import holds no lock
    of the store), on both backends; the import's footprints are not listed until its swap."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for api.conftest
    from api.conftest import build_host

    host = build_host(tmp_path, make_shipment_footprint, store_url)
    headers = host.headers()
    monkeypatch.setattr(exchange, "IMPORT_BATCH", 5)
    answers: list[tuple[int, int]] = []

    def during(phase: str, done: int, total: int) -> None:
        if phase != "staged":
            return
        event = {"type": pact.PUBLISHED, "specversion": "1.0", "id": f"during-{done}",
                 "source": "//partner.example/3/events", "time": "2025-06-01T12:00:00Z",
                 "data": {"pfIds": []}}
        posted = host.client.post("/3/events", json=event, headers=headers)
        listed = host.client.get("/3/footprints?limit=1000", headers=headers)
        answers.append((posted.status_code, len(listed.json()["data"])))

    before = len(host.client.get("/3/footprints?limit=1000", headers=headers).json()["data"])
    sfs = [make_shipment_footprint(f"L{i}") for i in range(15)]
    exchange.import_footprints(host.store, "carrier", sfs, progress=during)
    assert answers == [(200, before)] * 3
    after = host.client.get("/3/footprints?limit=1000", headers=headers).json()["data"]
    assert len(after) == before + 15
    host.store.close()
