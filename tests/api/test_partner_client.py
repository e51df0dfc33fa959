"""keten as a PACT client against fake partner hosts: encrypted secrets, validation that
rejects bad data and stores nothing, a fuzzed host (malformed JSON, wrong schema, huge
pages, endless or foreign paging links, slow and silent responses) that never corrupts the
store or hangs the client, the documented retry schedule, and verification of Carbon Added
bundles arriving with a footprint (each failure named by its reason)."""

from __future__ import annotations

import copy
import json
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from keten.errors import AuthError, KetenError, ValidationError
from keten.exchange import pact, pact_v2, received
from keten.exchange.chain import (
    OwnEmissions,
    Party,
    Quantities,
    Subject,
    public_key_entry,
    sign_bundle,
    sign_payload,
    statement_hash,
)
from keten.io import pact_client
from keten.io.pact_client import PactClient, PartnerError
from keten.services import chain_store, companies, partners
from keten.services import received as received_data
from keten.settings import Settings
from keten.store import Store
from keten.store import tables as t

URL = "https://partner.example"


def v3_footprint(shipment_id: str, wtw: str = "75.1") -> dict[str, Any]:
    sf = {
        "shipmentId": shipment_id,
        "mass": "10000",
        "tces": [
            {
                "tceId": f"{shipment_id}-T1",
                "shipmentId": shipment_id,
                "mass": "10000",
                "distance": {"actual": "100"},
                "transportActivity": "1000",
                "co2eWTW": wtw,
                "co2eTTW": "60",
                "departureAt": "2025-03-03T06:00:00Z",
                "arrivalAt": "2025-03-03T14:00:00Z",
            }
        ],
    }
    ctx = pact.shipment_context("Rijnvaart BV", ["urn:keten:company:rijnvaart"], sf,
                                pact.parse_datetime_utc("2025-04-01T00:00:00Z"))
    return pact.shipment_product_footprint(sf, "rijnvaart", ctx)


class FakePartner:
    """A PACT host as an httpx MockTransport: a token endpoint and pages of footprints."""

    def __init__(self, pages: list[Any], version: int = 3) -> None:
        self.pages = pages
        self.version = version
        self.calls: list[httpx.Request] = []
        self.raw: Callable[[httpx.Request], httpx.Response] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(404)
        if path == "/auth/token":
            return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer"})
        if self.raw is not None:
            return self.raw(request)
        if path != f"/{self.version}/footprints":
            return httpx.Response(404, json={"code": "NotFound", "message": "no"})
        page = int(request.url.params.get("page", "0"))
        headers = {}
        if page + 1 < len(self.pages):
            headers["Link"] = f'<{URL}/{self.version}/footprints?page={page + 1}>; rel="next"'
        body = self.pages[page]
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(200, content=content, headers=headers)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    store = Store(f"sqlite:///{tmp_path / 'client.sqlite'}")
    settings = Settings(home=tmp_path / "home", public_url="https://me.example")
    companies.add_company(store, "Demo Shipper BV", "shipper")
    partners.add_partner(store, settings, "shipper", "rijnvaart", URL, "me", "s3cret-value")
    yield store, settings
    store.close()


def _fetch(store: Store, settings: Settings, fake: FakePartner, **kw: Any) -> Any:
    return partners.fetch(
        store, settings, "shipper", "rijnvaart", transport=httpx.MockTransport(fake), **kw
    )


def _received(store: Store) -> list[tuple[str, str]]:
    with store.transaction() as session:
        return sorted(
            (r.footprint_id, r.sha256) for r in session.scalars(select(t.ReceivedFootprint))
        )


def test_secret_is_stored_encrypted_with_a_key_outside_the_store(
    setup: tuple[Store, Settings],
) -> None:
    store, settings = setup
    with store.transaction() as session:
        row = session.scalars(select(t.Partner)).one()
        assert "s3cret-value" not in row.client_secret_encrypted
    key_file = settings.home / "partner-secrets.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert partners.target_of(store, settings, "shipper", "rijnvaart").secret == "s3cret-value"
    other = Settings(home=settings.home / "elsewhere")
    other.home.mkdir()
    (other.home / "partner-secrets.key").write_bytes(Fernet.generate_key())  # another key
    with pytest.raises(AuthError, match="cannot decrypt"):
        partners.target_of(store, other, "shipper", "rijnvaart")


def test_http_partner_urls_are_refused(setup: tuple[Store, Settings]) -> None:
    store, settings = setup
    with pytest.raises(ValidationError, match="https"):
        partners.add_partner(store, settings, "shipper", "plain", "http://x.example", "a", "b")


def test_valid_pages_are_stored_with_provenance(setup: tuple[Store, Settings]) -> None:
    store, settings = setup
    fake = FakePartner([{"data": [v3_footprint("S1")]}, {"data": [v3_footprint("S2", "30.5")]}])
    summary = _fetch(store, settings, fake)
    assert (summary.pact_version, summary.received, summary.created) == (3, 2, 2)
    rows = received_data.received_footprints(store, "shipper")
    assert {r.local_id: r.co2e_kg for r in rows} == {"S1": 75.1, "S2": 30.5}
    first = v3_footprint("S1")
    assert {r.sha256 for r in rows} >= {received.content_sha256(first)}
    again = _fetch(store, settings, fake)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_v2_partner_is_discovered_and_validated_as_v2(setup: tuple[Store, Settings]) -> None:
    store, settings = setup
    fake = FakePartner([{"data": [pact_v2.to_v2(v3_footprint("S1"))]}], version=2)
    summary = _fetch(store, settings, fake)
    assert summary.pact_version == 2
    [row] = received_data.received_footprints(store, "shipper")
    assert (row.spec_version, row.co2e_kg, row.kind) == ("2.3.0", 75.1, "shipment")


def test_one_bad_footprint_rejects_the_fetch_and_stores_nothing(
    setup: tuple[Store, Settings],
) -> None:
    store, settings = setup
    bad = v3_footprint("S2")
    del bad["pcf"]["declaredUnitAmount"]
    bad["extensions"][0]["data"]["tces"][0]["co2eWTW"] = 12  # a number, not a Decimal string
    fake = FakePartner([{"data": [v3_footprint("S1"), bad]}])
    with pytest.raises(ValidationError) as caught:
        _fetch(store, settings, fake)
    report = caught.value.report()
    assert "declaredUnitAmount" in report and "co2eWTW" in report
    assert "row 1" in report or "item 1" in report or ", 1" in report
    assert _received(store) == []
    [info] = partners.list_partners(store, "shipper")
    assert info.status == "rejected" and info.last_error


def test_duplicate_ids_are_rejected(setup: tuple[Store, Settings]) -> None:
    store, settings = setup
    fake = FakePartner([{"data": [v3_footprint("S1"), v3_footprint("S1")]}])
    with pytest.raises(ValidationError, match="also at item 0"):
        _fetch(store, settings, fake)
    assert _received(store) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(json_values, max_size=3).map(lambda d: json.dumps({"data": d}).encode()),
    st.builds(
        lambda pf, path, value: json.dumps({"data": [_mutate(pf, path, value)]}).encode(),
        st.just(v3_footprint("S9")),
        st.sampled_from(["id", "pcf", "specVersion", "companyIds", "extensions", "created"]),
        json_values,
    ),
)


def _mutate(pf: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(pf)
    out[key] = value
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_fuzzed_partner_never_corrupts_the_store(
    setup: tuple[Store, Settings], body: bytes
) -> None:
    store, settings = setup
    _fetch(store, settings, FakePartner([{"data": [v3_footprint("S1")]}]))
    before = _received(store)
    try:
        _fetch(store, settings, FakePartner([{"data": [v3_footprint("S1")]}, body]))
    except KetenError:
        assert _received(store) == before  # nothing half-written
    else:  # only a valid page may pass; what was there stays
        assert set(before) <= set(_received(store))


def test_huge_page_is_refused(setup: tuple[Store, Settings]) -> None:
    store, settings = setup
    small = Settings(home=settings.home, partner_max_page_bytes=10_000)
    huge = {"data": [v3_footprint(f"S{i}") for i in range(20)]}
    with pytest.raises(PartnerError, match="byte limit"):
        _fetch(store, small, FakePartner([huge]))

    def streamed(request: httpx.Request) -> httpx.Response:  # no Content-Length
        return httpx.Response(200, content=iter([b'{"data": ['] + [b" " * 4096] * 10))

    fake = FakePartner([])
    fake.raw = streamed
    with pytest.raises(PartnerError, match="byte limit"):
        _fetch(store, small, fake)
    assert _received(store) == []


def test_paging_links_are_bounded(setup: tuple[Store, Settings]) -> None:
    store, settings = setup

    def foreign(request: httpx.Request) -> httpx.Response:
        link = '<https://evil.example/3/footprints>; rel="next"'
        return httpx.Response(200, json={"data": []}, headers={"Link": link})

    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"data": []}, headers={"Link": f'<{URL}/3/footprints?x=1>; rel="next"'}
        )

    for handler, message in ((foreign, "leaves the partner"), (loop, "repeats")):
        fake = FakePartner([])
        fake.raw = handler
        with pytest.raises(PartnerError, match=message):
            _fetch(store, settings, fake)


def test_retry_schedule_is_the_documented_one() -> None:
    slept: list[float] = []
    answers = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "tok"})
        if request.url.path.startswith("/.well-known"):
            return httpx.Response(404)
        return httpx.Response(next(answers), json={"data": []})

    client = PactClient(URL, "a", "b", transport=httpx.MockTransport(handler), sleep=slept.append)
    with client:
        assert [p.items for p in client.pages(3)] == [[]]
    assert slept == [0.5, 1.0]
    slept.clear()
    failing = PactClient(
        URL, "a", "b", transport=httpx.MockTransport(lambda r: httpx.Response(502)),
        sleep=slept.append,
    )
    with failing, pytest.raises(PartnerError, match="4 tries"):
        failing.token()
    assert slept == list(pact_client.RETRY_DELAYS_S) == [0.5, 1.0, 2.0]


def test_refused_credentials_are_not_retried(setup: tuple[Store, Settings]) -> None:
    store, settings = setup
    fake = FakePartner([])

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client"})

    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return refuse(request) if request.url.path == "/auth/token" else fake(request)

    with pytest.raises(AuthError):
        partners.fetch(store, settings, "shipper", "rijnvaart",
                       transport=httpx.MockTransport(handler))
    assert calls.count("/auth/token") == 1


@pytest.fixture
def slow_server() -> Iterator[Callable[[str], int]]:
    """A loopback TCP server: mode 'drip' answers one byte every 0.2 s forever, 'silent'
    accepts and never answers. Stops when the test ends."""
    stop = threading.Event()
    sockets: list[socket.socket] = []

    def start(mode: str) -> int:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(0.2)
        sockets.append(server)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    continue
                sockets.append(conn)
                threading.Thread(target=talk, args=(conn,), daemon=True).start()

        def talk(conn: socket.socket) -> None:
            try:
                conn.recv(65536)
                if mode == "silent":
                    stop.wait(30)
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                for _ in range(300):
                    if stop.is_set():
                        return
                    conn.sendall(b"1\r\n \r\n")
                    time.sleep(0.2)
            except OSError:
                return

        threading.Thread(target=serve, daemon=True).start()
        return int(server.getsockname()[1])

    yield start
    stop.set()
    for s in sockets:
        s.close()


@pytest.mark.parametrize("mode", ["drip", "silent"])
def test_slow_partner_cannot_hang_the_client(slow_server: Callable[[str], int], mode: str) -> None:
    port = slow_server(mode)
    client = PactClient(f"http://127.0.0.1:{port}", "a", "b", timeout_s=1.0, deadline_s=2.0,
                        sleep=lambda s: None)
    started = time.monotonic()
    with client, pytest.raises(PartnerError):
        client.token()
    assert time.monotonic() - started < 15  # bounded by the deadline and timeouts, not hung


# ---------------------------------------------------------------- Carbon Added statements

BARGE, HUB, MALLORY = (Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32) for i in (1, 2, 4))
BARGE_P, HUB_P = Party("NL-BARGE-01", "Rijnvaart BV"), Party("DE-DUI-HUB", "Duisburg Hub")


def _own(wtw: str) -> OwnEmissions:
    from decimal import Decimal

    return OwnEmissions(
        Quantities(Decimal(wtw), Decimal(wtw), Decimal(0), Decimal(0), Decimal(1000)),
        "keten-2026.1",
    )


def _bundles() -> dict[str, Any]:
    upstream = sign_bundle(BARGE, BARGE_P, Subject("S1"), _own("40"), statement_id="st-barge")
    good = sign_bundle(HUB, HUB_P, Subject("S1"), _own("35.1"), [upstream], statement_id="st-hub")
    bad_signature = copy.deepcopy(good)
    bad_signature["statements"][0]["statement"]["own"]["co2e_wtw_kg"] = "1"
    unknown = sign_bundle(MALLORY, HUB_P, Subject("S1"), _own("35.1"), [upstream])
    broken = copy.deepcopy(good)
    broken["statements"] = [s for s in broken["statements"]
                            if s["statement"]["statement_id"] != "st-barge"]
    arithmetic = copy.deepcopy(good)
    payload = copy.deepcopy(arithmetic["statements"][0]["statement"])
    payload["cumulative"]["co2e_wtw_kg"] = "35.1"  # forgets the upstream 40
    arithmetic["statements"][0] = sign_payload(HUB, payload)
    arithmetic["head"] = statement_hash(arithmetic["statements"][0])
    return {
        "verified": good,
        "bad signature": bad_signature,
        "unknown key": unknown,
        "broken hash link": broken,
        "arithmetic": arithmetic,
    }


def test_statements_arriving_with_footprints_are_verified_and_the_reason_stored(
    setup: tuple[Store, Settings],
) -> None:
    store, settings = setup
    for private, party in ((BARGE, BARGE_P), (HUB, HUB_P)):
        chain_store.register_public_key(
            store, "shipper", public_key_entry(private, party).as_json()
        )
    items = []
    for i, (expected, bundle) in enumerate(_bundles().items()):
        pf = v3_footprint(f"S{i}")
        pf["extensions"].append(
            {
                "specVersion": "1.0.0",
                "dataSchema": received.CARBON_ADDED_BUNDLE_SCHEMA,
                "data": bundle,
            }
        )
        items.append((expected, pf))
    items.append(("none", v3_footprint("PLAIN")))
    summary = _fetch(store, settings, FakePartner([{"data": [pf for _, pf in items]}]))
    assert summary.statements == {
        "verified": 1, "bad signature": 1, "unknown key": 1, "broken hash link": 1,
        "arithmetic": 1, "none": 1,
    }
    rows = {r.footprint_id: r for r in received_data.received_footprints(store, "shipper")}
    for expected, pf in items:
        row = rows[pf["id"]]
        assert row.statement_status == expected, (expected, row.statement_detail)
        if expected not in ("verified", "none"):
            assert row.statement_detail


def test_toc_hoc_transaction_round_trip_gives_the_carriers_own_footprint(
    setup: tuple[Store, Settings], tmp_path: Path
) -> None:
    """iLEAP TOC/HOC transaction: the carrier publishes the intensities `keten toc`/`keten hoc`
    derived from its fuel and energy data; the customer fetches them, turns them back into
    TOC/HOC files and gets the same footprint as the carrier computes with its own files."""
    import pyarrow as pa

    import keten
    from keten.exchange import ileap
    from keten.services import exchange
    from keten.services.demo import run_demo
    from keten.services.footprint_output import csv_text

    store, settings = setup
    demo = run_demo(tmp_path / "demo")
    carrier = Store(f"sqlite:///{tmp_path / 'carrier.sqlite'}")
    companies.add_company(carrier, "Rijnvaart BV", "rijnvaart")
    companies.add_company(carrier, "Demo Shipper BV", "shipper")
    exchange.publish_intensity_files(carrier, "rijnvaart", demo.files["tocs.csv"],
                                     demo.files["hocs.csv"], share_with=["shipper"])
    served, _ = exchange.list_footprints(carrier, "shipper", pact.FootprintFilter(), 1000)
    carrier.close()
    _fetch(store, settings, FakePartner([{"data": served}]))
    tocs, hocs = received_data.received_intensities(store, "shipper", "rijnvaart")
    files = {}
    for name, items, row in (("tocs.csv", tocs, ileap.toc_file_row),
                             ("hocs.csv", hocs, ileap.hoc_file_row)):
        files[name] = tmp_path / f"received-{name}"
        files[name].write_text(csv_text(pa.Table.from_pylist([row(i, "test") for i in items])))
    tces = Path(keten.__file__).parent / "demo" / "data" / "tces.csv"
    theirs = keten.footprint(tces, tocs=files["tocs.csv"], hocs=files["hocs.csv"]).totals()
    own = demo.result.totals()
    # intensities travel as decimal strings of 12 decimals (kg per tkm): equal to ~1e-11
    assert theirs["co2e_wtw_kg"] == pytest.approx(own["co2e_wtw_kg"], rel=1e-9)
    assert theirs["co2e_ttw_kg"] == pytest.approx(own["co2e_ttw_kg"], rel=1e-9)
    assert theirs["transport_activity_tkm"] == own["transport_activity_tkm"]
