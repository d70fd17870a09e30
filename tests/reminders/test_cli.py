"""`headshot reminders list|add|run-due` through the real entry point, and a locked database end to end."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.brain import Brain
from bot.config import BUNDLED_KNOWLEDGE_DIR, Config
from bot.messages import Conversation, Incoming, ReplyKind
from bot.reminders.delivery import SenderRegistry
from bot.reminders.scheduler import Scheduler
from bot.reminders.service import ReminderService
from bot.reminders.store import NewReminder
from handlers.cli import main
from tests.reminders.conftest import START, RecordingSender


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "headshot.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("HEADSHOT_DATABASE_URL", f"sqlite:///{path}?timeout=0.3")
    return path


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another connection holding SQLite's write lock, as a second process would."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_and_run_due(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reminders", "add", "--user", "alice", "--user", "bob", "--in", "18 months")
    assert code == 0
    assert out.startswith("added reminder 1 for alice due ") and "added reminder 2 for bob due " in out
    code, out, _ = run(
        capsys, "reminders", "add", "--user", "carol", "--at", "2027-03-01T09:00+01:00", "--text", "new photo"
    )
    assert code == 0 and "added reminder 3 for carol due 2027-03-01T08:00:00Z" in out
    assert database.exists()

    code, out, _ = run(capsys, "reminders", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("ID\tSTATUS\tDUE (UTC)")
    assert [line.split("\t")[5] for line in lines[1:]] == ["carol", "alice", "bob"]  # by due time
    code, out, _ = run(capsys, "reminders", "list", "--user", "carol")
    assert [line.split("\t")[0] for line in out.splitlines()[1:]] == ["3"]
    assert "new photo" in out

    code, out, err = run(capsys, "reminders", "run-due", "--now", "2027-03-02T00:00:00Z")
    assert code == 0 and _deliveries(out) == ["delivered reminder 3 to carol"]
    assert "new photo" in out and "“snooze 3”" in out  # the text, and what to type to snooze it
    assert "delivered 1 reminder" in err
    code, out, _ = run(capsys, "reminders", "run-due", "--now", "2030-01-01T12:00:00Z")
    assert code == 0
    assert sorted(_deliveries(out)) == ["delivered reminder 1 to alice", "delivered reminder 2 to bob"]
    code, out, _ = run(capsys, "reminders", "run-due", "--now", "2030-01-01T12:00:00Z")
    assert code == 0 and out == ""
    code, out, _ = run(capsys, "reminders", "list", "--user", "alice")
    assert "\tdelivered\t" in out


def test_recurring_from_the_command_line(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "reminders", "add", "--user", "dana", "--in", "every year")[0] == 0
    code, out, _ = run(capsys, "reminders", "list")
    assert code == 0
    assert "\t12 months\t" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reminders", "add", "--user", "x", "--in", "flurbs"], "didn’t understand"),
        (["reminders", "add", "--user", "x", "--in", "11 years"], "more than 10 years"),
        (["reminders", "add", "--user", "x", "--at", "yesterday"], "not an ISO 8601 time"),
        (["reminders", "add", "--user", "x", "--at", "2020-01-01T00:00Z"], "in the past"),
        (["reminders", "add", "--user", " ", "--in", "1 year"], "at least one --user"),
        (["reminders", "run-due", "--now", "soon"], "not an ISO 8601 time"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    database: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err + out


def test_missing_when_is_a_usage_error(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["reminders", "add", "--user", "x"])
    assert exited.value.code == 2
    assert "one of the arguments --in --at is required" in capsys.readouterr().err


def test_busy_store_exits_1_and_loses_nothing(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "reminders", "add", "--user", "alice", "--at", "2027-01-01T10:00Z")[0] == 0
    with write_lock(database):
        code, out, err = run(capsys, "reminders", "run-due", "--now", "2027-02-01T00:00Z")
        assert code == 1 and "busy" in err and "Traceback" not in err and out == ""
        code, _, err = run(capsys, "reminders", "add", "--user", "bob", "--in", "1 year")
        assert code == 1 and "nothing was changed" in err
    code, out, _ = run(capsys, "reminders", "run-due", "--now", "2027-02-01T00:00Z")
    assert code == 0 and _deliveries(out) == ["delivered reminder 1 to alice"]
    code, out, _ = run(capsys, "reminders", "list")
    assert len(out.splitlines()) == 2  # header + alice: bob's add did not half-happen


def test_locked_database_gives_a_friendly_reply_in_chat(tmp_path: Path) -> None:
    path = tmp_path / "headshot.db"
    config = Config(database_url=f"sqlite:///{path}?timeout=0.2", knowledge_dir=BUNDLED_KNOWLEDGE_DIR)
    brain = Brain(config, clock=lambda: START)
    who = Conversation("console", "local", "console", "alice")
    [first] = brain.handle(Incoming(who, "remind me in 18 months"))
    assert first.kind is ReplyKind.REMINDER
    with write_lock(path):
        [busy] = brain.handle(Incoming(who, "remind me next year"))
        assert busy.kind is ReplyKind.ERROR and busy.private
        assert "busy" in busy.text and "try again" in busy.text
        [busy_list] = brain.handle(Incoming(who, "reminders"))
        assert busy_list.kind is ReplyKind.ERROR
    [again] = brain.handle(Incoming(who, "remind me next year"))
    assert again.kind is ReplyKind.REMINDER
    records = brain.reminders.store.list_all()
    assert [r.due_at for r in records] == [  # listed by due time: nothing lost, nothing doubled
        datetime(2027, 11, 22, 12, 0, tzinfo=UTC),
        datetime(2028, 5, 22, 12, 0, tzinfo=UTC),
    ]


async def test_the_scheduler_rides_out_a_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    service = ReminderService(f"sqlite:///{path}?timeout=0.1", clock=lambda: START)
    service.store.add(NewReminder("slack", "T1", "C1", "alice", "refresh", START), now=START)
    sender = RecordingSender()
    senders = SenderRegistry()
    senders.register("slack", sender)
    stopping = asyncio.Event()
    with write_lock(path):
        task = asyncio.create_task(Scheduler(service, senders, tick_seconds=0.05).run(stopping))
        await asyncio.sleep(0.5)  # several ticks meet "database is locked"
        assert sender.deliveries == [] and not task.done()
    for _ in range(200):  # then the next tick delivers
        if sender.deliveries:
            break
        await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(task, 10)
    assert len(sender.deliveries) == 1
    service.close()


def _deliveries(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("delivered reminder ")]
