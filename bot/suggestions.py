"""What a slash-command option suggests as the user types (Discord autocomplete), the same for every
platform that can show it: how the bot reads a "when" so far, and the time zones a name may mean.

Pure and quick (well under Discord's 3 seconds): the "when" reader and the zone tables of
bot/reminders/when.py, nothing else.
"""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from zoneinfo import available_timezones

from bot.reminders.when import EXAMPLES, WhenError, lookup_zone, parse_when

MAX_SUGGESTIONS = 25  # Discord shows at most 25 choices
MAX_LABEL = 100  # a choice's name and value: 1-100 characters
WHEN_EXAMPLES = ("in 18 months", "next year", "next spring", "on 15 january", "every year")
ZONE_EXAMPLES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles")

Suggestion = tuple[str, str]
"""(what is shown, the value the option gets)."""


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def moment_label(moment: datetime) -> str:
    """“Tue 1 Jun 2027, 09:00”: the wall-clock time a reminder would be set for."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def when_suggestions(
    typed: str, *, now: datetime, zone: tzinfo, locale: str | None = None
) -> list[Suggestion]:
    """How the bot reads what is typed so far (“next friday → Fri 5 Jun 2026, 09:00”); while nothing is
    typed, a few examples read the same way. A phrase it cannot read says so (and stays selectable: the
    answer then explains why)."""
    phrases = [typed.strip()] if typed.strip() else list(WHEN_EXAMPLES)
    suggestions: list[Suggestion] = []
    for phrase in phrases:
        value = phrase[:MAX_LABEL]
        try:
            when = parse_when(phrase, now=now, zone=zone, locale=locale)
        except WhenError:
            suggestions.append(
                (_clip(f"{phrase} → not understood yet (e.g. {EXAMPLES.split(',')[0]})"), value)
            )
            continue
        repeat = f", then every {when.recurrence}" if when.recurrence else ""
        suggestions.append((_clip(f"{phrase} → {moment_label(when.local)}{repeat}"), value))
    return suggestions[:MAX_SUGGESTIONS]


def timezone_suggestions(typed: str) -> list[Suggestion]:
    """IANA zone names for what is typed: the zones a name, city or abbreviation means (bot/reminders/
    zones.toml: “pst”, “Berlin”), then every IANA name containing it."""
    text = typed.strip()
    if not text:
        return [(zone, zone) for zone in ZONE_EXAMPLES]
    found = list(lookup_zone(text))
    needle = text.lower().replace(" ", "_")
    found += [zone for zone in _all_zones() if needle in zone.lower()]
    unique = list(dict.fromkeys(found))[:MAX_SUGGESTIONS]
    return [(zone, zone) for zone in unique]


@functools.cache
def _all_zones() -> tuple[str, ...]:
    """The zone database's names, sorted; listed once (it reads hundreds of files)."""
    return tuple(sorted(available_timezones()))
