"""Client credentials (secrets hashed with salted scrypt) and scoped, expiring access tokens.

Tokens are JWTs (HS256) signed with a per-store server secret (or ``Settings.secret_key``);
each carries the client id, company id, scopes and an expiry. A revoked credential's tokens stop
working at once because every request re-checks the credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jwt

from keten.errors import AuthError, ForbiddenError, NotFoundError, Problem, ValidationError
from keten.store import Store, utcnow
from keten.store import repository as repo
from keten.store import tables as t
from keten.store.footprint_pages import NOT_KEPT, active_client_company

#: PACT v3 scopes (OpenAPI securitySchemes) plus keten's own for the chain endpoints.
ALL_SCOPES = ("footprint:list", "footprint:read", "events:write", "ileap:tad", "chain:write")
_ISSUER = "keten"


class TokenExpiredError(AuthError):
    """The access token was valid but has expired (PACT ``TokenExpired``, HTTP 401)."""


def hash_secret(secret: str, salt: bytes | None = None) -> tuple[str, str]:
    """Salted scrypt hash of a client secret: (hash, salt), both base64."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return base64.b64encode(digest).decode(), base64.b64encode(salt).decode()


@cache
def _dummy_hash() -> tuple[str, str]:
    """A hash of no one's secret, checked when the client id is unknown (same time taken)."""
    return hash_secret(secrets.token_urlsafe(16))


def verify_secret(secret: str, stored_hash: str, stored_salt: str) -> bool:
    digest, _ = hash_secret(secret, base64.b64decode(stored_salt))
    return hmac.compare_digest(digest, stored_hash)


@dataclass(frozen=True)
class Credential:
    client_id: str
    company_id: str
    client_secret: str | None  # only right after create/rotate; never stored


@dataclass(frozen=True)
class Principal:
    """Who is calling: the company behind a valid token and what it may do."""

    client_id: str
    company_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in_s: int
    scope: str


def create_credentials(
    store: Store,
    company_id: str,
    client_id: str | None = None,
    client_secret: str | None = None,
    scopes: tuple[str, ...] = ALL_SCOPES,
) -> Credential:
    """New client credentials for a company (random unless given); the secret is shown once."""
    client_id = client_id or f"keten-{secrets.token_hex(8)}"
    client_secret = client_secret or secrets.token_urlsafe(32)
    problems = []
    if not client_id.strip():
        problems.append(Problem("must not be empty", column="client_id"))
    if len(client_secret) < 8:
        problems.append(Problem("must have at least 8 characters", column="client_secret"))
    if problems:
        raise ValidationError(problems, "invalid credentials")
    with store.transaction() as session:
        if repo.get_company(session, company_id) is None:
            raise NotFoundError(f"no company '{company_id}'")
        if session.get(t.ClientCredential, client_id) is not None:
            raise ValidationError([Problem(f"'{client_id}' exists already", column="client_id")])
        digest, salt = hash_secret(client_secret)
        session.add(
            t.ClientCredential(
                client_id=client_id,
                company_id=company_id,
                secret_hash=digest,
                secret_salt=salt,
                scopes=" ".join(scopes),
                created_at=utcnow(),
            )
        )
    return Credential(client_id, company_id, client_secret)


def rotate_credentials(
    store: Store, client_id: str, client_secret: str | None = None
) -> Credential:
    """Replace a client's secret (tokens already issued stay valid until they expire)."""
    client_secret = client_secret or secrets.token_urlsafe(32)
    with store.transaction() as session:
        row = session.get(t.ClientCredential, client_id)
        if row is None or row.revoked_at is not None:
            raise NotFoundError(f"no active client '{client_id}'")
        row.secret_hash, row.secret_salt = hash_secret(client_secret)
        return Credential(client_id, row.company_id, client_secret)


def revoke_credentials(store: Store, client_id: str) -> None:
    """Revoke a client: its secret and every token issued to it stop working."""
    with store.transaction() as session:
        row = session.get(t.ClientCredential, client_id)
        if row is None:
            raise NotFoundError(f"no client '{client_id}'")
        row.revoked_at = row.revoked_at or utcnow()


def signing_key(store: Store, configured: str | None) -> str:
    """The token signing key: ``Settings.secret_key`` or a random one kept in the store."""
    if configured:
        return configured
    with store.transaction() as session:
        return repo.get_or_create_secret(
            session, "token_signing_key", lambda: secrets.token_hex(32)
        )


def issue_token(
    store: Store,
    key: str,
    client_id: str,
    client_secret: str,
    ttl_s: int,
    requested_scope: str | None = None,
) -> TokenGrant:
    """OAuth2 client-credentials grant: check the secret, return a signed, expiring token."""
    with store.transaction() as session:
        row = session.get(t.ClientCredential, client_id)
        # The scrypt check runs for unknown and revoked ids too (on a dummy hash), so the time
        # taken does not tell a known client id from an unknown one.
        stored_hash, stored_salt = (
            (row.secret_hash, row.secret_salt) if row is not None else _dummy_hash()
        )
        secret_ok = verify_secret(client_secret, stored_hash, stored_salt)
        if row is None or row.revoked_at is not None or not secret_ok:
            raise AuthError("invalid client credentials")
        allowed = row.scopes.split()
        company_id = row.company_id
    scopes = allowed
    if requested_scope:
        wanted = requested_scope.split()
        scopes = [s for s in wanted if s in allowed]
        if not scopes:
            raise ForbiddenError("none of the requested scopes is granted to this client")
    now = datetime.now(UTC)
    claims = {
        "iss": _ISSUER,
        "sub": client_id,
        "company": company_id,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + timedelta(seconds=ttl_s),
        "jti": secrets.token_hex(8),
    }
    token = jwt.encode(claims, key, algorithm="HS256")
    return TokenGrant(access_token=token, expires_in_s=ttl_s, scope=" ".join(scopes))


def authenticate(store: Store, key: str, token: str) -> Principal:
    """Check a bearer token (signature, expiry, credential not revoked) and name its company."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], issuer=_ISSUER)
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError("the access token has expired") from exc
    except jwt.PyJWTError as exc:
        raise AuthError("invalid access token") from exc
    client_id = str(claims.get("sub", ""))
    with store.transaction() as session:
        row = session.get(t.ClientCredential, client_id)
        if row is None or row.revoked_at is not None or row.company_id != claims.get("company"):
            raise AuthError("invalid access token")
    return Principal(
        client_id, str(claims["company"]), frozenset(str(claims.get("scope", "")).split())
    )


class TokenVerifier:
    """:func:`authenticate` for a server: a token's signature and claims are checked once and
    kept until the token expires (at most ``max_tokens`` of them, oldest dropped first), while
    the credential is re-checked on every call against what the store holds now (kept in
    memory until the store's change counter moves, which a revocation does: see
    :mod:`keten.store.revision`), so a revoked client's tokens stop working at once, as with
    :func:`authenticate`."""

    def __init__(self, key: str, max_tokens: int = 4096) -> None:
        self._key = key
        self._max_tokens = max_tokens
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _claims(self, token: str) -> tuple[Principal, float]:
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            return known
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], issuer=_ISSUER,
                options={"require": ["exp", "sub", "company"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpiredError("the access token has expired") from exc
        except jwt.PyJWTError as exc:
            raise AuthError("invalid access token") from exc
        principal = Principal(
            str(claims.get("sub", "")),
            str(claims.get("company", "")),
            frozenset(str(claims.get("scope", "")).split()),
        )
        entry = (principal, float(claims["exp"]))
        with self._lock:
            self._verified[token] = entry
            while len(self._verified) > self._max_tokens:
                self._verified.popitem(last=False)
        return entry

    def authenticate(self, store: Store, token: str, *, kept_only: bool = False) -> Any:
        """The token's :class:`Principal`; with ``kept_only``, ``NOT_KEPT`` when the
        credential check is not kept in memory (and would read the database)."""
        principal, expires_at = self._claims(token)
        if time.time() >= expires_at:  # PyJWT's rule: expired once now >= exp (no leeway)
            with self._lock:
                self._verified.pop(token, None)
            raise TokenExpiredError("the access token has expired")
        company = active_client_company(store, principal.client_id, kept_only=kept_only)
        if company is NOT_KEPT:
            return NOT_KEPT
        if company != principal.company_id:
            raise AuthError("invalid access token")
        return principal
