"""Salesforce outcomes back into the judgement: what became of the Leads we created.

Read outside any transaction (the API may be slow), written as labels in one
transaction per run; a lead a person labelled keeps the person's verdict.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select

from connector.adapters.salesforce.outcomes import lead_outcomes
from connector.adapters.salesforce.realtime import SalesforceDestination
from connector.assessment import assess_and_route, latest_label
from connector.domain.outcomes import label_of
from connector.rulebook import Rulebook
from connector.store.database import Database
from connector.store.leads import lead_of_row
from connector.store.models import DeliveryRow, LabelRow, LeadRow
from connector.vocabulary import DeliveryStatus

log = logging.getLogger(__name__)
SOURCE = "salesforce"


@dataclass
class Synced:
    leads: int = 0      # Leads of ours read back
    labelled: int = 0   # new labels from their outcome
    changed: int = 0    # leads whose category changed with it


def sync_outcomes(db: Database, salesforce: SalesforceDestination, rules: Rulebook,
                  configured: Iterable[str], now: datetime) -> Synced:
    with db.transaction() as session:
        ours = {d.external_ids["lead_id"]: d.lead_id for d in session.scalars(
            select(DeliveryRow).where(DeliveryRow.destination == "salesforce",
                                      DeliveryRow.status == DeliveryStatus.DELIVERED))
                if (d.external_ids or {}).get("lead_id")}
    done = Synced()
    if not ours:
        return done
    outcomes = lead_outcomes(salesforce.client, ours, salesforce.fields.outcomes.reason_field)
    done.leads = len(outcomes)
    with db.transaction() as session:
        for outcome in outcomes:
            found = label_of(outcome, salesforce.fields.outcomes)
            row = session.get(LeadRow, ours[outcome.lead_id])
            if found is None or row is None:
                continue
            category, note = found
            last = latest_label(session, row.id)
            if last is not None and (last.source != SOURCE or (last.category, last.note) ==
                                     (category.value, note)):
                continue  # a person's verdict stands; the same outcome is not told twice
            before = row.category
            session.add(LabelRow(lead_id=row.id, category=category.value, temperature=None,
                                 source=SOURCE, note=note, created_at=now))
            session.flush()
            assess_and_route(session, row, lead_of_row(row), rules, configured, now)
            done.labelled += 1
            done.changed += row.category != before
    log.info("salesforce outcomes: %d leads read, %d labelled, %d changed category",
             done.leads, done.labelled, done.changed)
    return done
