"""Feedback on the knowledge base's answers, in the store every replica shares.

Two tables (models `AnswerFeedback`, `QuestionLogEntry`, migration r0006):

- `answer_feedback`: one 👍/👎 per person and answer (`answer_key` names the answer: a short hash of the
  question and its passages, never its text). A vote is one `INSERT … ON CONFLICT DO UPDATE` on the unique
  (platform, user, answer_key), so two presses at the same moment, in one process or two, leave exactly one
  row holding the last verdict, on SQLite and PostgreSQL alike.
- `question_log`: the texts of questions the bot served badly (declined, unsure, voted 👎), written only
  while the operator has turned HEADSHOT_KB_LOG_QUESTIONS on, and deleted after HEADSHOT_KB_LOG_DAYS.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.reminders.database import read_transaction
from bot.reminders.models import AnswerFeedback, QuestionLogEntry

feedback_table = cast(Table, AnswerFeedback.__table__)
log_table = cast(Table, QuestionLogEntry.__table__)

Verdict = Literal["up", "down"]
Reason = Literal["declined", "unsure", "voted_down"]

MAX_QUESTION_CHARS = 1000
"""A logged question is cut to this many characters (the log is for reading, not for archiving)."""
PURGE_EVERY_SECONDS = 3600.0
"""Writing to the log deletes its expired rows at most this often per process."""


@dataclass(frozen=True)
class PassageVotes:
    passage: str
    up: int
    down: int


@dataclass(frozen=True)
class LoggedQuestion:
    """One question as `kb misses` lists it: the same text and reason asked several times is one line."""

    question: str
    reason: str
    top_passage: str | None
    score: float | None  # the belief in what was decided, averaged over the times it was asked
    count: int
    last_seen: datetime


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._next_purge = 0.0

    # --- votes ------------------------------------------------------------------------------------------

    def vote(
        self,
        *,
        platform: str,
        workspace: str,
        user: str,
        answer_key: str,
        verdict: Verdict,
        top_passage: str | None,
        now: datetime,
    ) -> Verdict | None:
        """Records this person's verdict on the answer (a second vote replaces the first); returns the
        verdict it replaced, or None for a first vote."""
        key = {"platform": platform, "user": user, "answer_key": answer_key}
        values: dict[str, Any] = {
            **key,
            "workspace": workspace,
            "verdict": verdict,
            "top_passage": top_passage,
            "created_at": now,
        }
        with self.engine.begin() as connection:
            before = connection.execute(
                select(feedback_table.c.verdict).where(
                    *(feedback_table.c[column] == value for column, value in key.items())
                )
            ).scalar_one_or_none()
            _upsert_vote(connection, values)
        return cast(Verdict | None, before)

    def passage_votes(self) -> list[PassageVotes]:
        """👍 and 👎 per passage (the answer's best passage), most 👎 first."""
        up = func.sum(case((feedback_table.c.verdict == "up", 1), else_=0))
        down = func.sum(case((feedback_table.c.verdict == "down", 1), else_=0))
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(feedback_table.c.top_passage, up, down)
                .where(feedback_table.c.top_passage.is_not(None))
                .group_by(feedback_table.c.top_passage)
            ).all()
        votes = [PassageVotes(str(passage), int(ups or 0), int(downs or 0)) for passage, ups, downs in rows]
        return sorted(votes, key=lambda v: (-v.down, -v.up, v.passage))

    # --- the question log ------------------------------------------------------------------------------

    def log_question(
        self,
        *,
        platform: str,
        workspace: str,
        user: str,
        question: str,
        reason: Reason,
        answer_key: str | None,
        top_passage: str | None,
        score: float | None,
        now: datetime,
        keep_days: int,
    ) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(log_table).values(
                    platform=platform,
                    workspace=workspace,
                    user=user,
                    question=question.strip()[:MAX_QUESTION_CHARS],
                    reason=reason,
                    answer_key=answer_key,
                    top_passage=top_passage,
                    score=score,
                    created_at=now,
                )
            )
        if time.monotonic() >= self._next_purge:
            self.purge_log(before=now - timedelta(days=keep_days))

    def purge_log(self, *, before: datetime) -> int:
        """Deletes the logged questions older than `before`; returns how many."""
        self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        with self.engine.begin() as connection:
            deleted = connection.execute(
                delete(log_table).where(log_table.c.created_at < before).returning(log_table.c.id)
            )
            return len(deleted.all())

    def logged(self, *, since: datetime) -> list[LoggedQuestion]:
        """The questions logged since `since`, one line per (text, reason, passage), most asked first."""
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(
                    log_table.c.question,
                    log_table.c.reason,
                    log_table.c.top_passage,
                    func.avg(log_table.c.score),
                    func.count(),
                    func.max(log_table.c.created_at),
                )
                .where(log_table.c.created_at >= since)
                .group_by(log_table.c.question, log_table.c.reason, log_table.c.top_passage)
            ).all()
        found = [
            LoggedQuestion(
                question=str(question),
                reason=str(reason),
                top_passage=passage,
                score=None if score is None else float(score),
                count=int(count),
                last_seen=_aware(last),
            )
            for question, reason, passage, score, count, last in rows
        ]
        return sorted(found, key=lambda q: (-q.count, q.reason, q.question))

    def logged_texts(self) -> list[str]:
        """Every question text the log holds (tests, privacy checks)."""
        with read_transaction(self.engine) as connection:
            return [str(text) for text in connection.execute(select(log_table.c.question)).scalars()]

    def tables(self) -> Sequence[Table]:
        return (feedback_table, log_table)


def _upsert_vote(connection: Connection, values: dict[str, Any]) -> None:
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = module.insert(feedback_table).values(**values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["platform", "user", "answer_key"],
            set_={
                "verdict": statement.excluded.verdict,
                "workspace": statement.excluded.workspace,
                "top_passage": statement.excluded.top_passage,
                "created_at": statement.excluded.created_at,
            },
        )
    )


def _aware(value: Any) -> datetime:
    """`max(created_at)` comes back through no type decorator: naive UTC text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
