"""Bytes a row takes on PostgreSQL (table + indexes + TOAST), for the capacity plan in docs/scaling.md.

Run: .venv/bin/python -m benchmarks.row_sizes [--rows 20000] [--postgres-url URL]

In a throwaway database it writes ROWS reminders (the store's own insert), ROWS avatar sightings (the store
call the Discord adapter makes, 1,000 a chunk) and ROWS handled-event claims (the shared dedupe of Slack
deliveries), VACUUMs, and prints pg_total_relation_size / rows for each table.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from benchmarks.postgres_db import server_url, throwaway_database
from bot.reminders.database import normalise_url
from bot.reminders.service import AvatarSighting, ReminderService
from bot.reminders.store import NewReminder

TABLES = ("reminders", "avatar_sightings", "handled_events")


def measure(url: str, rows: int) -> dict[str, tuple[int, float]]:
    now = datetime.now(UTC)
    service = ReminderService(url, clock=lambda: now)
    try:
        store = service.store
        store.add_many(
            [
                NewReminder(
                    "slack",
                    "T0123456789",
                    "D0123456789",
                    f"U{n:010d}",
                    "Time to refresh your headshot: it is a year old.",
                    now + timedelta(days=365, seconds=n),
                    recurrence="P1Y",
                )
                for n in range(rows)
            ],
            now=now,
        )
        guild = "900000000000000001"
        store.set_workspace_settings("discord", guild, photo_tracking=True)
        members = [AvatarSighting(str(10**17 + n), f"a_{n:032x}", now) for n in range(rows)]
        for start in range(0, rows, 1000):
            service.record_sightings("discord", guild, members[start : start + 1000])
        for n in range(rows):
            store.events.claim(f"slack:event:T0123456789:Ev{n:010d}", now=now)
    finally:
        service.close()
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    sizes: dict[str, tuple[int, float]] = {}
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
        for table in TABLES:
            count = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            total = int(connection.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar_one())
            sizes[table] = (count, total / max(count, 1))
    engine.dispose()
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument(
        "--postgres-url", default=server_url(), help="a PostgreSQL server (a database is made)"
    )
    args = parser.parse_args()
    with throwaway_database(args.postgres_url, "row_sizes") as url:
        sizes = measure(url, args.rows)
    print(f"PostgreSQL, {args.rows:,} rows each: bytes per row, table + indexes + TOAST")
    for table, (count, per_row) in sizes.items():
        print(f"  {table:<18} {count:>8,} rows  {per_row:6.0f} B/row")


if __name__ == "__main__":
    main()
