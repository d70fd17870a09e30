"""The reminder store's tables (SQLAlchemy 2.x declarative models).

Every timestamp is stored as UTC. SQLite has no time-zone type: `DateTime(timezone=True)` silently drops
the offset there (12:00+02:00 comes back as a naive 12:00, two hours wrong), so `UTCDateTime` converts to
UTC before binding and re-attaches UTC when reading. PostgreSQL gets a real `timestamptz`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DEFAULT_WORKSPACE_INTERVAL_MONTHS = 24  # the documents advise revisiting a portrait every 1–2 years


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the reminder store; pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        # SQLite compares the stored text: one fixed format (naive UTC) keeps the order right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ReminderStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # a scheduler holds it until lease_until
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DONE = "done"  # a refresh reminder closed because the photo was updated ("done", or a new avatar seen)


class ReminderKind(StrEnum):
    REMINDER = "reminder"  # set by the user (or an operator)
    SUGGESTION = "suggestion"  # the bot noticed an old profile photo
    PHOTO_REVIEW = "photo_review"  # the bot noticed a new profile photo and offers to review it


ACTIVE_STATUSES = (ReminderStatus.PENDING.value, ReminderStatus.CLAIMED.value)


class Reminder(Base):
    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(128))
    user: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recurrence: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default=ReminderKind.REMINDER.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The user named the time ("tonight at 8"): delivered then, not held to their daytime (DESIGN.md).
    exact_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_owner", "user", "platform", "status"),
    )


class UserPreference(Base):
    """Per person on a platform (user ids are platform-wide on Slack and Discord)."""

    __tablename__ = "user_preferences"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[str] = mapped_column(String(128), primary_key=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    suggestions_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person's own consent to proactive messages (outdated-photo suggestions, new-photo review offers):
    # off until they say "suggestions on"; an admin's photo_tracking only decides whether it is offered.
    suggestions_opted_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    refresh_interval_months: Mapped[int | None] = mapped_column(Integer, nullable=True)


class WorkspaceSetting(Base):
    __tablename__ = "workspace_settings"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(128), primary_key=True)
    photo_tracking: Mapped[bool] = mapped_column(Boolean, default=False)
    refresh_interval_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_WORKSPACE_INTERVAL_MONTHS)


class AvatarSightingRow(Base):
    """The last avatar seen for a user; `first_seen` is when that avatar first appeared."""

    __tablename__ = "avatar_sightings"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(128), primary_key=True)
    user: Mapped[str] = mapped_column(String(128), primary_key=True)
    avatar_hash: Mapped[str] = mapped_column(String(128))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderChange(Base):
    """A person's last change to their reminders, so "undo" can put it back (one row per person is kept).

    `edits` is JSON: for every reminder the change touched, its state before and after (a reminder the
    change created has "cancelled" as its state before). Undo restores a reminder only while it is still in
    its "after" state, so a delivery or another change that happened since is never overwritten.
    """

    __tablename__ = "reminder_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    edits: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_reminder_changes_owner", "user", "platform"),)


class Confirmation(Base):
    """A question the bot asked before doing something it cannot take back alone ("cancel all"): answered
    once, by a button or a typed "yes"/"no", until `expires_at`."""

    __tablename__ = "confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    reminder_ids: Mapped[str] = mapped_column(Text)  # JSON list: exactly the reminders the question named
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_confirmations_owner", "user", "platform"),)


class PhotoOffer(Base):
    """An offer to review a new profile photo, made once per (person, avatar): the key makes a second offer
    for the same change impossible, also when two processes (or two servers of one Discord user) see it."""

    __tablename__ = "photo_offers"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[str] = mapped_column(String(128), primary_key=True)
    avatar_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HandledEvent(Base):
    """A platform delivery some process has taken: a Slack event_id, a slash command's or a button's
    trigger_id, a message's ts. Every replica sharing the store sees it, so a retry or a duplicate of it is
    dropped anywhere; it expires after a short while (retries come within minutes)."""

    __tablename__ = "handled_events"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_handled_events_expires", "expires_at"),)


class AnswerFeedback(Base):
    """A 👍 or 👎 on one answer: one vote per person and answer (a second press changes it). The counts are
    what the operator sees; who voted is kept only so a vote can be changed, exported and forgotten."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    user: Mapped[str] = mapped_column(String(128))
    answer_key: Mapped[str] = mapped_column(
        String(64)
    )  # names the answer (question + passages), not its text
    verdict: Mapped[str] = mapped_column(String(8))  # "up" or "down"
    top_passage: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("platform", "user", "answer_key", name="uq_answer_feedback_vote"),
        Index("ix_answer_feedback_created", "created_at"),
    )


class QuestionLogEntry(Base):
    """A question the knowledge base served badly (declined, unsure, or voted 👎), kept only while the
    operator has turned HEADSHOT_KB_LOG_QUESTIONS on, and deleted after its retention period."""

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    user: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))  # "declined", "unsure" or "voted_down"
    answer_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    top_passage: Mapped[str | None] = mapped_column(String(128), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_question_log_created", "created_at"),)


class WorkspaceDeparture(Base):
    """A workspace or server the bot was removed from, or lost access to: nothing is delivered there, and
    its data is deleted once `purge_after` passes (at once for an uninstall; after a grace period for a
    Discord server that is only unavailable, which clears the row when it comes back)."""

    __tablename__ = "workspace_departures"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(128), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64))
    departed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime())
