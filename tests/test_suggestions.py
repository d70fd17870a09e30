"""What an option suggests as the user types: how "when" is read, and time-zone names."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.suggestions import MAX_LABEL, timezone_suggestions, when_suggestions

NOW = datetime(2027, 5, 28, 12, 0, tzinfo=UTC)  # a Friday


def test_when_shows_the_moment_it_reads_in_the_users_zone() -> None:
    [(label, value)] = when_suggestions("next tuesday", now=NOW, zone=ZoneInfo("Europe/Berlin"))
    assert (label, value) == ("next tuesday → Tue 1 Jun 2027, 09:00", "next tuesday")
    [(label, _)] = when_suggestions("every year", now=NOW, zone=ZoneInfo("UTC"))
    assert label.endswith(", then every 12 months")


def test_when_says_so_when_it_cannot_read_it_yet_and_offers_examples_for_nothing() -> None:
    [(label, value)] = when_suggestions("next blursday", now=NOW, zone=ZoneInfo("UTC"))
    assert "not understood yet" in label and value == "next blursday"
    examples = when_suggestions("", now=NOW, zone=ZoneInfo("UTC"))
    assert len(examples) == 5 and all("→" in label for label, _ in examples)
    [(label, value)] = when_suggestions("in 2 weeks " + "x" * 200, now=NOW, zone=ZoneInfo("UTC"))
    assert len(label) <= MAX_LABEL and len(value) <= MAX_LABEL  # Discord's limit for a choice


def test_timezone_names_aliases_then_every_matching_iana_name() -> None:
    assert timezone_suggestions("pst")[0] == ("America/Los_Angeles", "America/Los_Angeles")
    assert [v for _, v in timezone_suggestions("Berlin")] == ["Europe/Berlin"]
    assert "America/New_York" in [v for _, v in timezone_suggestions("new york")]
    assert len(timezone_suggestions("a")) == 25  # Discord shows at most 25
    assert timezone_suggestions("")[0] == ("UTC", "UTC")
