"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from HEADSHOT_TEST_POSTGRES_URL (`make test` sets it through scripts/ensure-postgres). Each
test run creates its own uniquely named database there and drops it at the end. When the variable is
empty the PostgreSQL cases FAIL, unless HEADSHOT_SKIP_POSTGRES=1 says to leave them out; then the run ends
with a banner saying they were not run.
"""

from __future__ import annotations

import os
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
SKIP_ENV = "HEADSHOT_SKIP_POSTGRES"
START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

_not_run: list[str] = []


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


def _postgres_server() -> str:
    base = os.environ.get(POSTGRES_ENV, "").strip()
    if not base:
        if os.environ.get(SKIP_ENV) == "1":
            _not_run.append("PostgreSQL")
            pytest.skip(f"PostgreSQL store tests NOT RUN ({SKIP_ENV}=1 and {POSTGRES_ENV} is empty)")
        pytest.fail(
            f"{POSTGRES_ENV} is empty, so the PostgreSQL store tests cannot run. Start PostgreSQL "
            f"(`bash scripts/ensure-postgres` prints the URL) or set {SKIP_ENV}=1 to leave them out.",
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


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not even migrated, for tests of what happens on first start."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'headshot.db'}"
        return
    with _throwaway_database(_postgres_server()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _not_run:
        terminalreporter.write_sep(
            "!", "PostgreSQL store tests were NOT run (HEADSHOT_SKIP_POSTGRES=1)", red=True
        )
