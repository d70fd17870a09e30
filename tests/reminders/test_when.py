"""Understanding "when": durations, dates, recurrences, time zones, daylight-saving changes and refusals."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.reminders.when import (
    When,
    WhenError,
    describe_recurrence,
    find_zone,
    iso_duration,
    lookup_zone,
    parse_duration,
    parse_recurrence,
    parse_when,
    resolve_typed_zone,
    resolve_zone,
    zone_from_name,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday
UTC_ZONE = resolve_zone("UTC")
PHRASES = Path(__file__).parent / "data" / "when_phrases.toml"


def when(text: str, zone: str = "UTC", now: datetime = NOW, locale: str | None = None) -> When:
    return parse_when(text, now=now, zone=zone_from_name(zone), locale=locale)


@dataclass(frozen=True)
class PhraseCase:
    phrase: str
    zone: str
    now: datetime
    expected: str


def _phrase_cases() -> list[PhraseCase]:
    with PHRASES.open("rb") as handle:
        raw = tomllib.load(handle)
    return [
        PhraseCase(phrase, block["zone"], datetime.fromisoformat(block["now"]), expected)
        for block in raw["block"]
        for phrase, expected in block["cases"]
    ]


@pytest.mark.parametrize("case", _phrase_cases(), ids=lambda c: f"{c.zone}:{c.phrase or '(empty)'}")
def test_the_development_phrase_set(case: PhraseCase) -> None:
    """Every phrasing of tests/reminders/data/when_phrases.toml reads as written there."""
    if case.expected == "error":
        with pytest.raises(WhenError) as refused:
            when(case.phrase, case.zone, case.now)
        assert str(refused.value).strip() and "Traceback" not in str(refused.value)
        return
    moment, _, repeat = case.expected.partition(" ")
    expected = datetime.fromisoformat(moment)
    if expected.tzinfo is None:
        expected = expected.replace(tzinfo=zone_from_name(case.zone))
    parsed = when(case.phrase, case.zone, case.now)
    assert parsed.due_at == expected.astimezone(UTC)
    assert parsed.repeat == (repeat or None)


def test_a_day_without_a_time_is_nine_in_the_morning_and_a_time_is_kept() -> None:
    assert when("in 18 months").local.hour == 9 and not when("in 18 months").time_given
    tonight = when("tonight at 8", "Europe/Berlin")
    assert (tonight.local.hour, tonight.time_given) == (20, True)
    assert when("in 2 hours").due_at == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "recurrence", "described", "iso"),
    [
        ("every year", "12 months", "every year", "P1Y"),
        ("annually", "12 months", "every year", "P1Y"),
        ("every other year", "24 months", "every 2 years", "P2Y"),
        ("every 6 months", "6 months", "every 6 months", "P6M"),
        ("every 18 months", "18 months", "every 18 months", "P18M"),
        ("every week", "7 days", "every week", "P1W"),
        ("every other friday", "14 days", "every 2 weeks", "P2W"),
        ("daily", "1 days", "every day", "P1D"),
    ],
)
def test_recurrences(text: str, recurrence: str, described: str, iso: str) -> None:
    parsed = when(text)
    assert parsed.recurrence == recurrence
    assert describe_recurrence(recurrence) == described
    assert iso_duration(recurrence) == iso == parsed.repeat
    assert parse_recurrence(recurrence) is not None


def test_month_end_arithmetic_is_calendar_aware() -> None:
    end_of_january = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    assert when("in a month", now=end_of_january).due_at == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert when("every year on feb 29").due_at == datetime(2028, 2, 29, 9, 0, tzinfo=UTC)


def test_tomorrow_is_nine_in_the_users_zone() -> None:
    # 23:30 UTC on 22 Nov is already 23 Nov 00:30 in Berlin: "tomorrow" there is the 24th at 9:00 CET.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert when("tomorrow", "Europe/Berlin", late).due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert when("tomorrow", "America/New_York", late).due_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_daylight_saving_change_keeps_the_wall_clock() -> None:
    # Berlin moves to summer time on 28 March 2027: 9:00 local is 08:00 UTC before and 07:00 UTC after.
    before = datetime(2027, 3, 27, 10, 0, tzinfo=UTC)
    assert when("tomorrow", "Europe/Berlin", before).due_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    winter_noon = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 12:00 CET
    summer = when("in 6 months", "Europe/Berlin", winter_noon)
    assert summer.local.hour == 9 and summer.due_at == datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
    # Hours are elapsed time: 90 minutes after 01:00 CST on the night clocks jump is 03:30 CDT.
    jump = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert when("in 90 minutes", "America/Chicago", jump).due_at == datetime(2027, 3, 14, 8, 30, tzinfo=UTC)


def test_day_and_month_order_follows_the_locale_then_the_zone() -> None:
    assert when("3/1/2027").local.date().isoformat() == "2027-01-03"  # day first by default
    assert when("3/1/2027", "America/New_York").local.date().isoformat() == "2027-03-01"
    assert when("3/1/2027", locale="en_US").local.date().isoformat() == "2027-03-01"
    assert when("3/1/2027", "America/New_York", locale="en-GB").local.date().isoformat() == "2027-01-03"
    assert when("3/1/2027", locale="de_DE.UTF-8").local.date().isoformat() == "2027-01-03"
    # A number over 12 decides by itself; a dotted date is always day first.
    assert when("1/13/2027").local.date().isoformat() == "2027-01-13"
    assert when("3.1.2027", "America/New_York").local.date().isoformat() == "2027-01-03"


def test_seasons_are_flipped_south_of_the_equator() -> None:
    assert when("next spring", "Europe/Berlin").local.month == 3
    assert when("next spring", "Australia/Sydney").local.month == 9
    assert when("next spring", "America/Argentina/Buenos_Aires").local.month == 9


def test_a_zone_in_the_phrase_wins_over_the_users() -> None:
    parsed = when("tomorrow at 3pm PST", "Europe/Berlin")
    assert parsed.due_at == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert parsed.local.isoformat() == "2026-11-23T15:00:00-08:00"
    assert when("tomorrow 9am berlin time").due_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert when("tomorrow at 10:00 in new york").due_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert when("at 3pm utc+2").due_at == datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
    # "IST" is ambiguous, unless the user lives in one of its zones.
    with pytest.raises(WhenError, match=r"India.*Israel.*Ireland"):
        when("tomorrow at 9 IST")
    assert when("tomorrow at 9 IST", "Asia/Jerusalem").due_at == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("on flurbsday", "didn’t understand “on flurbsday”"),
        ("whenever", "isn’t a moment"),
        ("2020-01-01", "in the past"),
        ("on 2026-11-22", "in the past"),
        ("yesterday", "in the past"),
        ("3 weeks ago", "in the past"),
        ("in 0 months", "in the past"),
        ("now", "That is now"),
        ("in 11 years", "more than 10 years"),
        ("2040-01-01", "more than 10 years"),
        ("in 9999 years", "more than 10 years"),
        ("in 99999999999 years", "more than 10 years"),
        ("every 100000000000000000000000 days", "more than 10 years"),
        ("every 30 minutes", "at most once a day"),
        ("feb 30", "February has no 30th"),
        ("31/02/2027", "not a real date"),
        ("at 25:00", "doesn’t exist"),
        ("13pm tomorrow", "isn’t a time of day"),
        ("biannually", "twice a year or every two years"),
        ("in 2 hours at 5pm", "two different times"),
        ("in " + "1 day and " * 40 + "1 day", "too long"),
        ("", "When should I remind you"),
        ("please", "When should I remind you"),
    ],
)
def test_friendly_errors(text: str, message_part: str) -> None:
    with pytest.raises(WhenError) as caught:
        when(text)
    assert message_part in str(caught.value)


def test_the_error_quotes_what_was_typed_and_adds_nothing() -> None:
    with pytest.raises(WhenError) as caught:
        when("next blorpday")
    assert "“next blorpday”" in str(caught.value) and "in next" not in str(caught.value)


def test_durations_for_snooze_and_intervals() -> None:
    assert parse_duration("2 wks") is not None and parse_duration("2 wks").days == 14  # type: ignore[union-attr]
    assert parse_duration("a year and a half") is not None
    assert parse_duration("in a fortnight") is not None
    assert parse_duration("next friday") is None
    assert parse_duration("in 99999 years") is None


def test_zone_names() -> None:
    assert find_zone("europe/berlin") == "Europe/Berlin"
    assert find_zone("America/New York") == "America/New_York"
    assert find_zone("utc") == "UTC"
    assert find_zone("Mars/Olympus") is None
    assert resolve_zone("Mars/Olympus") == UTC_ZONE


@pytest.mark.parametrize(
    ("typed", "zones"),
    [
        ("PST", ("America/Los_Angeles",)),
        ("pdt", ("America/Los_Angeles",)),
        ("Berlin", ("Europe/Berlin",)),
        ("New York", ("America/New_York",)),
        ("new_york", ("America/New_York",)),
        ("europe/berlin", ("Europe/Berlin",)),
        ("Sao Paulo", ("America/Sao_Paulo",)),
        ("India", ("Asia/Kolkata",)),
        ("IST", ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin")),
        ("UTC+5:30", ("UTC+05:30",)),
        ("Atlantis", ()),
    ],
)
def test_zone_lookup(typed: str, zones: tuple[str, ...]) -> None:
    assert lookup_zone(typed) == zones


def test_typed_zone_resolution_asks_when_ambiguous() -> None:
    assert str(resolve_typed_zone("PST")) == "America/Los_Angeles"
    with pytest.raises(WhenError, match="India \\(Asia/Kolkata\\), Israel \\(Asia/Jerusalem\\) or Ireland"):
        resolve_typed_zone("IST")
    assert str(resolve_typed_zone("IST", prefer=zone_from_name("Europe/Dublin"))) == "Europe/Dublin"
    with pytest.raises(WhenError, match="don’t know the time zone “Atlantis”"):
        resolve_typed_zone("Atlantis")
