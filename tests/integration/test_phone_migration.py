"""Leads stored before phones were kept in E.164 read like new ones after the
migration, on both databases: the E.164 the enrichment found, and the number as
written beside it."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from connector.store.database import Database, _alembic_config
from tests.conftest import POSTGRES_ADMIN_URL

AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request, tmp_path) -> Iterator[Database]:
    """A database with no schema at all, so migrations can be run from the start."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
        yield db
        db.dispose()
        return
    admin = make_url(POSTGRES_ADMIN_URL)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"connector_migration_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(admin.set(database=name).render_as_string(hide_password=False))
    yield db
    db.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_to(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


_JSON = ("product_interests", "tracking", "files", "extra", "enrichment", "dimensions",
         "reasons")
_LEADS = sa.table("leads", *(sa.column(c) for c in ("id", "submission_id", "plugin", "phone",
                                                    "created_at", "updated_at")),
                  *(sa.column(c, sa.JSON) for c in _JSON))
_SUBMISSIONS = sa.table("submissions", *(sa.column(c) for c in (
    "id", "plugin", "method", "body", "query_string", "received_at", "status")),
    sa.column("headers", sa.JSON))


def old_lead(conn, lead_id: int, phone: str | None, enrichment: dict) -> None:
    conn.execute(_SUBMISSIONS.insert().values(
        id=lead_id, plugin="cf7", method="POST", body=b"{}", headers={}, query_string="",
        received_at=AT, status="accepted"))
    conn.execute(_LEADS.insert().values(
        id=lead_id, submission_id=lead_id, plugin="cf7", phone=phone, created_at=AT,
        updated_at=AT, **{c: [] if c in ("product_interests", "files", "reasons") else {}
                          for c in _JSON} | {"enrichment": enrichment}))


def test_old_leads_get_their_phone_in_e164_and_keep_it_as_written(empty_db):
    migrate_to(empty_db, "0004")
    with empty_db.engine.begin() as conn:
        old_lead(conn, 1, "041 123 456", {"phone_e164": "+38641123456", "phone_country": "SI"})
        old_lead(conn, 2, "call me at home", {"phone_e164": None})
        old_lead(conn, 3, None, {})

    empty_db.upgrade()

    with empty_db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, phone, phone_as_written FROM leads ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "+38641123456", "041 123 456"),
                                        (2, "call me at home", "call me at home"),
                                        (3, None, None)]
