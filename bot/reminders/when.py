"""Understanding "when" as people type it: "in 18 months", "next year", "on march 3rd", "every year".

Calendar arithmetic is python-dateutil's `relativedelta` (month ends and leap days done right) and dates
are read by `dateutil.parser`; this module only maps the phrases onto them. Everything is computed on the
user's wall clock (their IANA zone) and converted to UTC at the end, so "tomorrow" is 9:00 where they live,
also across a daylight-saving change.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

MAX_YEARS_AHEAD = 10
DAY_START = time(9, 0)  # what "tomorrow" or "on march 3rd" means: the start of the working day

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
    "couple of": 2,
    "a couple of": 2,
    "a few": 3,
    "few": 3,
    "half a": 0.5,
    "half an": 0.5,
}
_UNITS = {
    "year": "years",
    "years": "years",
    "yr": "years",
    "yrs": "years",
    "y": "years",
    "month": "months",
    "months": "months",
    "mo": "months",
    "mos": "months",
    "mon": "months",
    "m": "months",
    "week": "weeks",
    "weeks": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "w": "weeks",
    "day": "days",
    "days": "days",
    "d": "days",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "h": "hours",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
}
_WORDS = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
_UNIT = r"(?:" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")"
# A figure may touch its unit ("1y 6m"); a number word may not ("an" + "d" is not "and").
_AMOUNT_PATTERN = rf"\b(?:\d+(?:\.\d+)?\s*|(?:{_WORDS})\s+){_UNIT}\b"
_AMOUNT = re.compile(rf"\b(?:(\d+(?:\.\d+)?)\s*|({_WORDS})\s+)({_UNIT})\b")
_DURATION = re.compile(rf"^(?:{_AMOUNT_PATTERN}(?:\s*(?:,|and)?\s*))+$")
_RECURRING = re.compile(
    rf"^(?:every\s+(?:(other)\s+)?(?:(\d+(?:\.\d+)?|{_WORDS})\s*)?({_UNIT})|(yearly|annually|monthly|weekly|daily))$"
)
_ADVERBS = {"yearly": "years", "annually": "years", "monthly": "months", "weekly": "weeks", "daily": "days"}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)\b")
_HAS_YEAR = re.compile(r"\b\d{4}\b")

_TOO_FAR = (
    f"That is more than {MAX_YEARS_AHEAD} years away — I only keep reminders for up to {MAX_YEARS_AHEAD} "
    "years. Try something sooner, like “in 2 years”."
)
EXAMPLES = "“in 18 months”, “next year”, “on 2027-03-01”, “on march 3rd” or “every year”"


class WhenError(ValueError):
    """A friendly explanation of why a "when" was not accepted; shown to the user as is."""


@dataclass(frozen=True)
class When:
    due_at: datetime  # UTC
    recurrence: str | None  # e.g. "12 months", see `parse_recurrence`
    local: datetime  # the same moment on the user's wall clock, for the confirmation


def resolve_zone(name: str | None) -> ZoneInfo:
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def find_zone(name: str) -> str | None:
    """The canonical IANA name for what the user typed ("europe/berlin" → "Europe/Berlin"), or None."""
    cleaned = name.strip().replace(" ", "_")
    if cleaned.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    return _zone_names().get(cleaned.lower())


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-case name → IANA name; built once, since listing the zone database reads hundreds of files."""
    return {zone.lower(): zone for zone in available_timezones()}


def _number(text: str) -> float:
    text = text.strip()
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    return float(text)


def _delta(amount: float, unit: str) -> relativedelta:
    """Fractions of years and months become whole months and days ("1.5 years" is 18 months)."""
    if unit == "years":
        return relativedelta(months=round(amount * 12))
    if unit == "months":
        whole = int(amount)
        return relativedelta(months=whole, days=round((amount - whole) * 30))
    if unit == "weeks":
        return relativedelta(days=round(amount * 7))
    if unit == "days":
        return relativedelta(days=round(amount), hours=round((amount % 1) * 24))
    if unit == "hours":
        return relativedelta(minutes=round(amount * 60))
    return relativedelta(minutes=round(amount))


def parse_duration(text: str) -> relativedelta | None:
    """ "18 months", "2 yrs", "a year and 6 months", "1y 6m"; None when it is not a duration."""
    text = _clean(text)
    text = re.sub(r"^(?:in|for|after)\s+", "", text)
    if not _DURATION.match(text):
        return None
    total = relativedelta()
    for figure, word, unit in _AMOUNT.findall(text):
        total += _delta(_number(figure or word), _UNITS[unit])
    return total


def parse_recurrence(recurrence: str) -> relativedelta:
    """The stored form ("12 months", "1 weeks") back into a step."""
    amount, unit = recurrence.split()
    return _delta(float(amount), unit)


def _recurrence_text(amount: float, unit: str) -> str:
    if unit == "years":
        return f"{round(amount * 12)} months"
    if unit == "weeks":
        return f"{round(amount * 7)} days"
    return f"{round(amount)} {unit}"


def describe_recurrence(recurrence: str) -> str:
    amount_text, unit = recurrence.split()
    amount = int(float(amount_text))
    if unit == "months" and amount % 12 == 0:
        amount, unit = amount // 12, "years"
    if unit == "days" and amount % 7 == 0:
        amount, unit = amount // 7, "weeks"
    singular = unit.rstrip("s")
    return f"every {singular}" if amount == 1 else f"every {amount} {unit}"


def shift(moment: datetime, delta: relativedelta) -> datetime:
    """`moment + delta` on the wall clock of `moment`'s zone (typed: dateutil ships no annotations)."""
    result: datetime = moment + delta
    return result


def _clean(text: str) -> str:
    text = text.strip().lower().rstrip(".!?")
    return re.sub(r"\s+", " ", text)


def _at_day_start(moment: datetime) -> datetime:
    return moment.replace(hour=DAY_START.hour, minute=DAY_START.minute, second=0, microsecond=0)


def parse_when(text: str, *, now: datetime, zone: ZoneInfo) -> When:
    """Reads a "when"; raises `WhenError` with a message for the user when it cannot be accepted."""
    try:
        return _parse_when(text, now=now, zone=zone)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, WhenError):
            raise
        # "in 9999 years" leaves the calendar before it reaches our own ten-year check.
        raise WhenError(_TOO_FAR) from exc


def _parse_when(text: str, *, now: datetime, zone: ZoneInfo) -> When:
    phrase = _clean(text)
    if not phrase:
        raise WhenError(f"When should I remind you? For example {EXAMPLES}.")
    local_now = now.astimezone(zone)
    recurrence: str | None = None

    recurring = _RECURRING.match(phrase)
    if recurring:
        other, amount_text, unit_word, adverb = recurring.groups()
        unit = _ADVERBS[adverb] if adverb else _UNITS[unit_word]
        amount = _number(amount_text) if amount_text else 1.0
        if other:
            amount *= 2
        if unit in {"hours", "minutes"} or (unit == "days" and amount < 1):
            raise WhenError("Reminders can repeat at most once a day. Try “every year” or “every 6 months”.")
        recurrence = _recurrence_text(amount, unit)
        local_due = shift(local_now, _delta(amount, unit))
    elif (duration := parse_duration(phrase)) is not None:
        local_due = shift(local_now, duration)
    else:
        local_due = _parse_moment(phrase, local_now)

    due_at = local_due.astimezone(UTC)
    if due_at <= now:
        shown = local_due.strftime("%d %b %Y %H:%M") if local_due.date() != local_now.date() else "today"
        raise WhenError(f"That is in the past ({shown}). Pick a moment in the future, like {EXAMPLES}.")
    if local_due > shift(local_now, relativedelta(years=MAX_YEARS_AHEAD)):
        raise WhenError(_TOO_FAR)
    return When(due_at=due_at, recurrence=recurrence, local=due_at.astimezone(zone))


def _parse_moment(phrase: str, local_now: datetime) -> datetime:
    if phrase in {"tomorrow", "tmrw", "tmr"}:
        return _at_day_start(local_now + timedelta(days=1))
    if phrase in {"today", "now", "right now", "tonight"}:
        raise WhenError(f"I keep reminders for later days. Try {EXAMPLES}.")
    next_unit = re.fullmatch(r"next (year|month|week)", phrase)
    if next_unit:
        return shift(local_now, _delta(1, _UNITS[next_unit.group(1)]))
    weekday = re.fullmatch(rf"(?:on |next |this )?({'|'.join(_WEEKDAYS)})", phrase)
    if weekday:
        days_ahead = (_WEEKDAYS.index(weekday.group(1)) - local_now.weekday()) % 7 or 7
        return _at_day_start(local_now + timedelta(days=days_ahead))
    date_text = re.sub(r"^(?:on|at|by)\s+(?:the\s+)?", "", phrase)
    date_text = _ORDINAL.sub(r"\1", date_text).replace(" of ", " ")
    if not re.search(r"\d", date_text):
        # dateutil reads a bare month name ("march") as a date; without a number it is too vague to guess.
        raise WhenError(f"I didn’t understand “{phrase}” as a date. Try {EXAMPLES}.")
    default = _at_day_start(local_now).replace(tzinfo=None)
    try:
        parsed: datetime = date_parser.parse(date_text, default=default)
    except (ValueError, OverflowError) as exc:
        raise WhenError(f"I didn’t understand “{phrase}” as a date. Try {EXAMPLES}.") from exc
    if parsed.tzinfo is not None:
        return parsed
    moment = parsed.replace(tzinfo=local_now.tzinfo)
    if moment <= local_now and not _HAS_YEAR.search(date_text):
        moment = shift(moment, relativedelta(years=1))  # "on march 3rd" after March 3rd means next year's
    return moment
