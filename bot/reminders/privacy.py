"""Everything the store keeps about one person or one workspace: export it, delete it, let it expire.

Which rows are a person's, table by table (`PERSONAL_TABLES`): some are keyed by (platform, workspace, user)
(reminders, sightings, feedback, the question log), others by (platform, user) only, because a user id is
platform-wide and the row is about the person everywhere on that platform (preferences and time zone, the
undo journal, open questions, review offers). "Forget" on a platform and workspace deletes the first kind
in that workspace (and in direct messages, whose workspace is "") and the second kind outright, so nothing
left names the person. The ledger of handled deliveries (`handled_events`) holds receipts, not people: its
keys are event ids, trigger ids, message timestamps and hashes (Slack button presses are hashed), and they
expire within the hour; a key that does contain the user id or the workspace id is deleted all the same.

Retention (`purge_expired`): finished reminders, old sightings, votes, logged questions, undo entries and
answered questions older than the retention period are deleted by the scheduler in small batches, one short
transaction each, so no long lock ever holds up a delivery or a chat command.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, tuple_
from sqlalchemy.engine import Connection, Engine

from bot.reminders.database import read_transaction
from bot.reminders.models import (
    AnswerFeedback,
    AvatarSightingRow,
    Confirmation,
    HandledEvent,
    PhotoOffer,
    QuestionLogEntry,
    Reminder,
    ReminderChange,
    ReminderStatus,
    UserPreference,
    WorkspaceDeparture,
    WorkspaceSetting,
)

Scope = Literal["workspace", "platform"]

DEFAULT_RETENTION_DAYS = 90
RETENTION_BATCH = 500
"""Rows deleted per transaction by the retention purge: each delete is over in milliseconds."""
UNAVAILABLE_GRACE = timedelta(hours=24)
"""A Discord server that is only unavailable (an outage) keeps its data this long before it is purged."""
FINISHED = (
    ReminderStatus.DELIVERED.value,
    ReminderStatus.CANCELLED.value,
    ReminderStatus.FAILED.value,
    ReminderStatus.DONE.value,
)


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class PersonalTable:
    table: Table
    scope: Scope  # "workspace": (platform, workspace, user); "platform": (platform, user), platform-wide


PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(_table(Reminder), "workspace"),
    PersonalTable(_table(UserPreference), "platform"),
    PersonalTable(_table(AvatarSightingRow), "workspace"),
    PersonalTable(_table(ReminderChange), "platform"),
    PersonalTable(_table(Confirmation), "platform"),
    PersonalTable(_table(PhotoOffer), "platform"),
    PersonalTable(_table(AnswerFeedback), "workspace"),
    PersonalTable(_table(QuestionLogEntry), "workspace"),
)
WORKSPACE_TABLES: tuple[Table, ...] = (
    _table(WorkspaceSetting),
    _table(WorkspaceDeparture),
)
"""Tables about a workspace, never a person: deleted when the workspace goes."""
EVENTS = _table(HandledEvent)
DEPARTURES = _table(WorkspaceDeparture)
NOT_PERSONAL = frozenset({EVENTS.name, *(t.name for t in WORKSPACE_TABLES)})


def _whose(entry: PersonalTable, platform: str, workspace: str, user: str) -> ColumnElement[bool]:
    c = entry.table.c
    owner = and_(c.platform == platform, c.user == user)
    if entry.scope == "platform":
        return owner
    # A direct message has no workspace (""): it is the person's own, so it goes with them.
    return and_(owner, c.workspace.in_(sorted({workspace, ""})))


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _row(row: Any, table: Table) -> dict[str, Any]:
    values = {column.name: _json_value(getattr(row, column.name)) for column in table.columns}
    if table.name == ReminderChange.__tablename__ and isinstance(values.get("edits"), str):
        values["edits"] = json.loads(values["edits"])
    if table.name == Confirmation.__tablename__ and isinstance(values.get("reminder_ids"), str):
        values["reminder_ids"] = json.loads(values["reminder_ids"])
    return values


def export_user(engine: Engine, platform: str, workspace: str, user: str, *, now: datetime) -> dict[str, Any]:
    """Every row about this person on this platform and workspace, as a JSON-able dict: one list per table,
    and which tables are platform-wide (the same rows whichever workspace you ask from)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with read_transaction(engine) as connection:
        for entry in PERSONAL_TABLES:
            rows = connection.execute(
                select(entry.table).where(_whose(entry, platform, workspace, user))
            ).all()
            tables[entry.table.name] = [_row(row, entry.table) for row in rows]
    return {
        "platform": platform,
        "workspace": workspace,
        "user": user,
        "exported_at": now.isoformat(),
        "platform_wide_tables": [e.table.name for e in PERSONAL_TABLES if e.scope == "platform"],
        "tables": tables,
        "not_stored": "photo bytes, message text (except questions in the operator's opt-in question log)",
    }


def forget_user(engine: Engine, platform: str, workspace: str, user: str) -> dict[str, int]:
    """Deletes every row about this person (see the module docstring); returns how many per table."""
    deleted: dict[str, int] = {}
    with engine.begin() as connection:
        for entry in PERSONAL_TABLES:
            result = connection.execute(delete(entry.table).where(_whose(entry, platform, workspace, user)))
            deleted[entry.table.name] = result.rowcount
        deleted[EVENTS.name] = _delete_receipts(connection, user)
    return deleted


def _delete_receipts(connection: Connection, ident: str) -> int:
    if not ident:
        return 0
    escaped = ident.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = connection.execute(delete(EVENTS).where(EVENTS.c.key.like(f"%{escaped}%", escape="\\")))
    return result.rowcount


def purge_workspace(engine: Engine, platform: str, workspace: str) -> dict[str, int]:
    """Deletes everything stored for a workspace or server the bot was removed from (its people's rows in
    it, its settings); the platform-wide rows of people who have nothing left on the platform go too."""
    if not workspace:
        return {}
    deleted: dict[str, int] = {}
    with engine.begin() as connection:
        people: set[str] = set()
        for entry in PERSONAL_TABLES:
            if entry.scope != "workspace":
                continue
            c = entry.table.c
            where = and_(c.platform == platform, c.workspace == workspace)
            people |= {row.user for row in connection.execute(select(c.user).where(where).distinct())}
            deleted[entry.table.name] = connection.execute(delete(entry.table).where(where)).rowcount
        # Platform-wide rows of the people who were here and have nothing left elsewhere on the platform.
        gone = sorted(people - _people_elsewhere(connection, platform, people))
        for entry in PERSONAL_TABLES:
            if entry.scope == "platform" and gone:
                c = entry.table.c
                deleted[entry.table.name] = sum(
                    connection.execute(
                        delete(entry.table).where(c.platform == platform, c.user.in_(chunk))
                    ).rowcount
                    for chunk in _chunks(gone, 500)
                )
        for table in WORKSPACE_TABLES:
            c = table.c
            deleted[table.name] = connection.execute(
                delete(table).where(c.platform == platform, c.workspace == workspace)
            ).rowcount
        deleted[EVENTS.name] = _delete_receipts(connection, workspace)
    return deleted


def _people_elsewhere(connection: Connection, platform: str, people: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(people), 500):
        for entry in PERSONAL_TABLES:
            if entry.scope == "workspace":
                c = entry.table.c
                rows = connection.execute(
                    select(c.user).where(c.platform == platform, c.user.in_(chunk)).distinct()
                )
                found |= {row.user for row in rows}
    return found


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- workspaces the bot left -------------------------------------------------------------------------


def mark_departed(
    engine: Engine, platform: str, workspace: str, *, reason: str, now: datetime, purge_after: datetime
) -> None:
    """Records that the bot has lost this workspace: nothing is delivered there until it comes back, and
    its data is purged once `purge_after` passes. A departure already recorded keeps its purge moment."""
    with engine.begin() as connection:
        existing = connection.execute(
            select(DEPARTURES.c.purge_after).where(
                DEPARTURES.c.platform == platform, DEPARTURES.c.workspace == workspace
            )
        ).one_or_none()
        if existing is None:
            connection.execute(
                DEPARTURES.insert().values(
                    platform=platform,
                    workspace=workspace,
                    reason=reason[:64],
                    departed_at=now,
                    purge_after=purge_after,
                )
            )


def mark_returned(engine: Engine, platform: str, workspace: str) -> bool:
    """The workspace is back (a Discord server available again): deliveries resume. True if it was gone."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(DEPARTURES).where(DEPARTURES.c.platform == platform, DEPARTURES.c.workspace == workspace)
        )
    return result.rowcount > 0


def departed(engine: Engine) -> set[tuple[str, str]]:
    """(platform, workspace) of every workspace nothing may be delivered to."""
    with read_transaction(engine) as connection:
        rows = connection.execute(select(DEPARTURES.c.platform, DEPARTURES.c.workspace)).all()
    return {(row.platform, row.workspace) for row in rows}


def purge_departed(engine: Engine, *, now: datetime) -> list[tuple[str, str]]:
    """Purges every departed workspace whose grace period is over; returns which."""
    with read_transaction(engine) as connection:
        due = connection.execute(
            select(DEPARTURES.c.platform, DEPARTURES.c.workspace).where(DEPARTURES.c.purge_after <= now)
        ).all()
    for row in due:
        purge_workspace(engine, row.platform, row.workspace)
    return [(row.platform, row.workspace) for row in due]


# --- retention ------------------------------------------------------------------------------------------


def _expired_rules(cutoff: datetime) -> list[tuple[Table, ColumnElement[bool]]]:
    reminders = _table(Reminder)
    r = reminders.c
    confirmations = _table(Confirmation).c
    return [
        (
            reminders,
            and_(
                r.status.in_(FINISHED),
                r.created_at < cutoff,
                # A cancelled reminder's due time may lie in the future; it is over all the same.
                or_(r.due_at < cutoff, r.status == ReminderStatus.CANCELLED.value),
            ),
        ),
        (_table(AvatarSightingRow), _table(AvatarSightingRow).c.last_seen < cutoff),
        (_table(AnswerFeedback), _table(AnswerFeedback).c.created_at < cutoff),
        (_table(QuestionLogEntry), _table(QuestionLogEntry).c.created_at < cutoff),
        (_table(ReminderChange), _table(ReminderChange).c.created_at < cutoff),
        (
            _table(Confirmation),
            or_(confirmations.answered_at < cutoff, confirmations.expires_at < cutoff),
        ),
        (_table(PhotoOffer), _table(PhotoOffer).c.offered_at < cutoff),
    ]


def purge_expired(
    engine: Engine, *, now: datetime, retention_days: int, batch: int = RETENTION_BATCH
) -> dict[str, int]:
    """Deletes what is older than the retention period, `batch` rows per transaction; returns the counts."""
    cutoff = now - timedelta(days=retention_days)
    deleted: dict[str, int] = {}
    for table, expired in _expired_rules(cutoff):
        key = list(table.primary_key.columns)
        total = 0
        while True:
            picked = select(*key).where(expired).limit(batch)
            with engine.begin() as connection:
                if len(key) == 1:
                    ids = [row[0] for row in connection.execute(picked)]
                    count = connection.execute(delete(table).where(key[0].in_(ids))).rowcount if ids else 0
                else:
                    keys = [tuple(row) for row in connection.execute(picked)]
                    count = (
                        connection.execute(delete(table).where(tuple_(*key).in_(keys))).rowcount
                        if keys
                        else 0
                    )
            total += count
            if count < batch:
                break
        if total:
            deleted[table.name] = total
    return deleted


# --- the admin's anonymous report --------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoHealth:
    people_seen: int
    older_than_interval: int
    interval_months: int


def photo_health(
    engine: Engine, platform: str, workspace: str, *, now: datetime, interval_months: int
) -> PhotoHealth:
    """Counts only, from the workspace's own sightings: how many photos are older than the interval."""
    from dateutil.relativedelta import relativedelta

    cutoff = now - relativedelta(months=interval_months)
    s = _table(AvatarSightingRow).c
    here = and_(s.platform == platform, s.workspace == workspace)
    with read_transaction(engine) as connection:
        seen = connection.execute(select(func.count()).where(here)).scalar_one()
        old = connection.execute(select(func.count()).where(here, s.first_seen <= cutoff)).scalar_one()
    return PhotoHealth(int(seen), int(old), interval_months)
