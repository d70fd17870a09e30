"""Recognising reminder commands in a message: regular expressions only, no database, no date parsing.

`looks_like_reminder_command` is what the brain asks before it opens the store, so a plain question never
touches the database (nor imports SQLAlchemy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SetReminder:
    rest: str  # everything after "remind me": "in 18 months to update my photo"


@dataclass(frozen=True)
class ListReminders:
    pass


@dataclass(frozen=True)
class CancelReminder:
    reminder_id: int | None


@dataclass(frozen=True)
class SnoozeReminder:
    reminder_id: int | None
    duration: str | None


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class OptSuggestions:
    opt_out: bool


@dataclass(frozen=True)
class SetTimezone:
    zone: str | None  # None: tell me what it is


@dataclass(frozen=True)
class TrackPhotos:
    enable: bool | None  # None: tell me the current setting


@dataclass(frozen=True)
class RefreshInterval:
    length: str | None


@dataclass(frozen=True)
class WorkspaceInterval:
    length: str | None  # admin: how long an avatar may stay unchanged before a suggestion


Command = (
    SetReminder
    | ListReminders
    | CancelReminder
    | SnoozeReminder
    | Done
    | OptSuggestions
    | SetTimezone
    | TrackPhotos
    | RefreshInterval
    | WorkspaceInterval
)

_SET = re.compile(
    r"^(?:(?:please|pls|can you|could you|hey)\s+)*"
    r"(?:remind\s+me|set\s+(?:a\s+|me\s+a\s+)?reminder)\b\s*(?P<rest>.*)$"
)
_LIST = re.compile(
    r"^(?:(?:list|show|see|view)\s+)?(?:(?:all\s+)?my\s+|all\s+)?reminders$|^what are my reminders$"
)
_CANCEL = re.compile(r"^(?:cancel|delete|remove|stop)(?:\s+(?:my\s+)?reminder)?(?:\s+#?(?P<id>\d+))?$")
_SNOOZE = re.compile(
    r"^snooze(?:\s+(?:reminder\s+)?#?(?P<id>\d+))?(?:\s+(?:for\s+|by\s+|until\s+)?(?P<duration>\D.*|\d+\s*\D.*))?$"
)
_BARE_UNIT = re.compile(r"^(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?)$")
_DONE = re.compile(
    r"^(?:done|all done|i(?:'ve|’ve| have)?\s+(?:just\s+)?(?:updated|changed|refreshed)"
    r"(?:\s+(?:it|my\s+(?:profile\s+)?(?:photo|headshot|picture|pic|avatar)))?|updated(?:\s+it)?)$"
)
_OPT = re.compile(r"^opt[\s-]?(?P<direction>out|in)\b(?:\s+(?:of|to|from)?\s*(?:the\s+)?suggestions?)?$")
_STOP_SUGGESTIONS = re.compile(r"^(?:stop|no more)\s+suggestions$")
_TIMEZONE = re.compile(
    r"^(?:set\s+)?(?:my\s+)?(?:time\s*zone|tz)(?:\s+(?:to|is|=))?(?:\s+(?P<zone>[\w/+\-]+))?$"
)
_TRACK = re.compile(r"^admin\s+track[\s-]?photos(?:\s+(?P<switch>on|off))?$")
_WORKSPACE_INTERVAL = re.compile(r"^admin\s+refresh[\s-]?interval(?:\s+(?:to\s+)?(?P<length>.+))?$")
_INTERVAL = re.compile(r"^(?:set\s+)?(?:my\s+)?refresh\s+interval(?:\s+(?:to|is|=))?(?:\s+(?P<length>.+))?$")


def _normalise(text: str) -> str:
    text = text.strip().lower().replace("’", "'")
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(".!? ")


def parse_command(text: str) -> Command | None:
    """The reminder command in `text`, or None when it is not one (then it is a question for the brain)."""
    cleaned = _normalise(text)
    if not cleaned or len(cleaned) > 500:
        return None
    if match := _SET.match(cleaned):
        # Keep the user's own capitalisation for the reminder text.
        original = re.sub(r"\s+", " ", text.strip()).rstrip(".!? ")
        return SetReminder(original[len(original) - len(match.group("rest")) :].strip())
    if _LIST.match(cleaned):
        return ListReminders()
    if match := _CANCEL.match(cleaned):
        return CancelReminder(int(match.group("id")) if match.group("id") else None)
    if match := _SNOOZE.match(cleaned):
        reminder_id = int(match.group("id")) if match.group("id") else None
        duration = match.group("duration").strip() if match.group("duration") else None
        if reminder_id is not None and duration and _BARE_UNIT.match(duration):
            # "snooze 12 months" is a duration, not reminder #12 by "months".
            reminder_id, duration = None, f"{reminder_id} {duration}"
        return SnoozeReminder(reminder_id, duration)
    if _DONE.match(cleaned):
        return Done()
    if match := _OPT.match(cleaned):
        return OptSuggestions(opt_out=match.group("direction") == "out")
    if _STOP_SUGGESTIONS.match(cleaned):
        return OptSuggestions(opt_out=True)
    if match := _TIMEZONE.match(cleaned):
        zone = match.group("zone")
        # Zone names are case-sensitive ("Europe/Berlin"); take them from the original text.
        if zone:
            as_typed = re.search(re.escape(zone), text, re.IGNORECASE)
            zone = as_typed.group(0) if as_typed else zone
        return SetTimezone(zone)
    if match := _TRACK.match(cleaned):
        switch = match.group("switch")
        return TrackPhotos(None if switch is None else switch == "on")
    if match := _WORKSPACE_INTERVAL.match(cleaned):
        return WorkspaceInterval(match.group("length"))
    if match := _INTERVAL.match(cleaned):
        return RefreshInterval(match.group("length"))
    return None


def looks_like_reminder_command(text: str) -> bool:
    """Cheap test (regex only) the brain uses before it opens the reminder store."""
    return parse_command(text) is not None
