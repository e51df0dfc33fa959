"""Ed25519 key files, partner trust lists and chain bundles on disk, written atomically.

Files:

* private key: PEM, PKCS#8 (``-----BEGIN PRIVATE KEY-----``, or ``ENCRYPTED PRIVATE KEY`` when
  a passphrase is given), mode 0600;
* public key: PEM, SubjectPublicKeyInfo (``-----BEGIN PUBLIC KEY-----``), mode 0644;
  ``openssl pkey -in X.key.pem -pubout`` gives the same file;
* trust list: JSON ``{"format": "keten.trusted-keys/1", "keys": [{"company_id", "company_name",
  "public_key": <base64 raw 32 bytes>, "fingerprint": "sha256:…"}]}``;
* bundle: JSON, see :mod:`keten.exchange.chain`.

Every write goes to a temporary file in the target's folder, is flushed and fsynced, then
renamed over the target with ``os.replace``, so a reader never sees half a file and a failed
write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    KeySerializationEncryption,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from keten.errors import Problem, ValidationError
from keten.exchange.canonical import CanonicalJsonError, loads_strict
from keten.exchange.chain_model import (
    PublicKeyEntry,
    parse_trust_list,
    trust_list_document,
)
from keten.io.file_mode import output_file_mode

PRIVATE_KEY_MODE = 0o600
MAX_JSON_BYTES = 64 * 1024 * 1024


def atomic_write_bytes(target: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``target`` atomically with permissions ``mode`` (default: what the
    user's umask gives an ordinary file)."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError([Problem(reason="folder does not exist", file=str(folder))],
                              title="cannot write")
    # mkstemp creates the file with mode 0600, so a private key is never readable by others.
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, output_file_mode() if mode is None else mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def write_json(target: Path, document: Any) -> None:
    """Write a JSON document (pretty, UTF-8, trailing newline) atomically."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(target, text.encode("utf-8"))


def read_json(path: Path) -> Any:
    """Read a JSON document strictly (no duplicate keys, decimals exact)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError([Problem(reason="file not found", file=str(path))],
                              title="cannot read")
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ValidationError(
            [Problem(reason=f"larger than {MAX_JSON_BYTES} bytes", file=str(path))],
            title="cannot read",
        )
    try:
        return loads_strict(path.read_bytes())
    except CanonicalJsonError as exc:
        raise ValidationError([Problem(reason=str(exc), file=str(path))],
                              title="invalid JSON") from None


# --- Keys ------------------------------------------------------------------------------------


def private_key_pem(key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM; encrypted with the best available scheme when a passphrase is given."""
    encryption: KeySerializationEncryption = (
        BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    )
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def key_file_paths(folder: Path, company_id: str) -> tuple[Path, Path]:
    """``<folder>/<company>.key.pem`` and ``<folder>/<company>.pub.pem``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in company_id)
    return folder / f"{safe}.key.pem", folder / f"{safe}.pub.pem"


def write_key_pair(
    folder: Path,
    company_id: str,
    key: Ed25519PrivateKey,
    *,
    overwrite: bool = False,
    passphrase: bytes | None = None,
) -> tuple[Path, Path]:
    """Write a private key (0600) and its public key; refuses to overwrite unless asked."""
    private_path, public_path = key_file_paths(Path(folder), company_id)
    if not overwrite:
        existing = [p for p in (private_path, public_path) if p.exists()]
        if existing:
            raise ValidationError(
                [Problem(reason="already exists; pass --force to replace it", file=str(p))
                 for p in existing],
                title="will not overwrite a key",
            )
    atomic_write_bytes(private_path, private_key_pem(key, passphrase), PRIVATE_KEY_MODE)
    atomic_write_bytes(public_path, public_key_pem(key.public_key()))
    return private_path, public_path


def read_private_key(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read a PEM private key, encrypted (give ``passphrase``) or not."""
    path = Path(path)
    try:
        key = load_pem_private_key(path.read_bytes(), password=passphrase or None)
    except FileNotFoundError:
        raise ValidationError([Problem(reason="file not found", file=str(path))],
                              title="cannot read private key") from None
    except (ValueError, TypeError) as exc:
        raise ValidationError([Problem(reason=f"cannot load the PEM private key: {exc}",
                                       file=str(path))], title="cannot read private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError([Problem(reason="not an Ed25519 key", file=str(path))],
                              title="cannot read private key")
    return key


def read_public_key(path: Path) -> Ed25519PublicKey:
    path = Path(path)
    try:
        key = load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise ValidationError([Problem(reason="file not found", file=str(path))],
                              title="cannot read public key") from None
    except (ValueError, TypeError) as exc:
        raise ValidationError([Problem(reason=f"not a PEM public key: {exc}", file=str(path))],
                              title="cannot read public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError([Problem(reason="not an Ed25519 key", file=str(path))],
                              title="cannot read public key")
    return key


# --- Trust lists -----------------------------------------------------------------------------


def read_trust_list(path: Path) -> list[PublicKeyEntry]:
    return parse_trust_list(read_json(path), str(path))


def add_to_trust_list(path: Path, entry: PublicKeyEntry) -> list[PublicKeyEntry]:
    """Add (or keep) ``entry`` in the trust list at ``path``, creating the file if needed.

    A company may have several keys (rotation); the same key may not be listed for two
    companies.
    """
    path = Path(path)
    entries = read_trust_list(path) if path.exists() else []
    for known in entries:
        if known.fingerprint == entry.fingerprint and known.company_id != entry.company_id:
            raise ValidationError(
                [Problem(reason=f"key {entry.fingerprint} is already registered for "
                         f"{known.company_id}", file=str(path))],
                title="cannot add key to trust list",
            )
    entries = [e for e in entries if e.fingerprint != entry.fingerprint] + [entry]
    write_json(path, trust_list_document(entries))
    return entries
