"""``keten user add|list|remove``: people who log in to the web dashboard."""

from __future__ import annotations

import typer

from keten.errors import Problem, ValidationError
from keten.services import dashboard_users
from keten.settings import Settings
from keten.store import open_store

user_app = typer.Typer(help="Dashboard users (web log-in), apart from PACT client credentials.",
                       no_args_is_help=True)


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="User name to log in with."),
    company: str | None = typer.Option(None, "--company", help="Company (tenant) of the user."),
    password: str | None = typer.Option(
        None, "--password", help="Password (at least 8 characters); asked for when omitted."),
    replace: bool = typer.Option(False, "--replace", help="Set a new password if the user exists."),
) -> None:
    """Create a dashboard user (the password is stored only as a salted scrypt hash)."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if password is None:
        raise ValidationError([Problem("give a password", column="--password")])
    user = dashboard_users.add_user(open_store(Settings()), username, password, company,
                                    replace=replace)
    typer.echo(f"dashboard user '{user.username}'"
               + (f" of company '{user.company_id}'" if user.company_id else "") + " saved")


@user_app.command("list")
def list_() -> None:
    """List dashboard users and their companies."""
    for user in dashboard_users.list_users(open_store(Settings())):
        typer.echo(f"{user.username}\t{user.company_id or '-'}")


@user_app.command("remove")
def remove(username: str = typer.Argument(...)) -> None:
    """Delete a dashboard user."""
    dashboard_users.remove_user(open_store(Settings()), username)
    typer.echo(f"dashboard user '{username}' removed")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
