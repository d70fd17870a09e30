"""Which platform deliveries have been taken, in the store every replica shares.

Slack delivers an event again when it thinks the first delivery was missed (X-Slack-Retry-Num, or a Socket
Mode envelope with retry_attempt), and behind a load balancer the same event can reach two replicas. The
first process to claim a delivery's key answers it; every later claim of the key, in any process, is told
no. A retry whose key nobody claimed (no replica was up to take the first delivery) is answered normally.

A claim is one INSERT … ON CONFLICT DO NOTHING, so two replicas claiming at the same moment cannot both
win: on PostgreSQL the second waits for the first's commit and then inserts nothing; SQLite takes one writer
at a time. Claims expire after `ttl` (Slack's retries come within about five minutes); an expired claim is
as good as none, and expired rows are deleted at most once a minute per process.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.reminders.models import HandledEvent

events = cast(Table, HandledEvent.__table__)

DEFAULT_TTL = timedelta(hours=1)
PURGE_EVERY_SECONDS = 60.0
MAX_KEY_LENGTH = 255


def stored_key(key: str) -> str:
    """The key as stored: a key longer than the column is kept as its hash."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class EventLedger:
    def __init__(self, engine: Engine, *, ttl: timedelta = DEFAULT_TTL) -> None:
        self.engine = engine
        self.ttl = ttl
        self._next_purge = 0.0

    def claim(self, key: str, *, now: datetime) -> bool:
        """True for the first claim of `key` (within its time to live) in every process sharing the store."""
        key = stored_key(key)
        expires = now + self.ttl
        with self.engine.begin() as connection:
            taken = _insert_if_absent(connection, key, expires)
            if not taken:
                # Expired but not purged yet: the delivery it recorded is long over.
                renewed = connection.execute(
                    update(events)
                    .where(events.c.key == key, events.c.expires_at <= now)
                    .values(expires_at=expires)
                    .returning(events.c.key)
                )
                taken = renewed.first() is not None
        if time.monotonic() >= self._next_purge:
            self.purge(now=now)
        return taken

    def purge(self, *, now: datetime) -> int:
        """Deletes expired claims; returns how many."""
        self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        with self.engine.begin() as connection:
            purged = connection.execute(
                delete(events).where(events.c.expires_at <= now).returning(events.c.key)
            )
            return len(purged.all())


def _insert_if_absent(connection: Connection, key: str, expires: datetime) -> bool:
    values: dict[str, Any] = {"key": key, "expires_at": expires}
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        statement = (
            module.insert(events)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(events.c.key)  # psycopg reports no rowcount for ON CONFLICT DO NOTHING
        )
        return connection.execute(statement).first() is not None
    try:
        with connection.begin_nested():
            connection.execute(insert(events).values(**values))
    except IntegrityError:
        return False
    return True


class LocalLedger:
    """The same question answered from this process's memory, for when the store cannot be reached:
    duplicates within this process are still dropped (a retry reaching another replica may be answered
    twice, which beats not answering at all)."""

    def __init__(self, ttl: float = DEFAULT_TTL.total_seconds(), max_size: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()  # claims come from worker threads

    def claim(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) > self._max or next(iter(self._seen.values())) < now - self._ttl
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True
