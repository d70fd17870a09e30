"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from HEADSHOT_TEST_POSTGRES_URL (`make test` sets it through scripts/ensure-postgres); when
the variable is empty the tests run that script themselves, which starts the machine's PostgreSQL if it is
installed but stopped. Each test run creates its own uniquely named database there and drops it at the end.
With no PostgreSQL server at all, the PostgreSQL cases FAIL and say so: they are never skipped.
"""

from __future__ import annotations

import functools
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.reminders.database import normalise_url
from bot.reminders.delivery import Delivery, SenderRegistry
from bot.reminders.service import ReminderService
from bot.reminders.store import ReminderStore

POSTGRES_ENV = "HEADSHOT_TEST_POSTGRES_URL"
ENSURE_POSTGRES = Path(__file__).resolve().parents[2] / "scripts" / "ensure-postgres"
START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class RecordingSender:
    """A sender that records deliveries, can fail on cue, and may know the user's time zone."""

    def __init__(self, zone: str | None = None, failures: list[Exception] | None = None) -> None:
        self.deliveries: list[Delivery] = []
        self.zone = zone
        self.failures = list(failures or [])

    async def deliver(self, delivery: Delivery) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.deliveries.append(delivery)

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        return self.zone

    @property
    def delivered_ids(self) -> list[int]:
        return [d.reminder_id for d in self.deliveries]


@functools.cache
def _postgres_server() -> str:
    base = os.environ.get(POSTGRES_ENV, "").strip()
    if not base:
        started = subprocess.run(
            ["bash", str(ENSURE_POSTGRES)], capture_output=True, text=True, timeout=60, check=False
        )
        base = started.stdout.strip()
        if not base:
            pytest.fail(
                f"No PostgreSQL server, so the PostgreSQL store tests cannot run ({ENSURE_POSTGRES.name}: "
                f"{started.stderr.strip() or 'no URL printed'}). Install and start PostgreSQL, or set "
                f"{POSTGRES_ENV} to a server's URL.",
                pytrace=False,
            )
    return base


@contextmanager
def _throwaway_database(base: str) -> Iterator[str]:
    server = normalise_url(base)
    name = f"headshot_test_{uuid.uuid4().hex[:12]}"
    # CREATE/DROP DATABASE from the maintenance database, so the URL's own database need not exist.
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One database for the whole run (tables emptied per test)."""
    with _throwaway_database(_postgres_server()) as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not even migrated, for tests of what happens on first start."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'headshot.db'}"
        return
    with _throwaway_database(_postgres_server()) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'headshot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    store = ReminderStore(url)  # migrates the run's database on first use
    store.delete_everything()
    store.close()
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(database_url: str, clock: FakeClock) -> Iterator[ReminderService]:
    reminder_service = ReminderService(database_url, clock=clock)
    yield reminder_service
    reminder_service.close()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def senders(sender: RecordingSender) -> SenderRegistry:
    registry = SenderRegistry()
    registry.register("slack", sender)
    return registry
