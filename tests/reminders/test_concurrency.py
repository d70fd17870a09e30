"""The store under concurrency, on SQLite and PostgreSQL: the per-user cap holds when 40 "remind me" arrive
at once (from several processes' worth of connections), and reads never wait for the SQLite write lock."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

from bot.messages import Conversation, Incoming, ReplyKind
from bot.reminders.service import MAX_ACTIVE_REMINDERS, ReminderService
from tests.reminders.conftest import FakeClock

ALICE = Conversation(platform="slack", workspace="T1", channel="C1", user="alice")


def test_forty_simultaneous_remind_me_leave_exactly_the_cap(database_url: str, clock: FakeClock) -> None:
    replicas = [ReminderService(database_url, clock=clock) for _ in range(4)]
    try:
        commands = 40
        barrier = Barrier(commands)

        def remind(index: int) -> ReplyKind:
            barrier.wait()  # all at the same moment
            replies = replicas[index % len(replicas)].handle(
                Incoming(ALICE, f"remind me in {index + 1} weeks")  # 40 different reminders
            )
            assert replies is not None
            [reply] = replies
            return reply.kind

        with ThreadPoolExecutor(commands) as pool:
            kinds = list(pool.map(remind, range(commands)))
        active = replicas[0].store.active_for("slack", "alice")
        assert len(active) == MAX_ACTIVE_REMINDERS
        assert kinds.count(ReplyKind.REMINDER) == MAX_ACTIVE_REMINDERS
        assert kinds.count(ReplyKind.ERROR) == commands - MAX_ACTIVE_REMINDERS
    finally:
        for replica in replicas:
            replica.close()


def test_reads_answer_while_another_process_holds_the_sqlite_write_lock(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "locked.db"
    service = ReminderService(f"sqlite:///{path}", clock=clock, busy_timeout_ms=200)
    try:
        [set_one] = service.handle(Incoming(ALICE, "remind me in 18 months")) or []
        assert set_one.kind is ReplyKind.REMINDER
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process, in the middle of a write
        writer.execute("UPDATE reminders SET text = text")
        try:
            [listed] = service.handle(Incoming(ALICE, "reminders")) or []
            assert listed.kind is ReplyKind.REMINDER and "#1" in listed.text
            [zone] = service.handle(Incoming(ALICE, "timezone")) or []
            assert "UTC" in zone.text
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    finally:
        service.close()
