"""The `connector` command: serve, work the outbox, inspect and repair."""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Iterable, Sequence

import click
from sqlalchemy import select

from connector import configure_logging, create_app
from connector.ingest import understand
from connector.intake import ROUTES, route_name
from connector.intake.capture import raw_request_from_file
from connector.assessment import rescore
from connector.domain.scoring import assess
from connector.explain import explain, verdict_summary
from connector.rulebook import Rulebook
from connector.runtime import Runtime
from connector.settings import ConfigError, Settings
from connector.store import outbox
from connector.store.database import Database
from connector.store.models import DeliveryRow, LeadRow

log = logging.getLogger("connector.cli")

LEAD_COLUMNS = ("id", "submission_id", "plugin", "email", "first_name", "last_name", "phone",
                "company", "temperature", "category", "score", "created_at")
DELIVERY_COLUMNS = ("id", "lead_id", "destination", "action", "status", "attempts",
                    "next_attempt_at", "last_error", "external_ids")


def main() -> None:
    cli()


class _Group(click.Group):
    """Bad configuration ends any command with its message, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None


@click.group(cls=_Group)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """wp-lead-connector: WordPress form submissions to Salesforce and Mailchimp."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    ctx.obj = settings


def _runtime(ctx: click.Context) -> Runtime:
    runtime = Runtime.start(ctx.obj)
    ctx.call_on_close(runtime.close)
    return runtime


def _now() -> datetime:
    return datetime.now(timezone.utc)


@cli.command()
@click.option("--host", help="Address to listen on (default CONNECTOR_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default CONNECTOR_PORT or 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Web and outbox worker in one process: the embedded default."""
    from waitress import create_server

    settings: Settings = ctx.obj.replace(embedded_worker=True)
    runtime = Runtime.start(settings)
    runtime.warm_up()
    app = create_app(settings, runtime=runtime)
    server = create_server(app, host=host or settings.host,
                           port=settings.port if port is None else port,
                           threads=settings.serve_threads, ident="wp-lead-connector")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.close())
    # Tests and supervisors read the real port from here when asked for port 0.
    click.echo(f"listening on http://{server.effective_host}:{server.effective_port}",
               err=True)
    try:
        server.run()
    except (OSError, ValueError):
        pass  # server.close() from the signal handler ends run() with one of these
    finally:
        runtime.close()
        log.info("stopped")


@cli.command()
@click.option("--burst", is_flag=True, help="Exit once nothing is due (for cron and tests).")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run an outbox worker alone; start as many as you like against PostgreSQL."""
    runtime = _runtime(ctx)
    w = runtime.make_worker()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: w.stop())
    w.run(burst=burst)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.pass_context
def leads(ctx: click.Context, as_json: bool, limit: int) -> None:
    """The newest leads."""
    runtime = _runtime(ctx)
    with runtime.db.transaction() as session:
        rows = session.scalars(select(LeadRow).order_by(LeadRow.id.desc()).limit(limit)).all()
        records = [{**{c: getattr(r, c) for c in LEAD_COLUMNS}, "form_name": r.form_name,
                    "phone_as_written": r.phone_as_written, "mailchimp": r.mailchimp}
                   for r in rows]
    _print(records, LEAD_COLUMNS, as_json)


@cli.command()
@click.option("--status", type=click.Choice(outbox.STATUSES), help="Only this status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
@click.pass_context
def deliveries(ctx: click.Context, status: str | None, as_json: bool, limit: int) -> None:
    """The newest deliveries, optionally of one status."""
    runtime = _runtime(ctx)
    with runtime.db.transaction() as session:
        query = select(DeliveryRow).order_by(DeliveryRow.id.desc()).limit(limit)
        if status:
            query = query.where(DeliveryRow.status == status)
        records = [{c: getattr(r, c) for c in DELIVERY_COLUMNS}
                   for r in session.scalars(query)]
    _print(records, DELIVERY_COLUMNS, as_json)


@cli.command()
@click.argument("delivery_id", type=int, required=False)
@click.option("--dead", is_flag=True, help="Replay every delivery in the dead letter.")
@click.pass_context
def replay(ctx: click.Context, delivery_id: int | None, dead: bool) -> None:
    """Send a delivery again (or all dead ones), from a fresh retry schedule."""
    if (delivery_id is None) == (not dead):
        raise click.UsageError("give a delivery id or --dead, not both")
    runtime = _runtime(ctx)
    with runtime.db.transaction() as session:
        count = outbox.replay(session, _now(), None if dead else delivery_id)
        if count:
            runtime.wakeup.announce(session)
    if delivery_id is not None and not count:
        raise click.ClickException(f"no delivery {delivery_id} that can be replayed "
                                   "(unknown, or in progress right now)")
    click.echo(f"{count} deliveries queued again")


@cli.command()
@click.argument("submission_id", type=int, required=False)
@click.option("--unparsed", is_flag=True, help="Every submission kept as unparsed.")
@click.pass_context
def reprocess(ctx: click.Context, submission_id: int | None, unparsed: bool) -> None:
    """Parse and map stored submissions again, after a mapping was fixed."""
    if (submission_id is None) == (not unparsed):
        raise click.UsageError("give a submission id or --unparsed, not both")
    runtime = _runtime(ctx)
    ids = runtime.ingest.unparsed_ids() if unparsed else [submission_id]
    failed = 0
    for sid in ids:
        try:
            result = runtime.ingest.reprocess(sid, _now())
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        if result.error:
            failed += 1
            click.echo(f"submission {sid}: still unparsed: {result.error}")
        else:
            click.echo(f"submission {sid}: lead {result.lead_id}, "
                       f"{result.deliveries} new deliveries")
    if failed:
        sys.exit(1)


@cli.command("rescore")
@click.option("--all", "everything", is_flag=True, help="Every stored lead.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Leads received on or after this date (UTC).")
@click.pass_context
def rescore_command(ctx: click.Context, everything: bool, since: datetime | None) -> None:
    """Apply changed scoring and routing rules to stored leads.

    Nothing already delivered is sent again; deliveries the new rules ask for are
    added, and ones not sent yet that they no longer ask for are cancelled.
    """
    if everything == (since is not None):
        raise click.UsageError("give --all or --since DATE")
    runtime = _runtime(ctx)
    done = rescore(runtime.db, runtime.rules, runtime.destinations, _now(),
                   runtime.wakeup.announce,
                   since.replace(tzinfo=timezone.utc) if since else None)
    click.echo(f"{done.leads} leads rescored, {done.changed} changed temperature or category, "
               f"{done.new_deliveries} new deliveries, {done.cancelled} cancelled")


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every pending migration."""
    database = Database(ctx.obj.resolved_database_url, ctx.obj.sqlite_busy_timeout_ms)
    try:
        database.upgrade()
        click.echo(f"database at revision {database.current_revision()}")
    finally:
        database.dispose()


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the schema revision, and whether it is the newest."""
    database = Database(ctx.obj.resolved_database_url, ctx.obj.sqlite_busy_timeout_ms)
    try:
        current, head = database.current_revision(), database.head_revision()
        click.echo(f"current {current or '(empty)'}, newest {head}")
        if current != head:
            sys.exit(1)
    finally:
        database.dispose()


@cli.group()
def mapping() -> None:
    """Field mappings."""


@mapping.command("test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plugin", help="Which plugin's parser and mapping (default: detect it).")
@click.pass_context
def mapping_test(ctx: click.Context, file: Path, plugin: str | None) -> None:
    """Show the lead FILE would become, and the fields no mapping claimed.

    FILE is a request body as a plugin sends it (JSON or form-encoded), or a
    captured request: a JSON object with method, url, headers and body.
    """
    route = route_name(plugin) if plugin else None
    if plugin and route is None:
        raise click.BadParameter(f"unknown plugin; known: {', '.join(ROUTES)}",
                                 param_hint="--plugin")
    raw = raw_request_from_file(file.read_bytes(), route, _now())
    understood = understand(raw, Rulebook.load(ctx.obj.mappings_dir))
    if understood.lead is None:
        raise click.ClickException(f"not a lead: {understood.error}")
    lead = understood.lead.to_dict()
    click.echo(json.dumps(lead, ensure_ascii=False, indent=2, default=str))
    unmapped = sorted(lead["extra"])
    click.echo(f"plugin: {lead['plugin']}", err=True)
    click.echo("unmapped fields: " + (", ".join(unmapped) if unmapped else "none"), err=True)


@cli.command("score")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plugin", default="generic", show_default=True,
              help="The plugin whose body FILE is (auto: detect).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, per file.")
@click.pass_context
def score_command(ctx: click.Context, files: tuple[Path, ...], plugin: str,
                  as_json: bool) -> None:
    """Score submission files without storing anything, and explain every point."""
    route = route_name(plugin)
    if route is None:
        raise click.BadParameter(f"unknown plugin; known: {', '.join(ROUTES)}",
                                 param_hint="--plugin")
    rules = Rulebook.load(ctx.obj.mappings_dir)
    failed = False
    for file in files:
        understood = understand(raw_request_from_file(file.read_bytes(), route, _now()), rules)
        if understood.lead is None:
            failed = True
            click.echo(f"{file}: not a lead: {understood.error}", err=True)
            continue
        found, verdict = assess(understood.lead, rules.scoring)
        result = verdict_summary(understood.lead, found, verdict)
        if as_json:
            click.echo(json.dumps({"file": str(file), **result}, ensure_ascii=False))
        else:
            click.echo(explain(file, result))
    if failed:
        sys.exit(1)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Score and classify, store nothing.")
@click.option("--encoding", default="utf-8-sig", show_default=True)
@click.pass_context
def import_command(ctx: click.Context, file: Path, dry_run: bool, encoding: str) -> None:
    """Import historical leads from a spreadsheet (CSV): each row is scored, classified
    and routed like a form submission, and kept as one."""
    from connector.importer import read_rows, row_request
    try:
        rows = read_rows(file.read_text(encoding=encoding))
    except (UnicodeDecodeError, LookupError) as exc:
        raise click.ClickException(f"{file} is not {encoding} text: {exc}") from None
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    if dry_run:
        rules = Rulebook.load(ctx.obj.mappings_dir)
        counts: dict[str, int] = {}
        for number, row in rows:
            understood = understand(row_request(row, file.name, _now()), rules)
            if understood.lead is None:
                click.echo(f"row {number}: not a lead: {understood.error}")
                counts["not a lead"] = counts.get("not a lead", 0) + 1
                continue
            _, verdict = assess(understood.lead, rules.scoring)
            click.echo(f"row {number}: {verdict.temperature} {verdict.category} {verdict.score}")
            key = f"{verdict.temperature} {verdict.category}"
            counts[key] = counts.get(key, 0) + 1
        click.echo("would import: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        return
    runtime = _runtime(ctx)
    stored = duplicates = 0
    for number, row in rows:
        now = _now()
        result = runtime.ingest.accept(row_request(row, file.name, now), now, source="import")
        if result.error:
            click.echo(f"row {number}: kept as unparsed (submission {result.submission_id}): "
                       f"{result.error}")
        elif result.duplicate:
            duplicates += 1
        else:
            stored += 1
    click.echo(f"{stored} leads imported, {duplicates} duplicates, "
               f"{len(rows) - stored - duplicates} not leads")


@cli.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Check the configuration, the mappings and every configured destination."""
    from connector.adapters.registry import salesforce_credentials, salesforce_destination
    from connector.adapters.salesforce.check import check as check_salesforce
    settings: Settings = ctx.obj
    Rulebook.load(settings.mappings_dir)  # a broken mapping stops here, naming the file
    good = ["configuration and mappings: fine"]
    bad: list[str] = []
    if salesforce_credentials(settings).flow:
        sf = salesforce_destination(settings)
        more_good, more_bad = check_salesforce(sf.client, sf.fields)
        good += more_good
        bad += more_bad
    else:
        good.append("Salesforce: not configured (its deliveries wait)")
    if settings.mailchimp_api_key:
        from connector.adapters.mailchimp import check as check_mailchimp
        from connector.adapters.registry import mailchimp_destination
        more_good, more_bad = check_mailchimp(mailchimp_destination(settings))
        good += more_good
        bad += more_bad
    else:
        good.append("Mailchimp: not configured (its deliveries wait)")
    good.append("webhook: " + (f"forwarding to {urlsplit(settings.forward_url).netloc}"
                               if settings.forward_url else "not configured"))
    for line in good:
        click.echo(f"ok   {line}")
    for line in bad:
        click.echo(f"FAIL {line}")
    if bad:
        sys.exit(1)


@cli.command()
@click.pass_context
def token(ctx: click.Context) -> None:
    """Print the webhook token (generated on first start unless configured)."""
    click.echo(_runtime(ctx).credentials.token)


def _print(records: Sequence[dict[str, Any]], columns: Iterable[str], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(records, default=_json_default, ensure_ascii=False, indent=2))
        return
    columns = list(columns)
    table = [[_cell(r.get(c)) for c in columns] for r in records]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return json.dumps(value) if value else "-"
    return str(value)[:60]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
