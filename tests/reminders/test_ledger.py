"""The delivery ledger on SQLite and PostgreSQL: one claim wins, however many processes race for it; claims
expire after their time to live and are purged."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from threading import Barrier

from sqlalchemy import func, select

from bot.reminders.ledger import EventLedger, LocalLedger, events, stored_key
from bot.reminders.store import ReminderStore
from tests.reminders.conftest import START


def _rows(store: ReminderStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


def test_many_replicas_claiming_one_delivery_at_once_one_wins(database_url: str) -> None:
    stores = [ReminderStore(database_url) for _ in range(4)]  # four processes' worth of connections
    try:
        racers = 16
        barrier = Barrier(racers)

        def claim(index: int) -> bool:
            barrier.wait()
            return stores[index % len(stores)].events.claim("slack:event:T1:Ev1", now=START)

        with ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(claim, range(racers)))
        assert results.count(True) == 1
        assert _rows(stores[0]) == 1
    finally:
        for store in stores:
            store.close()


def test_claims_expire_and_are_purged(database_url: str) -> None:
    store = ReminderStore(database_url)
    try:
        ledger = EventLedger(store.engine, ttl=timedelta(minutes=10))
        assert ledger.claim("slack:event:T1:Ev2", now=START)
        assert not ledger.claim("slack:event:T1:Ev2", now=START + timedelta(minutes=9))
        # Past its time to live the delivery is long over: a new one with the same id may be taken.
        assert ledger.claim("slack:event:T1:Ev2", now=START + timedelta(minutes=11))
        assert ledger.claim("slack:event:T1:Ev3", now=START + timedelta(minutes=11))
        assert ledger.purge(now=START + timedelta(minutes=30)) == 2
        assert _rows(store) == 0
    finally:
        store.close()


def test_a_key_longer_than_the_column_is_kept_as_its_hash(database_url: str) -> None:
    store = ReminderStore(database_url)
    try:
        long_key = "slack:command:" + "x" * 400
        assert len(stored_key(long_key)) <= 255
        assert store.events.claim(long_key, now=START)
        assert not store.events.claim(long_key, now=START)
    finally:
        store.close()


def test_the_in_process_fallback_answers_the_same_way() -> None:
    local = LocalLedger(ttl=3600)
    assert local.claim("k") and not local.claim("k") and local.claim("other")


def test_replicas_opening_a_new_sqlite_store_together_all_get_it(tmp_path: Path) -> None:
    # Switching a new file to WAL needs it alone: SQLite said "database is locked" at once (no busy wait)
    # to the second of two replicas started together, whose first claim then failed.
    for attempt in range(10):
        url = f"sqlite:///{tmp_path / f'fresh{attempt}.db'}"
        barrier = Barrier(3)

        def open_and_claim(index: int, url: str = url, barrier: Barrier = barrier) -> bool:
            barrier.wait()
            store = ReminderStore(url)
            try:
                return store.events.claim("slack:event:T1:EvNew", now=START)
            finally:
                store.close()

        with ThreadPoolExecutor(3) as pool:
            assert sorted(pool.map(open_and_claim, range(3))) == [False, False, True]
