"""Understanding "when": durations, dates, recurrences, time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.reminders.when import (
    When,
    WhenError,
    describe_recurrence,
    find_zone,
    parse_recurrence,
    parse_when,
    resolve_zone,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday
BERLIN = resolve_zone("Europe/Berlin")
NEW_YORK = resolve_zone("America/New_York")
UTC_ZONE = resolve_zone("UTC")


def when(text: str, zone: str = "UTC", now: datetime = NOW) -> When:
    return parse_when(text, now=now, zone=resolve_zone(zone))


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("in 18 months", datetime(2028, 5, 22, 12, 0, tzinfo=UTC)),
        ("in 2 yrs", datetime(2028, 11, 22, 12, 0, tzinfo=UTC)),
        ("in a year", datetime(2027, 11, 22, 12, 0, tzinfo=UTC)),
        ("next year", datetime(2027, 11, 22, 12, 0, tzinfo=UTC)),
        ("in 1 year and 6 months", datetime(2028, 5, 22, 12, 0, tzinfo=UTC)),
        ("1y 6m", datetime(2028, 5, 22, 12, 0, tzinfo=UTC)),
        ("in 1.5 years", datetime(2028, 5, 22, 12, 0, tzinfo=UTC)),
        ("in half a year", datetime(2027, 5, 22, 12, 0, tzinfo=UTC)),
        ("in 3 weeks", datetime(2026, 12, 13, 12, 0, tzinfo=UTC)),
        ("tomorrow", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("on march 3rd", datetime(2027, 3, 3, 9, 0, tzinfo=UTC)),
        ("on the 3rd of March", datetime(2027, 3, 3, 9, 0, tzinfo=UTC)),
        ("2027-03-01", datetime(2027, 3, 1, 9, 0, tzinfo=UTC)),
        ("on 2027-03-01T15:30+02:00", datetime(2027, 3, 1, 13, 30, tzinfo=UTC)),
        ("next friday", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        ("IN 18 MONTHS.", datetime(2028, 5, 22, 12, 0, tzinfo=UTC)),
    ],
)
def test_durations_and_dates(text: str, expected_utc: datetime) -> None:
    parsed = when(text)
    assert parsed.due_at == expected_utc
    assert parsed.recurrence is None


@pytest.mark.parametrize(
    ("text", "recurrence", "described"),
    [
        ("every year", "12 months", "every year"),
        ("yearly", "12 months", "every year"),
        ("annually", "12 months", "every year"),
        ("every 2 years", "24 months", "every 2 years"),
        ("every other year", "24 months", "every 2 years"),
        ("every 6 months", "6 months", "every 6 months"),
        ("every week", "7 days", "every week"),
    ],
)
def test_recurrences(text: str, recurrence: str, described: str) -> None:
    parsed = when(text)
    assert parsed.recurrence == recurrence
    assert describe_recurrence(recurrence) == described
    assert parsed.due_at == (NOW + parse_recurrence(recurrence))


def test_month_end_arithmetic_is_calendar_aware() -> None:
    end_of_january = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    assert when("in a month", now=end_of_january).due_at == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)


def test_date_without_year_already_past_means_next_year() -> None:
    assert when("on march 3rd", now=datetime(2027, 6, 1, tzinfo=UTC)).due_at.year == 2028


def test_tomorrow_is_nine_in_the_users_zone() -> None:
    # 23:30 UTC on 22 Nov is already 23 Nov 00:30 in Berlin: "tomorrow" there is the 24th at 9:00 CET.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert when("tomorrow", "Europe/Berlin", late).due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert when("tomorrow", "America/New_York", late).due_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_daylight_saving_change_keeps_the_wall_clock() -> None:
    # Berlin moves to summer time on 28 March 2027: 9:00 local is 08:00 UTC before and 07:00 UTC after.
    before = datetime(2027, 3, 27, 10, 0, tzinfo=UTC)
    assert when("tomorrow", "Europe/Berlin", before).due_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert when("on 2027-03-27", "Europe/Berlin", datetime(2027, 3, 1, tzinfo=UTC)).due_at == datetime(
        2027, 3, 27, 8, 0, tzinfo=UTC
    )
    # "in 6 months" from winter time lands in summer time at the same local hour.
    winter_noon = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 12:00 CET
    summer = when("in 6 months", "Europe/Berlin", winter_noon)
    assert summer.local.hour == 12 and summer.due_at == datetime(2027, 6, 1, 10, 0, tzinfo=UTC)


def test_same_words_differ_by_zone() -> None:
    assert when("2027-03-01", "Asia/Tokyo").due_at == datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
    assert when("2027-03-01", "America/New_York").due_at == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("on flurbsday", "didn’t understand"),
        ("whenever", "didn’t understand"),
        ("march", "didn’t understand"),
        ("2020-01-01", "in the past"),
        ("on 2026-11-22", "in the past"),
        ("in 0 months", "in the past"),
        ("in 11 years", "more than 10 years"),
        ("2040-01-01", "more than 10 years"),
        ("in 9999 years", "more than 10 years"),
        ("in 99999999999 years", "more than 10 years"),
        ("every 100000000000000000000000 days", "more than 10 years"),
        ("every 30 minutes", "at most once a day"),
        ("today", "later days"),
        ("", "When should I remind you"),
    ],
)
def test_friendly_errors(text: str, message_part: str) -> None:
    with pytest.raises(WhenError) as caught:
        when(text)
    assert message_part in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_zone_names() -> None:
    assert find_zone("europe/berlin") == "Europe/Berlin"
    assert find_zone("America/New York") == "America/New_York"
    assert find_zone("utc") == "UTC"
    assert find_zone("Mars/Olympus") is None
    assert resolve_zone("Mars/Olympus") == UTC_ZONE
