"""connector check, connector token: is it set up, and how do the plugins get in."""
from __future__ import annotations

import sys
from urllib.parse import urlsplit

import click

from connector.cli import cli
from connector.settings import Settings


@cli.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Check the configuration, the database, the mappings and every configured destination."""
    from connector.rulebook import Rulebook

    settings: Settings = ctx.obj
    # A broken mapping or judgement stops here, naming the file.
    rules = Rulebook.load(settings.mappings_dir, settings.judgement_path)
    good = ["configuration and mappings: fine",
            f"judgement: {rules.judgement.version} ({settings.judgement_path})"
            if rules.judgement else "judgement: none, the rules alone decide"]
    bad: list[str] = []
    database = _database_line(settings)
    (good if database[0] else bad).append(database[1])
    missing = settings.salesforce_missing_keys()
    if missing:
        bad.append("Salesforce: only partly configured; missing " + ", ".join(missing))
    else:
        from connector.adapters.registry import salesforce_credentials
        if salesforce_credentials(settings).flow:
            from connector.adapters.registry import salesforce_destination
            from connector.adapters.salesforce.check import check as check_salesforce
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


def _database_line(settings: Settings) -> tuple[bool, str]:
    """Which database is in use, and whether it is there and current; never creates one."""
    from connector.store.database import Database
    from sqlalchemy.exc import SQLAlchemyError

    from connector.store.errors import NoDatabase

    try:
        db = Database(settings.resolved_database_url, settings.sqlite_busy_timeout_ms,
                      must_exist=True)
    except NoDatabase as exc:
        return False, f"database: {exc}"
    try:
        current, head = db.current_revision(), db.head_revision()
    except SQLAlchemyError as exc:
        return False, f"database: {settings.database_description}: {type(exc).__name__}"
    finally:
        db.dispose()
    if current != head:
        return False, (f"database: {settings.database_description} is at revision {current}, "
                       f"newest {head}: run connector db upgrade (or start the service)")
    return True, f"database: {settings.database_description} (revision {current})"


@cli.command()
@click.pass_context
def token(ctx: click.Context) -> None:
    """Print the webhook token (generated on first start unless configured)."""
    from connector.webhook_token import read_token

    try:
        click.echo(read_token(ctx.obj.webhook_token, ctx.obj.data_dir))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
