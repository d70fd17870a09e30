"""Understanding "when" as people type it: "in 18 months", "tomorrow at 10am", "next spring", "every year".

How a phrase is read (docs/reminders.md has the user-facing rules):

1. It is normalised (lower case, "a.m." → "am", "2wks" → "2 wks", punctuation out).
2. The parts that are not the day are taken out one by one, each remembered: a zone at the end ("PST",
   "Berlin time"), a time of day ("at 3pm", "half past 4", "noon", "tonight"), a repeat ("every year",
   "annually", "every other friday"), and politeness ("please", "or so").
3. What is left must be one day: a weekday, a date in a common format, a month, a season, the end of a
   period, a holiday, or a duration from now or from another day ("2 weeks from friday"). Anything left
   that is not understood refuses the phrase — nothing is guessed from a fragment.
4. The day gets the time of day that was given, else 09:00 on the user's wall clock; durations under a
   day ("in 2 hours") are exact.

The words live in phrases.toml and zones.toml beside this file. Calendar arithmetic is
python-dateutil's `relativedelta` (month ends and leap days done right); everything is computed on the
wall clock of the user's zone and converted to UTC at the end, so "tomorrow" is 09:00 where they live,
also across a daylight-saving change. Reading a phrase takes well under a millisecond once the
vocabulary is loaded (on first use, a few milliseconds); importing this module loads no data.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.relativedelta import relativedelta

MAX_YEARS_AHEAD = 10
DAY_START = time(9, 0)  # what a day without a time of day means: the start of the working day
MAX_PHRASE_LENGTH = 120  # the longest "when" anyone types is far shorter
EXAMPLES = "“in 18 months”, “next spring”, “tomorrow at 10am”, “on 15 january” or “every year”"

_HERE = Path(__file__).resolve().parent
_TOO_FAR = (
    f"That is more than {MAX_YEARS_AHEAD} years away — I only keep reminders for up to {MAX_YEARS_AHEAD} "
    "years. Try something sooner, like “in 2 years”."
)
_UNIT_DAYS = {
    "years": 365.25,
    "months": 30.44,
    "weeks": 7.0,
    "days": 1.0,
    "hours": 1 / 24,
    "minutes": 1 / 1440,
}


class WhenError(ValueError):
    """A friendly explanation of why a "when" was not accepted; shown to the user as is."""


@dataclass(frozen=True)
class When:
    due_at: datetime  # UTC
    recurrence: str | None  # the stored form, e.g. "12 months"; see `parse_recurrence`
    local: datetime  # the same moment on the wall clock of the zone the phrase was read in
    time_given: bool = False  # the phrase named a time of day ("at 8", "tonight") or was exact ("in 2 hours")

    @property
    def repeat(self) -> str | None:
        """The repeat as an ISO 8601 duration ("P1Y", "P6M", "P2W"), or None."""
        return iso_duration(self.recurrence) if self.recurrence else None


# --- vocabulary ----------------------------------------------------------------------------------------


def _alternatives(words: Any) -> str:
    """A regex alternation, longest first so "sept" wins over "sep" and "a couple of" over "a"."""
    return "(?:" + "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class _Vocabulary:
    numbers: dict[str, float]
    ordinals: dict[str, int]
    units: dict[str, tuple[str, float]]
    months: dict[str, int]
    weekdays: dict[str, int]
    seasons: dict[str, int]
    parts_of_day: dict[str, time]
    holidays: dict[str, tuple[int, int]]
    repeat_words: dict[str, tuple[float, str]]
    ambiguous: dict[str, str]
    vague: frozenset[str]
    padding: tuple[str, ...]
    past: frozenset[str]
    month_first_countries: frozenset[str]
    month_first_zones: frozenset[str]
    south: tuple[str, ...]

    def words(self) -> frozenset[str]:
        """Every word the date grammar itself uses: never mistaken for a zone name."""
        return frozenset(
            [*self.months, *self.weekdays, *self.seasons, *self.units, *self.holidays, *self.parts_of_day]
        )


def _clock_value(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@functools.cache
def _vocabulary() -> _Vocabulary:
    import tomllib  # on first use: `headshot` commands that read no phrase do not pay for it

    with (_HERE / "phrases.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    return _Vocabulary(
        numbers={k: float(v) for k, v in raw["numbers"].items()},
        ordinals=dict(raw["ordinals"]),
        units={k: (v[0], float(v[1])) for k, v in raw["units"].items()},
        months=dict(raw["months"]),
        weekdays=dict(raw["weekdays"]),
        seasons=dict(raw["seasons"]),
        parts_of_day={k: _clock_value(v) for k, v in raw["parts_of_day"].items()},
        holidays={k: (int(v[:2]), int(v[3:])) for k, v in raw["holidays"].items()},
        repeat_words={k: (float(v[0]), str(v[1])) for k, v in raw["repeat_words"].items()},
        ambiguous=dict(raw["ambiguous"]),
        vague=frozenset(raw["lists"]["vague"]),
        padding=tuple(raw["lists"]["padding"]),
        past=frozenset(raw["lists"]["past"]),
        month_first_countries=frozenset(raw["date_order"]["month_first_countries"]),
        month_first_zones=frozenset(raw["date_order"]["month_first_zones"]),
        south=tuple(raw["seasons_south"]["zones"]),
    )


class _Grammar:
    """The regular expressions, built once from the vocabulary."""

    def __init__(self, v: _Vocabulary) -> None:
        tens = _alternatives(k for k, n in v.numbers.items() if n >= 20 and n % 10 == 0)
        ones = _alternatives(k for k, n in v.numbers.items() if 1 <= n <= 9 and " " not in k and len(k) > 2)
        word_number = rf"(?:{tens}[ -]{ones}|{_alternatives(v.numbers)})"
        half = r"(?:\s+and\s+a\s+half)"
        self.number = rf"(?:\d+(?:\.\d+)?{half}?|{word_number}{half}?)"
        self.unit = _alternatives(v.units)
        # A figure may touch its unit ("6mo"); a number word may not ("an" + "d" is not "and").
        self.term = rf"(?:(?:\d+(?:\.\d+)?{half}?\s*|{word_number}{half}?\s+){self.unit}\b{half}?)"
        self.term_parts = re.compile(
            rf"(?:(\d+(?:\.\d+)?{half}?)\s*|({word_number}{half}?)\s+)({self.unit})\b({half})?"
        )
        self.duration = rf"(?:{self.term}(?:(?:\s*,\s*|\s+and\s+|\s+){self.term})*)"
        self.duration_only = re.compile(self.duration)
        self.tens_ones = re.compile(rf"({tens})[ -]({ones})")
        self.month = _alternatives(v.months)
        self.weekday = _alternatives(v.weekdays)
        self.season = _alternatives(v.seasons)
        self.ordinal = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{_alternatives(v.ordinals)})"
        self.day_number = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_alternatives(v.ordinals)})"
        self.holiday = _alternatives(v.holidays)
        self.glued_unit = re.compile(rf"\b(\d+(?:\.\d+)?)({self.unit})\b")
        self.padding = re.compile(rf"(?:^|\s){_alternatives(v.padding)}(?=\s|$)")
        self.repeat_word = re.compile(rf"(?:^|\s){_alternatives(v.repeat_words)}(?=\s|$)")
        self.ambiguous = re.compile(rf"(?:^|\s)({_alternatives(v.ambiguous)})(?=\s|$)")
        self.past = re.compile(rf"\b{_alternatives(v.past)}\b")

        every = r"(?:every|each)"
        self.every_other = re.compile(
            rf"\b{every}\s+(other|second|2nd|third|3rd|fourth|4th)\s+({self.unit}|{self.weekday})\b"
        )
        self.every_duration = re.compile(rf"\b{every}\s+({self.duration}|{self.unit}\b{half}?)")
        self.every_weekday = re.compile(rf"\b{every}\s+(?=({self.weekday})\b)")
        self.every_date = re.compile(
            rf"\b{every}\s+(?=(?:the\s+)?(?:\d|{self.ordinal}\b|{self.month}\b|{self.season}\b|{self.holiday}\b))"
        )
        self.of_every_month = re.compile(rf"\b(?:of\s+)?{every}\s+month\b")
        self.once_every = re.compile(rf"\bonce\s+(?:every|a|per)\s+({self.duration}|{self.unit}\b)")

        self.clock12 = re.compile(
            r"(?:\b(?:at|by|around|about|from)\s+|@\s*)?\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)\b"
        )
        self.clock24 = re.compile(r"(?:\b(?:at|by|around|about)\s+|@\s*)?\b(\d{1,2}):(\d{2})\b")
        self.clock_dot = re.compile(r"(?:\b(?:at|around|about)\s+|@\s*)(\d{1,2})[.h](\d{2})\b")
        self.clock_half = re.compile(
            rf"(?:\b(?:at|around|about)\s+)?\b(half|quarter)\s+(past|to)\s+(\d{{1,2}}|{word_number})"
            r"(?:\s*(am|pm))?\b"
        )
        self.clock_bare = re.compile(
            r"(?:\b(?:at|around|about)\s+|@\s*)(\d{1,2})(?:\s*o'?clock)?\b"
            rf"(?!\s*(?:[./:-]\d|(?:st|nd|rd|th)\b|{self.unit}\b|{self.month}\b|of\b))"
            r"|\b(\d{1,2})\s*o'?clock\b"
        )
        named = _alternatives(k for k, t in v.parts_of_day.items() if k not in _PARTS)
        self.clock_named = re.compile(rf"(?:\b(?:at|around|about|by|before)\s+)?(?:the\s+)?\b({named})\b")
        self.part_of_day = re.compile(
            r"\b(?:(in the|this|at|during the|late|early|every|each)\s+)?(morning|afternoon|evening|night)\b"
            r"|\b(tonight)\b"
        )
        self.this_time = re.compile(r"\b(?:(?:at|by|around)\s+)?(?:this|the\s+same|same)\s+time\b")
        hour_words = _alternatives(
            k for k, n in v.numbers.items() if 1 <= n <= 12 and " " not in k and len(k) > 2
        )
        self.clock_word = re.compile(
            rf"\b(?:at|around|about)\s+({hour_words})(?:\s+(thirty|fifteen|forty-five|o'?clock))?(?:\s*(am|pm))?\b"
            rf"|\b({hour_words})\s+o'?clock(?:\s*(am|pm))?\b"
        )


_PARTS = ("morning", "afternoon", "evening", "night", "tonight")


@functools.cache
def _grammar() -> _Grammar:
    return _Grammar(_vocabulary())


# --- zones ---------------------------------------------------------------------------------------------


@functools.cache
def _zone_table() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Typed name → IANA zones (several when ambiguous), and a label for each zone the bot may ask about."""
    import tomllib

    with (_HERE / "zones.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    names: dict[str, tuple[str, ...]] = {}
    for section in ("abbreviations", "places"):
        for key, zones in raw[section].items():
            names[key] = tuple(zones)
    return names, dict(raw["labels"])


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-case IANA name → IANA name; built once: listing the zone database reads hundreds of files."""
    return {zone.lower(): zone for zone in available_timezones()}


@functools.cache
def _zone_cities() -> dict[str, tuple[str, ...]]:
    """ "berlin" → ("Europe/Berlin",), from the zone database's city parts, minus the grammar's own words."""
    own = _vocabulary().words()
    cities: dict[str, list[str]] = {}
    for zone in available_timezones():
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "US/")):
            continue
        city = zone.rsplit("/", 1)[1].replace("_", " ").lower()
        if city not in own:
            cities.setdefault(city, []).append(zone)
    return {city: tuple(sorted(zones)) for city, zones in cities.items()}


_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def _offset_zone(text: str) -> tzinfo | None:
    match = _OFFSET.match(text.strip().lower())
    if not match or (not text.strip().lower().startswith(("utc", "gmt")) and not match.group(3)):
        return None
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes) * (1 if match.group(1) == "+" else -1)
    return timezone(offset) if offset else ZoneInfo("UTC")


def lookup_zone(text: str, *, cities: bool = True) -> tuple[str, ...]:
    """The IANA zones a typed name may mean: one when clear, several when ambiguous, none when unknown.

    "Europe/Berlin", "europe/berlin", "PST", "Berlin", "New York", "IST" (three zones), "UTC+2" ("+02:00").
    With `cities` False only zones.toml, offsets and names with a "/" are looked up (the end of a phrase,
    where "10am" must not cost a listing of the zone database).
    """
    cleaned = re.sub(r"\s+", " ", text.strip())
    if not cleaned:
        return ()
    lowered = cleaned.lower()
    offset = _offset_zone(lowered)
    if offset is not None:
        return (str(offset) if isinstance(offset, ZoneInfo) else _offset_name(offset),)
    if lowered in {"utc", "gmt", "z", "zulu", "etc/utc"}:
        return ("UTC",)
    spaced = lowered.replace("_", " ").removesuffix(" time")
    named, _ = _zone_table()
    if spaced in named:  # before the IANA names: "EST" there is a fixed offset without summer time
        return named[spaced]
    if not cities and "/" not in lowered:
        return ()  # reading a phrase: listing the zone database costs more than reading it
    exact = _zone_names().get(lowered.replace(" ", "_"))
    if exact:
        return (exact,)
    if cities:
        return _zone_cities().get(spaced, ())
    return ()


def _offset_name(offset: tzinfo) -> str:
    delta = offset.utcoffset(None) or timedelta()
    sign = "-" if delta < timedelta() else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_from_name(name: str) -> tzinfo:
    """A zone from the canonical names `lookup_zone` returns (IANA, "UTC" or "UTC+02:00")."""
    offset = _offset_zone(name) if name.upper().startswith("UTC") and len(name) > 3 else None
    return offset if offset is not None else ZoneInfo(name)


def describe_zone_choices(typed: str, zones: tuple[str, ...]) -> str:
    """The question the bot asks when a zone name is ambiguous ("IST" → India, Israel or Ireland?)."""
    _, labels = _zone_table()
    choices = [f"{labels.get(zone, zone.rsplit('/', 1)[-1].replace('_', ' '))} ({zone})" for zone in zones]
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
    return f"“{typed}” could mean {listed} — which one? Name it exactly, like “{zones[0]}”."


def resolve_typed_zone(typed: str, *, prefer: tzinfo | None = None) -> tzinfo:
    """The zone a user typed, or a `WhenError` that asks (ambiguous) or says it is unknown.

    An ambiguous name that includes the user's own zone (`prefer`) means that zone: "IST" for someone in
    India is India.
    """
    zones = lookup_zone(typed)
    if not zones:
        raise WhenError(
            f"I don’t know the time zone “{typed}”. Use a city (“Berlin”), an abbreviation (“PST”) or an "
            "IANA name like Europe/Berlin, America/New_York or Asia/Tokyo."
        )
    if len(zones) > 1:
        preferred = str(prefer) if prefer is not None else None
        if preferred in zones:
            return zone_from_name(preferred)
        raise WhenError(describe_zone_choices(typed, zones))
    return zone_from_name(zones[0])


def resolve_zone(name: str | None) -> ZoneInfo:
    """An IANA zone by its exact name; UTC when missing or unknown (platform-reported zones)."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def find_zone(name: str) -> str | None:
    """The canonical IANA name for an exact IANA name in any case ("europe/berlin" → "Europe/Berlin")."""
    cleaned = name.strip().replace(" ", "_")
    if cleaned.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    return _zone_names().get(cleaned.lower())


def month_first(zone: tzinfo, locale: str | None = None) -> bool:
    """Whether an ambiguous 3/1/2027 means March 1: the locale's country when given, else the zone's."""
    vocabulary = _vocabulary()
    if locale:
        country = re.split(r"[._@]", locale.replace("-", "_"))
        parts = [p for p in country if len(p) == 2 and p.isalpha()]
        if parts:
            return parts[-1].upper() in vocabulary.month_first_countries
    return str(zone) in vocabulary.month_first_zones


def _south(zone: tzinfo) -> bool:
    name = str(zone)
    return any(name == z or (z.endswith("/") and name.startswith(z)) for z in _vocabulary().south)


# --- durations and repeats -----------------------------------------------------------------------------


def _number(text: str) -> float:
    text = text.strip()
    extra = 0.0
    if text.endswith("and a half"):
        text, extra = text.removesuffix("and a half").strip(), 0.5
    vocabulary = _vocabulary()
    if text in vocabulary.numbers:
        return vocabulary.numbers[text] + extra
    compound = _grammar().tens_ones.fullmatch(text)
    if compound:
        return vocabulary.numbers[compound.group(1)] + vocabulary.numbers[compound.group(2)] + extra
    return float(text) + extra


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
        return relativedelta(days=int(amount), hours=round((amount % 1) * 24))
    if unit == "hours":
        return relativedelta(minutes=round(amount * 60))
    return relativedelta(minutes=round(amount))


@dataclass(frozen=True)
class _Span:
    delta: relativedelta
    days: float  # about how long, to refuse "in 9999 years" before the calendar overflows
    within_day: bool  # hours or minutes: an exact moment, not a day


def _span(text: str) -> _Span | None:
    grammar = _grammar()
    if not grammar.duration_only.fullmatch(text):
        return None
    total, days, within_day = relativedelta(), 0.0, False
    for figure, word, unit_word, half in grammar.term_parts.findall(text):
        unit, factor = _vocabulary().units[unit_word]
        amount = _number(figure or word) * factor + (0.5 * factor if half else 0.0)
        days += amount * _UNIT_DAYS[unit]
        if days > (MAX_YEARS_AHEAD + 1) * 366:
            raise WhenError(_TOO_FAR)
        within_day = within_day or unit in {"hours", "minutes"} or (unit == "days" and amount % 1 != 0)
        total += _delta(amount, unit)
    return _Span(total, days, within_day)


def parse_duration(text: str) -> relativedelta | None:
    """ "18 months", "2 yrs", "a year and a half", "1y 6m", "in a fortnight"; None when it is not one."""
    phrase = _strip_padding(_normalise(text))
    phrase = re.sub(r"^(?:in|for|after|by|within)\s+", "", phrase)
    phrase = re.sub(r"\s+(?:'s\s+|')?time$", "", phrase)
    try:
        span = _span(phrase)
    except WhenError:
        return None
    return span.delta if span is not None else None


def parse_recurrence(recurrence: str) -> relativedelta:
    """The stored form ("12 months", "7 days") back into a step."""
    amount, unit = recurrence.split()
    return _delta(float(amount), unit)


def _recurrence_text(amount: float, unit: str) -> str:
    if unit == "years":
        return f"{round(amount * 12)} months"
    if unit == "weeks":
        return f"{round(amount * 7)} days"
    return f"{round(amount)} {unit}"


def iso_duration(recurrence: str) -> str:
    """The stored form as ISO 8601: "12 months" → "P1Y", "18 months" → "P18M", "14 days" → "P2W"."""
    amount_text, unit = recurrence.split()
    amount = int(float(amount_text))
    if unit == "months":
        return f"P{amount // 12}Y" if amount % 12 == 0 else f"P{amount}M"
    if unit == "days":
        return f"P{amount // 7}W" if amount % 7 == 0 else f"P{amount}D"
    return f"PT{amount}H" if unit == "hours" else f"PT{amount}M"


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


# --- reading a phrase ----------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = text.strip().lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)
    text = re.sub(r"\b(\d{1,2})([ap])\b", r"\1\2m", text)  # "10a" → "10am"
    text = re.sub(r"[,;!?()\"“”]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # keep 24.12.2026 and 1.5, drop "jan." and full stops
    text = re.sub(r"(?<=\s)-(?=\s)|^-(?=\s)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if text:
        text = re.sub(r"(?<=\d)-(?=[a-z])", " ", text)  # "18-months"
        text = _grammar().glued_unit.sub(r"\1 \2", text)
    return text


def _strip_padding(text: str) -> str:
    if not text:
        return text
    text = re.sub(r"-?ish\b", "", text)
    text = _grammar().padding.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class _Clock:
    at: time
    given: bool  # a time of day the user named


@dataclass(frozen=True)
class _Moment:
    day: date | None = None
    exact: datetime | None = None  # a moment to the minute ("in 2 hours", an ISO time)


@dataclass(frozen=True)
class _Repeat:
    amount: float
    unit: str


def parse_when(text: str, *, now: datetime, zone: tzinfo, locale: str | None = None) -> When:
    """Reads a "when"; raises `WhenError` with a message for the user when it cannot be accepted.

    `zone` is the user's; `locale` (e.g. "en_US", "de-DE") decides an ambiguous 3/1/2027 when given.
    """
    try:
        return _Reader(text, now=now, zone=zone, locale=locale).read()
    except OverflowError as exc:  # "every 10^30 days" leaves the calendar before any check of ours
        raise WhenError(_TOO_FAR) from exc


class _Reader:
    def __init__(self, text: str, *, now: datetime, zone: tzinfo, locale: str | None) -> None:
        self.typed = re.sub(r"\s+", " ", text.strip())
        self.zone = zone
        self.user_zone = zone
        self.locale = locale
        self.now_utc = now.astimezone(UTC)
        self.v = _vocabulary()
        self.g = _grammar()
        self.at = DAY_START
        self._set_zone(zone)

    def _set_zone(self, zone: tzinfo) -> None:
        self.zone = zone
        self.now = self.now_utc.astimezone(zone)
        self.today = self.now.date()
        self.month_first = month_first(self.user_zone, self.locale)
        self.south = _south(zone)

    # --- the whole phrase ---

    def read(self) -> When:
        if len(self.typed) > MAX_PHRASE_LENGTH:  # also keeps the expressions' work small on hostile input
            raise WhenError(f"That is too long for a time — tell me just when, like {EXAMPLES}.")
        phrase = _normalise(self.typed)
        if not phrase or not _strip_padding(phrase):
            raise WhenError(f"When should I remind you? For example {EXAMPLES}.")
        if phrase in self.v.vague:
            raise WhenError(f"“{self.typed}” isn’t a moment I can keep — tell me when, like {EXAMPLES}.")
        ambiguous = self.g.ambiguous.search(phrase)
        if ambiguous:
            raise WhenError(self.v.ambiguous[ambiguous.group(1)])
        iso = self._iso_moment(phrase)
        if iso is not None:
            return self._finish(iso, None, time_given=True)
        phrase = self._take_zone(phrase)
        phrase, clock = self._take_clock(phrase)
        phrase, repeat = self._take_repeat(phrase)
        rest = _strip_padding(phrase)
        rest = re.sub(r"(?:'s|')?\s+time\b", "", rest).strip()  # "in 3 months' time"
        if repeat is not None:
            rest = re.sub(r"^(?:starting|beginning|commencing|from|as of)\s+(?:on\s+|from\s+)?", "", rest)
        if clock is not None:
            self.at = clock.at
        moment = self._anchor(rest) if rest else None
        if rest and moment is None:
            self._refuse(rest)
        if moment is None:
            moment = self._default_moment(clock, repeat)
        if moment.exact is not None:
            if clock is not None and clock.given and not self._is_this_time(clock):
                raise WhenError(f"“{self.typed}” names two different times — give me one of them.")
            due = moment.exact
        else:
            assert moment.day is not None
            due = self._at(moment.day, clock.at if clock else DAY_START)
        given = moment.exact is not None or (clock is not None and clock.given)
        return self._finish(due, repeat, time_given=given)

    def _is_this_time(self, clock: _Clock) -> bool:
        return clock.at == self.now.time().replace(second=0, microsecond=0) and not clock.given

    def _default_moment(self, clock: _Clock | None, repeat: _Repeat | None) -> _Moment:
        if repeat is not None:
            return _Moment(
                day=shift(datetime.combine(self.today, self.at), _delta(repeat.amount, repeat.unit)).date()
            )
        if clock is not None:
            if self._at(self.today, clock.at) > self.now or self._day_hint == "today":
                return _Moment(day=self.today)
            return _Moment(day=self.today + timedelta(days=1))
        raise WhenError(f"When should I remind you? For example {EXAMPLES}.")

    def _finish(self, due_local: datetime, repeat: _Repeat | None, *, time_given: bool) -> When:
        recurrence = None
        if repeat is not None:
            if repeat.unit in {"hours", "minutes"} or (repeat.unit == "days" and repeat.amount < 1):
                raise WhenError(
                    "Reminders can repeat at most once a day. Try “every year” or “every 6 months”."
                )
            if repeat.amount * _UNIT_DAYS[repeat.unit] > MAX_YEARS_AHEAD * 366:
                raise WhenError(_TOO_FAR)
            recurrence = _recurrence_text(repeat.amount, repeat.unit)
        due_at = due_local.astimezone(UTC)
        local = due_at.astimezone(self.zone)
        if due_at <= self.now_utc:
            shown = f"{local:%a %d %b %Y} at {local:%H:%M}"
            raise WhenError(f"That is in the past ({shown}). Pick a moment in the future, like {EXAMPLES}.")
        if local > shift(self.now, relativedelta(years=MAX_YEARS_AHEAD)):
            raise WhenError(_TOO_FAR)
        return When(due_at=due_at, recurrence=recurrence, local=local, time_given=time_given)

    def _refuse(self, rest: str) -> None:
        if self.g.past.search(rest):
            raise WhenError(f"“{self.typed}” is in the past. Pick a moment in the future, like {EXAMPLES}.")
        raise WhenError(f"I didn’t understand “{self.typed}” as a time. Try {EXAMPLES}.")

    def _at(self, day: date, clock: time) -> datetime:
        """That day at that wall-clock time in the zone; a time skipped by a daylight-saving jump moves on."""
        moment = datetime.combine(day, clock, tzinfo=self.zone)
        return moment.astimezone(UTC).astimezone(self.zone)

    def _future(self, day: date) -> bool:
        return self._at(day, self.at) > self.now

    # --- the pieces that are not the day ---

    _day_hint: str | None = None
    _daily = False  # "every morning": the part of the day said the repeat

    def _iso_moment(self, phrase: str) -> datetime | None:
        match = re.fullmatch(
            r"(?:(?:on|at|by)\s+)?(\d{4}-\d{2}-\d{2})[t ](\d{2}:\d{2}(?::\d{2})?)\s*(z|[+-]\d{2}:?\d{2})?",
            phrase,
        )
        if not match:
            return None
        try:
            moment = datetime.fromisoformat(
                f"{match.group(1)}T{match.group(2)}{(match.group(3) or '').upper()}"
            )
        except ValueError as exc:
            raise WhenError(f"“{self.typed}” is not a real date and time.") from exc
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment

    def _take_zone(self, phrase: str) -> str:
        """A zone named at the end ("at 3pm PST", "9am Berlin time", "10:00 in New York", "UTC+2")."""
        words = phrase.split()
        own = self.v.words()
        for size in (3, 2, 1):
            if len(words) <= size:
                continue
            tail = words[-size:]
            named_time = tail[-1] == "time" and size > 1
            typed = " ".join(tail[:-1] if named_time else tail)
            head = words[:-size]
            with_in = bool(head) and head[-1] == "in"
            if typed in own or not typed:
                continue
            zones = lookup_zone(typed, cities=named_time or with_in)
            if not zones:
                continue
            zone = resolve_typed_zone(typed.upper() if len(typed) <= 5 else typed, prefer=self.user_zone)
            self._set_zone(zone)
            return " ".join(head[:-1] if with_in else head)
        return phrase

    def _hour(self, hour: int, minute: int, meridiem: str | None, part: str | None, bare: bool) -> time:
        if meridiem:
            if not 1 <= hour <= 12:
                raise WhenError(f"“{self.typed}”: {hour} {meridiem} isn’t a time of day.")
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        elif part in {"afternoon", "evening", "night", "tonight"} and 1 <= hour < 12:
            hour += 12
        elif part is None and bare and 1 <= hour <= 6:
            hour += 12  # "at 3" in a reminder is 3 in the afternoon; before 7 am nobody means the morning
        if hour > 23 or minute > 59:
            raise WhenError(f"“{self.typed}” has a time of day that doesn’t exist ({hour}:{minute:02d}).")
        return time(hour, minute)

    def _take_clock(self, phrase: str) -> tuple[str, _Clock | None]:
        part: str | None = None
        part_match = self.g.part_of_day.search(phrase)
        if part_match:
            part = part_match.group(2) or part_match.group(3)
            if part_match.group(1) == "this" or part == "tonight":
                self._day_hint = "today"
            if part_match.group(1) in {"every", "each"}:
                self._daily = True
            phrase = _cut(phrase, part_match)
        if self.g.this_time.search(phrase):
            phrase = self.g.this_time.sub(" ", phrase)
            return _squash(phrase), _Clock(self.now.time().replace(second=0, microsecond=0), given=False)
        found: tuple[re.Match[str], time] | None = None
        if match := self.g.clock_half.search(phrase):
            base = int(match.group(3)) if match.group(3).isdigit() else int(_number(match.group(3)))
            minutes = 30 if match.group(1) == "half" else 15
            if match.group(2) == "to":
                base, minutes = base - 1, 60 - minutes
            found = match, self._hour(base % 24 if base else 12, minutes, match.group(4), part, bare=True)
        elif match := self.g.clock12.search(phrase):
            found = (
                match,
                self._hour(int(match.group(1)), int(match.group(2) or 0), match.group(3), part, False),
            )
        elif match := self.g.clock24.search(phrase) or self.g.clock_dot.search(phrase):
            hour_text = match.group(1)
            bare = not hour_text.startswith("0") and len(hour_text) == 1
            found = match, self._hour(int(hour_text), int(match.group(2)), None, part, bare)
        elif match := self.g.clock_bare.search(phrase):
            hour_text = match.group(1) or match.group(2)
            found = match, self._hour(int(hour_text), 0, None, part, bare=not hour_text.startswith("0"))
        elif match := self.g.clock_word.search(phrase):
            hour_word = match.group(1) or match.group(4)
            minutes = {"thirty": 30, "fifteen": 15, "forty-five": 45}.get(match.group(2) or "", 0)
            meridiem = match.group(3) or match.group(5)
            found = match, self._hour(int(_number(hour_word)), minutes, meridiem, part, bare=True)
        elif match := self.g.clock_named.search(phrase):
            found = match, self.v.parts_of_day[match.group(1)]
        if found is not None:
            return _cut(phrase, found[0]), _Clock(found[1], given=True)
        if part is not None:
            return phrase, _Clock(self.v.parts_of_day[part], given=True)
        return phrase, None

    def _take_repeat(self, phrase: str) -> tuple[str, _Repeat | None]:
        g = self.g
        if self._daily:
            return phrase, _Repeat(1, "days")
        if match := g.every_other.search(phrase):
            multiple = {"other": 2, "second": 2, "third": 3, "fourth": 4, "2nd": 2, "3rd": 3, "4th": 4}[
                match.group(1)
            ]
            word = match.group(2)
            if word in self.v.weekdays:
                return _cut(phrase, match, word), _Repeat(multiple, "weeks")
            unit, factor = self.v.units[word]
            return _cut(phrase, match), _Repeat(multiple * factor, unit)
        if match := g.every_weekday.search(phrase):
            return _cut(phrase, match), _Repeat(1, "weeks")
        if match := g.of_every_month.search(phrase):
            return _cut(phrase, match), _Repeat(1, "months")
        if match := g.every_duration.search(phrase) or g.once_every.search(phrase):
            return _cut(phrase, match), self._repeat_of(match.group(1))
        if match := g.every_date.search(phrase):
            rest = _cut(phrase, match)
            has_month = re.search(rf"\b(?:{g.month}|{g.season}|{g.holiday})\b", rest) is not None
            return rest, _Repeat(1, "years" if has_month else "months")
        if match := g.repeat_word.search(phrase):
            amount, unit = self.v.repeat_words[match.group(0).strip()]
            return _cut(phrase, match), _Repeat(amount, unit)
        return phrase, None

    def _repeat_of(self, text: str) -> _Repeat:
        text = text.strip()
        span_match = self.g.term_parts.fullmatch(text)
        if span_match is None and " " not in text.replace(" and a half", ""):
            unit, factor = self.v.units[text.removesuffix(" and a half").strip()]
            return _Repeat(factor * (1.5 if text.endswith("and a half") else 1), unit)
        total_days = 0.0
        smallest = "years"
        for figure, word, unit_word, half in self.g.term_parts.findall(text):
            unit, factor = self.v.units[unit_word]
            amount = _number(figure or word) * factor + (0.5 * factor if half else 0.0)
            total_days += amount * _UNIT_DAYS[unit]
            smallest = unit
        if span_match is not None:
            figure, word, unit_word, half = span_match.groups()
            unit, factor = self.v.units[unit_word]
            return _Repeat(_number(figure or word) * factor + (0.5 * factor if half else 0.0), unit)
        return _Repeat(total_days / _UNIT_DAYS[smallest], smallest)

    # --- the day ---

    def _recompose(self, text: str) -> str:
        """Word orders that say the same as one the readers know: "next month on the 1st" is "the 1st of
        next month", "next year in march" is "march next year", "the next 2 weeks" is "2 weeks"."""
        text = re.sub(
            rf"^(next|this) month (?:on )?(?:the )?({self.g.ordinal})$", r"the \2 of \1 month", text
        )
        text = re.sub(r"^next year (?:in|on) (.+)$", r"\1 next year", text)
        return re.sub(rf"^(?:the\s+)?next\s+(?=\d|{self.g.number}\s)", "", text)

    def _anchor(self, text: str) -> _Moment | None:
        text = re.sub(
            r"^(?:(?:on|at|by|for|in|until|till|til|within|after|before|from|the\s+end\s+of\s+the\s+day)\s+)+",
            "",
            text,
        )
        text = self._recompose(text.strip())
        if not text:
            return None
        for reader in self._readers():
            moment = reader(text)
            if moment is not None:
                return moment
        return None

    def _readers(self) -> tuple[Callable[[str], _Moment | None], ...]:
        return (
            self._relative_day,
            self._weekday,
            self._duration,
            self._next_unit,
            self._weekend,
            self._period_edge,
            self._numeric_date,
            self._day_month,
            self._month,
            self._season,
            self._holiday,
            self._nth_weekday,
            self._year,
            self._weekday_then_date,
        )

    def _relative_day(self, text: str) -> _Moment | None:
        if text in {"today", "tod", "this day", "same day", "the same day"}:
            return _Moment(day=self.today)
        if text in {"tomorrow", "tmrw", "tmr", "tomorow", "tomorrows", "tommorow", "tommorrow", "2moro"}:
            return _Moment(day=self.today + timedelta(days=1))
        if re.fullmatch(r"(?:the\s+)?day\s+after\s+tomorrow|overmorrow", text):
            return _Moment(day=self.today + timedelta(days=2))
        if text in {"now", "right now", "immediately"}:
            raise WhenError(f"That is now — I remind you of things later. Try {EXAMPLES}.")
        return None

    def _weekday(self, text: str) -> _Moment | None:
        g = self.g
        match = re.fullmatch(
            r"(?:(this|next|coming|this coming|the coming|the next|the following|following)\s+)?"
            rf"({g.weekday})"
            r"(?:\s+(after next|next week|this week|week))?",
            text,
        ) or re.fullmatch(rf"(next week)(?:'s)?\s+({g.weekday})", text)
        if not match:
            return None
        which, name = match.group(1), match.group(2)
        after = match.group(3) if match.lastindex and match.lastindex >= 3 else None
        target = self.v.weekdays[name]
        if which == "next week" or after == "next week":
            monday = self.today - timedelta(days=self.today.weekday()) + timedelta(days=7)
            return _Moment(day=monday + timedelta(days=target))
        ahead = (target - self.today.weekday()) % 7
        day = self.today + timedelta(days=ahead)
        if which == "this" or after == "this week":
            if not self._future(day):
                day += timedelta(days=7)
        elif ahead == 0:
            day += timedelta(days=7)
        if after == "after next":
            day += timedelta(days=7)
        return _Moment(day=day)

    def _duration(self, text: str) -> _Moment | None:
        span = _span(text)
        if span is not None:
            if span.within_day:  # elapsed time, also across a daylight-saving change
                return _Moment(exact=shift(self.now_utc, span.delta).astimezone(self.zone))
            return _Moment(day=shift(datetime.combine(self.today, self.at), span.delta).date())
        match = re.fullmatch(rf"({self.g.duration})\s+(from|after|on|before)\s+(.+)", text) or re.fullmatch(
            rf"({self.g.duration})\s+()(today|tomorrow|tmrw|{self.g.weekday})", text
        )
        if not match:
            return None
        span = _span(match.group(1))
        base = (
            self._anchor(match.group(3))
            if match.group(3) not in {"now", "today"}
            else _Moment(exact=self.now)
        )
        if span is None or base is None:
            return None
        delta = span.delta if match.group(2) != "before" else -span.delta
        if base.exact is not None:
            if span.within_day:
                return _Moment(exact=shift(base.exact, delta))
            return _Moment(day=shift(base.exact, delta).date())
        assert base.day is not None
        if span.within_day:
            return _Moment(exact=shift(self._at(base.day, self.at), delta))
        return _Moment(day=shift(datetime.combine(base.day, self.at), delta).date())

    def _next_unit(self, text: str) -> _Moment | None:
        after_next = re.fullmatch(rf"(?:the\s+)?({self.g.unit})\s+after\s+next", text)
        if after_next:
            unit, factor = self.v.units[after_next.group(1)]
            return _Moment(day=shift(datetime.combine(self.today, self.at), _delta(2 * factor, unit)).date())
        match = re.fullmatch(
            r"(?:(?:this|the same|same)\s+(?:day|date)\s+)?(?:the\s+)?(?:next|coming|following)\s+"
            rf"({self.g.unit})",
            text,
        )
        if not match:
            return None
        unit, factor = self.v.units[match.group(1)]
        if unit in {"hours", "minutes"}:
            return _Moment(exact=shift(self.now, _delta(factor, unit)))
        return _Moment(day=shift(datetime.combine(self.today, self.at), _delta(factor, unit)).date())

    def _weekend(self, text: str) -> _Moment | None:
        """ "this weekend", "on the weekend": the coming Saturday; "next weekend": next week's."""
        match = re.fullmatch(r"(?:(?:on|over)\s+)?(?:the\s+|this\s+|(next)\s+|coming\s+)?weekend", text)
        if not match:
            return None
        saturday = self.today + timedelta(days=(5 - self.today.weekday()) % 7)
        if match.group(1):
            saturday = self.today - timedelta(days=self.today.weekday()) + timedelta(days=12)
        elif not self._future(saturday):
            saturday += timedelta(days=7)
        return _Moment(day=saturday)

    def _period_edge(self, text: str) -> _Moment | None:
        g = self.g
        text = re.sub(
            r"^(?:the\s+)?(last|first)\s+day\s+of\b",
            lambda m: "end of" if m.group(1) == "last" else "start of",
            text,
        )
        match = re.fullmatch(
            r"(?:the\s+)?(end|close|start|beginning|middle|mid|early|late)(?:\s*-\s*|\s+)?(?:of\s+)?(?:the\s+)?"
            rf"(this\s+|next\s+|coming\s+|following\s+)?(week|month|quarter|year|{g.month}|{g.season}|\d{{4}})"
            r"(?:\s+(\d{4}|next year|this year))?",
            text,
        ) or re.fullmatch(r"(?:the\s+)?(?:(this|next)\s+)?(week|month|year)[\s-]?(end)", text)
        if match and match.re.pattern.endswith("(end)"):
            edge, which, period, year = "end", match.group(1), match.group(2), None
        elif match:
            edge, which, period, year = (
                match.group(1),
                (match.group(2) or "").strip() or None,
                match.group(3),
                match.group(4),
            )
        elif text in {"eom", "eoy", "eow"}:
            edge, which, period, year = (
                "end",
                None,
                {"eom": "month", "eoy": "year", "eow": "week"}[text],
                None,
            )
        else:
            return None
        edge = {"close": "end", "beginning": "start", "early": "start", "mid": "middle", "late": "end"}.get(
            edge, edge
        )
        return self._edge_of(edge, which, period, year)

    def _edge_of(self, edge: str, which: str | None, period: str, year: str | None) -> _Moment | None:
        def pick(first: date, last: date) -> date:
            return {"start": first, "end": last, "middle": first + (last - first) // 2}[edge]

        if period == "quarter":
            first = date(self.today.year, (self.today.month - 1) // 3 * 3 + 1, 1)
            for quarters in range(1 if which == "next" else 0, 3):
                start = shift(datetime.combine(first, time()), relativedelta(months=3 * quarters)).date()
                last = _month_end(shift(datetime.combine(start, time()), relativedelta(months=2)).date())
                day = pick(start, last)
                if which == "next" or self._future(day):
                    return _Moment(day=day)
            return None
        if period == "week":
            monday = self.today - timedelta(days=self.today.weekday())
            for weeks in range(1 if which == "next" else 0, 3):
                start = monday + timedelta(weeks=weeks)
                day = pick(start, start + timedelta(days=4))  # the working week: Monday to Friday
                if which == "next" or self._future(day):
                    return _Moment(day=day)
            return None
        if period == "month":
            first = self.today.replace(day=1)
            for months in range(1 if which == "next" else 0, 3):
                start = shift(datetime.combine(first, time()), relativedelta(months=months)).date()
                day = pick(start, _month_end(start))
                if which == "next" or self._future(day):
                    return _Moment(day=day)
            return None
        if period == "year" or period.isdigit():
            years = [int(period)] if period.isdigit() else [self.today.year + (1 if which == "next" else 0)]
            if not period.isdigit() and which != "next":
                years.append(self.today.year + 1)
            for number in years:
                day = (
                    pick(date(number, 1, 1), date(number, 12, 31)) if edge != "middle" else date(number, 7, 1)
                )
                if self._future(day) or period.isdigit() or which == "next":
                    return _Moment(day=day)
            return None
        if period in self.v.months:
            month = self.v.months[period]
            for number in self._years_for(year, which):
                start = date(number, month, 1)
                day = pick(start, _month_end(start)) if edge != "middle" else start.replace(day=15)
                if self._future(day) or (year and year.isdigit()):
                    return _Moment(day=day)
            return None
        start_month = self._season_start(period)
        for number in self._years_for(year, which, season=True):
            start = date(number, start_month, 1)
            last = _month_end(shift(datetime.combine(start, time()), relativedelta(months=2)).date())
            day = pick(start, last)
            if self._future(day) or (year and year.isdigit()):
                return _Moment(day=day)
        return None

    def _years_for(self, year: str | None, which: str | None, *, season: bool = False) -> list[int]:
        if year and year.isdigit():
            return [int(year)]
        if year == "next year":
            return [self.today.year + 1]
        first = self.today.year - (1 if season else 0)
        return [first, first + 1, first + 2]

    def _season_start(self, name: str) -> int:
        month = self.v.seasons[name]
        return (month + 5) % 12 + 1 if self.south else month

    def _month(self, text: str) -> _Moment | None:
        match = re.fullmatch(
            rf"(?:(this|next|coming|the coming|the next)\s+)?({self.g.month})"
            r"(?:\s+(?:of\s+)?(\d{4}|next year|this year))?",
            text,
        )
        if not match:
            return None
        month, year = self.v.months[match.group(2)], match.group(3)
        if year and year.isdigit():
            return _Moment(day=date(int(year), month, 1))
        if year == "next year":
            return _Moment(day=date(self.today.year + 1, month, 1))
        if year == "this year":
            return _Moment(day=date(self.today.year, month, 1))
        for number in (self.today.year, self.today.year + 1):
            day = date(number, month, 1)
            if self._future(day) and (number, month) != (self.today.year, self.today.month):
                return _Moment(day=day)
        return None

    def _season(self, text: str) -> _Moment | None:
        match = re.fullmatch(
            rf"(?:(?:this|next|coming|the coming|the|in the)\s+)*({self.g.season})"
            r"(?:\s+(?:of\s+)?(\d{4}|next year))?",
            text,
        )
        if not match:
            return None
        start_month = self._season_start(match.group(1))
        year = match.group(2)
        if year and year.isdigit():
            # Winter 2027 is the one that starts in December 2027 (north) — the season named by its start.
            return _Moment(day=date(int(year), start_month, 1))
        first = self.today.year + (1 if year == "next year" else 0)
        for number in (first, first + 1):
            day = date(number, start_month, 1)
            if self._future(day) and day > self.today:
                return _Moment(day=day)
        return None

    def _holiday(self, text: str) -> _Moment | None:
        match = re.fullmatch(rf"({self.g.holiday})(?:\s+(\d{{4}}))?", text)
        if not match:
            return None
        month, day_number = self.v.holidays[match.group(1)]
        return self._next_date(month, day_number, match.group(2))

    def _year(self, text: str) -> _Moment | None:
        match = re.fullmatch(r"(\d{4})|(?:the\s+)?(next|following)\s+year", text)
        if not match or not match.group(1):
            return None
        year = int(match.group(1))
        if year < self.today.year:
            raise WhenError(f"{year} is in the past. Pick a moment in the future, like {EXAMPLES}.")
        if year == self.today.year:
            raise WhenError(f"{year} is this year — say when in it, like “in march” or “end of the year”.")
        return _Moment(day=date(year, 1, 1))

    def _day_number(self, text: str) -> int:
        text = re.sub(r"(st|nd|rd|th)$", "", text) if text[:1].isdigit() else text
        number = int(text) if text.isdigit() else self.v.ordinals[text]
        if not 1 <= number <= 31:
            raise WhenError(f"“{self.typed}”: a month has at most 31 days.")
        return number

    def _day_month(self, text: str) -> _Moment | None:
        g = self.g
        year = r"(?:\s+(?:of\s+)?(\d{4}|next year|this year))?"
        patterns = (
            (rf"(?:the\s+)?({g.day_number})\s+(?:of\s+|-\s*)?({g.month}){year}", 1, 2),
            (rf"({g.month})\s+(?:the\s+)?({g.day_number}){year}", 2, 1),
        )
        for pattern, day_group, month_group in patterns:
            match = re.fullmatch(pattern, text)
            if match:
                day_number = self._day_number(match.group(day_group))
                month = self.v.months[match.group(month_group)]
                return self._next_date(month, day_number, match.group(3))
        match = re.fullmatch(
            rf"(?:the\s+)?({g.ordinal})(?:\s+(?:of\s+)?(?:the\s+)?(this|next|the)\s+month)?", text
        )
        if not match:
            return None
        day_number = self._day_number(match.group(1))
        first = self.today.replace(day=1)
        start = 1 if match.group(2) == "next" else 0
        for months in range(start, start + 14 if match.group(2) != "next" else start + 1):
            month_start = shift(datetime.combine(first, time()), relativedelta(months=months)).date()
            if day_number > _month_end(month_start).day:
                continue
            day = month_start.replace(day=day_number)
            if match.group(2) == "next" or self._future(day):
                return _Moment(day=day)
        if match.group(2) == "next":
            raise WhenError(f"“{self.typed}”: next month has no {_ordinal(day_number)}.")
        return None

    def _next_date(self, month: int, day_number: int, year: str | None) -> _Moment:
        """That day of that month: in the year given, else the next time it comes (29 Feb: a leap year)."""
        month_name = date(2000, month, 1).strftime("%B")
        if year and year.isdigit():
            try:
                return _Moment(day=date(int(year), month, day_number))
            except ValueError as exc:
                raise WhenError(f"There is no {day_number} {month_name} {year}.") from exc
        first = self.today.year + (1 if year == "next year" else 0)
        for number in range(first, first + (1 if year else 9)):
            try:
                day = date(number, month, day_number)
            except ValueError:
                continue
            if self._future(day) or year == "this year":
                return _Moment(day=day)
        raise WhenError(f"“{self.typed}”: {month_name} has no {_ordinal(day_number)}.")

    def _numeric_date(self, text: str) -> _Moment | None:
        if match := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
            return self._exact_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})(?:\2(\d{4}|\d{2}))?\.?", text)
        if not match:
            return None
        first, separator, second, year_text = (
            int(match.group(1)),
            match.group(2),
            int(match.group(3)),
            match.group(4),
        )
        # Dotted dates are day first everywhere; otherwise a number over 12 decides, then the user's custom.
        if separator != "." and (second > 12 >= first or (self.month_first and first <= 12 and second <= 12)):
            month, day_number = first, second
        else:
            day_number, month = first, second
        if not 1 <= month <= 12:
            raise WhenError(f"“{self.typed}” is not a date I can read: there is no month {month}.")
        if year_text is None:
            if day_number > 31 or day_number < 1:
                raise WhenError(f"“{self.typed}”: a month has at most 31 days.")
            return self._next_date(month, day_number, None)
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return self._exact_date(year, month, day_number)

    def _exact_date(self, year: int, month: int, day_number: int) -> _Moment:
        try:
            return _Moment(day=date(year, month, day_number))
        except ValueError as exc:
            raise WhenError(f"“{self.typed}” is not a real date.") from exc

    def _nth_weekday(self, text: str) -> _Moment | None:
        match = re.fullmatch(
            rf"(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+({self.g.weekday})\s+(?:of|in)\s+(.+)",
            text,
        )
        if not match:
            return None
        rest = match.group(3)
        months: list[date]
        if rest in {"the month", "this month", "month", "every month"}:
            first = self.today.replace(day=1)
            months = [
                shift(datetime.combine(first, time()), relativedelta(months=n)).date() for n in range(3)
            ]
        elif rest == "next month":
            first = self.today.replace(day=1)
            months = [shift(datetime.combine(first, time()), relativedelta(months=1)).date()]
        else:
            month_moment = self._month(rest)
            if month_moment is None or month_moment.day is None:
                return None
            months = [month_moment.day]
        order = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}
        target = self.v.weekdays[match.group(2)]
        for start in months:
            days = [start + timedelta(days=n) for n in range(_month_end(start).day)]
            matching = [d for d in days if d.weekday() == target]
            day = matching[-1] if match.group(1) == "last" else matching[order[match.group(1)]]
            if self._future(day) or len(months) == 1:
                return _Moment(day=day)
        return None

    def _weekday_then_date(self, text: str) -> _Moment | None:
        """ "friday 24 december", "fri dec 24": the weekday only repeats what the date says."""
        match = re.fullmatch(rf"({self.g.weekday})\s+(?:the\s+)?(.+)", text)
        if not match:
            return None
        rest = match.group(2)
        for reader in (self._numeric_date, self._day_month):
            moment = reader(rest)
            if moment is not None:
                return moment
        return None


def _cut(phrase: str, match: re.Match[str], keep: str = "") -> str:
    return _squash(f"{phrase[: match.start()]} {keep} {phrase[match.end() :]}")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
