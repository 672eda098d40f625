"""The three tables: what arrived, who it was, and what we owe the destinations."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants room to grow.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out; SQLite would hand back naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SubmissionRow(Base):
    """The request exactly as received, whatever became of it."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # Request headers without credentials (see web/hooks.py).
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The query string without the token.
    query_string: Mapped[str] = mapped_column(Text, default="")
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # accepted: a lead was made; unparsed: kept for `connector reprocess`.
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    form_id: Mapped[str | None] = mapped_column(String(100))
    form_name: Mapped[str | None] = mapped_column(String(255))
    entry_id: Mapped[str | None] = mapped_column(String(100))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who sent it: "default" for the global token, else the source's name.
    source: Mapped[str | None] = mapped_column(String(64))
    # Same key, same entry (see domain/duplicates.py).
    dedupe_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # A re-sent entry is kept too, pointing at the submission it repeats.
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", name="fk_submissions_duplicate_of"))


class LeadRow(Base):
    """The canonical lead made from one submission."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id"), unique=True)
    plugin: Mapped[str] = mapped_column(String(40))
    form_id: Mapped[str | None] = mapped_column(String(100))
    form_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    # E.164 when it could be read, else as written; beside it, as the visitor typed it.
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_as_written: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(255))
    job_title: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(2048))
    subject: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    product_interests: Mapped[list[Any]] = mapped_column(JSON, default=list)
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # UTM parameters, click ids, page URL, referrer, user agent, IP.
    tracking: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Every field no mapping claimed, as the plugin named it.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enrichment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[int | None] = mapped_column(Integer)
    temperature: Mapped[str | None] = mapped_column(String(10), index=True)
    category: Mapped[str | None] = mapped_column(String(20), index=True)
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The junk category the model suspected without being sure: a person should look.
    review: Mapped[str | None] = mapped_column(String(20))
    # What Mailchimp told us of this address (webhooks): status, reason, when.
    mailchimp: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """One thing owed to one destination for one lead: the outbox."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("lead_id", "destination", "action", name="uq_delivery_once"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    destination: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(String(100))
    # Status and vendor error code: safe to log and show.
    last_error: Mapped[str | None] = mapped_column(Text)
    # The destination's own words; may quote personal data, so never logged.
    vendor_message: Mapped[str | None] = mapped_column(Text)
    external_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FormLabelsRow(Base):
    """Labels a plugin told us for a form's fields, for plugins whose submissions
    carry none (Forminator's connection test sends them; its entries do not)."""

    __tablename__ = "form_labels"
    __table_args__ = (UniqueConstraint("plugin", "form", name="uq_form_labels"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(40))
    form: Mapped[str] = mapped_column(String(255))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LabelRow(Base):
    """A verdict a person gave a lead (or a Salesforce outcome implied): it judges the
    lead from then on, and teaches the model the business (`connector train --local`)."""

    __tablename__ = "lead_labels"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    temperature: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))   # operator, salesforce
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
