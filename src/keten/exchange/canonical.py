"""Canonical JSON for hashing and signing, in the style of RFC 8785 (JCS).

Rules (RFC 8785 section 3.2): object members sorted by the UTF-16 code units of their names;
no whitespace between tokens; strings as UTF-8 with only the mandatory escapes (``\\"``,
``\\\\``, ``\\b \\f \\n \\r \\t`` and ``\\u00xx`` in lower-case hex for other control characters);
``true``, ``false``, ``null``. Chain statements carry every quantity as a Decimal string, so
numbers are limited to integers that an IEEE double holds exactly (|n| <= 2**53); anything else
is refused rather than serialised in a way two implementations might disagree on.

``loads_strict`` is the matching parser for untrusted input: UTF-8 only, no duplicate member
names, no NaN/Infinity, and non-integer numbers come back as ``Decimal`` (never ``float``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from keten.errors import KetenError

MAX_SAFE_INTEGER = 2**53

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


class CanonicalJsonError(KetenError):
    """A value cannot be put into canonical JSON, or a document is not strict JSON."""

    exit_code = 2


def _escape_string(text: str) -> str:
    parts = ['"']
    for char in text:
        short = _SHORT_ESCAPES.get(char)
        if short is not None:
            parts.append(short)
        elif ord(char) < 0x20:
            parts.append(f"\\u{ord(char):04x}")
        elif 0xD800 <= ord(char) <= 0xDFFF:
            raise CanonicalJsonError("string holds a lone UTF-16 surrogate; not valid Unicode")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def _utf16_key(name: str) -> bytes:
    # RFC 8785 3.2.3: sort by UTF-16 code units; big-endian bytes compare the same way.
    return name.encode("utf-16-be", errors="surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_escape_string(value))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalJsonError(f"integer {value} is outside the exact IEEE double range")
        out.append(str(value))
    elif isinstance(value, float | Decimal):
        raise CanonicalJsonError(
            f"number {value!r} is not allowed in canonical JSON here; use a Decimal string"
        )
    elif isinstance(value, Mapping):
        names = list(value.keys())
        for name in names:
            if not isinstance(name, str):
                raise CanonicalJsonError(f"object member name {name!r} is not a string")
        out.append("{")
        for index, name in enumerate(sorted(names, key=_utf16_key)):
            if index:
                out.append(",")
            out.append(_escape_string(name))
            out.append(":")
            _write(value[name], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalJsonError(f"cannot put a {type(value).__name__} into canonical JSON")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (sorted keys, no whitespace)."""
    out: list[str] = []
    _write(value, out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:  # pragma: no cover - surrogates are refused above
        raise CanonicalJsonError(f"not valid Unicode: {exc}") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise CanonicalJsonError(f"duplicate object member name {name!r}")
        result[name] = value
    return result


def _no_constants(name: str) -> Any:
    raise CanonicalJsonError(f"{name} is not valid JSON")


def loads_strict(data: bytes | str) -> Any:
    """Parse untrusted JSON: UTF-8, no duplicate names, no NaN/Infinity, decimals exact."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CanonicalJsonError(f"not UTF-8: {exc}") from None
    else:
        text = data
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=Decimal,
        )
    except json.JSONDecodeError as exc:
        raise CanonicalJsonError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise CanonicalJsonError("JSON nested too deeply") from None
