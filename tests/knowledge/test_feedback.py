"""👍/👎 through the real brain and the console, the logging switch (inspected in the table itself), and
`headshot kb misses`."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.brain import Brain
from bot.config import Config, ConfigError, load_config
from bot.feedback import answer_key
from bot.messages import ActionEvent, ActionId, Conversation, Incoming, Reply
from bot.reminders.feedback import feedback_table, log_table
from handlers.cli import main
from handlers.console import run_console

pytestmark = pytest.mark.usefixtures("cache_env")

ADA = Conversation("slack", "T1", "D1", "U1")
COVERED = "how often should I update my headshot?"
UNCOVERED = "which passport photo size does the embassy want"


def _ask(brain: Brain, text: str, who: Conversation = ADA) -> Reply:
    (reply,) = brain.handle(Incoming(who, text, direct=True))
    return reply


def _press(brain: Brain, reply: Reply, action: ActionId, who: Conversation = ADA) -> Reply:
    (button,) = [a for a in reply.actions if a.action_id == action]
    (ack,) = brain.handle_action(ActionEvent(who, action.value, button.value))
    return ack


def _rows(brain: Brain, table: object) -> int:
    with brain.reminders.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_every_answer_has_the_two_buttons_and_a_press_is_acknowledged_privately(config: Config) -> None:
    brain = Brain(config)
    reply = _ask(brain, COVERED)
    assert [a.action_id for a in reply.actions] == [ActionId.ANSWER_GOOD, ActionId.ANSWER_BAD]
    assert [a.label for a in reply.actions] == ["👍 Helpful", "👎 Not helpful"]
    ack = _press(brain, reply, ActionId.ANSWER_GOOD)
    assert ack.private and ack.text == "Thanks — noted 👍."
    assert _press(brain, reply, ActionId.ANSWER_BAD).text == "Thanks — changed your vote to 👎."
    (votes,) = brain.reminders.store.feedback.passage_votes()
    assert (votes.up, votes.down) == (0, 1)
    assert reply.actions[0].value.split(":")[1] == votes.passage  # the passage the answer quoted
    # a greeting or an emoji is not an answer to rate
    assert _ask(brain, "hi").actions == ()
    assert _ask(brain, "🙂🙂").actions == ()


def test_the_answer_key_names_the_question_and_its_passages() -> None:
    assert answer_key("How often?", ["a#1", "b#2", "c#3", "d#4"]) == answer_key(
        "how   often?", ["a#1", "b#2", "c#3"]
    )
    assert answer_key("how often?", ["a#1", "b#2", "c#3"]) != answer_key("how often?", ["b#2", "a#1", "c#3"])
    assert len(answer_key("x", [])) == 16


def test_typed_good_and_bad_apply_to_that_persons_last_answer(config: Config) -> None:
    brain = Brain(config)
    assert "no recent answer" in _ask(brain, "good").text
    _ask(brain, COVERED)
    other = Conversation("slack", "T1", "D2", "U2")
    assert "no recent answer" in _ask(brain, "bad", other).text  # U2 asked nothing
    assert _ask(brain, "good").text == "Thanks — noted 👍."
    assert _ask(brain, "👎").text == "Thanks — changed your vote to 👎."
    assert _rows(brain, feedback_table) == 1


def test_a_forged_button_value_is_refused_kindly(config: Config) -> None:
    brain = Brain(config)
    (reply,) = brain.handle_action(ActionEvent(ADA, "answer_bad", "'; drop table answer_feedback"))
    assert reply.private and "no longer active" in reply.text
    assert _rows(brain, feedback_table) == 0


def test_with_the_switch_off_no_question_text_is_stored(config: Config) -> None:
    brain = Brain(config)
    assert not config.kb_log_questions
    reply = _ask(brain, UNCOVERED)  # declined
    _press(brain, reply, ActionId.ANSWER_BAD)
    _ask(brain, COVERED)
    _ask(brain, "bad")
    assert _rows(brain, log_table) == 0
    assert _rows(brain, feedback_table) == 2  # the counts are kept
    with brain.reminders.store.engine.connect() as connection:
        stored = " ".join(str(v) for row in connection.execute(select(feedback_table)) for v in row)
    assert "passport" not in stored and "often" not in stored


def test_with_the_switch_on_declined_and_thumbs_down_questions_are_logged(config: Config) -> None:
    brain = Brain(replace(config, kb_log_questions=True))
    _ask(brain, UNCOVERED)
    reply = _ask(brain, COVERED)
    _ask(brain, "hello")  # not logged: a greeting
    _press(brain, reply, ActionId.ANSWER_BAD)
    _press(brain, reply, ActionId.ANSWER_BAD)  # the same vote again: logged once
    log = brain.reminders.store.feedback
    assert sorted(log.logged_texts()) == sorted([UNCOVERED, COVERED])
    reasons = {q.question: q.reason for q in log.logged(since=brain.clock() - timedelta(days=1))}
    assert reasons == {UNCOVERED: "declined", COVERED: "voted_down"}


def test_the_switch_and_retention_are_settings() -> None:
    base = {"HEADSHOT_DATABASE_URL": "sqlite://"}
    assert not load_config(base).kb_log_questions and load_config(base).kb_log_days == 30
    on = load_config({**base, "HEADSHOT_KB_LOG_QUESTIONS": "on", "HEADSHOT_KB_LOG_DAYS": "7"})
    assert on.kb_log_questions and on.kb_log_days == 7
    with pytest.raises(ConfigError, match="on or off"):
        load_config({**base, "HEADSHOT_KB_LOG_QUESTIONS": "maybe"})
    with pytest.raises(ConfigError, match="HEADSHOT_KB_LOG_DAYS"):
        load_config({**base, "HEADSHOT_KB_LOG_DAYS": "0"})


def test_the_console_offers_good_and_bad_and_records_them(config: Config) -> None:
    brain = Brain(config)
    stdout = io.StringIO()
    stdin = io.StringIO(f"{COVERED}\ngood\n")
    assert run_console(brain, user="alice", stdin=stdin, stdout=stdout, crops_dir=None) == 0
    out = stdout.getvalue()
    assert "Say: “good” · “bad”" in out
    assert "Thanks — noted 👍." in out
    (votes,) = brain.reminders.store.feedback.passage_votes()
    assert votes.up == 1


def test_kb_misses_lists_logged_questions_and_votes(
    config: Config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'misses.db'}"
    brain = Brain(replace(config, database_url=url, kb_log_questions=True))
    _ask(brain, UNCOVERED)
    _ask(brain, UNCOVERED, Conversation("discord", "G1", "C1", "7"))
    _ask(brain, COVERED)
    _ask(brain, "bad")
    brain.close()
    monkeypatch.setenv("HEADSHOT_DATABASE_URL", url)
    monkeypatch.setenv("HEADSHOT_KB_LOG_QUESTIONS", "on")

    assert main(["kb", "misses", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["logging"] is True and report["retention_days"] == 30
    declined, voted = report["questions"]
    assert (declined["question"], declined["reason"], declined["count"]) == (UNCOVERED, "declined", 2)
    assert (voted["question"], voted["reason"], voted["count"]) == (COVERED, "voted_down", 1)
    assert 0 < declined["score"] <= 1 and declined["top_passage"]
    (passage,) = report["passages"]
    assert (passage["up"], passage["down"]) == (0, 1) and passage["start"]

    assert main(["kb", "misses", "--days", "1"]) == 0
    text = capsys.readouterr().out
    assert "question log: on; kept 30 days" in text
    assert "2× declined" in text and UNCOVERED in text
    assert "👎   1" in text


def test_kb_misses_says_when_logging_is_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEADSHOT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv("HEADSHOT_KB_LOG_QUESTIONS", raising=False)
    assert main(["kb", "misses"]) == 0
    out = capsys.readouterr().out
    assert "question log: off (set HEADSHOT_KB_LOG_QUESTIONS=on" in out
    assert "logged questions: none" in out and "votes per passage: none yet" in out
