"""connector leads, deliveries, lead show: what arrived, how it was judged, where it went.

Read-only: these never create or migrate a database.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from connector.cli import cli
from connector.cli.common import DATE, open_database, print_records, to_json, utc
from connector.vocabulary import Category, DeliveryStatus, Temperature

LEAD_COLUMNS = ("id", "submission_id", "plugin", "email", "first_name", "last_name", "phone",
                "company", "temperature", "category", "score", "created_at")
DELIVERY_COLUMNS = ("id", "lead_id", "person", "destination", "action", "status", "attempts",
                    "next_attempt_at", "last_error", "vendor_message", "external_ids")
DESTINATIONS = ("salesforce", "mailchimp", "webhook")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--temperature", type=click.Choice([t.value for t in Temperature]))
@click.option("--category", type=click.Choice([c.value for c in Category]))
@click.option("--form", help="The form's name or id (any case).")
@click.option("--since", type=DATE, help="Received on or after this date (UTC).")
@click.option("--email", help="This address only (any case).")
@click.pass_context
def leads(ctx: click.Context, as_json: bool, limit: int, temperature: str | None,
          category: str | None, form: str | None, since: datetime | None,
          email: str | None) -> None:
    """The newest leads, optionally filtered."""
    from connector.store.inspection import LeadFilter, list_leads

    where = LeadFilter(temperature, category, form, utc(since), email)
    with open_database(ctx).transaction() as session:
        records = list_leads(session, where, limit)
    print_records(records, LEAD_COLUMNS, as_json)


@cli.command()
@click.option("--status", type=click.Choice([s.value for s in DeliveryStatus]), help="Only this status.")
@click.option("--destination", type=click.Choice(DESTINATIONS), help="Only this destination.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
@click.pass_context
def deliveries(ctx: click.Context, status: str | None, destination: str | None,
               as_json: bool, limit: int) -> None:
    """The newest deliveries, with whom they are for and what the destination said."""
    from connector.store.inspection import list_deliveries

    with open_database(ctx).transaction() as session:
        records = list_deliveries(session, status, destination, limit)
    print_records(records, DELIVERY_COLUMNS, as_json)


@cli.group()
def lead() -> None:
    """One lead."""


@lead.command("show")
@click.argument("lead", metavar="ID|EMAIL")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the leads.")
@click.pass_context
def lead_show(ctx: click.Context, lead: str, as_json: bool) -> None:
    """Everything held on a lead (or on every lead of an address): its submission, fields,
    consent, tracking, score with reasons, and every delivery with the destination's words."""
    from connector.store.inspection import find_leads, lead_details

    with open_database(ctx).transaction() as session:
        records = [lead_details(session, row) for row in find_leads(session, lead)]
    if not records:
        raise click.ClickException(f"no lead {lead}")
    if as_json:
        click.echo(to_json(records))
        return
    click.echo("\n\n".join(describe_lead(r) for r in records))


def describe_lead(r: dict[str, Any]) -> str:
    """A lead as a person reads it."""
    name = " ".join(p for p in (r["first_name"], r["last_name"]) if p) or "-"
    lines = [f"lead {r['id']}: {name} <{r['email'] or '-'}>",
             f"  {r['temperature'] or '-'} {r['category'] or '-'}, score {r['score']}/100 "
             + " ".join(f"{k} {v}" for k, v in (r["dimensions"] or {}).items()),
             f"  received {r['created_at']:%Y-%m-%d %H:%M:%S} through {r['plugin']}, form "
             f"{r['form_name'] or r['form_id'] or '-'}",
             "", "fields:"]
    for key in ("phone", "company", "job_title", "website", "subject"):
        if r.get(key):
            lines.append(f"  {key}: {r[key]}")
    if r["product_interests"]:
        lines.append("  interests: " + ", ".join(r["product_interests"]))
    if r["message"]:
        lines.append("  message:")
        lines += [f"    {line}" for line in r["message"].splitlines()]
    for key, value in r["extra"].items():
        lines.append(f"  {key} (unmapped): {value}")
    consent = r["consent"]
    lines.append("consent: " + (f"{'given' if consent['given'] else 'refused'} in field "
                                f"{consent['field']} at {consent['at']}"
                                + (f" ({consent['text']})" if consent.get("text") else "")
                                if consent else "none recorded"))
    tracking = r["tracking"]
    lines.append("tracking: " + (", ".join(f"{k}={v}" for k, v in tracking.items())
                                 if tracking else "none"))
    enrichment = r["enrichment"]
    lines.append(f"channel {r['channel'] or '-'}, language {r['language'] or '-'}, "
                 f"{enrichment.get('lifecycle') or '-'}, data quality "
                 f"{enrichment.get('data_quality', '-')}/100")
    lines.append("reasons:")
    lines += [f"  {reason}" for reason in r["reasons"]] or ["  -"]
    sub = r["submission"]
    if sub:
        lines.append(f"submission {sub['id']}: {sub['status']}"
                     + (f" ({sub['error']})" if sub["error"] else "")
                     + f", {sub['method']} {sub['content_type'] or '-'}, from "
                     f"{sub['remote_addr'] or '-'}, source {sub['source'] or '-'}")
    lines.append("deliveries:" if r["deliveries"] else "deliveries: none")
    for d in r["deliveries"]:
        lines.append(f"  {d['id']} {d['destination']} {d['action']}: {d['status']}, "
                     f"{d['attempts']} attempt(s)"
                     + (f", ids {d['external_ids']}" if d["external_ids"] else "")
                     + (f", last error {d['last_error']}" if d["last_error"] else ""))
        if d["vendor_message"]:
            lines.append(f"      {d['destination']} said: {d['vendor_message']}")
    return "\n".join(lines)
