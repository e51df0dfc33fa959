"""Properties of the chain: any single-byte change to a signed statement fails verification;
cumulative totals are exact sums of decimal strings."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.exchange.canonical import CanonicalJsonError, canonical_json, loads_strict
from keten.exchange.chain import (
    OwnEmissions,
    Party,
    Quantities,
    Subject,
    public_key_entry,
    sign_bundle,
    verify_bundle,
)
from keten.exchange.chain_model import QUANTITY_FIELDS

KEYS = [Ed25519PrivateKey.from_private_bytes(bytes([70 + i]) * 32) for i in range(4)]
PARTIES = [Party("NL-SHIP-Ö1", "Verlader BV"), Party("NL-LSP-2", "Logistiek “Oost”"),
           Party("DE-CARR-3"), Party("BE-CARR-4", "Transport €")]
TRUSTED = [public_key_entry(k, p) for k, p in zip(KEYS, PARTIES, strict=True)]
ISSUED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _own(values: list[str]) -> OwnEmissions:
    return OwnEmissions(Quantities(*(Decimal(v) for v in values)), "keten-2026.1")


def _chain() -> dict[str, Any]:
    carrier = sign_bundle(KEYS[2], PARTIES[2], Subject("S-1"),
                          _own(["123.456", "98.7", "0.25", "0.0031", "1500"]),
                          issued_at=ISSUED, statement_id="st-carrier")
    lsp = sign_bundle(KEYS[1], PARTIES[1], Subject("S-1", "C-ü"),
                      _own(["7.5", "1.25", "0", "0", "0"]), [carrier],
                      issued_at=ISSUED, statement_id="st-lsp")
    return sign_bundle(KEYS[0], PARTIES[0], Subject(consignment_id="C-ü"),
                       _own(["0.5", "0.5", "0.001", "0", "12"]), [lsp],
                       issued_at=ISSUED, statement_id="st-shipper")


BUNDLE = _chain()
assert verify_bundle(BUNDLE, TRUSTED).ok
ENCODED = [canonical_json(signed) for signed in BUNDLE["statements"]]


@st.composite
def single_byte_changes(draw: st.DrawFn) -> tuple[int, int, int]:
    which = draw(st.integers(0, len(ENCODED) - 1))
    position = draw(st.integers(0, len(ENCODED[which]) - 1))
    old = ENCODED[which][position]
    new = draw(st.integers(0, 255).filter(lambda b: b != old))
    return which, position, new


@settings(max_examples=400, deadline=None)
@given(single_byte_changes())
def test_any_single_byte_change_to_a_signed_statement_fails_verification(
    change: tuple[int, int, int],
) -> None:
    which, position, new = change
    data = bytearray(ENCODED[which])
    data[position] = new
    try:
        tampered = loads_strict(bytes(data))
    except CanonicalJsonError:
        return  # no longer JSON: refused before any check could pass
    bundle = copy.deepcopy(BUNDLE)
    bundle["statements"][which] = tampered
    assert not verify_bundle(bundle).ok
    assert not verify_bundle(bundle, TRUSTED).ok


quantity_rows = st.lists(
    st.lists(
        st.builds(
            lambda whole, frac: f"{whole}.{frac}" if frac else str(whole),
            st.integers(0, 10**18),
            st.text("0123456789", max_size=20),
        ),
        min_size=len(QUANTITY_FIELDS),
        max_size=len(QUANTITY_FIELDS),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(quantity_rows)
def test_cumulative_is_the_exact_sum_of_decimal_strings(rows: list[list[str]]) -> None:
    bundles: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        key, party = KEYS[index % len(KEYS)], Party(f"P{index}")
        bundles = [sign_bundle(key, party, Subject("S-1"), _own(row), bundles[-1:])]
    report = verify_bundle(bundles[-1])
    assert report.ok, report.issues
    assert report.head is not None
    cumulative = report.head.statement.cumulative
    for column, name in enumerate(QUANTITY_FIELDS):
        expected = sum((Fraction(row[column]) for row in rows), Fraction(0))
        assert Fraction(getattr(cumulative, name)) == expected
