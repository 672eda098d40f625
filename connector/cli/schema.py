"""connector db: the database schema."""
from __future__ import annotations

import sys

import click

from connector.cli import cli


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every pending migration (creating the database if need be)."""
    from connector.store.database import Database

    database = Database(ctx.obj.resolved_database_url, ctx.obj.sqlite_busy_timeout_ms)
    try:
        database.upgrade()
        click.echo(f"{ctx.obj.database_description}: at revision "
                   f"{database.current_revision()}")
    finally:
        database.dispose()


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the schema revision, and whether it is the newest."""
    from connector.store.database import Database

    database = Database(ctx.obj.resolved_database_url, ctx.obj.sqlite_busy_timeout_ms,
                        must_exist=True)
    try:
        current, head = database.current_revision(), database.head_revision()
        click.echo(f"current {current or '(empty)'}, newest {head}")
        if current != head:
            sys.exit(1)
    finally:
        database.dispose()
