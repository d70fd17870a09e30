"""All reads and writes of the reminder store, on SQLite or PostgreSQL with the same code.

Statements are SQLAlchemy Core (the hot path claims and marks thousands of rows, where ORM units of work
only add overhead). Every change that must not lose a race is one statement guarded by the row's status
and owner, so two schedulers, or a user cancelling while a scheduler delivers, never both win.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Row, Table, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.messages import Conversation
from bot.reminders.database import DEFAULT_BUSY_TIMEOUT_MS, create_store_engine, migrate, read_transaction
from bot.reminders.feedback import FeedbackStore
from bot.reminders.ledger import EventLedger
from bot.reminders.models import (
    ACTIVE_STATUSES,
    DEFAULT_WORKSPACE_INTERVAL_MONTHS,
    AvatarSightingRow,
    Base,
    Confirmation,
    HandledEvent,
    PhotoOffer,
    Reminder,
    ReminderChange,
    ReminderKind,
    ReminderStatus,
    UserPreference,
    WorkspaceSetting,
)

reminders = cast(Table, Reminder.__table__)
preferences = cast(Table, UserPreference.__table__)
workspaces = cast(Table, WorkspaceSetting.__table__)
sightings_table = cast(Table, AvatarSightingRow.__table__)
changes_table = cast(Table, ReminderChange.__table__)
confirmations_table = cast(Table, Confirmation.__table__)
offers_table = cast(Table, PhotoOffer.__table__)
events_table = cast(Table, HandledEvent.__table__)

PENDING = ReminderStatus.PENDING.value
CLAIMED = ReminderStatus.CLAIMED.value
DELIVERED = ReminderStatus.DELIVERED.value
FAILED = ReminderStatus.FAILED.value
CANCELLED = ReminderStatus.CANCELLED.value
DONE = ReminderStatus.DONE.value


@dataclass(frozen=True)
class ReminderRecord:
    id: int
    platform: str
    workspace: str
    channel: str
    user: str
    text: str
    due_at: datetime
    recurrence: str | None
    status: str
    attempts: int
    claimed_by: str | None
    lease_until: datetime | None
    last_error: str | None
    kind: str
    created_at: datetime
    exact_time: bool = False  # the user named the time: delivered then, outside their daytime too

    @property
    def conversation(self) -> Conversation:
        return Conversation(
            platform=self.platform, workspace=self.workspace, channel=self.channel, user=self.user
        )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class NewReminder:
    platform: str
    workspace: str
    channel: str
    user: str
    text: str
    due_at: datetime
    recurrence: str | None = None
    kind: str = ReminderKind.REMINDER.value
    exact_time: bool = False


@dataclass(frozen=True)
class Preferences:
    timezone: str | None = None
    suggestions_opted_out: bool = False
    refresh_interval_months: int | None = None
    suggestions_opted_in: bool = False  # their own consent to proactive messages


@dataclass(frozen=True)
class WorkspaceSettings:
    photo_tracking: bool = False
    refresh_interval_months: int = DEFAULT_WORKSPACE_INTERVAL_MONTHS


@dataclass(frozen=True)
class StoredSighting:
    user: str
    avatar_hash: str
    first_seen: datetime
    last_seen: datetime
    replaced_hash: str | None = None  # the avatar this sighting replaced (the user changed their photo)


@dataclass(frozen=True)
class RowState:
    """The part of a reminder a person's change sets, and undo puts back."""

    status: str
    due_at: datetime
    exact_time: bool = False
    attempts: int = 0
    last_error: str | None = None

    @classmethod
    def of(cls, record: ReminderRecord) -> RowState:
        return cls(record.status, record.due_at, record.exact_time, record.attempts, record.last_error)

    def restorable(self) -> RowState:
        """What undo puts back: a claim belongs to the worker that held it, so a claimed one comes back
        pending."""
        return replace(self, status=PENDING) if self.status == CLAIMED else self

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "due_at": self.due_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowState:
        return cls(**{**data, "due_at": datetime.fromisoformat(data["due_at"])})


@dataclass(frozen=True)
class Edit:
    """One reminder's change: it lands only while the reminder is still as `before` (status and due time),
    so a delivery, a repeat stepping on or another change that came in between is never overwritten."""

    reminder_id: int
    before: RowState
    after: RowState


@dataclass(frozen=True)
class Change:
    """What one command does to one person's reminders, applied in one transaction under their lock."""

    action: str  # "set", "cancel", "cancel all", "move", "snooze", "postpone", "done", "new photo"
    edits: tuple[Edit, ...] = ()
    add: NewReminder | None = None
    # An active reminder (at `add`'s due time) that makes adding one unnecessary: it already exists.
    twin: Callable[[ReminderRecord], bool] | None = None
    cap: int | None = None
    undoable: bool = True


@dataclass(frozen=True)
class Applied:
    changed: tuple[ReminderRecord, ...]  # as they are now
    missed: tuple[int, ...]  # reminders that had moved on: left as they were
    added: ReminderRecord | None = None
    twin: ReminderRecord | None = None
    cap_reached: bool = False
    change_id: int | None = None  # the undo entry, when one was written


@dataclass(frozen=True)
class Undone:
    state: Literal["undone", "nothing", "already undone", "too old", "superseded"]
    action: str = ""
    created_at: datetime | None = None
    restored: tuple[ReminderRecord, ...] = ()
    moved_on: tuple[ReminderRecord, ...] = ()  # changed since (delivered, claimed, changed again): kept


@dataclass(frozen=True)
class Answer:
    state: Literal["yes", "no", "nothing", "expired", "answered"]
    action: str = ""
    reminder_ids: tuple[int, ...] = ()


class CapReached(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(f"at most {cap} active reminders")
        self.cap = cap


MAX_ROW_ID = 2**31 - 1  # the id column is a 32-bit INTEGER on PostgreSQL; a bigger number cannot be an id


def _record(row: Row[Any]) -> ReminderRecord:
    return ReminderRecord(**row._mapping)


class ReminderStore:
    def __init__(
        self,
        database_url: str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        migrate_on_open: bool = True,
    ) -> None:
        self.engine: Engine = create_store_engine(database_url, busy_timeout_ms=busy_timeout_ms)
        if migrate_on_open:
            migrate(self.engine)
        self.events = EventLedger(self.engine)  # the platform deliveries some process has taken
        self.feedback = FeedbackStore(self.engine)  # 👍/👎 on answers, the operator's question log

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # --- reminders a person owns -------------------------------------------------------------------

    def add(self, new: NewReminder, *, now: datetime, cap: int | None = None) -> ReminderRecord:
        """Adds one reminder; with `cap`, refuses (CapReached) when the owner already has that many.

        Count and insert are one transaction that holds the owner's lock (`lock_owner`), so reminders set
        at the same moment cannot all see room under the cap.
        """
        with self.engine.begin() as connection:
            if cap is not None:
                lock_owner(connection, new.platform, new.user)
                if self._active_count(connection, new.platform, new.user) >= cap:
                    raise CapReached(cap)
            row = connection.execute(
                insert(reminders).values(**_new_values(new, now)).returning(*reminders.c)
            ).one()
        return _record(row)

    def add_many(self, items: Sequence[NewReminder], *, now: datetime) -> list[ReminderRecord]:
        """Adds several reminders in one transaction (an operator's `reminders add --user A --user B`)."""
        with self.engine.begin() as connection:
            rows = [
                connection.execute(
                    insert(reminders).values(**_new_values(item, now)).returning(*reminders.c)
                ).one()
                for item in items
            ]
        return [_record(row) for row in rows]

    def bulk_add(self, items: Sequence[NewReminder], *, now: datetime) -> int:
        """Loads many reminders with one executemany (benchmarks, tests); returns how many."""
        if not items:
            return 0
        with self.engine.begin() as connection:
            connection.execute(insert(reminders), [_new_values(item, now) for item in items])
        return len(items)

    def _active_count(self, connection: Connection, platform: str, user: str) -> int:
        return connection.execute(
            select(func.count())
            .select_from(reminders)
            .where(
                reminders.c.platform == platform,
                reminders.c.user == user,
                reminders.c.status.in_(ACTIVE_STATUSES),
                reminders.c.kind == ReminderKind.REMINDER.value,
            )
        ).scalar_one()

    def active_for(self, platform: str, user: str) -> list[ReminderRecord]:
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(reminders)
                .where(
                    reminders.c.platform == platform,
                    reminders.c.user == user,
                    reminders.c.status.in_(ACTIVE_STATUSES),
                )
                .order_by(reminders.c.due_at, reminders.c.id)
            ).all()
        return [_record(row) for row in rows]

    def owned(self, reminder_id: int, platform: str, user: str) -> ReminderRecord | None:
        """The reminder if this person owns it; None both when it is missing and when it is someone else's."""
        if not 0 < reminder_id <= MAX_ROW_ID:
            return None
        with read_transaction(self.engine) as connection:
            row = connection.execute(
                select(reminders).where(
                    reminders.c.id == reminder_id, reminders.c.platform == platform, reminders.c.user == user
                )
            ).one_or_none()
        return _record(row) if row is not None else None

    def cancel(self, reminder_id: int, platform: str, user: str) -> bool:
        if not 0 < reminder_id <= MAX_ROW_ID:
            return False
        with self.engine.begin() as connection:
            result = connection.execute(
                update(reminders)
                .where(
                    reminders.c.id == reminder_id,
                    reminders.c.platform == platform,
                    reminders.c.user == user,
                    reminders.c.status.in_(ACTIVE_STATUSES),
                )
                .values(status=CANCELLED, claimed_by=None, lease_until=None)
            )
        return result.rowcount == 1

    def cancel_kind(self, platform: str, user: str, kind: str) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                update(reminders)
                .where(
                    reminders.c.platform == platform,
                    reminders.c.user == user,
                    reminders.c.kind == kind,
                    reminders.c.status == PENDING,
                )
                .values(status=CANCELLED)
            )
        return result.rowcount

    def reschedule(
        self,
        reminder_id: int,
        platform: str,
        user: str,
        due_at: datetime,
        *,
        only_if_due_at: datetime | None = None,
    ) -> ReminderRecord | None:
        """Snooze: back to pending at `due_at` (also a delivered or failed one), not while being sent.

        With `only_if_due_at`, only while the reminder is still due then: a postponement computed from
        the due time never lands on a reminder that moved meanwhile (a repeat stepped on, another snooze).
        """
        if not 0 < reminder_id <= MAX_ROW_ID:
            return None
        guards = [
            reminders.c.id == reminder_id,
            reminders.c.platform == platform,
            reminders.c.user == user,
            reminders.c.status.in_((PENDING, DELIVERED, FAILED)),
        ]
        if only_if_due_at is not None:
            guards.append(reminders.c.due_at == only_if_due_at)
        with self.engine.begin() as connection:
            row = connection.execute(
                update(reminders)
                .where(*guards)
                .values(
                    status=PENDING,
                    due_at=due_at,
                    attempts=0,
                    claimed_by=None,
                    lease_until=None,
                    last_error=None,
                )
                .returning(*reminders.c)
            ).one_or_none()
        return _record(row) if row is not None else None

    def list_all(self, *, user: str | None = None, limit: int | None = None) -> list[ReminderRecord]:
        query = select(reminders).order_by(reminders.c.due_at, reminders.c.id)
        if user is not None:
            query = query.where(reminders.c.user == user)
        if limit is not None:
            query = query.limit(limit)
        with read_transaction(self.engine) as connection:
            return [_record(row) for row in connection.execute(query).all()]

    def get(self, reminder_id: int) -> ReminderRecord | None:
        if not 0 < reminder_id <= MAX_ROW_ID:
            return None
        with read_transaction(self.engine) as connection:
            row = connection.execute(select(reminders).where(reminders.c.id == reminder_id)).one_or_none()
        return _record(row) if row is not None else None

    # --- delivery: claims and their outcomes ---------------------------------------------------------

    def claim_due(
        self,
        worker: str,
        *,
        now: datetime,
        limit: int,
        lease: timedelta,
        platforms: Iterable[str],
    ) -> list[ReminderRecord]:
        """Atomically takes up to `limit` due pending reminders for `worker`, oldest first.

        One statement: UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING ….
        PostgreSQL skips rows another worker is claiming; SQLite has one writer at a time (the SQLite
        dialect leaves the FOR UPDATE out). The status guard in the outer WHERE makes a row that changed
        in between simply not match, so a row is never claimed twice. The inner SELECT reads the
        (status, due_at) index in order; claims whose lease ran out are first put back by `expire_leases`.
        """
        platform_list = list(platforms)
        if not platform_list or limit <= 0:
            return []
        claimable = and_(reminders.c.status == PENDING, reminders.c.due_at <= now)
        # A materialised CTE, evaluated exactly once: PostgreSQL may otherwise run a LIMIT … SKIP LOCKED
        # subquery once per outer row and claim more than `limit` rows (a test caught it doing so).
        candidates = (
            select(reminders.c.id)
            .where(claimable, reminders.c.platform.in_(platform_list))
            .order_by(reminders.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("candidates")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        statement = (
            update(reminders)
            .where(reminders.c.id.in_(select(candidates.c.id)), claimable)
            .values(status=CLAIMED, claimed_by=worker, lease_until=now + lease)
            .returning(*reminders.c)
        )
        with self.engine.begin() as connection:
            rows = connection.execute(statement).all()
        return sorted((_record(row) for row in rows), key=lambda r: (r.due_at, r.id))

    def _finish(self, reminder_id: int, worker: str, **values: Any) -> bool:
        """Changes a claimed reminder only while `worker` still holds the claim."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(reminders)
                .where(
                    reminders.c.id == reminder_id,
                    reminders.c.status == CLAIMED,
                    reminders.c.claimed_by == worker,
                )
                .values(**values)
            )
        return result.rowcount == 1

    def mark_delivered(self, reminder_id: int, worker: str, *, next_due: datetime | None = None) -> bool:
        return self.mark_delivered_many(worker, [(reminder_id, next_due)]) == 1

    def mark_delivered_many(self, worker: str, items: Sequence[tuple[int, datetime | None]]) -> int:
        """Marks sent reminders in one transaction; a recurring one (with a next due time) waits again.

        Only rows this worker still holds change; the count tells how many did.
        """
        held = and_(reminders.c.status == CLAIMED, reminders.c.claimed_by == worker)
        once = [reminder_id for reminder_id, next_due in items if next_due is None]
        marked = 0
        with self.engine.begin() as connection:
            if once:
                marked += connection.execute(
                    update(reminders)
                    .where(reminders.c.id.in_(once), held)
                    .values(status=DELIVERED, claimed_by=None, lease_until=None)
                ).rowcount
            for reminder_id, next_due in items:
                if next_due is None:
                    continue
                marked += connection.execute(
                    update(reminders)
                    .where(reminders.c.id == reminder_id, held)
                    .values(
                        status=PENDING,
                        due_at=next_due,
                        attempts=0,
                        claimed_by=None,
                        lease_until=None,
                        last_error=None,
                    )
                ).rowcount
        return marked

    def mark_retry(
        self, reminder_id: int, worker: str, *, due_at: datetime, attempts: int, error: str
    ) -> bool:
        return self._finish(
            reminder_id,
            worker,
            status=PENDING,
            due_at=due_at,
            attempts=attempts,
            last_error=error,
            claimed_by=None,
            lease_until=None,
        )

    def mark_failed(self, reminder_id: int, worker: str, *, attempts: int, error: str) -> bool:
        return self._finish(
            reminder_id,
            worker,
            status=FAILED,
            attempts=attempts,
            last_error=error,
            claimed_by=None,
            lease_until=None,
        )

    def defer(self, reminder_id: int, worker: str, *, due_at: datetime) -> bool:
        """Outside the user's daytime: wait, without counting an attempt."""
        return self._finish(
            reminder_id, worker, status=PENDING, due_at=due_at, claimed_by=None, lease_until=None
        )

    def extend_lease(self, reminder_ids: Sequence[int], worker: str, *, until: datetime) -> set[int]:
        """Renews this worker's claims; returns the ids it still holds."""
        if not reminder_ids:
            return set()
        with self.engine.begin() as connection:
            rows = connection.execute(
                update(reminders)
                .where(
                    reminders.c.id.in_(list(reminder_ids)),
                    reminders.c.status == CLAIMED,
                    reminders.c.claimed_by == worker,
                )
                .values(lease_until=until)
                .returning(reminders.c.id)
            ).all()
        return {row.id for row in rows}

    def expire_leases(self, now: datetime) -> int:
        """Puts back claims whose lease ran out (their worker crashed or stalled), for anyone to claim."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(reminders)
                .where(reminders.c.status == CLAIMED, reminders.c.lease_until < now)
                .values(status=PENDING, claimed_by=None, lease_until=None)
            )
        return result.rowcount

    def claim_holders(self) -> set[str]:
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(reminders.c.claimed_by).where(reminders.c.status == CLAIMED).distinct()
            ).all()
        return {row.claimed_by for row in rows if row.claimed_by}

    def release_workers(self, workers: Sequence[str]) -> int:
        """Hands back every claim of workers known to be gone."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(reminders)
                .where(reminders.c.status == CLAIMED, reminders.c.claimed_by.in_(list(workers)))
                .values(status=PENDING, claimed_by=None, lease_until=None)
            )
        return result.rowcount

    def release(self, reminder_ids: Sequence[int], worker: str) -> int:
        """Hands back claims this worker did not start, so another worker takes them at once."""
        if not reminder_ids:
            return 0
        with self.engine.begin() as connection:
            result = connection.execute(
                update(reminders)
                .where(
                    reminders.c.id.in_(list(reminder_ids)),
                    reminders.c.status == CLAIMED,
                    reminders.c.claimed_by == worker,
                )
                .values(status=PENDING, claimed_by=None, lease_until=None)
            )
        return result.rowcount

    # --- preferences and workspace settings --------------------------------------------------------

    def preferences(self, platform: str, user: str) -> Preferences:
        with read_transaction(self.engine) as connection:
            row = connection.execute(
                select(preferences).where(preferences.c.platform == platform, preferences.c.user == user)
            ).one_or_none()
        if row is None:
            return Preferences()
        return Preferences(
            row.timezone,
            bool(row.suggestions_opted_out),
            row.refresh_interval_months,
            bool(row.suggestions_opted_in),
        )

    def timezones(self, people: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Stored time zones for (platform, user) pairs, in one query."""
        wanted = set(people)
        if not wanted:
            return {}
        users = {user for _, user in wanted}
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(preferences.c.platform, preferences.c.user, preferences.c.timezone).where(
                    preferences.c.user.in_(users), preferences.c.timezone.is_not(None)
                )
            ).all()
        return {(p, u): tz for p, u, tz in rows if (p, u) in wanted and tz}

    def set_preferences(self, platform: str, user: str, **changes: Any) -> Preferences:
        with self.engine.begin() as connection:
            key = and_(preferences.c.platform == platform, preferences.c.user == user)
            exists = connection.execute(select(preferences.c.user).where(key)).first() is not None
            if exists:
                connection.execute(update(preferences).where(key).values(**changes))
            else:
                values = {"suggestions_opted_out": False, "suggestions_opted_in": False, **changes}
                connection.execute(insert(preferences).values(platform=platform, user=user, **values))
        return self.preferences(platform, user)

    def workspace_settings(self, platform: str, workspace: str) -> WorkspaceSettings:
        with read_transaction(self.engine) as connection:
            row = connection.execute(
                select(workspaces).where(
                    workspaces.c.platform == platform, workspaces.c.workspace == workspace
                )
            ).one_or_none()
        if row is None:
            return WorkspaceSettings()
        return WorkspaceSettings(bool(row.photo_tracking), row.refresh_interval_months)

    def set_workspace_settings(self, platform: str, workspace: str, **changes: Any) -> WorkspaceSettings:
        with self.engine.begin() as connection:
            key = and_(workspaces.c.platform == platform, workspaces.c.workspace == workspace)
            exists = connection.execute(select(workspaces.c.workspace).where(key)).first() is not None
            if exists:
                connection.execute(update(workspaces).where(key).values(**changes))
            else:
                values = {
                    "photo_tracking": False,
                    "refresh_interval_months": DEFAULT_WORKSPACE_INTERVAL_MONTHS,
                    **changes,
                }
                connection.execute(
                    insert(workspaces).values(platform=platform, workspace=workspace, **values)
                )
        return self.workspace_settings(platform, workspace)

    # --- avatar sightings ----------------------------------------------------------------------------

    def record_sightings(
        self, platform: str, workspace: str, seen: Sequence[tuple[str, str, datetime]]
    ) -> list[StoredSighting]:
        """Stores (user, avatar_hash, seen_at); a new hash restarts `first_seen`. Returns the rows after."""
        latest: dict[str, tuple[str, datetime]] = {}
        for user, avatar_hash, seen_at in seen:
            if user not in latest or seen_at >= latest[user][1]:
                latest[user] = (avatar_hash, seen_at)
        if not latest:
            return []
        key = and_(sightings_table.c.platform == platform, sightings_table.c.workspace == workspace)
        result: list[StoredSighting] = []
        with self.engine.begin() as connection:
            existing = {
                row.user: row
                for row in connection.execute(
                    select(sightings_table).where(key, sightings_table.c.user.in_(list(latest)))
                ).all()
            }
            for user, (avatar_hash, seen_at) in latest.items():
                row = existing.get(user)
                if row is None:
                    connection.execute(
                        insert(sightings_table).values(
                            platform=platform,
                            workspace=workspace,
                            user=user,
                            avatar_hash=avatar_hash,
                            first_seen=seen_at,
                            last_seen=seen_at,
                        )
                    )
                    result.append(StoredSighting(user, avatar_hash, seen_at, seen_at))
                    continue
                same = row.avatar_hash == avatar_hash
                first_seen = row.first_seen if same else seen_at
                last_seen = max(row.last_seen, seen_at) if same else seen_at
                # Guarded by the hash read: of two processes seeing the same change, one replaces it.
                replaced = connection.execute(
                    update(sightings_table)
                    .where(
                        key, sightings_table.c.user == user, sightings_table.c.avatar_hash == row.avatar_hash
                    )
                    .values(avatar_hash=avatar_hash, first_seen=first_seen, last_seen=last_seen)
                ).rowcount
                changed = row.avatar_hash if not same and replaced == 1 else None
                result.append(StoredSighting(user, avatar_hash, first_seen, last_seen, changed))
        return result

    def sighting(self, platform: str, workspace: str, user: str) -> StoredSighting | None:
        with read_transaction(self.engine) as connection:
            row = connection.execute(
                select(sightings_table).where(
                    sightings_table.c.platform == platform,
                    sightings_table.c.workspace == workspace,
                    sightings_table.c.user == user,
                )
            ).one_or_none()
        return (
            None if row is None else StoredSighting(row.user, row.avatar_hash, row.first_seen, row.last_seen)
        )

    def users_with_recent_suggestion(
        self, platform: str, workspace: str, users: Iterable[str], since: datetime
    ) -> set[str]:
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(reminders.c.user).where(
                    reminders.c.platform == platform,
                    reminders.c.workspace == workspace,
                    reminders.c.user.in_(list(users)),
                    reminders.c.kind == ReminderKind.SUGGESTION.value,
                    or_(reminders.c.created_at >= since, reminders.c.status.in_(ACTIVE_STATUSES)),
                )
            ).all()
        return {row.user for row in rows}

    def opted_in(self, platform: str, users: Iterable[str]) -> set[str]:
        """Who said "suggestions on" themselves: the only people the bot may contact unasked."""
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(preferences.c.user).where(
                    preferences.c.platform == platform,
                    preferences.c.user.in_(list(users)),
                    preferences.c.suggestions_opted_in.is_(True),
                    preferences.c.suggestions_opted_out.is_(False),
                )
            ).all()
        return {row.user for row in rows}

    # --- changes a person makes, and undoing the last one ------------------------------------------

    def apply(self, platform: str, user: str, change: Change, *, now: datetime) -> Applied:
        """Carries out `change` for this person at once, and remembers it for "undo" (when undoable)."""
        with self.engine.begin() as connection:
            lock_owner(connection, platform, user)
            return self._apply(connection, platform, user, change, now)

    def _apply(
        self, connection: Connection, platform: str, user: str, change: Change, now: datetime
    ) -> Applied:
        changed, missed = _apply_edits(connection, platform, user, change.edits)
        added = twin = None
        cap_reached = False
        if change.add is not None:
            twin = _find_twin(connection, change.add, change.twin) if change.twin else None
            if twin is None and change.cap is not None:
                cap_reached = self._active_count(connection, platform, user) >= change.cap
            if twin is None and not cap_reached:
                row = connection.execute(
                    insert(reminders).values(**_new_values(change.add, now)).returning(*reminders.c)
                ).one()
                added = _record(row)
        change_id = None
        if change.undoable and (changed or added):
            before = {edit.reminder_id: edit.before for edit in change.edits}
            journal = [
                {
                    "id": r.id,
                    "after": RowState.of(r).to_json(),
                    "restore": before[r.id].restorable().to_json(),
                }
                for r in changed
            ]
            if added is not None:  # undoing a reminder's creation cancels it
                restore = replace(RowState.of(added), status=CANCELLED)
                journal.append(
                    {"id": added.id, "after": RowState.of(added).to_json(), "restore": restore.to_json()}
                )
            change_id = connection.execute(
                insert(changes_table)
                .values(
                    platform=platform,
                    user=user,
                    action=change.action,
                    edits=json.dumps(journal),
                    created_at=now,
                )
                .returning(changes_table.c.id)
            ).scalar_one()
            # Only the last change can be undone: older entries are of no use.
            connection.execute(
                delete(changes_table).where(
                    _owned_by(changes_table, platform, user), changes_table.c.id < change_id
                )
            )
        return Applied(tuple(changed), tuple(missed), added, twin, cap_reached, change_id)

    def undo(
        self, platform: str, user: str, *, now: datetime, since: datetime, change_id: int | None = None
    ) -> Undone:
        """Puts back this person's last change, once; only one made after `since`. With `change_id` (an Undo
        button), only while that change is still their last one."""
        with self.engine.begin() as connection:
            lock_owner(connection, platform, user)
            entry = connection.execute(
                select(changes_table)
                .where(_owned_by(changes_table, platform, user))
                .order_by(changes_table.c.id.desc())
                .limit(1)
            ).one_or_none()
            if entry is None:
                return Undone("nothing")
            if change_id is not None and entry.id != change_id:
                return Undone("superseded", entry.action, entry.created_at)
            if entry.undone_at is not None:
                return Undone("already undone", entry.action, entry.created_at)
            if entry.created_at < since:
                return Undone("too old", entry.action, entry.created_at)
            claimed = connection.execute(
                update(changes_table)
                .where(changes_table.c.id == entry.id, changes_table.c.undone_at.is_(None))
                .values(undone_at=now)
            ).rowcount
            if claimed != 1:
                return Undone("already undone", entry.action, entry.created_at)
            edits = [
                Edit(item["id"], RowState.from_json(item["after"]), RowState.from_json(item["restore"]))
                for item in json.loads(entry.edits)
            ]
            restored, missed = _apply_edits(connection, platform, user, edits)
            moved_on = (
                connection.execute(select(reminders).where(reminders.c.id.in_(missed))).all()
                if missed
                else []
            )
        return Undone(
            "undone", entry.action, entry.created_at, tuple(restored), tuple(_record(row) for row in moved_on)
        )

    # --- questions waiting for a yes ------------------------------------------------------------------

    def ask(
        self,
        platform: str,
        user: str,
        action: str,
        reminder_ids: Sequence[int],
        *,
        now: datetime,
        ttl: timedelta,
    ) -> int:
        """Records a question ("cancel these?"); a new one replaces this person's earlier questions."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(confirmations_table).where(_owned_by(confirmations_table, platform, user))
            )
            return int(
                connection.execute(
                    insert(confirmations_table)
                    .values(
                        platform=platform,
                        user=user,
                        action=action,
                        reminder_ids=json.dumps(list(reminder_ids)),
                        created_at=now,
                        expires_at=now + ttl,
                    )
                    .returning(confirmations_table.c.id)
                ).scalar_one()
            )

    def answer(
        self, platform: str, user: str, *, yes: bool, now: datetime, confirmation_id: int | None = None
    ) -> Answer:
        """Takes this person's answer to their open question (or to `confirmation_id`, a button), once."""
        with self.engine.begin() as connection:
            query = select(confirmations_table).where(_owned_by(confirmations_table, platform, user))
            if confirmation_id is not None:
                if not 0 < confirmation_id <= MAX_ROW_ID:
                    return Answer("nothing")
                query = query.where(confirmations_table.c.id == confirmation_id)
            row = connection.execute(query.order_by(confirmations_table.c.id.desc()).limit(1)).one_or_none()
            if row is None:
                return Answer("nothing")
            if row.answered_at is not None:
                return Answer("answered", row.action)
            if row.expires_at <= now:
                return Answer("expired", row.action)
            taken = connection.execute(
                update(confirmations_table)
                .where(confirmations_table.c.id == row.id, confirmations_table.c.answered_at.is_(None))
                .values(answered_at=now)
            ).rowcount
        if taken != 1:
            return Answer("answered", row.action)
        return Answer("yes" if yes else "no", row.action, tuple(json.loads(row.reminder_ids)))

    # --- a new profile photo ----------------------------------------------------------------------------

    def resolve_new_photo(
        self,
        platform: str,
        user: str,
        avatar_hash: str,
        change: Change,
        offer: Callable[[Applied], NewReminder],
        *,
        now: datetime,
    ) -> tuple[Applied, ReminderRecord] | None:
        """Once per (person, avatar): applies `change` (refresh reminders done, the next one set) and adds
        the review offer built from its outcome. None when this avatar was already handled, by any process."""
        with self.engine.begin() as connection:
            lock_owner(connection, platform, user)
            dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            first = connection.execute(
                dialect_insert(offers_table)
                .values(platform=platform, user=user, avatar_hash=avatar_hash, offered_at=now)
                .on_conflict_do_nothing()
                .returning(offers_table.c.user)
            ).first()
            if first is None:
                return None
            applied = self._apply(connection, platform, user, change, now)
            row = connection.execute(
                insert(reminders).values(**_new_values(offer(applied), now)).returning(*reminders.c)
            ).one()
        return applied, _record(row)

    def ping(self) -> None:
        """Raises when the store cannot answer a query (readiness probes)."""
        with read_transaction(self.engine) as connection:
            connection.execute(select(1)).scalar_one()

    def delete_everything(self) -> None:
        """Empties every table (tests on a shared PostgreSQL database)."""
        with self.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))


def lock_owner(connection: Connection, platform: str, user: str) -> None:
    """Serialises, until the transaction ends, the writes that must see one person's reminders as they are.

    PostgreSQL (READ COMMITTED) would let 40 simultaneous "remind me" each count 9 and insert: a transaction
    advisory lock keyed by the owner makes them take turns (it needs no row, and costs nothing to other
    people). SQLite needs nothing: `BEGIN IMMEDIATE` already lets one writer in at a time.
    """
    if connection.dialect.name == "postgresql":
        digest = hashlib.blake2b(f"reminder-owner\0{platform}\0{user}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)  # the lock id is a signed 64-bit number
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _owned_by(table: Table, platform: str, user: str) -> Any:
    return and_(table.c.platform == platform, table.c.user == user)


def _apply_edits(
    connection: Connection, platform: str, user: str, edits: Iterable[Edit]
) -> tuple[list[ReminderRecord], list[int]]:
    changed: list[ReminderRecord] = []
    missed: list[int] = []
    for edit in edits:
        if not 0 < edit.reminder_id <= MAX_ROW_ID:
            missed.append(edit.reminder_id)
            continue
        after = edit.after
        row = connection.execute(
            update(reminders)
            .where(
                reminders.c.id == edit.reminder_id,
                _owned_by(reminders, platform, user),
                reminders.c.status == edit.before.status,
                reminders.c.due_at == edit.before.due_at,
            )
            .values(
                status=after.status,
                due_at=after.due_at,
                exact_time=after.exact_time,
                attempts=after.attempts,
                last_error=after.last_error,
                claimed_by=None,
                lease_until=None,
            )
            .returning(*reminders.c)
        ).one_or_none()
        if row is None:
            missed.append(edit.reminder_id)
        else:
            changed.append(_record(row))
    return changed, missed


def _find_twin(
    connection: Connection, new: NewReminder, same: Callable[[ReminderRecord], bool]
) -> ReminderRecord | None:
    rows = connection.execute(
        select(reminders)
        .where(
            _owned_by(reminders, new.platform, new.user),
            reminders.c.status.in_(ACTIVE_STATUSES),
            reminders.c.due_at == new.due_at,
        )
        .order_by(reminders.c.id)
    ).all()
    return next((record for record in map(_record, rows) if same(record)), None)


def _new_values(new: NewReminder, now: datetime) -> dict[str, Any]:
    return {
        "platform": new.platform,
        "workspace": new.workspace,
        "channel": new.channel,
        "user": new.user,
        "text": new.text,
        "due_at": new.due_at,
        "recurrence": new.recurrence,
        "status": PENDING,
        "attempts": 0,
        "kind": new.kind,
        "created_at": now,
        "exact_time": new.exact_time,
    }
