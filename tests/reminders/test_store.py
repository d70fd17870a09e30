"""The store on SQLite and PostgreSQL: UTC round trips, atomic claims, leases, guarded outcomes, sightings."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text

from bot.reminders.database import MIGRATIONS_DIR, create_store_engine
from bot.reminders.models import Base
from bot.reminders.store import CapReached, NewReminder, ReminderStore
from tests.conftest import PROJECT_ROOT
from tests.reminders.conftest import START

LEASE = timedelta(minutes=5)
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def new(user: str = "U1", due: datetime = START, **changes: object) -> NewReminder:
    values: dict[str, object] = {
        "platform": "slack",
        "workspace": "T1",
        "channel": "C1",
        "user": user,
        "text": "refresh your headshot",
        "due_at": due,
    }
    values.update(changes)
    return NewReminder(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(database_url: str) -> ReminderStore:
    return ReminderStore(database_url)


def test_schema_comes_from_the_migrations_and_reopening_is_harmless(database_url: str) -> None:
    first = ReminderStore(database_url)
    second = ReminderStore(database_url)  # the upgrade on start is a no-op the second time
    tables = set(inspect(first.engine).get_table_names())
    assert {
        "reminders",
        "user_preferences",
        "workspace_settings",
        "avatar_sightings",
        "alembic_version",
    } <= tables
    with second.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
    first.close()
    second.close()


def test_offsets_are_stored_as_utc(store: ReminderStore) -> None:
    # SQLite's DateTime silently drops an offset: 12:00+02:00 must come back as 10:00 UTC, not 12:00.
    plus_two = datetime(2027, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    record = store.add(new(due=plus_two), now=START)
    again = store.get(record.id)
    assert again is not None
    assert again.due_at == datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    assert again.due_at.tzinfo is UTC
    assert again.created_at == START
    # Comparisons happen in UTC too: due at 10:00 UTC is not claimable at 09:59 UTC.
    assert (
        store.claim_due(
            "w", now=datetime(2027, 3, 1, 9, 59, tzinfo=UTC), limit=10, lease=LEASE, platforms=["slack"]
        )
        == []
    )
    assert (
        len(
            store.claim_due(
                "w", now=datetime(2027, 3, 1, 10, 0, tzinfo=UTC), limit=10, lease=LEASE, platforms=["slack"]
            )
        )
        == 1
    )


def test_naive_datetimes_are_refused(store: ReminderStore) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        store.add(new(due=datetime(2027, 1, 1)), now=START)


def test_sqlite_is_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    store = ReminderStore(f"sqlite:///{tmp_path / 'nested' / 'folder' / 'h.db'}")
    assert (tmp_path / "nested" / "folder" / "h.db").exists()  # the folder is created
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 5000
    store.close()


def test_claims_are_exclusive_ordered_and_limited(store: ReminderStore) -> None:
    store.bulk_add([new(f"U{i}", START - timedelta(minutes=i)) for i in range(7)], now=START)
    store.add(new("later", START + timedelta(days=1)), now=START)
    store.add(new("discord-user", platform="discord"), now=START)
    first = store.claim_due("a", now=START, limit=4, lease=LEASE, platforms=["slack"])
    second = store.claim_due("b", now=START, limit=10, lease=LEASE, platforms=["slack"])
    assert [r.user for r in first] == ["U6", "U5", "U4", "U3"]  # oldest due first
    assert {r.user for r in second} == {"U2", "U1", "U0"}
    assert all(
        r.status == "claimed" and r.claimed_by == "a" and r.lease_until == START + LEASE for r in first
    )
    assert store.claim_due("c", now=START, limit=10, lease=LEASE, platforms=["slack"]) == []


def test_only_the_claim_holder_can_record_the_outcome(store: ReminderStore) -> None:
    record = store.add(new(), now=START)
    [claimed] = store.claim_due("a", now=START, limit=1, lease=LEASE, platforms=["slack"])
    assert not store.mark_delivered(claimed.id, "b")
    assert store.mark_delivered(claimed.id, "a")
    assert not store.mark_delivered(claimed.id, "a")  # once
    after = store.get(record.id)
    assert after is not None and after.status == "delivered" and after.claimed_by is None


def test_an_expired_lease_is_claimed_again(store: ReminderStore) -> None:
    store.add(new(), now=START)
    [claimed] = store.claim_due("crashed", now=START, limit=1, lease=LEASE, platforms=["slack"])
    before_expiry = START + LEASE - timedelta(seconds=1)
    assert store.expire_leases(before_expiry) == 0
    assert store.claim_due("b", now=before_expiry, limit=1, lease=LEASE, platforms=["slack"]) == []
    after_expiry = START + LEASE + timedelta(seconds=1)
    assert store.expire_leases(after_expiry) == 1
    [again] = store.claim_due("b", now=after_expiry, limit=1, lease=LEASE, platforms=["slack"])
    assert again.id == claimed.id and again.claimed_by == "b"
    assert not store.mark_delivered(claimed.id, "crashed")  # the late worker cannot overwrite
    assert store.mark_delivered(claimed.id, "b")


def test_claims_of_stopped_workers_can_be_handed_back(store: ReminderStore) -> None:
    store.bulk_add([new(f"U{i}") for i in range(4)], now=START)
    store.claim_due("gone", now=START, limit=3, lease=LEASE, platforms=["slack"])
    store.claim_due("alive", now=START, limit=3, lease=LEASE, platforms=["slack"])
    assert store.claim_holders() == {"gone", "alive"}
    assert store.release_workers(["gone"]) == 3
    assert store.claim_holders() == {"alive"}


def test_release_hands_back_only_own_claims(store: ReminderStore) -> None:
    store.bulk_add([new(f"U{i}") for i in range(3)], now=START)
    claimed = store.claim_due("a", now=START, limit=3, lease=LEASE, platforms=["slack"])
    assert store.release([r.id for r in claimed], "b") == 0
    assert store.release([r.id for r in claimed], "a") == 3
    assert len(store.claim_due("b", now=START, limit=3, lease=LEASE, platforms=["slack"])) == 3


def test_cap_counts_active_reminders_of_that_user_only(store: ReminderStore) -> None:
    for _ in range(3):
        store.add(new("U1"), now=START, cap=3)
    with pytest.raises(CapReached):
        store.add(new("U1"), now=START, cap=3)
    store.add(new("U2"), now=START, cap=3)
    first = store.active_for("slack", "U1")[0]
    assert store.cancel(first.id, "slack", "U1")
    store.add(new("U1"), now=START, cap=3)


def test_owner_checks(store: ReminderStore) -> None:
    record = store.add(new("alice"), now=START)
    assert store.owned(record.id, "slack", "bob") is None
    assert store.owned(record.id, "discord", "alice") is None
    assert not store.cancel(record.id, "slack", "bob")
    assert store.reschedule(record.id, "slack", "bob", START + timedelta(days=1)) is None
    assert store.active_for("slack", "bob") == []
    assert store.cancel(record.id, "slack", "alice")


def test_preferences_and_workspace_settings(store: ReminderStore) -> None:
    assert store.preferences("slack", "U1").timezone is None
    store.set_preferences("slack", "U1", timezone="Europe/Berlin")
    store.set_preferences("slack", "U1", suggestions_opted_out=True)
    prefs = store.preferences("slack", "U1")
    assert prefs.timezone == "Europe/Berlin" and prefs.suggestions_opted_out
    assert store.timezones({("slack", "U1"), ("slack", "U2")}) == {("slack", "U1"): "Europe/Berlin"}
    assert store.workspace_settings("slack", "T1").refresh_interval_months == 24
    assert not store.workspace_settings("slack", "T1").photo_tracking
    store.set_workspace_settings("slack", "T1", photo_tracking=True)
    assert store.workspace_settings("slack", "T1").photo_tracking
    assert not store.workspace_settings("slack", "T2").photo_tracking


def test_sightings_keep_first_seen_until_the_avatar_changes(store: ReminderStore) -> None:
    day = timedelta(days=1)
    store.record_sightings("slack", "T1", [("U1", "hash-a", START)])
    store.record_sightings("slack", "T1", [("U1", "hash-a", START + 30 * day)])
    seen = store.sighting("slack", "T1", "U1")
    assert seen is not None and seen.first_seen == START and seen.last_seen == START + 30 * day
    store.record_sightings("slack", "T1", [("U1", "hash-b", START + 40 * day)])
    seen = store.sighting("slack", "T1", "U1")
    assert seen is not None and seen.avatar_hash == "hash-b" and seen.first_seen == START + 40 * day


def test_locked_sqlite_raises_database_is_locked_quickly(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    store = ReminderStore(f"sqlite:///{path}?timeout=0.2")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Exception, match="database is locked"):
            store.add(new(), now=START)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.add(new(), now=START)
    assert len(store.list_all()) == 1
    store.close()


@pytest.mark.slow
def test_several_processes_starting_at_once_migrate_once(fresh_database_url: str) -> None:
    """Replicas starting together on an empty database: one migrates, the others wait and find it done."""
    code = textwrap.dedent(
        """
        import sys
        from bot.reminders.store import ReminderStore
        ReminderStore(sys.argv[1]).close()
        print("ok")
        """
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, fresh_database_url],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and out.strip() == "ok", err
    store = ReminderStore(fresh_database_url)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
    store.close()


def test_models_match_the_migrations(store: ReminderStore) -> None:
    """A model change without a migration (or the reverse) fails here, on both backends. The schema is the
    core's models plus slack-sdk's installation and OAuth state tables (migration r0008), as slack-sdk
    itself defines them: an upgrade of slack-sdk that changes them fails here too."""
    from handlers.slack.installations import installation_metadata

    with store.engine.connect() as connection:
        schema = MetaData()
        for table in (*Base.metadata.tables.values(), *installation_metadata().tables.values()):
            table.to_metadata(schema)
        differences = compare_metadata(MigrationContext.configure(connection), schema)
    assert differences == []


async def test_an_in_memory_store_is_one_database_across_threads() -> None:
    store = ReminderStore("sqlite://")
    store.add(new(), now=START)
    assert len(await asyncio.to_thread(store.list_all)) == 1
    store.close()


def test_a_database_at_the_first_revision_upgrades_without_losing_reminders(fresh_database_url: str) -> None:
    engine = create_store_engine(fresh_database_url)
    with engine.begin() as connection:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                'INSERT INTO reminders (platform, workspace, channel, "user", text, due_at, status, '
                "attempts, kind, created_at) VALUES ('slack', 'T1', 'C1', 'U1', 'old one', :due, 'pending', "
                "0, 'reminder', :due)"
            ),
            {"due": START.replace(tzinfo=None) if engine.dialect.name == "sqlite" else START},
        )
    engine.dispose()
    store = ReminderStore(fresh_database_url)  # migrates to the head on open
    [record] = store.active_for("slack", "U1")
    assert record.text == "old one" and record.due_at == START
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
    store.close()
