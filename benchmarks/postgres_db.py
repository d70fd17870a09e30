"""A throwaway PostgreSQL database for a benchmark run: created empty, dropped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from bot.reminders.database import normalise_url

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("HEADSHOT_TEST_POSTGRES_URL") or DEFAULT_SERVER


@contextmanager
def throwaway_database(server: str, name: str) -> Iterator[str]:
    """The URL of a new, empty database `name` on `server`'s PostgreSQL; dropped afterwards."""
    database = f"{name}_{os.getpid()}"
    admin = create_engine(normalise_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        yield normalise_url(server).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
