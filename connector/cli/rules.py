"""connector mapping test, connector score: try the rules on a file, store nothing."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from connector.cli import cli
from connector.cli.common import now


def _route(plugin: str | None) -> str | None:
    from connector.intake import ROUTES, route_name

    if plugin is None:
        return None
    route = route_name(plugin)
    if route is None:
        raise click.BadParameter(f"unknown plugin; known: {', '.join(ROUTES)}",
                                 param_hint="--plugin")
    return route


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
    from connector.ingest import understand
    from connector.intake.capture import raw_request_from_file
    from connector.rulebook import Rulebook

    route = _route(plugin)
    raw = raw_request_from_file(file.read_bytes(), route, now())
    understood = understand(raw, Rulebook.load(ctx.obj.mappings_dir, None))
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
    from connector.domain.scoring import assess
    from connector.explain import explain, verdict_summary
    from connector.ingest import understand
    from connector.intake.capture import raw_request_from_file
    from connector.rulebook import Rulebook

    route = _route(plugin)
    rules = Rulebook.load(ctx.obj.mappings_dir, ctx.obj.judgement_path)
    failed = False
    for file in files:
        understood = understand(raw_request_from_file(file.read_bytes(), route, now()), rules)
        if understood.lead is None:
            failed = True
            click.echo(f"{file}: not a lead: {understood.error}", err=True)
            continue
        found, verdict = assess(understood.lead, rules.scoring, judgement=rules.judgement)
        result = verdict_summary(understood.lead, found, verdict)
        if as_json:
            click.echo(json.dumps({"file": str(file), **result}, ensure_ascii=False))
        else:
            click.echo(explain(file, result))
    if failed:
        sys.exit(1)
