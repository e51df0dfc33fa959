"""The one JSON text the store keeps for a document: the bytes the host sends.

The PACT host serves stored documents without parsing them (``keten.store.footprint_pages``),
so the stored text must be exactly what FastAPI's ``JSONResponse`` makes of the parsed
document: ``json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))``.
orjson writes that text several times faster, and the same for every value but floats
outside [1e-4, 1e16), which Python writes in exponent form (``6.103515625e-05``, ``1e+16``)
and orjson does not or differently (``0.00006103515625``, ``1e16``). A text holding a number
that starts ``0.0000``, has an exponent or 17 digits is therefore written again by
``json.dumps`` (rarely: PACT numbers are Decimal strings; v2's percentages and DQRs are
ordinary floats). The pattern may also match inside a string: that only costs time.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_UNLIKE_PYTHON = re.compile(rb"(?:^|[:,\[])-?(?:0\.0000|[0-9.]*[eE]|[0-9]{17})")


def _as_json_response_renders(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()


def json_bytes(value: Any) -> bytes:
    """``value`` as the UTF-8 JSON text FastAPI's ``JSONResponse`` renders for it."""
    try:
        text = orjson.dumps(value)
    except TypeError:  # what orjson refuses (int keys, integers over 64 bits)
        return _as_json_response_renders(value)
    return _as_json_response_renders(value) if _UNLIKE_PYTHON.search(text) else text


def json_text(value: Any) -> str:
    """:func:`json_bytes` as ``str`` (SQLAlchemy's ``json_serializer``, staging rows)."""
    return json_bytes(value).decode()
