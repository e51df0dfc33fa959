"""Reference-test fixtures shared by modules, built once per session: the demo TCE table
computed, and the ``keten serve --demo`` host."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from keten.services.exchange import TableImport


@dataclass(frozen=True)
class DemoTable:
    """Carrier X's TOC and HOC files (from its fuel and energy logs, as ``keten demo`` writes
    them) and the demo TCE table computed with them (``exchange.footprints_from_table``)."""

    tocs: Path
    hocs: Path
    own_ids: frozenset[str]
    table: TableImport


@pytest.fixture(scope="session")
def demo_table(tmp_path_factory: pytest.TempPathFactory) -> DemoTable:
    import pyarrow as pa

    from keten.demo import demo_file
    from keten.factors.library import load_factor_set
    from keten.io.factor_input import read_energy_file, read_hub_energy_file
    from keten.io.factor_output import hoc_file_row, toc_file_row
    from keten.services import exchange
    from keten.services.footprint_output import csv_text

    root = tmp_path_factory.mktemp("demo-table")
    fs = load_factor_set()
    tocs = [toc_file_row(t) for t in read_energy_file(demo_file("fuel_activity.csv"), fs).values()]
    hocs = [
        hoc_file_row(h) for h in read_hub_energy_file(demo_file("hub_energy.csv"), fs).values()
    ]
    (root / "tocs.csv").write_text(csv_text(pa.Table.from_pylist(tocs)))
    (root / "hocs.csv").write_text(csv_text(pa.Table.from_pylist(hocs)))
    table = exchange.footprints_from_table(
        demo_file("tces.csv"), root / "tocs.csv", root / "hocs.csv"
    )
    own = frozenset({r["toc_id"] for r in tocs} | {r["hoc_id"] for r in hocs})
    return DemoTable(root / "tocs.csv", root / "hocs.csv", own, table)


@pytest.fixture(scope="session")
def serve_demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """What ``keten serve --demo`` serves on ``/2`` and ``/3`` (its Carbon Added chain adds
    nothing there), read with client ``reader`` / ``reader-secret``."""
    from fastapi.testclient import TestClient

    from keten.api import create_app
    from keten.services import auth
    from keten.services.pact_demo import load_demo
    from keten.settings import Settings
    from keten.store import Store

    home = tmp_path_factory.mktemp("serve-demo")
    store = Store(f"sqlite:///{home / 'keten.sqlite'}")
    company = load_demo(store).company_id
    auth.create_credentials(store, company, "reader", "reader-secret")
    with TestClient(create_app(Settings(home=home), store=store)) as client:
        yield client
    store.close()
