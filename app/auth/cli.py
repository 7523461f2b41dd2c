"""``flask users create|list|disable``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.auth.models import Role, User
from app.auth.services import AccountError, create_user
from app.extensions import db

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CASEWORKER.value)
@click.option(
    "--department",
    "departments",
    multiple=True,
    help="Department code (repeat for several); caseworkers need one.",
)
@click.password_option(help="Asked for when not given.")
def create(email: str, name: str, role: str, departments: tuple[str, ...], password: str) -> None:
    """Create a staff account."""
    try:
        user = create_user(email, name, password, Role(role), departments)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"Created {user.role} {user.email}"
        + (f" ({', '.join(d.code for d in user.departments)})" if user.departments else "")
    )


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts."""
    for user in db.session.execute(db.select(User).order_by(User.email)).scalars():
        state = "" if user.is_enabled else " (disabled)"
        depts = ", ".join(d.code for d in user.departments)
        click.echo(f"{user.email}\t{user.role}\t{depts}{state}")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account (it can no longer log in)."""
    user = db.session.execute(
        db.select(User).where(User.email == email.lower())
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No account {email}")
    user.is_enabled = False
    db.session.commit()
    click.echo(f"Disabled {user.email}")
