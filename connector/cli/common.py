"""What the commands share: opening the store, the clock, printing records."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import click

if TYPE_CHECKING:
    from connector.runtime import Runtime
    from connector.store.database import Database


def now() -> datetime:
    return datetime.now(timezone.utc)


def open_runtime(ctx: click.Context) -> "Runtime":
    """Everything, with the database created and migrated if need be: for commands that write."""
    from connector.runtime import Runtime

    runtime = Runtime.start(ctx.obj)
    ctx.call_on_close(runtime.close)
    return runtime


def open_database(ctx: click.Context) -> "Database":
    """The existing database, never a new one: for commands that only read."""
    from connector.store.database import Database

    db = Database(ctx.obj.resolved_database_url, ctx.obj.sqlite_busy_timeout_ms,
                  must_exist=True)
    ctx.call_on_close(db.dispose)
    return db


def print_records(records: Sequence[dict[str, Any]], columns: Iterable[str],
                  as_json: bool) -> None:
    if as_json:
        click.echo(to_json(records))
        return
    columns = list(columns)
    table = [[_cell(r.get(c)) for c in columns] for r in records]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, indent=2)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else "-"
    return " ".join(str(value).split())[:60]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])


def utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value else None
