"""Signed session cookies for dashboard users (HMAC-SHA256 over a small JSON payload).

The key is derived from the app's signing key (``Settings.secret_key`` or the store's secret),
so sessions survive a restart and are invalid under another key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

COOKIE_NAME = "keten_session"
SESSION_TTL_S = 12 * 3600


@dataclass(frozen=True)
class Session:
    username: str
    company_id: str | None
    expires_at: float


def session_key(signing_key: str) -> bytes:
    """A key for sessions only, derived from the app's signing key."""
    return hmac.new(signing_key.encode(), b"keten dashboard session v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_session(key: bytes, username: str, company_id: str | None,
                   ttl_s: int = SESSION_TTL_S, now: float | None = None) -> str:
    expires = (now if now is not None else time.time()) + ttl_s
    body = _b64(json.dumps({"u": username, "c": company_id, "e": int(expires)},
                           separators=(",", ":")).encode())
    mac = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def decode_session(key: bytes, token: str | None, now: float | None = None) -> Session | None:
    """The session in a cookie value, or None if missing, forged, malformed or expired."""
    if not token or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(_unb64(body))
        session = Session(str(data["u"]), data.get("c"), float(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires_at < (now if now is not None else time.time()):
        return None
    return session
