"""Canonical JSON (RFC 8785 style) and the strict parser used for untrusted bundles."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.exchange.canonical import CanonicalJsonError, canonical_json, loads_strict


def test_sorted_keys_and_no_whitespace() -> None:
    assert canonical_json({"b": [1, True, None], "a": {"d": "x", "c": False}}) == (
        b'{"a":{"c":false,"d":"x"},"b":[1,true,null]}'
    )


def test_member_order_is_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3 sorting example: U+1F600 (surrogates D83D DE00) sorts before
    # U+FB33 in UTF-16, although its code point is larger.
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    text = canonical_json(dict.fromkeys(names, 0)).decode("utf-8")
    order = [json.loads(f"[{part.split(':')[0]}]")[0] for part in text[1:-1].split(",")]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_string_escapes_are_the_minimal_ones() -> None:
    value = 'q"b\\s/\b\f\n\r\t\x01\x1f\x7fé€'
    assert canonical_json(value) == (
        '"q\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7fé€"'.encode()
    )


def test_numbers_other_than_safe_integers_are_refused() -> None:
    assert canonical_json([0, -5, 2**53]) == b"[0,-5,9007199254740992]"
    for bad in (1.5, Decimal("1.5"), 2**53 + 1, b"bytes", {1: "x"}, "\ud800"):
        with pytest.raises(CanonicalJsonError):
            canonical_json(bad)


def test_strict_parser() -> None:
    assert loads_strict(b'{"a": 1.10}') == {"a": Decimal("1.10")}
    for bad in (b'{"a":1,"a":2}', b"NaN", b'{"a": Infinity}', b"\xff\xfe", b"{", b'"\\ud800"x'):
        with pytest.raises(CanonicalJsonError):
            loads_strict(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_json_round_trips_and_is_stable(value: object) -> None:
    encoded = canonical_json(value)
    assert json.loads(encoded.decode("utf-8")) == value
    assert canonical_json(loads_strict(encoded)) == encoded
