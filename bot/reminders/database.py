"""Opening the store: the engine for SQLite or PostgreSQL, and the migrations applied on start.

SQLite runs in WAL mode (readers never block the writer) with a busy timeout, and every writing
transaction starts with `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes fails at once
with "database is locked" when another process got the write lock in between, whatever the busy timeout.
Reads (`read_transaction`) start with a plain `BEGIN` instead, so they never wait for the write lock: in WAL
mode they read the last committed state while a writer works.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_BUSY_TIMEOUT_MS = 5000
_MIGRATION_LOCK_KEY = 7_407_173_361  # any fixed number: the advisory lock id for migrations on PostgreSQL
READ_ONLY = "headshot_read_only"  # execution option: this transaction only reads


def normalise_url(database_url: str) -> URL:
    """`postgres://` and `postgresql://` use psycopg 3 (the driver we install), not psycopg2."""
    url = make_url(database_url)
    if url.drivername in {"postgres", "postgresql"}:
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_store_engine(database_url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    url = normalise_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if "timeout" in url.query:  # sqlite:///file.db?timeout=0.5 (seconds), as pysqlite spells it
        busy_timeout_ms = int(float(str(url.query["timeout"])) * 1000)
        url = url.difference_update_query(["timeout"])
    in_memory = not url.database or url.database == ":memory:"
    if not in_memory and not str(url.database).startswith("file:"):
        Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        # One shared connection for an in-memory database: each new one would be a new, empty database.
        **({"poolclass": StaticPool} if in_memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        _switch_to_wal(dbapi_connection, busy_timeout_ms / 1000)
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def _switch_to_wal(dbapi_connection: Any, timeout: float) -> None:
    """Turns WAL on (a no-op once a database is in WAL, which it keeps).

    On a new database file the switch needs the database to itself, and SQLite answers "database is locked"
    at once, without waiting for the busy timeout, when another process is opening it too: two replicas
    started together on a fresh store. So the switch is retried for up to the busy timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that only reads: on SQLite it does not take (or wait for) the write lock."""
    with engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        with connection.begin():
            yield connection


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest revision; safe when several processes start at once."""
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:  # its INFO lines ("Context impl SQLiteImpl") are noise at start
        alembic_log.setLevel(logging.WARNING)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Serialises concurrent starts; released when this transaction ends.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        # On SQLite, BEGIN IMMEDIATE has already serialised us.
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
