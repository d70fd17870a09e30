"""The reminders' chat grammar: which messages are reminder commands, and the typed command each becomes.

Regular expressions only, no database, no date parsing: the brain's command registry (`bot/commands.py`)
matches these rules before it opens the store, so a plain question never touches the database (nor
imports SQLAlchemy). Each rule is matched against the normalised message (`normalise`); its builder also
gets the message as typed, for the words whose case matters (a reminder's text, a zone name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
class CancelAll:
    pass


@dataclass(frozen=True)
class Confirm:
    yes: bool  # the answer to the bot's open question ("cancel all?")


@dataclass(frozen=True)
class SnoozeReminder:
    reminder_id: int | None
    duration: str | None


@dataclass(frozen=True)
class PostponeReminder:
    reminder_id: int | None  # None: the one delivered last
    length: str | None  # "a month", "2 weeks", "until friday"; None: a month


@dataclass(frozen=True)
class MoveReminder:
    reminder_id: int
    when: str  # any "when": earlier or later


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class OptSuggestions:
    opt_out: bool


@dataclass(frozen=True)
class MyData:
    pass


@dataclass(frozen=True)
class ForgetMe:
    pass


@dataclass(frozen=True)
class AdminReport:
    pass


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
    | CancelAll
    | Confirm
    | SnoozeReminder
    | PostponeReminder
    | MoveReminder
    | Undo
    | Done
    | OptSuggestions
    | MyData
    | ForgetMe
    | AdminReport
    | SetTimezone
    | TrackPhotos
    | RefreshInterval
    | WorkspaceInterval
)

_POLITE = (
    r"(?:(?:please|pls|can you|could you|would you|hey|ok|okay|oops|oh no|sorry|wait|never\s?mind)[,!]?\s+)*"
)
_PLEASE = r"(?:,?\s+please)?"
_SET = re.compile(
    r"^(?:(?:please|pls|can you|could you|hey)\s+)*"
    # "set reminder 4 to friday" moves #4 (below); "set a reminder for 4pm" sets one.
    r"(?:remind\s+me|set\s+(?:a\s+|me\s+a\s+)?reminder(?!\s+#?\d+\s+(?:to|for)\b))\b\s*(?P<rest>.*)$"
)
_LIST = re.compile(
    r"^(?:(?:list|show|see|view)\s+)?(?:(?:all\s+)?my\s+|all\s+)?reminders$|^what are my reminders$"
)
_CANCEL = re.compile(r"^(?:cancel|delete|remove|stop)(?:\s+(?:my\s+)?reminder)?(?:\s+#?(?P<id>\d+))?$")
_CANCEL_ALL = re.compile(
    rf"^{_POLITE}(?:cancel|delete|remove|clear|stop|drop|wipe|erase|get\s+rid\s+of)\s+"
    r"(?:(?:all|every(?:thing)?)(?:\s+of)?(?:\s+(?:my|the|them|those))?(?:\s+reminders?)?"
    r"|(?:my|the)\s+reminders|(?:them|my\s+reminders|the\s+reminders)\s+all)" + _PLEASE + "$"
)
_CONFIRM = re.compile(
    r"^(?:(?P<yes>yes|yep|yeah|yup|y|sure|confirm(?:ed)?|do it)"
    r"(?:,?\s+(?:please|do it|i'm sure|go ahead|cancel (?:them|all|everything|all of them)(?: all)?))*"
    r"|(?P<no>(?:no|nope|nah|n)(?:,?\s+(?:thanks|thank you|keep (?:them|my reminders|all|it)|don't))*"
    r"|keep (?:them|my reminders|all|it)|never\s?mind|don't))$"
)


def _numbered(group: str) -> str:
    """ "5", "#5", "reminder 5", "my reminder #5", captured as `group`."""
    return rf"(?:\s+(?:my\s+)?reminder)?\s+#?(?P<{group}>\d+)"


_POSTPONE = re.compile(
    rf"^{_POLITE}(?:(?:postpone|delay|defer|put\s+off|push(?:\s+back)?)"
    + _numbered("id")
    + r"(?:\s+(?:back|later))?"
    # "move 3 back a week" postpones; "move 3 to friday" is a move.
    r"|(?:move|bump)" + _numbered("moved") + r"\s+(?:back|later)"
    # Without a number only "postpone" itself, followed by a length: "postpone my shoot?" stays a question.
    r"|(?:push\s+(?:it|that)\s+back|postpone(?:\s+(?:it|that|(?:my|the)\s+(?:last\s+)?reminder))?)"
    r"(?=$|\s+(?:by|for|until|till)\s|\s+(?:\d|an?\s|one\s|a\s+couple|a\s+few|half)))"
    r"(?:\s+(?:by|for))?(?:\s+(?P<length>\S.*))?$"
)
_MOVE = re.compile(
    rf"^{_POLITE}(?:move|change|reschedule|edit|update|set)(?:\s+the\s+(?:time|date|day)\s+of)?"
    + _numbered("id")
    + r"(?:'s\s+(?:time|date|day))?\s+(?:(?:to|for|until|till|on|at|into)\s+)?(?P<when>\S.*)$"
)
_UNDO = re.compile(
    rf"^{_POLITE}(?:undo|revert|take\s+(?:that|it)\s+back)"
    r"(?:\s+(?:that|it|this|(?:the|my)\s+last\s+(?:change|one|thing)|last\s+change))?(?:\s+please)?$"
)
_SNOOZE = re.compile(
    r"^snooze(?:\s+(?:reminder\s+)?#?(?P<id>\d+))?(?:\s+(?:for\s+|by\s+|until\s+)?(?P<duration>\D.*|\d+\s*\D.*))?$"
)
_BARE_UNIT = re.compile(r"^(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?)$")
_DONE = re.compile(
    r"^(?:done|all done|i(?:'ve|’ve| have)?\s+(?:just\s+)?(?:updated|changed|refreshed)"
    r"(?:\s+(?:it|my\s+(?:profile\s+)?(?:photo|headshot|picture|pic|avatar)))?|updated(?:\s+it)?)$"
)
_OPT = re.compile(
    r"^opt[\s-]?(?P<direction>out|in)\b(?:\s+(?:of|to|from)?\s*(?:the\s+)?suggestions?)?$"
    r"|^(?P<stop>stop|no more)\s+suggestions$"
    r"|^(?:turn\s+)?(?:photo\s+)?suggestions\s+(?P<switch>on|off)$"
)
_MY_DATA = re.compile(
    r"^(?:(?:show|send|export|give|download)\s+(?:me\s+)?)?(?:all\s+)?(?:my|all my)\s+data$"
    r"|^what (?:do you (?:know|store|keep)|data do you (?:have|keep|store)) about me$"
)
_FORGET_ME = re.compile(
    rf"^{_POLITE}(?:forget\s+(?:me|about me|everything about me)|delete\s+(?:all\s+)?my\s+data"
    r"|erase\s+(?:me|my\s+data))" + _PLEASE + "$"
)
_ADMIN_REPORT = re.compile(r"^admin\s+(?:photo[\s-]?health\s+)?report$")
_TIMEZONE = re.compile(
    r"^(?:set\s+)?(?:my\s+)?(?:time\s*zone|tz)(?:\s+(?:to|is|=))?"
    r"(?:\s+(?P<zone>[\w/+\-]+(?: [\w/+\-]+){0,3}))?$"
)
_TRACK = re.compile(r"^admin\s+track[\s-]?photos(?:\s+(?P<switch>on|off))?$")
_WORKSPACE_INTERVAL = re.compile(r"^admin\s+refresh[\s-]?interval(?:\s+(?:to\s+)?(?P<length>.+))?$")
_INTERVAL = re.compile(r"^(?:set\s+)?(?:my\s+)?refresh\s+interval(?:\s+(?:to|is|=))?(?:\s+(?P<length>.+))?$")


def normalise(text: str) -> str:
    """The form the rules match: lower case, one space between words, no trailing punctuation."""
    text = text.strip().lower().replace("’", "'")
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(".!? ")


def _set(typed: str, match: re.Match[str]) -> Command:
    # Keep the user's own capitalisation for the reminder text.
    original = re.sub(r"\s+", " ", typed.strip()).rstrip(".!? ")
    return SetReminder(original[len(original) - len(match.group("rest")) :].strip())


def _snooze(typed: str, match: re.Match[str]) -> Command:
    reminder_id = int(match.group("id")) if match.group("id") else None
    duration = match.group("duration").strip() if match.group("duration") else None
    if reminder_id is not None and duration and _BARE_UNIT.match(duration):
        # "snooze 12 months" is a duration, not reminder #12 by "months".
        reminder_id, duration = None, f"{reminder_id} {duration}"
    return SnoozeReminder(reminder_id, duration)


def _postpone(typed: str, match: re.Match[str]) -> Command:
    length = match.group("length")
    number = match.group("id") or match.group("moved")
    return PostponeReminder(int(number) if number else None, length.strip() if length else None)


def _move(typed: str, match: re.Match[str]) -> Command:
    return MoveReminder(int(match.group("id")), match.group("when").strip())


def _timezone(typed: str, match: re.Match[str]) -> Command:
    zone = match.group("zone")
    # Zone names are case-sensitive ("Europe/Berlin"); take them from the original text.
    if zone:
        as_typed = re.search(re.escape(zone), typed, re.IGNORECASE)
        zone = as_typed.group(0) if as_typed else zone
    return SetTimezone(zone)


def _switch(match: re.Match[str]) -> bool | None:
    switch = match.group("switch")
    return None if switch is None else switch == "on"


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    build: Callable[[str, re.Match[str]], Command]  # (the message as typed, the match) -> the command


RULES: dict[str, Rule] = {
    "remind": Rule(_SET, _set),
    "reminders": Rule(_LIST, lambda typed, m: ListReminders()),
    "cancel": Rule(_CANCEL, lambda typed, m: CancelReminder(int(m.group("id")) if m.group("id") else None)),
    "cancel all": Rule(_CANCEL_ALL, lambda typed, m: CancelAll()),
    "yes / no": Rule(_CONFIRM, lambda typed, m: Confirm(yes=m.group("yes") is not None)),
    "snooze": Rule(_SNOOZE, _snooze),
    "postpone": Rule(_POSTPONE, _postpone),
    "move": Rule(_MOVE, _move),
    "undo": Rule(_UNDO, lambda typed, m: Undo()),
    "done": Rule(_DONE, lambda typed, m: Done()),
    "opt": Rule(
        _OPT,
        lambda typed, m: OptSuggestions(
            opt_out=m.group("direction") != "in" if m.group("switch") is None else m.group("switch") == "off"
        ),
    ),
    "my data": Rule(_MY_DATA, lambda typed, m: MyData()),
    "forget me": Rule(_FORGET_ME, lambda typed, m: ForgetMe()),
    "admin report": Rule(_ADMIN_REPORT, lambda typed, m: AdminReport()),
    "timezone": Rule(_TIMEZONE, _timezone),
    "admin track-photos": Rule(_TRACK, lambda typed, m: TrackPhotos(_switch(m))),
    "admin refresh-interval": Rule(
        _WORKSPACE_INTERVAL, lambda typed, m: WorkspaceInterval(m.group("length"))
    ),
    "refresh interval": Rule(_INTERVAL, lambda typed, m: RefreshInterval(m.group("length"))),
}
"""In the order they are tried: the first rule that matches decides."""


def parse_command(text: str) -> Command | None:
    """The reminder command in `text`, or None when it is not one (then it is a question for the brain)."""
    cleaned = normalise(text)
    if not cleaned or len(cleaned) > 500:
        return None
    for rule in RULES.values():
        if match := rule.pattern.match(cleaned):
            return rule.build(text, match)
    return None
