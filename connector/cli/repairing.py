"""connector replay, reprocess, rescore: put things right after a fix."""
from __future__ import annotations

import sys
from datetime import datetime

import click

from connector.cli import cli
from connector.cli.common import DATE, now, open_runtime, utc
from connector.vocabulary import DeliveryStatus

_WAITING_KEYS = {"salesforce": "the SALESFORCE_* keys", "mailchimp": "MAILCHIMP_API_KEY and "
                 "MAILCHIMP_LIST_ID", "webhook": "CONNECTOR_FORWARD_URL"}


@cli.command()
@click.argument("delivery_id", type=int, required=False)
@click.option("--dead", is_flag=True, help="Replay every delivery in the dead letter.")
@click.option("--force", is_flag=True, help="Send again even what was delivered already.")
@click.pass_context
def replay(ctx: click.Context, delivery_id: int | None, dead: bool, force: bool) -> None:
    """Send a delivery again (or all dead ones), from a fresh retry schedule."""
    from connector.store import outbox
    from connector.store.models import DeliveryRow

    if (delivery_id is None) == (not dead):
        raise click.UsageError("give a delivery id or --dead, not both")
    runtime = open_runtime(ctx)
    with runtime.db.transaction() as session:
        row = session.get(DeliveryRow, delivery_id) if delivery_id is not None else None
        if delivery_id is not None:
            _may_replay(row, delivery_id, force, set(runtime.destinations))
        count = outbox.replay(session, now(), None if dead else delivery_id)
        if count:
            runtime.wakeup.announce(session)
    if delivery_id is not None and not count:
        raise click.ClickException(f"delivery {delivery_id} is in progress right now; "
                                   "try again in a moment")
    click.echo(f"{count} deliveries queued again")


def _may_replay(row, delivery_id: int, force: bool, configured: set[str]) -> None:
    if row is None:
        raise click.ClickException(f"no delivery {delivery_id}")
    if row.status == DeliveryStatus.DELIVERED and not force:
        raise click.ClickException(
            f"delivery {delivery_id} was delivered already "
            f"({row.destination} ids {row.external_ids or '-'}); replaying sends it again: "
            "add --force if that is what you want")
    if row.status == DeliveryStatus.WAITING_FOR_CONFIG and row.destination not in configured:
        raise click.ClickException(
            f"delivery {delivery_id} waits for {row.destination} to be configured "
            f"({_WAITING_KEYS.get(row.destination, 'its settings')}); nothing to replay: it "
            "goes out by itself once a worker starts with the destination configured")


@cli.command()
@click.argument("submission_id", type=int, required=False)
@click.option("--unparsed", is_flag=True, help="Every submission kept as unparsed.")
@click.pass_context
def reprocess(ctx: click.Context, submission_id: int | None, unparsed: bool) -> None:
    """Parse and map stored submissions again, after a mapping was fixed."""
    if (submission_id is None) == (not unparsed):
        raise click.UsageError("give a submission id or --unparsed, not both")
    runtime = open_runtime(ctx)
    ids = runtime.ingest.unparsed_ids() if unparsed else [submission_id]
    failed = 0
    for sid in ids:
        try:
            result = runtime.ingest.reprocess(sid, now())
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        if result.error:
            failed += 1
            click.echo(f"submission {sid}: still unparsed: {result.error}")
        else:
            click.echo(f"submission {sid}: lead {result.lead_id}, "
                       f"{result.deliveries} new deliveries")
    if unparsed and not ids:
        click.echo("no unparsed submissions")
    if failed:
        sys.exit(1)


@cli.command("rescore")
@click.option("--all", "everything", is_flag=True, help="Every stored lead.")
@click.option("--since", type=DATE, help="Leads received on or after this date (UTC).")
@click.pass_context
def rescore_command(ctx: click.Context, everything: bool, since: datetime | None) -> None:
    """Apply changed scoring and routing rules to stored leads.

    Nothing already delivered is sent again; deliveries the new rules ask for are
    added, and ones not sent yet that they no longer ask for are cancelled.
    """
    from connector.assessment import rescore
    from connector.cli.progress import progress

    if everything == (since is not None):
        raise click.UsageError("give --all or --since DATE")
    runtime = open_runtime(ctx)
    with progress("rescoring", unit="lead") as bar:
        done = rescore(runtime.db, runtime.rules, runtime.destinations, now(),
                       runtime.wakeup.announce, utc(since), progress=bar)
    click.echo(f"{done.leads} leads rescored, {done.changed} changed temperature or category, "
               f"{done.new_deliveries} new deliveries, {done.cancelled} cancelled")
