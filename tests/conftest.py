"""Fixtures: every database test runs on SQLite and on the real local PostgreSQL."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from connector.app import create_app
from connector.runtime import Runtime
from connector.settings import PROJECT_ROOT, Settings
from connector.store.database import Database
from tests.fakes.receiver import FakeReceiver

TOKEN = "test-token-0123456789abcdef"
FIXTURES = Path(__file__).parent / "fixtures"
# The server CI and developers have; override to point elsewhere.
POSTGRES_ADMIN_URL = os.environ.get(
    "CONNECTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def wp_payload(name: str) -> dict:
    return json.loads((FIXTURES / "wp-payloads" / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own on the local PostgreSQL, migrated once."""
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"connector_test_{uuid.uuid4().hex[:10]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {admin.host}:{admin.port} is required for the "
                    f"PostgreSQL half of the suite and is not reachable: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    db.upgrade()
    db.dispose()
    yield url
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'connector.db'}"
    url = request.getfixturevalue("postgres_url")
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE deliveries, leads, submissions, form_labels RESTART IDENTITY CASCADE"))
    db.dispose()
    return url


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url, webhook_token=TOKEN,
                    mappings_dir=PROJECT_ROOT / "mappings", poll_seconds=0.2,
                    sqlite_busy_timeout_ms=2000)


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    fake = FakeReceiver().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_mc():
    from tests.fakes.mailchimp import FakeMailchimp
    fake = FakeMailchimp()
    yield fake
    fake.stop()


@pytest.fixture
def fake_sf():
    from tests.fakes.salesforce import FakeSalesforce
    fake = FakeSalesforce()
    yield fake
    fake.stop()


@pytest.fixture
def runtime(settings) -> Iterator[Runtime]:
    rt = Runtime.start(settings)
    yield rt
    rt.close()


@pytest.fixture
def app(settings, runtime):
    return create_app(settings, runtime=runtime)


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_sessionfinish(session):
    """On a pytest-xdist worker: hand the figures measured here to the controller."""
    if hasattr(session.config, "workeroutput"):
        from tests.unit.test_classifier_accuracy import REPORT
        session.config.workeroutput["report"] = json.dumps(REPORT)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the controller: the figures a worker measured (see pytest_sessionfinish)."""
    from tests.unit.test_classifier_accuracy import REPORT
    REPORT.update(json.loads(getattr(node, "workeroutput", {}).get("report", "{}")))


def pytest_terminal_summary(terminalreporter):
    """Figures some tests measure (classifier accuracy), shown after every run, with or
    without workers."""
    from tests.unit.test_classifier_accuracy import REPORT
    for name, report in REPORT.items():
        first, *rest = report.splitlines()
        terminalreporter.write_line(f"{name}: {first}")
        for line in rest:
            terminalreporter.write_line(f"    {line}")
