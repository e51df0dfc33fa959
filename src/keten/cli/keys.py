"""``keten keys``: Ed25519 signing keys for Carbon Added chain statements, and trust lists."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from rich.console import Console

from keten.errors import Problem, ValidationError
from keten.exchange.chain_model import PublicKeyEntry, key_fingerprint
from keten.io.keys import (
    add_to_trust_list,
    read_private_key,
    read_public_key,
    write_key_pair,
)

keys_app = typer.Typer(
    help="Ed25519 keys for signing chain statements (PEM files) and partner trust lists.",
    no_args_is_help=True,
)


def passphrase_from_env(variable: str | None) -> bytes | None:
    """The passphrase held in environment variable ``variable`` (never taken on the command
    line, where other users could read it from the process list)."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise ValidationError(
            [Problem(reason=f"environment variable {variable} is not set or empty",
                     column="--passphrase-env")],
            title="no passphrase",
        )
    return value.encode("utf-8")


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@keys_app.command("generate")
def generate(
    company: str = typer.Option(..., "--company", help="Company id the key signs for."),
    name: str | None = typer.Option(None, "--name", help="Company name for the trust list."),
    out: Path = typer.Option(Path("."), "--out", help="Folder for the key files."),
    trust: Path | None = typer.Option(
        None, "--trust", help="Also register the public key in this trust list (JSON)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace existing key files."),
    passphrase_env: str | None = typer.Option(
        None, "--passphrase-env", help="Encrypt the private key with the passphrase in this "
        "environment variable."
    ),
) -> None:
    """Make a key pair: <company>.key.pem (private, PKCS#8 PEM, mode 0600) and
    <company>.pub.pem (public, SubjectPublicKeyInfo PEM)."""
    if not company.strip():
        raise ValidationError([Problem(reason="must not be empty", column="--company")])
    out.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_path, public_path = write_key_pair(
        out, company, key, overwrite=force, passphrase=passphrase_from_env(passphrase_env)
    )
    raw = _raw(key.public_key())
    if trust is not None:
        add_to_trust_list(trust, PublicKeyEntry(company, raw, name))
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"private key: {private_path} (PEM PKCS#8, mode 0600; keep it secret)")
    console.print(f"public key:  {public_path} (PEM)")
    console.print(f"fingerprint: {key_fingerprint(raw)}")
    if trust is not None:
        console.print(f"registered in trust list {trust}")


@keys_app.command("trust")
def trust(
    trust_file: Path = typer.Argument(..., help="Trust list JSON (created if missing)."),
    company: str = typer.Option(..., "--company", help="Partner company id."),
    public: Path = typer.Option(..., "--public", help="The partner's public key (PEM)."),
    name: str | None = typer.Option(None, "--name", help="Partner company name."),
) -> None:
    """Register a partner's public key for a company in a trust list."""
    entry = PublicKeyEntry(company, _raw(read_public_key(public)), name)
    entries = add_to_trust_list(trust_file, entry)
    Console(highlight=False, soft_wrap=True).print(
        f"{company}: {entry.fingerprint} registered in {trust_file} ({len(entries)} key(s))"
    )


@keys_app.command("fingerprint")
def fingerprint(
    key_file: Path = typer.Argument(..., help="A private or public key file (PEM)."),
) -> None:
    """Print the fingerprint (sha256 of the raw public key) that statements carry."""
    text = key_file.read_bytes() if key_file.is_file() else b""
    if b"PRIVATE KEY" in text:
        raw = _raw(read_private_key(key_file).public_key())
    else:
        raw = _raw(read_public_key(key_file))
    typer.echo(key_fingerprint(raw))


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
