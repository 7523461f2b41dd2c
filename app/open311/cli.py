"""``flask api-keys create|list|revoke``: keys for Open311 clients."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.open311.keys import ApiKeyError, create_api_key, list_api_keys, revoke_api_key

api_keys = AppGroup("api-keys", help="API keys for Open311 clients (apps, the Telegram bot).")


@api_keys.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a key named NAME and print it (this once: only its hash is stored)."""
    try:
        key, token = create_api_key(name)
    except ApiKeyError as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"API key {key.name!r} created. Keep it now, it is not shown again:")
    click.echo(token)


@api_keys.command("list")
def list_() -> None:
    """List the keys: name, beginning of the key, created, revoked."""
    keys = list_api_keys()
    if not keys:
        click.echo("No API keys yet. Create one with: flask api-keys create NAME")
        return
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M} UTC" if key.revoked_at else "active"
        click.echo(
            f"{key.name}\t{key.prefix}…\tcreated {key.created_at:%Y-%m-%d %H:%M} UTC\t{state}"
        )


@api_keys.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the key named NAME; clients using it get 403 from now on."""
    try:
        key = revoke_api_key(name)
    except ApiKeyError as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"API key {key.name!r} revoked.")


@api_keys.command("ensure")
@click.argument("name")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where the key is kept (created with mode 0600).",
)
def ensure(name: str, path: str) -> None:
    """Make sure PATH holds an active key (for the bot under `make run`); create one if not."""
    import os
    from pathlib import Path

    from app.open311.keys import find_active_key

    file = Path(path)
    if file.is_file() and find_active_key(file.read_text(encoding="utf-8").strip()):
        click.echo(f"API key in {file} is active.")
        return
    taken = {key.name for key in list_api_keys()}
    unique = (
        name
        if name not in taken
        else next(f"{name}-{n}" for n in range(2, 10_000) if f"{name}-{n}" not in taken)
    )
    key, token = create_api_key(unique)
    db.session.commit()
    file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    click.echo(f"API key {key.name!r} created and written to {file}.")
