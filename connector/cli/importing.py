"""connector import: the spreadsheet a business kept until now, through the same path."""
from __future__ import annotations

from pathlib import Path

import click

from connector.cli import cli
from connector.cli.common import now, open_runtime


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Score and classify, store nothing.")
@click.option("--encoding", help="The file's encoding (default: found from its bytes).")
@click.option("--timezone", "tz_name", default="UTC", show_default=True,
              help="Time zone of the dates in the file's date column.")
@click.pass_context
def import_command(ctx: click.Context, file: Path, dry_run: bool, encoding: str | None,
                   tz_name: str) -> None:
    """Import historical leads from a spreadsheet (CSV): each row is scored, classified
    and routed like a form submission, and kept as one. A date column (Datum, date,
    created_at, Čas, …) gives each lead its time, and its consent's."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from connector.cli.progress import progress
    from connector.domain.mapping import column_target
    from connector.domain.scoring import assess
    from connector.imports.table import NotATable, read_table, row_request
    from connector.ingest import understand
    from connector.rulebook import Rulebook

    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone '{tz_name}'",
                                 param_hint="--timezone") from None
    rules = Rulebook.load(ctx.obj.mappings_dir, ctx.obj.judgement_path)
    try:
        table = read_table(file.read_bytes(),
                           lambda c: column_target(c, rules.mappings["generic"], rules.lexicon),
                           encoding)
    except NotATable as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo(f"{file.name}: {len(table.rows)} rows, {table.encoding}; columns: "
               + ", ".join(f"{c} -> {t}" for c, t in table.recognised.items())
               + (f"; dates from {table.date_column}" if table.date_column else ""))
    if table.unrecognised:
        click.echo("columns not recognised (kept with each lead as extra fields): "
                   + ", ".join(table.unrecognised))
    if dry_run:
        counts: dict[str, int] = {}
        for number, row in table.rows:
            understood = understand(
                row_request(row, file.name, table.received_at(row, tz, now())), rules)
            if understood.lead is None:
                click.echo(f"row {number}: not a lead: {understood.error}")
                counts["not a lead"] = counts.get("not a lead", 0) + 1
                continue
            lead = understood.lead
            _, verdict = assess(lead, rules.scoring, judgement=rules.judgement)
            name = " ".join(p for p in (lead.first_name, lead.last_name) if p) or "-"
            click.echo(f"row {number}: {verdict.temperature} {verdict.category} "
                       f"{verdict.score}: {name} <{lead.email or '-'}>")
            key = f"{verdict.temperature} {verdict.category}"
            counts[key] = counts.get(key, 0) + 1
        click.echo("would import: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        return
    runtime = open_runtime(ctx)
    stored = duplicates = 0
    with progress("importing", unit="row") as bar:
        bar.expect(len(table.rows))
        for number, row in table.rows:
            received = table.received_at(row, tz, now())
            # As of the row's own date: running the import again finds every row's original
            # inside the duplicate window.
            result = runtime.ingest.accept(row_request(row, file.name, received), received,
                                           source="import")
            bar.advance()
            if result.error:
                click.echo(f"row {number}: kept as unparsed (submission "
                           f"{result.submission_id}): {result.error}")
            elif result.duplicate:
                duplicates += 1
            else:
                stored += 1
    click.echo(f"{stored} leads imported, {duplicates} duplicates, "
               f"{len(table.rows) - stored - duplicates} not leads")
