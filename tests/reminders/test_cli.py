"""`headshot reminders list|add|run-due` through the real entry point, and a locked database end to end."""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
import subprocess
import sys
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
from bot.runtime import Runtime
from handlers.cli import main
from tests.reminders.conftest import START, FakeClock, RecordingSender


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


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The commands read the time from the runtime's clock: pretend it is START (a Sunday, noon UTC)."""
    fake = FakeClock()
    monkeypatch.setattr("bot.cli.Runtime", functools.partial(Runtime, clock=fake))
    return fake


def test_add_list_and_run_due(database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reminders", "add", "--user", "alice", "--user", "bob", "--in", "18 months")
    assert code == 0
    assert out.splitlines() == [
        "added reminder 1 for alice due 2028-05-22T09:00:00Z",
        "added reminder 2 for bob due 2028-05-22T09:00:00Z",
    ]
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
    assert out.splitlines()[1].endswith("\tnew photo")

    clock.now = datetime(2027, 3, 2, tzinfo=UTC)
    code, out, err = run(capsys, "reminders", "run-due")
    assert code == 0 and _deliveries(out) == ["delivered reminder 3 to carol"]
    assert "new photo" in out and "“snooze 3”" in out  # the text, and what to type to snooze it
    assert "delivered 1 reminder" in err
    clock.now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    code, out, _ = run(capsys, "reminders", "run-due")
    assert code == 0
    assert sorted(_deliveries(out)) == ["delivered reminder 1 to alice", "delivered reminder 2 to bob"]
    code, out, _ = run(capsys, "reminders", "run-due")
    assert code == 0 and out == ""
    code, out, _ = run(capsys, "reminders", "list", "--user", "alice")
    assert "\tdelivered\t" in out


def test_at_a_date_means_nine_in_the_given_zone(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "reminders", "add", "--user", "a", "--at", "2027-01-15")[1].endswith(
        "due 2027-01-15T09:00:00Z\n"
    )
    out = run(capsys, "reminders", "add", "--user", "b", "--at", "2027-01-15", "--tz", "Europe/Berlin")[1]
    assert out.endswith("due 2027-01-15T08:00:00Z\n")  # 09:00 CET
    out = run(capsys, "reminders", "add", "--user", "c", "--at", "2027-01-15T15:30", "--tz", "PST")[1]
    assert out.endswith("due 2027-01-15T23:30:00Z\n")  # a time without an offset is read in --tz
    out = run(capsys, "reminders", "add", "--user", "d", "--in", "next spring", "--tz", "Sydney")[1]
    assert out.endswith("due 2027-08-31T23:00:00Z\n")  # 1 September 09:00 AEST: spring down under
    assert "default UTC" in _help(capsys, "reminders", "add")


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


def test_list_shows_the_whole_text_and_has_json(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    long_text = "revisiting the headshot before the conference, with the new team photo and the new badge"
    assert run(capsys, "reminders", "add", "--user", "ann", "--in", "every year", "--text", long_text)[0] == 0
    code, out, _ = run(capsys, "reminders", "list")
    assert code == 0 and out.splitlines()[1].endswith(f"\t{long_text}")
    assert "\tP1Y\t" in out
    code, out, _ = run(capsys, "reminders", "list", "--json")
    [item] = json.loads(out)
    assert item["text"] == long_text and item["repeat"] == "P1Y" and item["user"] == "ann"
    assert item["due"] == "2027-11-22T09:00:00+00:00" and item["status"] == "pending"
    assert json.loads(run(capsys, "reminders", "list", "--json", "--user", "nobody")[1]) == []


def test_run_due_with_a_pretend_now_changes_nothing(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "reminders", "add", "--user", "day", "--at", "2027-01-04")[0] == 0
    assert (
        run(capsys, "reminders", "add", "--user", "night", "--at", "2027-01-04", "--platform", "console")[0]
        == 0
    )
    service = ReminderService(f"sqlite:///{database}", clock=clock)
    service.store.set_preferences("console", "night", timezone="Asia/Tokyo")  # 09:00 UTC is 18:00 there
    before = service.store.list_all()

    code, out, err = run(capsys, "reminders", "run-due", "--now", "2027-01-05T09:30:00Z")
    assert code == 0
    assert out.splitlines() == [
        "would deliver reminder 1 to day",
        "would hold reminder 2 for night until 2027-01-06T09:00+0900 (outside the daytime in Asia/Tokyo)",
    ]
    assert "dry run" in err and "nothing was delivered or changed" in err
    assert service.store.list_all() == before  # not delivered, not claimed, not moved to the pretend day
    code, out, _ = run(capsys, "reminders", "run-due", "--dry-run")
    assert code == 0 and out == ""  # nothing is due at the real now
    assert service.store.list_all() == before
    service.close()
    assert "dry run" in _help(capsys, "reminders", "run-due")


def test_recurring_from_the_command_line(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "reminders", "add", "--user", "dana", "--in", "every year")[0] == 0
    code, out, _ = run(capsys, "reminders", "list")
    assert code == 0
    assert "\tP1Y\t" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reminders", "add", "--user", "x", "--in", "flurbs"], "didn’t understand “flurbs”"),
        (["reminders", "add", "--user", "x", "--in", "11 years"], "more than 10 years"),
        (["reminders", "add", "--user", "x", "--at", "yesterday"], "not an ISO 8601 date or time"),
        (["reminders", "add", "--user", "x", "--at", "2020-01-01T00:00Z"], "in the past"),
        (["reminders", "add", "--user", "x", "--at", "2027-01-01", "--tz", "IST"], "India"),
        (["reminders", "add", "--user", " ", "--in", "1 year"], "at least one --user"),
        (["reminders", "run-due", "--now", "soon"], "not an ISO 8601 time"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err + out


def test_a_bad_in_quotes_what_was_typed(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "reminders", "add", "--user", "x", "--in", "next blorpday")
    assert code == 2 and "“next blorpday”" in err and "“in next" not in err


def test_missing_when_is_a_usage_error(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["reminders", "add", "--user", "x"])
    assert exited.value.code == 2
    assert "one of the arguments --in --at is required" in capsys.readouterr().err


def test_busy_store_exits_1_and_loses_nothing(
    database: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "reminders", "add", "--user", "alice", "--at", "2027-01-01T10:00Z")[0] == 0
    clock.now = datetime(2027, 2, 1, tzinfo=UTC)
    with write_lock(database):
        code, out, err = run(capsys, "reminders", "run-due")
        assert code == 1 and "busy" in err and "Traceback" not in err and out == ""
        code, _, err = run(capsys, "reminders", "add", "--user", "bob", "--in", "1 year")
        assert code == 1 and "nothing was changed" in err
    code, out, _ = run(capsys, "reminders", "run-due")
    assert code == 0 and _deliveries(out) == ["delivered reminder 1 to alice"]
    code, out, _ = run(capsys, "reminders", "list")
    assert len(out.splitlines()) == 2  # header + alice: bob's add did not half-happen


def when_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code, out, err = run(capsys, "reminders", "when", *argv, "--json")
    assert "Traceback" not in out + err
    [line] = out.splitlines()
    return code, json.loads(line)


def test_when_prints_the_contract(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = ("--now", "2026-11-22T12:00:00Z")
    assert when_json(capsys, "tomorrow at 10am", *now, "--tz", "Europe/Berlin") == (
        0,
        {"ok": True, "due": "2026-11-23T10:00:00+01:00", "repeat": None, "error": None},
    )
    assert when_json(capsys, "every year on March 1", *now) == (
        0,
        {"ok": True, "due": "2027-03-01T09:00:00+00:00", "repeat": "P1Y", "error": None},
    )
    assert when_json(capsys, "every other year", *now, "--tz", "New York")[1]["repeat"] == "P2Y"
    assert when_json(capsys, "3/1/2027", *now, "--locale", "en_US")[1]["due"] == "2027-03-01T09:00:00+00:00"
    assert when_json(capsys, "3/1/2027", *now)[1]["due"] == "2027-01-03T09:00:00+00:00"
    # A --now without an offset is a wall-clock time in --tz: 23:30 in Tokyo, so "tomorrow" is the 23rd.
    assert when_json(capsys, "tomorrow", "--now", "2026-11-22T23:30", "--tz", "Asia/Tokyo")[1]["due"] == (
        "2026-11-23T09:00:00+09:00"
    )
    assert not database.exists()  # nothing stored, not even a database created


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["yesterday"], "in the past"),
        (["flurbsday"], "didn’t understand “flurbsday”"),
        (["in 20 years"], "more than 10 years"),
        ([""], "When should I remind you"),
        (["tomorrow", "--tz", "IST"], "India (Asia/Kolkata), Israel (Asia/Jerusalem) or Ireland"),
        (["tomorrow", "--tz", "Atlantis"], "don’t know the time zone"),
        (["tomorrow", "--now", "soon"], "not an ISO 8601 time"),
    ],
)
def test_when_refuses_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, result = when_json(capsys, *argv)
    assert code == 2 and result["ok"] is False and result["due"] is None and result["repeat"] is None
    assert isinstance(result["error"], str) and message in result["error"]


def test_when_without_json_and_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "reminders", "when", "every 6 months", "--now", "2026-11-22T12:00Z", "--tz", "PST"
    )
    assert code == 0
    assert out.splitlines() == [
        "Sat 22 May 2027 at 09:00 (America/Los_Angeles), then every 6 months (P6M)",
        "due 2027-05-22T09:00:00-07:00 (no time given: 09:00)",
    ]
    code, _, err = run(capsys, "reminders", "when", "never")
    assert code == 2 and "isn’t a moment" in err
    text = _help(capsys, "reminders", "when")
    assert "examples:" in text and '"ok": true' in text and "09:00" in text


def test_when_through_the_installed_command() -> None:
    """The real console script: one JSON line on stdout, no log noise, no traceback."""
    headshot = Path(sys.executable).with_name("headshot")
    done = subprocess.run(
        [str(headshot), "reminders", "when", "next friday at 3pm", "--now", "2026-11-22T12:00Z", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "ok": True,
        "due": "2026-11-27T15:00:00+00:00",
        "repeat": None,
        "error": None,
    }


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
        [listed] = brain.handle(Incoming(who, "reminders"))  # a read does not wait for the write lock
        assert listed.kind is ReplyKind.REMINDER and "#1" in listed.text
    [again] = brain.handle(Incoming(who, "remind me next year"))
    assert again.kind is ReplyKind.REMINDER
    records = brain.reminders.store.list_all()
    assert [r.due_at for r in records] == [  # listed by due time: nothing lost, nothing doubled
        datetime(2027, 11, 22, 9, 0, tzinfo=UTC),
        datetime(2028, 5, 22, 9, 0, tzinfo=UTC),
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
