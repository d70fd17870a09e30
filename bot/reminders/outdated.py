"""Deciding whose profile photo is old enough for one friendly refresh suggestion.

The adapters report avatar sightings (a hash of the picture per user); the store keeps when each avatar was
first seen. A photo unchanged for longer than the workspace's interval gets one suggestion, never a second
one within the interval, and never for someone who opted out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from dateutil.relativedelta import relativedelta

from bot.reminders.store import StoredSighting


def suggestions_due(
    sightings: Sequence[StoredSighting],
    *,
    now: datetime,
    interval: relativedelta,
    opted_out: Iterable[str],
    recently_suggested: Iterable[str],
) -> list[str]:
    """Users (in sighting order) who should get a suggestion now."""
    skip = set(opted_out) | set(recently_suggested)
    return [
        sighting.user
        for sighting in sightings
        if sighting.user not in skip and sighting.first_seen + interval <= min(sighting.last_seen, now)
    ]
