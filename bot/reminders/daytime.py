"""The daytime delivery window: reminders reach people between 09:00 and 18:00 on their wall clock.

One place for it, because three parts must agree: the scheduler holds a reminder that comes due at night,
and the confirmation, the list and `run-due --dry-run` say when it will really arrive.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

DAYTIME_START = time(9, 0)
DAYTIME_END = time(18, 0)


def in_daytime(local: datetime) -> bool:
    return DAYTIME_START <= local.time() < DAYTIME_END


def next_daytime(local: datetime) -> datetime:
    """The next start of the user's day (9:00 on their wall clock), as UTC."""
    day = local.date() if local.time() < DAYTIME_START else local.date() + timedelta(days=1)
    zone = local.tzinfo
    return datetime.combine(day, DAYTIME_START, tzinfo=zone).astimezone(UTC)


def delivery_time(due_at: datetime, zone: tzinfo | None, *, exact_time: bool = False) -> datetime:
    """When a reminder due at `due_at` is really delivered (UTC): at once inside the user's daytime, else
    at the next 09:00 there. A time the user named (`exact_time`) is kept, and with no known zone the
    scheduler does not hold it: then it is `due_at`."""
    if zone is None or exact_time:
        return due_at
    local = due_at.astimezone(zone)
    return due_at if in_daytime(local) else next_daytime(local)
