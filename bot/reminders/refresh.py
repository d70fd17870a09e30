"""Which reminders are refresh reminders: the ones "done" closes, and a new profile photo resolves.

The words that make a reminder's text about the photo are data (`refresh.toml` beside this file).
"""

from __future__ import annotations

import functools
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.reminders.models import ReminderKind, ReminderStatus
from bot.reminders.store import ReminderRecord
from bot.reminders.when import shift

REFRESH_HOUR = 9  # like a "when" without a time of day: 09:00 on the user's wall clock


@functools.cache
def _photo_words() -> re.Pattern[str]:
    with (Path(__file__).resolve().parent / "refresh.toml").open("rb") as handle:
        words: list[str] = tomllib.load(handle)["photo_words"]
    alternatives = "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def about_the_photo(text: str) -> bool:
    return _photo_words().search(text) is not None


def is_refresh(record: ReminderRecord) -> bool:
    """A one-off reminder to refresh the photo, or a refresh suggestion (a repeat goes on by itself)."""
    if record.recurrence:
        return False
    if record.kind == ReminderKind.SUGGESTION.value:
        return True
    return record.kind == ReminderKind.REMINDER.value and about_the_photo(record.text)


def is_pending_refresh(record: ReminderRecord) -> bool:
    return record.status == ReminderStatus.PENDING.value and is_refresh(record)


def is_repeating_refresh(record: ReminderRecord) -> bool:
    return (
        bool(record.recurrence)
        and record.kind == ReminderKind.REMINDER.value
        and about_the_photo(record.text)
    )


def next_refresh(now: datetime, zone: ZoneInfo, months: int) -> datetime:
    """One interval on, at 09:00 on that day in the user's zone: saying "done" twice in a day, or on two
    processes at once, lands on the same moment, which is what lets the second one find the first."""
    day = shift(now.astimezone(zone), relativedelta(months=months))
    return day.replace(hour=REFRESH_HOUR, minute=0, second=0, microsecond=0).astimezone(UTC)
