"""Partners' client secrets, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is never in the store: it is ``Settings.partner_key`` (``KETEN_PARTNER_KEY``) or a key
file ``partner-secrets.key`` in the keten home, created on first use with mode 0600. A copy
of the database alone therefore reveals no partner secret; keep the key file as safe as a
private key (losing it means registering the partners' secrets again).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from keten.errors import AuthError, KetenError
from keten.settings import Settings

KEY_FILE = "partner-secrets.key"


def _key_file(settings: Settings) -> Path:
    return settings.home / KEY_FILE


def _fernet(settings: Settings, create: bool) -> Fernet:
    if settings.partner_key:
        try:
            return Fernet(settings.partner_key.encode())
        except ValueError as exc:
            raise KetenError(
                "KETEN_PARTNER_KEY is not a Fernet key (32 url-safe base64 bytes)"
            ) from exc
    path = _key_file(settings)
    if not path.exists():
        if not create:
            raise AuthError(f"no partner key: {path} is missing (set KETEN_PARTNER_KEY)")
        settings.home.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes racing to create the key cannot both write one.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def encrypt(settings: Settings, secret: str) -> str:
    """The encrypted form of ``secret`` to store."""
    return _fernet(settings, create=True).encrypt(secret.encode()).decode()


def decrypt(settings: Settings, token: str) -> str:
    """The secret back; ``AuthError`` if the key is not the one it was stored with."""
    try:
        return _fernet(settings, create=False).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise AuthError(
            "cannot decrypt the partner's secret with this key (was the key file replaced?)"
        ) from exc
