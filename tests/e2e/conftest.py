"""Real processes: `connector serve` and `connector worker`, started as an operator would."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from connector.settings import PROJECT_ROOT
from tests.conftest import TOKEN

ROUTE_ALL = {"rules": [{"name": "everything", "deliver": ["webhook:lead"]}]}


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "connector", *args], env=env,
                                     stdout=self._out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if m := re.search(pattern, self.output()):
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"'{pattern}' not seen; output:\n{self.output()}")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._out.close()

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._out.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._out.close()


@pytest.fixture
def mappings_dir(tmp_path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(PROJECT_ROOT / "mappings", target)
    (target / "routing.yaml").write_text(yaml.safe_dump(ROUTE_ALL))
    return target


@pytest.fixture
def env(db_url, tmp_path, mappings_dir, receiver) -> dict[str, str]:
    return process_env(db_url, tmp_path, mappings_dir, receiver)


@pytest.fixture
def postgres_env(postgres_url, tmp_path, mappings_dir, receiver) -> dict[str, str]:
    from sqlalchemy import text
    from connector.store.database import Database
    db = Database(postgres_url)
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE deliveries, leads, submissions, form_labels RESTART IDENTITY CASCADE"))
    db.dispose()
    return process_env(postgres_url, tmp_path, mappings_dir, receiver)


def process_env(db_url, tmp_path, mappings_dir, receiver) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    return {**base,
            "CONNECTOR_DATABASE_URL": db_url,
            "CONNECTOR_DATA_DIR": str(tmp_path / "data"),
            "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
            "CONNECTOR_MAPPINGS_DIR": str(mappings_dir),
            "CONNECTOR_FORWARD_URL": receiver.url,
            "CONNECTOR_POLL_SECONDS": "30",
            "CONNECTOR_LOG_LEVEL": "INFO"}


@pytest.fixture
def spawn(tmp_path) -> Iterator:
    started: list[Process] = []

    def start(args: list[str], env: dict[str, str], name: str) -> Process:
        p = Process(args, env, tmp_path / f"{name}.log")
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "connector", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
