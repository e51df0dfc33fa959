"""People who log in to the web dashboard: username, password (salted scrypt hash), company.

Dashboard users are separate from PACT client credentials: a person logs in with a password and
gets a session cookie; a partner system gets OAuth2 client credentials.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from keten.errors import NotFoundError, Problem, ValidationError
from keten.services.auth import hash_secret, verify_secret
from keten.store import Store, utcnow
from keten.store import repository as repo
from keten.store import tables as t

MIN_PASSWORD_CHARS = 8
#: A scrypt hash of a random password, checked when the user does not exist, so that a wrong
#: username takes as long as a wrong password.
_DUMMY = hash_secret("keten-no-such-user")


@dataclass(frozen=True)
class DashboardUser:
    username: str
    company_id: str | None


def _check(username: str, password: str) -> None:
    problems = []
    if not username.strip() or len(username) > 200:
        problems.append(Problem("must have 1 to 200 characters", column="username"))
    if len(password) < MIN_PASSWORD_CHARS:
        problems.append(
            Problem(f"must have at least {MIN_PASSWORD_CHARS} characters", column="password")
        )
    if problems:
        raise ValidationError(problems, "invalid dashboard user")


def add_user(
    store: Store,
    username: str,
    password: str,
    company_id: str | None = None,
    *,
    replace: bool = False,
) -> DashboardUser:
    """Create a dashboard user (or, with ``replace``, set the password and company of an
    existing one). ``company_id`` must name a stored company when given."""
    _check(username, password)
    with store.transaction() as session:
        if company_id is not None and repo.get_company(session, company_id) is None:
            raise NotFoundError(f"no company '{company_id}'")
        row = session.get(t.DashboardUser, username)
        if row is not None and not replace:
            raise ValidationError([Problem(f"'{username}' exists already", column="username")])
        digest, salt = hash_secret(password)
        if row is None:
            row = t.DashboardUser(username=username, created_at=utcnow())
            session.add(row)
        row.company_id = company_id
        row.password_hash, row.password_salt = digest, salt
    return DashboardUser(username, company_id)


def authenticate_user(store: Store, username: str, password: str) -> DashboardUser | None:
    """The user if the password is right, else None."""
    with store.transaction() as session:
        row = session.get(t.DashboardUser, username)
        if row is None:
            verify_secret(password, *_DUMMY)
            return None
        if not verify_secret(password, row.password_hash, row.password_salt):
            return None
        return DashboardUser(row.username, row.company_id)


def get_user(store: Store, username: str) -> DashboardUser | None:
    with store.transaction() as session:
        row = session.get(t.DashboardUser, username)
        return None if row is None else DashboardUser(row.username, row.company_id)


def list_users(store: Store) -> list[DashboardUser]:
    with store.transaction() as session:
        rows = session.scalars(select(t.DashboardUser).order_by(t.DashboardUser.username))
        return [DashboardUser(r.username, r.company_id) for r in rows]


def remove_user(store: Store, username: str) -> None:
    with store.transaction() as session:
        row = session.get(t.DashboardUser, username)
        if row is None:
            raise NotFoundError(f"no dashboard user '{username}'")
        session.delete(row)
