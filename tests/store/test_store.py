"""Store tests, each run on SQLite and on a real PostgreSQL (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from keten.errors import AuthError, NotFoundError, ValidationError
from keten.exchange import pact
from keten.services import auth, companies, exchange
from keten.services.report import scope3_report
from keten.store import Store, current_version, latest_version, migrate
from keten.store import tables as t

Make = Callable[..., dict[str, Any]]


def _count(store: Store, table: Any) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _company(store: Store, cid: str = "acme") -> None:
    companies.add_company(store, cid.title(), cid, [f"urn:example:company:{cid}"])


def test_migrations_are_versioned_and_idempotent(store: Store) -> None:
    assert current_version(store.engine) == latest_version()
    assert migrate(store.engine) == []  # nothing pending on a second run
    reopened = Store(store.url)
    assert current_version(reopened.engine) == latest_version()
    reopened.close()


def test_backend_is_the_one_asked_for(store: Store, store_url: str) -> None:
    assert store.dialect == ("sqlite" if store_url.startswith("sqlite") else "postgresql")
    with store.transaction() as session:
        assert session.execute(text("select 1")).scalar() == 1


def test_reimport_updates_never_duplicates(store: Store, make_shipment_footprint: Make) -> None:
    _company(store)
    first = exchange.import_footprints(
        store, "acme", [make_shipment_footprint("S1"), make_shipment_footprint("S2")]
    )
    assert (first.shipments_created, first.shipments_updated) == (2, 0)
    changed = make_shipment_footprint(
        "S1", [("10000", "100", "80", "64"), ("10000", "50", "30", "25")]
    )
    second = exchange.import_footprints(store, "acme", [changed])
    assert (second.shipments_created, second.shipments_updated) == (0, 1)
    assert second.footprint_ids[0] == first.footprint_ids[0]  # same footprint id kept
    assert _count(store, t.Shipment) == 2
    assert _count(store, t.ProductFootprintRow) == 2
    assert _count(store, t.TransportChainElement) == 3  # S1 now has 2 TCEs, S2 has 1
    got = exchange.get_footprint(store, "acme", first.footprint_ids[0])
    assert got["pcf"]["pcfExcludingBiogenicUptake"] == "110"
    assert got["pcf"]["declaredUnitAmount"] == "1500"  # 1000 + 500 tkm


def test_invalid_import_leaves_nothing(store: Store, make_shipment_footprint: Make) -> None:
    _company(store)
    bad = make_shipment_footprint("S2")
    bad["tces"][0]["co2eWTW"] = "lots"  # type: ignore[index]
    with pytest.raises(ValidationError) as info:
        exchange.import_footprints(
            store, "acme", [make_shipment_footprint("S1"), bad, {"shipmentId": "", "tces": []}]
        )
    columns = {p.column for p in info.value.problems}
    assert {"co2eWTW", "shipmentId", "tces"} <= columns  # every problem reported at once
    assert _count(store, t.Shipment) == 0
    assert _count(store, t.ProductFootprintRow) == 0


def test_failure_inside_the_transaction_rolls_back(
    store: Store, make_shipment_footprint: Make
) -> None:
    _company(store)
    # the unknown share recipient is only found after the shipments were written
    with pytest.raises(NotFoundError):
        exchange.import_footprints(
            store, "acme", [make_shipment_footprint("S1")], share_with=["nobody"]
        )
    assert _count(store, t.Shipment) == 0
    assert _count(store, t.TransportChainElement) == 0
    assert _count(store, t.ProductFootprintRow) == 0
    assert _count(store, t.FootprintProductId) == 0


def test_company_sees_own_and_shared_only(store: Store, make_shipment_footprint: Make) -> None:
    for cid in ("carrier", "shipper", "stranger"):
        _company(store, cid)
    ids = exchange.import_footprints(
        store, "carrier", [make_shipment_footprint("S1")]
    ).footprint_ids
    every = pact.FootprintFilter()
    assert len(exchange.list_footprints(store, "carrier", every, 10)[0]) == 1
    assert exchange.list_footprints(store, "shipper", every, 10)[0] == []
    with pytest.raises(Exception) as denied:
        exchange.get_footprint(store, "shipper", ids[0])
    # another company's footprint answers exactly like an unknown id (no existence oracle)
    assert type(denied.value).__name__ == "NotFoundError"
    assert companies.share_footprints(store, "carrier", "shipper") == 1
    assert companies.share_footprints(store, "carrier", "shipper") == 0  # idempotent
    assert [f["id"] for f in exchange.list_footprints(store, "shipper", every, 10)[0]] == list(ids)
    assert exchange.get_footprint(store, "shipper", ids[0])["id"] == ids[0]
    assert exchange.list_footprints(store, "stranger", every, 10)[0] == []
    with pytest.raises(NotFoundError):
        exchange.get_footprint(store, "shipper", "00000000-0000-0000-0000-000000000000")


def _varied_footprints(store: Store, make: Make) -> list[dict[str, Any]]:
    _company(store)
    exchange.import_footprints(store, "acme", [make("A", origin_country="NL")], reference_year=2024)
    exchange.import_footprints(
        store,
        "acme",
        [
            make(
                "B",
                origin_country="DE",
                departure="2023-01-05T00:00:00Z",
                arrival="2023-01-06T00:00:00Z",
            )
        ],
    )
    exchange.import_footprints(
        store,
        "acme",
        [
            make(
                "C",
                origin_country="BE",
                departure="2025-06-01T00:00:00Z",
                arrival="2025-06-02T00:00:00Z",
            )
        ],
    )
    exchange.import_intensities(
        store,
        "acme",
        [
            {
                "tocId": "toc-1",
                "mode": "Road",
                "co2eIntensityWTW": "0.07",
                "co2eIntensityTTW": "0.06",
                "transportActivityUnit": "tkm",
                "energyCarriers": [],
            }
        ],
        reference_year=2022,
    )
    return exchange.list_footprints(store, "acme", pact.FootprintFilter(), 100)[0]


CRITERIA: list[dict[str, Any]] = [
    {},
    {"productId": "urn:pathfinder:product:customcode:vendor-assigned:shipment:A"},
    {"productid": ["URN:PATHFINDER:PRODUCT:CUSTOMCODE:VENDOR-ASSIGNED:SHIPMENT:B", "urn:x:y"]},
    {"companyId": ["urn:example:company:acme"]},
    {"companyId": ["urn:bogus:1", "urn:bogus:2"]},
    {"geography": ["de", "BE"]},
    {"geography": "Western Europe"},
    {"geography": "XX"},
    {"classification": pact.CPC_CLASSIFICATION_URN},
    {"status": "active"},
    {"status": "Deprecated"},
    {"validOn": "2027-01-01T00:00:00Z"},
    {"validOn": "1900-01-01T00:00:00Z"},
    {"validAfter": "2024-06-01T00:00:00Z"},
    {"validBefore": "2028-01-01T00:00:00Z"},
    {"validAfter": "2099-12-31T23:59:59Z"},
    {"geography": ["NL", "DE"], "validAfter": "2023-06-01T00:00:00Z"},
    {
        "status": "Active",
        "productId": ["urn:pathfinder:product:customcode:vendor-assigned:toc:toc-1"],
    },
]


@pytest.mark.parametrize("criteria", CRITERIA, ids=[str(c) for c in CRITERIA])
def test_sql_filters_agree_with_the_spec_semantics(
    store: Store, make_shipment_footprint: Make, criteria: dict[str, Any]
) -> None:
    everything = _varied_footprints(store, make_shipment_footprint)
    parsed = pact.parse_filter(criteria)
    expected = sorted(f["id"] for f in everything if pact.matches(f, parsed))
    got, more = exchange.list_footprints(store, "acme", parsed, 100)
    assert sorted(f["id"] for f in got) == expected
    assert not more


def test_unknown_status_matches_nothing(store: Store, make_shipment_footprint: Make) -> None:
    # PACT conformance suite V3.0 test case 37: an unknown status is an empty page, not 400.
    everything = _varied_footprints(store, make_shipment_footprint)
    assert everything
    criteria = pact.parse_filter({"status": "Bogus"})
    assert [f for f in everything if pact.matches(f, criteria)] == []


def test_filter_oracle_is_not_vacuous(store: Store, make_shipment_footprint: Make) -> None:
    everything = _varied_footprints(store, make_shipment_footprint)
    assert len(everything) == 4
    hits = [len([f for f in everything if pact.matches(f, pact.parse_filter(c))]) for c in CRITERIA]
    assert 0 in hits and 4 in hits and any(0 < h < 4 for h in hits)


def test_paging_is_stable_and_complete(store: Store, make_shipment_footprint: Make) -> None:
    _company(store)
    exchange.import_footprints(
        store, "acme", [make_shipment_footprint(f"S{i:02}") for i in range(7)]
    )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = exchange.list_footprints(store, "acme", pact.FootprintFilter(), 3, cursor)
        seen += [f["id"] for f in page]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen))
    everything, last = exchange.list_footprints(store, "acme", pact.FootprintFilter(), 100)
    assert last is None and [f["id"] for f in everything] == seen  # same order


def test_credentials_are_hashed_rotated_and_revoked(store: Store) -> None:
    _company(store)
    cred = auth.create_credentials(store, "acme", "client-a", "s3cret-value")
    with store.transaction() as session:
        row = session.get(t.ClientCredential, "client-a")
        assert row is not None
        assert "s3cret-value" not in (row.secret_hash + row.secret_salt)
    key = auth.signing_key(store, None)
    assert key == auth.signing_key(store, None)  # kept in the store
    grant = auth.issue_token(store, key, cred.client_id, "s3cret-value", 60)
    assert auth.authenticate(store, key, grant.access_token).company_id == "acme"
    with pytest.raises(AuthError):
        auth.issue_token(store, key, "client-a", "wrong-secret", 60)
    rotated = auth.rotate_credentials(store, "client-a")
    assert rotated.client_secret and rotated.client_secret != "s3cret-value"
    with pytest.raises(AuthError):
        auth.issue_token(store, key, "client-a", "s3cret-value", 60)
    auth.issue_token(store, key, "client-a", rotated.client_secret, 60)
    auth.revoke_credentials(store, "client-a")
    with pytest.raises(AuthError):
        auth.authenticate(store, key, grant.access_token)  # revocation kills live tokens
    with pytest.raises(ValidationError):
        auth.create_credentials(store, "acme", "client-a", "another-secret")  # id taken
    with pytest.raises(NotFoundError):
        auth.create_credentials(store, "nobody")


def test_companies_validate_and_list(store: Store) -> None:
    _company(store)
    with pytest.raises(ValidationError):
        companies.add_company(store, "Acme again", "acme")
    with pytest.raises(ValidationError) as info:
        companies.add_company(store, "", "Bad Id!", ["not-a-urn"], "only-id", None)
    assert len(info.value.problems) == 4
    auth.create_credentials(store, "acme")
    [acme] = companies.list_companies(store)
    assert (acme.id, acme.active_credentials, acme.company_urns) == (
        "acme",
        1,
        ("urn:example:company:acme",),
    )


def test_scope3_report_totals(store: Store, make_shipment_footprint: Make) -> None:
    _company(store)
    _company(store, "other")
    up = [
        make_shipment_footprint("U1", [("10000", "100", "100", "80")]),
        make_shipment_footprint("U2", [("10000", "100", "300", "240")]),
    ]
    exchange.import_footprints(store, "acme", up[:1], scope3_category=4, primary_data_share_pct=100)
    exchange.import_footprints(store, "acme", up[1:], scope3_category=4)
    exchange.import_footprints(
        store, "acme", [make_shipment_footprint("D1")], scope3_category=9, primary_data_share_pct=50
    )
    exchange.import_footprints(store, "acme", [make_shipment_footprint("X1")])
    exchange.import_footprints(store, "other", [make_shipment_footprint("O1")], scope3_category=4)
    exchange.import_footprints(
        store,
        "acme",
        [
            make_shipment_footprint(
                "OLD", departure="2024-01-01T00:00:00Z", arrival="2024-01-02T00:00:00Z"
            )
        ],
        scope3_category=4,
    )
    rows = scope3_report(store, 2025, "acme")
    assert [r.scope3_category for r in rows] == [4, 9, None]
    upstream = rows[0]
    assert upstream.shipments == 2
    assert upstream.co2e_wtw_kg == pytest.approx(400)
    assert upstream.co2e_ttw_kg == pytest.approx(320)
    assert upstream.transport_activity_tkm == pytest.approx(2000)
    assert upstream.primary_data_share_pct == pytest.approx(25)  # 100 % of 100 kg of 400 kg
    assert rows[1].primary_data_share_pct == pytest.approx(50)
    assert {r.company_id for r in scope3_report(store, 2025)} == {"acme", "other"}
    assert scope3_report(store, 2024, "acme")[0].shipments == 1
    with pytest.raises(NotFoundError):
        scope3_report(store, 2025, "nobody")


def test_events_are_recorded_once(store: Store) -> None:
    _company(store)
    event = {
        "type": pact.PUBLISHED,
        "specversion": "1.0",
        "id": "e1",
        "source": "https://x",
        "time": "2025-01-01T00:00:00Z",
        "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]},
    }
    first = exchange.receive_event(store, "acme", event)
    again = exchange.receive_event(store, "acme", event)
    assert first.row_id == again.row_id and not first.needs_answer
    assert _count(store, t.Event) == 1


def test_store_datetimes_are_naive_utc(store: Store, make_shipment_footprint: Make) -> None:
    _company(store)
    exchange.import_footprints(
        store,
        "acme",
        [
            make_shipment_footprint(
                "S1", departure="2025-03-03T08:00:00+02:00", arrival="2025-03-03T10:00:00+02:00"
            )
        ],
    )
    with store.transaction() as session:
        row = session.scalars(select(t.ProductFootprintRow)).one()
        assert row.validity_start == datetime(2025, 3, 3, 8, 0)


def test_callback_url_is_validated_and_stored(store: Store) -> None:
    from keten.services import companies
    from keten.store import tables as tbl

    with pytest.raises(ValidationError, match="not an http"):
        companies.add_company(store, "Bad", "bad", callback_base_url="ftp://x")
    companies.add_company(store, "Good", "good", callback_base_url="https://pact.good.example/")
    with store.transaction() as session:
        assert session.get(tbl.Company, "good").callback_base_url == "https://pact.good.example"


def test_migration_3_adds_the_callback_column_to_an_older_database(store: Store) -> None:
    """A database made before version 3 (no callback_base_url) gets the column, data kept."""
    from sqlalchemy import inspect

    from keten.services import companies

    companies.add_company(store, "Old", "old")
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE companies DROP COLUMN callback_base_url"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 3"))
    assert current_version(store.engine) == 2
    # 4-7 create tables or columns only where missing, so they re-run harmlessly here.
    assert migrate(store.engine) == [3, 4, 5, 6, 7, 8]
    columns = {c["name"] for c in inspect(store.engine).get_columns("companies")}
    assert "callback_base_url" in columns
    assert [c.id for c in companies.list_companies(store)] == ["old"]
