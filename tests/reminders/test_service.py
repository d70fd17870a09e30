"""Reminder commands through ReminderService (and the brain): the same on every adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.brain import Brain
from bot.config import BUNDLED_KNOWLEDGE_DIR, Config
from bot.messages import ActionEvent, ActionId, Conversation, Incoming, Reply, ReplyKind
from bot.reminders.commands import parse_command
from bot.reminders.service import AvatarSighting, ReminderService
from bot.reminders.store import NewReminder
from tests.reminders.conftest import START, FakeClock

ALICE = Conversation(platform="slack", workspace="T1", channel="C1", user="alice")
BOB = Conversation(platform="slack", workspace="T1", channel="C1", user="bob")


def say(service: ReminderService, text: str, who: Conversation = ALICE, **extra: object) -> list[Reply]:
    replies = service.handle(Incoming(who, text, **extra))  # type: ignore[arg-type]
    assert replies is not None, f"{text!r} was not taken as a reminder command"
    return replies


def one(service: ReminderService, text: str, who: Conversation = ALICE, **extra: object) -> Reply:
    [reply] = say(service, text, who, **extra)
    return reply


def press(service: ReminderService, action: ActionId, value: str, who: Conversation = ALICE) -> Reply:
    replies = service.handle_action(ActionEvent(who, action, value))
    assert replies is not None
    [reply] = replies
    return reply


def reminder_id(reply: Reply) -> int:
    assert reply.reminder_id is not None
    return reply.reminder_id


@pytest.mark.parametrize(
    "text",
    [
        "remind me in 18 months",
        "Remind me in 2 yrs to update my LinkedIn photo",
        "please remind me next year",
        "remind me to refresh my headshot every year",
        "reminders",
        "my reminders",
        "cancel 3",
        "snooze 3 1 month",
        "done",
        "I updated it",
        "opt out",
        "opt in",
        "timezone Europe/Berlin",
        "admin track-photos on",
    ],
)
def test_commands_are_recognised(text: str) -> None:
    assert parse_command(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "how often should I update my headshot?",
        "are AI headshots ok for LinkedIn?",
        "what is a reminder",
        "cancelled",
    ],
)
def test_questions_are_not_commands(text: str) -> None:
    assert parse_command(text) is None


def test_set_list_and_cancel(service: ReminderService) -> None:
    reply = one(service, "remind me in 18 months to update my LinkedIn photo")
    assert reply.private and reply.kind is ReplyKind.REMINDER
    assert "Mon 22 May 2028 at 09:00 (UTC)" in reply.text
    assert "update my LinkedIn photo" in reply.text  # the user's own capitalisation
    number = reminder_id(reply)
    listing = one(service, "reminders")
    assert listing.private and f"#{number}" in listing.text
    assert [(a.action_id, a.value) for a in listing.actions] == [(ActionId.CANCEL, str(number))]
    assert "Cancelled" in one(service, f"cancel {number}").text
    assert "no reminders" in one(service, "my reminders").text


def test_text_before_the_time_works_too(service: ReminderService) -> None:
    reply = one(service, "remind me to refresh my photo on linkedin in 2 years")
    record = service.store.get(reminder_id(reply))
    assert record is not None
    assert record.text == "refresh my photo on linkedin"
    assert record.due_at == datetime(2028, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "text", "due_at"),
    [
        (
            "remind me to update my photo tonight at 8",
            "update my photo",
            datetime(2026, 11, 22, 20, 0, tzinfo=UTC),
        ),
        ("remind me to check in on friday", "check in", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        (
            "remind me to take a photo in 3 months time",
            "take a photo",
            datetime(2027, 2, 22, 9, 0, tzinfo=UTC),
        ),
        (
            "remind me to book the studio for 3 people next friday at 3pm",
            "book the studio for 3 people",
            datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        ),
        (
            "remind me about the headshot every year on March 1",
            "the headshot",
            datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        ),
        (
            "remind me next spring to book a photographer",
            "book a photographer",
            datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_when_is_split_from_the_text(
    service: ReminderService, said: str, text: str, due_at: datetime
) -> None:
    record = service.store.get(reminder_id(one(service, said)))
    assert record is not None and (record.text, record.due_at) == (text, due_at)


def test_control_characters_are_dropped_from_the_text(service: ReminderService) -> None:
    record = service.store.get(reminder_id(one(service, "remind me in 2 years to new\x00 photo\x07")))
    assert record is not None and record.text == "new photo"


def test_recurring_reminder(service: ReminderService) -> None:
    reply = one(service, "remind me every year")
    record = service.store.get(reminder_id(reply))
    assert record is not None and record.recurrence == "12 months"
    assert "every year" in reply.text


def test_bad_times_get_friendly_private_errors(service: ReminderService) -> None:
    for text, part in [
        ("remind me on flurbsday", "didn’t understand"),
        ("remind me on 2020-01-01", "in the past"),
        ("remind me in 12 years", "more than 10 years"),
        ("remind me", "When should I remind you"),
    ]:
        reply = one(service, text)
        assert reply.kind is ReplyKind.ERROR and reply.private and part in reply.text
    assert service.store.list_all() == []


def test_nobody_sees_or_changes_another_users_reminders(service: ReminderService) -> None:
    alices = reminder_id(one(service, "remind me in 18 months to update my photo"))
    bobs_view = one(service, "reminders", BOB)
    assert "update my photo" not in bobs_view.text and f"#{alices}" not in bobs_view.text
    assert service.list_replies(BOB)[0].actions == ()
    # Cancelling, snoozing or finishing someone else's reminder reads exactly like a missing one.
    refused = one(service, f"cancel {alices}", BOB)
    missing = one(service, "cancel 9999", BOB)
    assert refused.text.replace(str(alices), "N") == missing.text.replace("9999", "N")
    assert press(service, ActionId.CANCEL, str(alices), BOB).kind is ReplyKind.ERROR
    assert press(service, ActionId.SNOOZE, str(alices), BOB).kind is ReplyKind.ERROR
    assert press(service, ActionId.DONE, str(alices), BOB).kind is ReplyKind.ERROR
    # Same user id on another platform is another person.
    other_platform = Conversation(platform="discord", workspace="G1", channel="C", user="alice")
    assert one(service, f"cancel {alices}", other_platform).kind is ReplyKind.ERROR
    record = service.store.get(alices)
    assert (
        record is not None
        and record.status == "pending"
        and record.due_at == datetime(2028, 5, 22, 9, 0, tzinfo=UTC)
    )
    assert f"#{alices}" in one(service, "reminders").text


def test_cap_on_active_reminders(service: ReminderService) -> None:
    for months in range(1, service.max_active + 1):
        assert one(service, f"remind me in {months} months").kind is ReplyKind.REMINDER
    refused = one(service, "remind me in 20 months")
    assert refused.kind is ReplyKind.ERROR and "10 active reminders" in refused.text
    assert one(service, "remind me in 20 months", BOB).kind is ReplyKind.REMINDER  # per user
    first = service.store.active_for("slack", "alice")[0]
    one(service, f"cancel {first.id}")
    assert one(service, "remind me in 20 months").kind is ReplyKind.REMINDER


def due(service: ReminderService, number: int) -> datetime:
    record = service.store.get(number)
    assert record is not None
    return record.due_at


def deliver(service: ReminderService, number: int, at: datetime) -> None:
    [claimed] = service.store.claim_due("w", now=at, limit=1, lease=timedelta(minutes=5), platforms=["slack"])
    assert claimed.id == number and service.store.mark_delivered(number, "w")


def test_snooze_postpones_a_reminder_not_yet_due_from_its_due_time(service: ReminderService) -> None:
    number = reminder_id(one(service, "remind me on 2027-06-01"))  # today is 22 Nov 2026
    reply = one(service, f"snooze {number}")  # a month, the default
    assert "Snoozed" in reply.text and "Thu 01 Jul 2027 at 09:00" in reply.text
    assert due(service, number) == datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    one(service, f"snooze {number} 2 weeks")
    assert due(service, number) == datetime(2027, 7, 15, 9, 0, tzinfo=UTC)
    assert "Snoozed" in press(service, ActionId.SNOOZE, f"{number}:3 days").text  # a button with a length
    assert due(service, number) == datetime(2027, 7, 18, 9, 0, tzinfo=UTC)
    one(service, f"snooze {number} 2 hours")
    assert due(service, number) == datetime(2027, 7, 18, 11, 0, tzinfo=UTC)


def test_snooze_never_moves_a_reminder_earlier(service: ReminderService) -> None:
    number = reminder_id(one(service, "remind me on 2027-06-01"))
    refused = one(service, f"snooze {number} until next friday")
    assert refused.kind is ReplyKind.ERROR and "only postpones" in refused.text
    assert due(service, number) == datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    moved = one(service, f"snooze {number} until 2027-06-10")  # a moment later than it is due is fine
    assert moved.kind is ReplyKind.REMINDER and due(service, number) == datetime(
        2027, 6, 10, 9, 0, tzinfo=UTC
    )
    assert one(service, f"snooze {number} on flurbsday").kind is ReplyKind.ERROR
    assert one(service, f"snooze {number} every year").kind is ReplyKind.ERROR
    assert due(service, number) == datetime(2027, 6, 10, 9, 0, tzinfo=UTC)


def test_snooze_after_delivery_counts_from_now_at_the_reminders_time_of_day(
    service: ReminderService, clock: FakeClock
) -> None:
    number = reminder_id(one(service, "remind me tomorrow"))  # Mon 23 Nov 09:00
    deliver(service, number, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 23, 14, 37, tzinfo=UTC)
    assert "Snoozed" in press(service, ActionId.SNOOZE, str(number)).text  # the button: a month
    record = service.store.get(number)
    assert record is not None and record.status == "pending"
    assert record.due_at == datetime(2026, 12, 23, 9, 0, tzinfo=UTC)
    # "snooze" alone takes the last delivered one.
    deliver(service, number, datetime(2026, 12, 23, 9, 0, tzinfo=UTC))
    clock.now = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)
    assert "Snoozed" in one(service, "snooze 1 week").text
    assert due(service, number) == datetime(2026, 12, 30, 9, 0, tzinfo=UTC)


def test_push_a_reminder_back_by_a_length(service: ReminderService) -> None:
    """The operation behind "push reminder 5 back a month" (the chat phrase comes with the registry)."""
    number = reminder_id(one(service, "remind me on 2027-06-01"))
    reply = service.postpone(ALICE, number, "a month", None)
    assert reply.kind is ReplyKind.REMINDER and reply.text.startswith("Postponed")
    assert due(service, number) == datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    assert service.postpone(BOB, number, "a month", None).kind is ReplyKind.ERROR  # not Bob's
    assert due(service, number) == datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    one(service, f"cancel {number}")
    assert service.postpone(ALICE, number, "a month", None).kind is ReplyKind.ERROR


def test_a_snooze_computed_from_a_stale_due_time_does_not_land(service: ReminderService) -> None:
    number = reminder_id(one(service, "remind me on 2027-06-01"))
    old_due = due(service, number)
    one(service, f"snooze {number} 1 week")
    stale = service.store.reschedule(
        number, "slack", "alice", old_due + timedelta(days=1), only_if_due_at=old_due
    )
    assert stale is None and due(service, number) == datetime(2027, 6, 8, 9, 0, tzinfo=UTC)


def test_done_schedules_the_next_refresh_after_the_interval(service: ReminderService) -> None:
    reply = one(service, "I updated it")
    record = service.store.get(int(reply.actions[0].value))
    # Default 2 years, at 09:00 that day (like a "when" without a time of day).
    assert record is not None and record.due_at == datetime(2028, 11, 22, 9, 0, tzinfo=UTC)
    assert "Got it" in one(service, "refresh interval 18 months").text
    one(service, f"cancel {record.id}")
    reply = one(service, "done")
    record = service.store.get(int(reply.actions[0].value))
    assert record is not None and record.due_at == datetime(2028, 5, 22, 9, 0, tzinfo=UTC)


def test_done_button_moves_that_reminder(service: ReminderService) -> None:
    number = reminder_id(one(service, "remind me tomorrow"))
    reply = press(service, ActionId.DONE, str(number))
    record = service.store.get(number)
    assert "Nice work" in reply.text and record is not None
    assert record.due_at == datetime(2028, 11, 22, 9, 0, tzinfo=UTC)


def test_remind_in_a_year_button_from_the_photo_review(service: ReminderService) -> None:
    reply = press(service, ActionId.REMIND_IN_A_YEAR, "12 months")
    record = service.store.get(reminder_id(reply))
    assert record is not None and record.due_at == datetime(2027, 11, 22, 9, 0, tzinfo=UTC)
    assert record.user == "alice" and record.platform == "slack"


def test_unknown_buttons_are_not_ours(service: ReminderService) -> None:
    assert service.handle_action(ActionEvent(ALICE, "something_else", "1")) is None
    assert press(service, ActionId.CANCEL, "not-a-number").kind is ReplyKind.ERROR
    for huge in ("3000000000", "9" * 30):  # beyond any row id: "not found", not a database overflow
        for action in (ActionId.CANCEL, ActionId.SNOOZE, ActionId.DONE):
            assert press(service, action, huge).kind is ReplyKind.ERROR
        assert one(service, f"cancel {huge}").kind is ReplyKind.ERROR
        assert one(service, f"snooze {huge} 1 week").kind is ReplyKind.ERROR


def test_timezone_command_and_use(service: ReminderService) -> None:
    assert "Europe/Berlin" in one(service, "timezone europe/berlin").text
    assert service.store.preferences("slack", "alice").timezone == "Europe/Berlin"
    record = service.store.get(reminder_id(one(service, "remind me tomorrow")))
    assert record is not None and record.due_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 CET
    # The zone the user chose wins over what the platform reports, as it does for delivery.
    record = service.store.get(reminder_id(one(service, "remind me tomorrow", user_timezone="Asia/Tokyo")))
    assert record is not None and record.due_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    record = service.store.get(
        reminder_id(one(service, "remind me tomorrow", BOB, user_timezone="Asia/Tokyo"))
    )
    assert record is not None and record.due_at == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Bob chose none
    assert one(service, "timezone Mars/Olympus").kind is ReplyKind.ERROR
    assert "Europe/Berlin" in one(service, "timezone").text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("PST", "America/Los_Angeles"),
        ("Berlin", "Europe/Berlin"),
        ("cet", "Europe/Berlin"),
        ("utc", "UTC"),
        ("New York", "America/New_York"),
        ("to los angeles", "America/Los_Angeles"),
    ],
)
def test_timezone_abbreviations_and_cities(service: ReminderService, typed: str, stored: str) -> None:
    reply = one(service, f"timezone {typed}")
    assert reply.kind is ReplyKind.REMINDER and stored in reply.text
    assert service.store.preferences("slack", "alice").timezone == stored


def test_an_ambiguous_timezone_is_asked_about(service: ReminderService) -> None:
    reply = one(service, "timezone IST")
    assert reply.kind is ReplyKind.ERROR
    assert "India (Asia/Kolkata), Israel (Asia/Jerusalem) or Ireland (Europe/Dublin)" in reply.text
    assert "“timezone Asia/Kolkata”" in reply.text
    assert service.store.preferences("slack", "alice").timezone is None
    fixed = one(service, "timezone UTC+2")
    assert fixed.kind is ReplyKind.ERROR and "summer time" in fixed.text


def test_confirmation_and_list_show_the_real_delivery_time(service: ReminderService) -> None:
    one(service, "timezone Europe/Berlin")
    # A time the user named is kept, also outside the daytime window (13:00 in Berlin now: 19:00).
    reply = one(service, "remind me in 6 hours to call the photographer")
    assert "on Sun 22 Nov 2026 at 19:00 (Europe/Berlin):" in reply.text and "you asked" not in reply.text
    assert "on Mon 23 Nov 2026 at 10:00 (Europe/Berlin):" in one(service, "remind me tomorrow at 10am").text
    # An operator's reminder due at 05:27 UTC, for someone in New York: 01:27 there is held until 09:00.
    service.store.add(
        NewReminder("slack", "T1", "", "bob", "refresh", datetime(2028, 5, 22, 5, 27, tzinfo=UTC)), now=START
    )
    service.store.set_preferences("slack", "bob", timezone="America/New_York")
    bobs = one(service, "reminders", BOB)
    assert "on Mon 22 May 2028 at 09:00 (America/New_York) (you asked for Mon 01:27;" in bobs.text
    assert "between 09:00 and 18:00 your time" in bobs.text
    # Someone whose zone is unknown gets it when due (nothing holds it), shown in UTC.
    service.store.add(
        NewReminder("slack", "T1", "", "carol", "refresh", datetime(2028, 5, 22, 5, 27, tzinfo=UTC)),
        now=START,
    )
    carol = Conversation(platform="slack", workspace="T1", channel="C1", user="carol")
    assert "on Mon 22 May 2028 at 05:27 (UTC)" in one(service, "reminders", carol).text


def test_admin_photo_tracking(service: ReminderService) -> None:
    refused = one(service, "admin track-photos on")
    assert refused.kind is ReplyKind.ERROR and "admin" in refused.text
    assert not service.tracking_enabled("slack", "T1")
    assert "on" in one(service, "admin track-photos on", user_is_admin=True).text
    assert service.tracking_enabled("slack", "T1")
    assert not service.tracking_enabled("slack", "T2")
    one(service, "admin track-photos off", user_is_admin=True)
    assert not service.tracking_enabled("slack", "T1")


def test_outdated_photos_get_one_suggestion(service: ReminderService, clock: FakeClock) -> None:
    two_years_ago = START - timedelta(days=2 * 366)
    service.record_sightings("slack", "T1", [AvatarSighting("old", "h1", two_years_ago)])
    assert service.store.sighting("slack", "T1", "old") is None  # tracking is off by default: nothing kept
    service.store.set_workspace_settings("slack", "T1", photo_tracking=True)
    for user in ("old", "new"):  # both said "suggestions on" themselves
        service.store.set_preferences("slack", user, suggestions_opted_in=True)
    service.record_sightings(
        "slack", "T1", [AvatarSighting("old", "h1", two_years_ago), AvatarSighting("new", "h2", START)]
    )
    assert service.store.list_all() == []
    service.record_sightings(
        "slack", "T1", [AvatarSighting("old", "h1", START), AvatarSighting("new", "h2", START)]
    )
    [suggestion] = service.store.list_all()
    assert suggestion.user == "old" and suggestion.kind == "suggestion" and suggestion.channel == ""
    # Seen again, delivered, a month later: still not a second one within the interval.
    service.store.claim_due("w", now=START, limit=5, lease=timedelta(minutes=5), platforms=["slack"])
    assert service.store.mark_delivered(suggestion.id, "w")
    clock.advance(timedelta(days=30))
    service.record_sightings("slack", "T1", [AvatarSighting("old", "h1", clock.now)])
    assert len(service.store.list_all(user="old")) == 1
    # After the interval, a new one.
    clock.advance(timedelta(days=2 * 366))
    service.record_sightings("slack", "T1", [AvatarSighting("old", "h1", clock.now)])
    assert len(service.store.list_all(user="old")) == 2


def test_opted_out_users_get_no_suggestions(service: ReminderService) -> None:
    service.store.set_workspace_settings("slack", "T1", photo_tracking=True)
    assert "won’t suggest" in one(service, "opt out").text
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START - timedelta(days=800))])
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START)])
    assert service.store.list_all() == []
    one(service, "opt in")
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START)])
    assert [r.kind for r in service.store.list_all()] == ["suggestion"]
    one(service, "opt out")  # also cancels the pending one
    assert [r.status for r in service.store.list_all()] == ["cancelled"]


def test_a_changed_avatar_restarts_the_clock(service: ReminderService) -> None:
    service.store.set_workspace_settings("slack", "T1", photo_tracking=True)
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START - timedelta(days=800))])
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h2", START)])
    assert service.store.list_all() == []


def test_brain_never_opens_the_store_for_a_question(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'h.db'}", knowledge_dir=BUNDLED_KNOWLEDGE_DIR)
    brain = Brain(config, clock=lambda: START)
    brain.handle(Incoming(ALICE, "how often should I update my headshot?"))
    assert brain._reminders is None
    assert not (tmp_path / "h.db").exists()
    [reply] = brain.handle(Incoming(ALICE, "remind me in 18 months"))
    assert reply.kind is ReplyKind.REMINDER and (tmp_path / "h.db").exists()


def test_done_on_a_suggestion_sets_a_refresh_reminder(service: ReminderService) -> None:
    service.store.set_workspace_settings("slack", "T1", photo_tracking=True)
    one(service, "suggestions on")
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START - timedelta(days=800))])
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START)])
    [suggestion] = service.store.list_all()
    service.store.claim_due("w", now=START, limit=1, lease=timedelta(minutes=5), platforms=["slack"])
    service.store.mark_delivered(suggestion.id, "w")
    reply = press(service, ActionId.DONE, str(suggestion.id))
    assert "Nice work" in reply.text
    kinds = {(r.kind, r.status) for r in service.store.list_all()}
    assert kinds == {("suggestion", "delivered"), ("reminder", "pending")}
    [refresh] = service.store.active_for("slack", "alice")
    assert refresh.due_at == datetime(2028, 11, 22, 9, 0, tzinfo=UTC) and "refresh" in refresh.text


def test_admin_sets_the_workspace_interval(service: ReminderService) -> None:
    assert one(service, "admin refresh-interval 18 months").kind is ReplyKind.ERROR
    assert service.store.workspace_settings("slack", "T1").refresh_interval_months == 24
    assert "18 months" in one(service, "admin refresh-interval 18 months", user_is_admin=True).text
    assert service.store.workspace_settings("slack", "T1").refresh_interval_months == 18
    assert one(service, "admin refresh-interval forever", user_is_admin=True).kind is ReplyKind.ERROR
    assert "18 months" in one(service, "admin refresh-interval").text
    # "done" uses the workspace's interval when the user has none of their own.
    record = service.store.get(int(one(service, "done").actions[0].value))
    assert record is not None and record.due_at == datetime(2028, 5, 22, 9, 0, tzinfo=UTC)


def test_buttons_and_home_view_through_the_brain(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'h.db'}", knowledge_dir=BUNDLED_KNOWLEDGE_DIR)
    brain = Brain(config, clock=lambda: START)
    [set_reply] = brain.handle_action(ActionEvent(ALICE, ActionId.REMIND_IN_A_YEAR, "12 months"))
    assert set_reply.kind is ReplyKind.REMINDER and "22 Nov 2027" in set_reply.text
    home = brain.home(ALICE)
    # First the common actions as buttons, then the reminders, then the help.
    assert [a.action_id for a in home[0].actions] == [
        ActionId.REVIEW_PHOTO,
        ActionId.LIST_REMINDERS,
        ActionId.SHOW_HELP,
    ]
    assert "Your reminders" in (home[1].title or "") and home[-1].kind is ReplyKind.HELP
    assert "You have no reminders" in brain.home(BOB)[1].text
    [gone] = brain.handle_action(ActionEvent(ALICE, "unknown_button", "x"))
    assert gone.kind is ReplyKind.ERROR
