"""The per-user active-reminder cap under 40 simultaneous "remind me" for one person: which lock holds it.

Run: .venv/bin/python -m benchmarks.cap_bench [--postgres-url URL] [--runs 5] [--commands 40]

Each strategy runs count-then-insert for one owner from 40 threads at once (4 engines, as 4 replicas would
have), cap 10, and reports the active reminders left (10 is right), the wall time, and the retries it
needed. On PostgreSQL (READ COMMITTED):
- naive: count, then insert, in one transaction (what the store did): every transaction counts before the
  others commit;
- advisory: `pg_advisory_xact_lock(hash(owner))` first (what the store does now);
- row lock: upsert the owner's user_preferences row, then `SELECT … FOR UPDATE` it first;
- serializable: SERIALIZABLE isolation, retried on serialization failures.
On SQLite the store's `BEGIN IMMEDIATE` is measured beside a deferred `BEGIN`.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier, Lock

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from benchmarks.postgres_db import server_url, throwaway_database
from bot.reminders.database import READ_ONLY
from bot.reminders.models import ACTIVE_STATUSES
from bot.reminders.store import NewReminder, ReminderStore, _new_values, preferences, reminders

CAP = 10
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

Strategy = Callable[[Engine, int, list[int]], bool]  # (engine, n, retries) -> added?


def _count(connection: Connection) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(reminders)
            .where(reminders.c.user == "alice", reminders.c.status.in_(ACTIVE_STATUSES))
        ).scalar_one()
    )


def _insert(connection: Connection, n: int) -> None:
    item = NewReminder("slack", "T1", "C1", "alice", f"r{n}", NOW + timedelta(days=n + 1))
    connection.execute(insert(reminders).values(**_new_values(item, NOW)))


def naive(engine: Engine, n: int, retries: list[int]) -> bool:
    with engine.begin() as connection:
        if _count(connection) >= CAP:
            return False
        _insert(connection, n)
    return True


def advisory(engine: Engine, n: int, retries: list[int]) -> bool:
    key = int.from_bytes(
        hashlib.blake2b(b"reminder-owner\0slack\0alice", digest_size=8).digest(), "big", signed=True
    )
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        if _count(connection) >= CAP:
            return False
        _insert(connection, n)
    return True


def row_lock(engine: Engine, n: int, retries: list[int]) -> bool:
    with engine.begin() as connection:
        connection.execute(
            pg_insert(preferences)
            .values(platform="slack", user="alice", suggestions_opted_out=False)
            .on_conflict_do_nothing(index_elements=["platform", "user"])
        )
        connection.execute(
            select(preferences.c.user)
            .where(preferences.c.platform == "slack", preferences.c.user == "alice")
            .with_for_update()
        ).one()
        if _count(connection) >= CAP:
            return False
        _insert(connection, n)
    return True


def serializable(engine: Engine, n: int, retries: list[int]) -> bool:
    for _ in range(100):
        try:
            with engine.connect() as connection:
                connection.execution_options(isolation_level="SERIALIZABLE")
                with connection.begin():
                    if _count(connection) >= CAP:
                        return False
                    _insert(connection, n)
            return True
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40001":
                raise
            retries.append(1)
    raise RuntimeError("gave up after 100 serialization failures")


def deferred_sqlite(engine: Engine, n: int, retries: list[int]) -> bool:
    for _ in range(100):
        try:
            with engine.connect() as connection:
                connection.execution_options(**{READ_ONLY: True})  # the store's engine then says plain BEGIN
                with connection.begin():
                    if _count(connection) >= CAP:
                        return False
                    _insert(connection, n)
            return True
        except DBAPIError as exc:
            if "locked" not in str(exc):
                raise
            retries.append(1)
    raise RuntimeError("gave up after 100 'database is locked'")


def immediate_sqlite(engine: Engine, n: int, retries: list[int]) -> bool:
    return naive(engine, n, retries)  # the store's engine begins every writing transaction IMMEDIATE


def race(url: str, strategy: Strategy, commands: int) -> tuple[int, float, int]:
    stores = [ReminderStore(url) for _ in range(4)]
    stores[0].delete_everything()
    retries: list[int] = []
    barrier = Barrier(commands)
    errors: list[BaseException] = []
    lock = Lock()

    def one(n: int) -> None:
        barrier.wait()
        try:
            strategy(stores[n % len(stores)].engine, n, retries)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    started = time.perf_counter()
    with ThreadPoolExecutor(commands) as pool:
        list(pool.map(one, range(commands)))
    elapsed = time.perf_counter() - started
    with stores[0].engine.connect() as connection:
        active = _count(connection)
    for store in stores:
        store.close()
    if errors:
        raise errors[0]
    return active, elapsed, len(retries)


def report(name: str, url: str, strategy: Strategy, runs: int, commands: int) -> None:
    outcomes = [race(url, strategy, commands) for _ in range(runs)]
    actives = sorted({active for active, _, _ in outcomes})
    wall = statistics.median(seconds for _, seconds, _ in outcomes) * 1000
    retries = statistics.median(r for _, _, r in outcomes)
    verdict = "holds" if actives == [CAP] else "BROKEN"
    print(
        f"  {name:<26} active left {actives!s:<14} {wall:7.0f} ms (median)  retries {retries:4.0f}  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--postgres-url", default=server_url(), help="a PostgreSQL server (a database is made)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commands", type=int, default=40)
    args = parser.parse_args()
    print(f"{args.commands} simultaneous 'remind me' for one user, cap {CAP}, {args.runs} runs, 4 engines")
    print("PostgreSQL (READ COMMITTED):")
    with throwaway_database(args.postgres_url, "cap_bench") as postgres:
        for name, strategy in (
            ("naive count-then-insert", naive),
            ("advisory lock (the store)", advisory),
            ("row lock on preferences", row_lock),
            ("SERIALIZABLE + retry", serializable),
        ):
            report(name, postgres, strategy, args.runs, args.commands)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'cap.db'}"
        print("SQLite (WAL):")
        report("BEGIN IMMEDIATE (store)", url, immediate_sqlite, args.runs, args.commands)
        report("deferred BEGIN + retry", url, deferred_sqlite, args.runs, args.commands)


if __name__ == "__main__":
    main()
