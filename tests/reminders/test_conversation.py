"""The commands people try on their reminders — cancel all (confirmed), move, postpone, undo, done, twins —
and the reminders that notice a new profile photo, on SQLite and PostgreSQL, also when things happen at
once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.brain import Brain
from bot.config import BUNDLED_KNOWLEDGE_DIR, Config
from bot.messages import ActionEvent, ActionId, Conversation, Incoming, Reply, ReplyKind
from bot.reminders import commands as cmd
from bot.reminders.delivery import SenderRegistry
from bot.reminders.scheduler import Scheduler
from bot.reminders.service import AvatarSighting, ReminderService
from bot.reminders.store import NewReminder, ReminderRecord
from tests.reminders.conftest import START, FakeClock, RecordingSender

ALICE = Conversation(platform="slack", workspace="T1", channel="C1", user="alice")
BOB = Conversation(platform="slack", workspace="T1", channel="C1", user="bob")
LEASE = timedelta(minutes=5)
T = TypeVar("T")


def one(service: ReminderService, text: str, who: Conversation = ALICE, **extra: object) -> Reply:
    replies = service.handle(Incoming(who, text, **extra))  # type: ignore[arg-type]
    assert replies is not None, f"{text!r} was not taken as a reminder command"
    [reply] = replies
    return reply


def press(service: ReminderService, action: ActionId, value: str, who: Conversation = ALICE) -> Reply:
    replies = service.handle_action(ActionEvent(who, action, value))
    assert replies is not None
    [reply] = replies
    return reply


def set_reminder(service: ReminderService, text: str, who: Conversation = ALICE) -> int:
    reply = one(service, text, who)
    assert reply.reminder_id is not None, reply.text
    return reply.reminder_id


def record(service: ReminderService, number: int) -> ReminderRecord:
    found = service.store.get(number)
    assert found is not None
    return found


def statuses(service: ReminderService, user: str = "alice") -> dict[int, str]:
    return {r.id: r.status for r in service.store.list_all(user=user)}


def action_value(reply: Reply, action: ActionId) -> str:
    [value] = [a.value for a in reply.actions if a.action_id == action]
    return value


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Runs `work(0..count-1)` in threads released together (each with its own store connection)."""
    barrier = threading.Barrier(count)
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return [result for result in results if result is not None]


def services(database_url: str, clock: FakeClock, count: int) -> list[ReminderService]:
    return [ReminderService(database_url, clock=clock) for _ in range(count)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cancel all my reminders", cmd.CancelAll()),
        ("Could you delete all of my reminders please", cmd.CancelAll()),
        ("get rid of all my reminders", cmd.CancelAll()),
        ("cancel them all", cmd.CancelAll()),
        ("yes, cancel them", cmd.Confirm(yes=True)),
        ("yeah go ahead", cmd.Confirm(yes=True)),
        ("nope, keep them", cmd.Confirm(yes=False)),
        ("move 3 to next spring", cmd.MoveReminder(3, "next spring")),
        ("change reminder 3 to 15 january", cmd.MoveReminder(3, "15 january")),
        ("can you reschedule #3 for tomorrow at 10am", cmd.MoveReminder(3, "tomorrow at 10am")),
        ("set reminder 3 to friday", cmd.MoveReminder(3, "friday")),
        ("push reminder 5 back a month", cmd.PostponeReminder(5, "a month")),
        ("postpone 5 by 2 weeks", cmd.PostponeReminder(5, "2 weeks")),
        ("move 5 back 3 days", cmd.PostponeReminder(5, "3 days")),
        ("push it back a week", cmd.PostponeReminder(None, "a week")),
        ("postpone", cmd.PostponeReminder(None, None)),
        ("undo", cmd.Undo()),
        ("oops, undo that", cmd.Undo()),
        ("set a reminder for 4pm tomorrow", cmd.SetReminder("for 4pm tomorrow")),
    ],
)
def test_the_phrases_people_use(text: str, expected: cmd.Command) -> None:
    assert cmd.parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "postpone my photo shoot?",
        "should I delay my headshot session?",
        "how do I undo a bad photo edit?",
        "move to a new studio",
        "ok",
        "cancelled",
    ],
)
def test_questions_that_look_like_these_commands_stay_questions(text: str) -> None:
    assert cmd.parse_command(text) is None


# --- cancel all -------------------------------------------------------------------------------------------


def test_cancel_all_cancels_nothing_until_confirmed(service: ReminderService, clock: FakeClock) -> None:
    first = set_reminder(service, "remind me in 18 months")
    second = set_reminder(service, "remind me next spring to book a photographer")
    bobs = set_reminder(service, "remind me in 2 years", BOB)
    question = one(service, "cancel all my reminders")
    assert question.private and f"#{first}, #{second}" in question.text and "yes" in question.text
    assert [a.action_id for a in question.actions] == [ActionId.CONFIRM, ActionId.DECLINE]
    assert set(statuses(service).values()) == {"pending"}  # asking changed nothing
    later = set_reminder(service, "remind me in 3 months")  # set after the question: not part of it
    assert "I haven’t asked you anything" in one(service, "yes", BOB).text  # Bob has no question open
    done = one(service, "yes")
    assert f"Cancelled 2 reminders (#{first}, #{second})" in done.text
    assert statuses(service) == {first: "cancelled", second: "cancelled", later: "pending"}
    assert record(service, bobs).status == "pending"
    # Answered once: the button of the same question, or another "yes", changes nothing more.
    assert (
        "already answered" in press(service, ActionId.CONFIRM, action_value(question, ActionId.CONFIRM)).text
    )
    assert "I haven’t asked you anything" not in one(service, "yes").text
    assert statuses(service)[later] == "pending"


def test_the_confirmation_expires_and_no_keeps_them(service: ReminderService, clock: FakeClock) -> None:
    number = set_reminder(service, "remind me in 18 months")
    one(service, "cancel all")
    clock.advance(timedelta(minutes=11))
    expired = one(service, "yes")
    assert expired.kind is ReplyKind.ERROR and "expired" in expired.text
    assert record(service, number).status == "pending"
    question = one(service, "delete all my reminders")
    assert "kept your reminders" in one(service, "no").text
    assert (
        "already answered" in press(service, ActionId.CONFIRM, action_value(question, ActionId.CONFIRM)).text
    )
    assert record(service, number).status == "pending"


def test_the_confirm_button_is_the_owners_only(service: ReminderService) -> None:
    number = set_reminder(service, "remind me in 18 months")
    question = one(service, "cancel everything")
    value = action_value(question, ActionId.CONFIRM)
    assert "I haven’t asked you anything" in press(service, ActionId.CONFIRM, value, BOB).text
    assert record(service, number).status == "pending"
    assert "Cancelled 1 reminder" in press(service, ActionId.CONFIRM, value).text
    assert record(service, number).status == "cancelled"
    assert "nothing to cancel" in one(service, "cancel all").text


def test_two_yes_at_once_cancel_once(database_url: str, clock: FakeClock) -> None:
    workers = services(database_url, clock, 2)
    numbers = [set_reminder(workers[0], f"remind me in {m} months") for m in (3, 6)]
    question = one(workers[0], "cancel all")
    value = action_value(question, ActionId.CONFIRM)
    replies = at_once(
        2, lambda i: one(workers[i], "yes") if i == 0 else press(workers[i], ActionId.CONFIRM, value)
    )
    assert sorted("Cancelled 2 reminders" in r.text for r in replies) == [False, True]
    assert [record(workers[0], n).status for n in numbers] == ["cancelled", "cancelled"]
    for worker in workers:
        worker.close()


# --- move and postpone ------------------------------------------------------------------------------------


def test_move_to_a_new_time_earlier_or_later(service: ReminderService) -> None:
    number = set_reminder(service, "remind me on 2027-06-01")
    reply = one(service, f"move {number} to next spring")
    assert "Moved" in reply.text and "Mon 01 Mar 2027 at 09:00" in reply.text
    assert record(service, number).due_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # earlier is fine
    one(service, f"change reminder {number} to 15 january")
    assert record(service, number).due_at == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    one(service, f"reschedule #{number} for tomorrow at 10pm")
    moved = record(service, number)
    assert moved.due_at == datetime(2026, 11, 23, 22, 0, tzinfo=UTC) and moved.exact_time  # a named time
    for refused in (
        f"move {number} to flurbsday",
        f"move {number} to every year",
        f"move {number} to yesterday",
    ):
        assert one(service, refused).kind is ReplyKind.ERROR
    assert one(service, f"move {number} to next spring", BOB).kind is ReplyKind.ERROR  # not Bob's
    assert record(service, number).due_at == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def test_push_back_and_postpone_are_the_chat_phrases_for_postpone(service: ReminderService) -> None:
    number = set_reminder(service, "remind me on 2027-06-01")
    reply = one(service, f"push reminder {number} back a month")
    assert reply.text.startswith("Postponed") and "Thu 01 Jul 2027 at 09:00" in reply.text
    one(service, f"postpone {number} by 2 weeks")
    assert record(service, number).due_at == datetime(2027, 7, 15, 9, 0, tzinfo=UTC)
    one(service, f"move {number} back 3 days")
    assert record(service, number).due_at == datetime(2027, 7, 18, 9, 0, tzinfo=UTC)
    one(service, f"postpone {number} until 2027-08-01")
    assert record(service, number).due_at == datetime(2027, 8, 1, 9, 0, tzinfo=UTC)
    refused = one(service, f"postpone {number} until next friday")
    assert refused.kind is ReplyKind.ERROR and "only postpones" in refused.text
    assert record(service, number).due_at == datetime(2027, 8, 1, 9, 0, tzinfo=UTC)


def test_the_users_locale_decides_day_and_month(service: ReminderService) -> None:
    us = set_reminder_with(service, "remind me on 3/1/2027", user_locale="en-US")
    german = set_reminder_with(service, "remind me on 3/1/2027", user_locale="de-DE")
    assert record(service, us).due_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert record(service, german).due_at == datetime(2027, 1, 3, 9, 0, tzinfo=UTC)
    one(service, f"move {german} to 4/2/2027", user_locale="en-US")
    assert record(service, german).due_at == datetime(2027, 4, 2, 9, 0, tzinfo=UTC)


def set_reminder_with(service: ReminderService, text: str, **extra: object) -> int:
    reply = one(service, text, ALICE, **extra)
    assert reply.reminder_id is not None, reply.text
    return reply.reminder_id


# --- undo -------------------------------------------------------------------------------------------------


def test_undo_puts_back_the_last_change_once(service: ReminderService) -> None:
    number = set_reminder(service, "remind me on 2027-06-01")
    cancelled = one(service, f"cancel {number}")
    assert "Say “undo”" in cancelled.text and [a.action_id for a in cancelled.actions] == [ActionId.UNDO]
    undone = one(service, "undo")
    assert "Undone: cancelling a reminder" in undone.text and f"#{number} is back" in undone.text
    assert record(service, number).status == "pending"
    again = one(service, "undo")
    assert "undone already" in again.text  # once: not the change before it (setting the reminder)
    assert record(service, number).status == "pending"


@pytest.mark.parametrize(
    ("change", "undone"),
    [
        ("move {n} to next spring", "moving a reminder"),
        ("snooze {n} 2 weeks", "a snooze"),
        ("push reminder {n} back a month", "postponing a reminder"),
    ],
)
def test_undo_a_move_or_a_postponement(service: ReminderService, change: str, undone: str) -> None:
    number = set_reminder(service, "remind me on 2027-06-01")
    one(service, change.format(n=number))
    assert record(service, number).due_at != datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    reply = one(service, "undo that")
    assert f"Undone: {undone}" in reply.text and "Tue 01 Jun 2027 at 09:00" in reply.text
    assert record(service, number).due_at == datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def test_undo_a_set_cancel_all_and_done(service: ReminderService) -> None:
    number = set_reminder(service, "remind me in 2 years to update my LinkedIn photo")
    assert f"#{number} is cancelled" in one(service, "undo").text  # undoing a set cancels it
    first = set_reminder(service, "remind me in 18 months")
    second = set_reminder(service, "remind me in 3 months to book the studio")
    one(service, "cancel all")
    one(service, "yes")
    reply = one(service, "undo")
    assert "cancelling all your reminders" in reply.text
    assert statuses(service) == {number: "cancelled", first: "pending", second: "pending"}
    done = one(service, "done")
    assert done.reminder_id is not None and record(service, first).status == "done"
    assert record(service, second).status == "pending"  # not about the photo: "done" leaves it
    reply = one(service, "undo")
    assert "Undone: “done”" in reply.text
    assert record(service, first).status == "pending"
    assert record(service, done.reminder_id).status == "cancelled"


def test_undo_is_for_recent_changes_and_the_last_one_only(service: ReminderService, clock: FakeClock) -> None:
    assert "nothing to undo" in one(service, "undo").text
    number = set_reminder(service, "remind me on 2027-06-01")
    other = set_reminder(service, "remind me on 2027-07-01")
    stale_button = action_value(one(service, f"cancel {number}"), ActionId.UNDO)
    one(service, f"cancel {other}")
    refused = press(service, ActionId.UNDO, stale_button)  # no longer the last change
    assert refused.kind is ReplyKind.ERROR and record(service, number).status == "cancelled"
    clock.advance(timedelta(hours=25))
    too_old = one(service, "undo")
    assert too_old.kind is ReplyKind.ERROR and "more than a day old" in too_old.text
    assert record(service, other).status == "cancelled"
    assert "nothing to undo" in one(service, "undo", BOB).text  # Alice's changes are not Bob's


def test_undo_never_overwrites_a_delivery_that_happened_since(
    service: ReminderService, clock: FakeClock
) -> None:
    number = set_reminder(service, "remind me on 2027-06-01")
    one(service, f"move {number} to tomorrow at 10am")
    [claimed] = service.store.claim_due(
        "w", now=datetime(2026, 11, 23, 10, 0, tzinfo=UTC), limit=5, lease=LEASE, platforms=["slack"]
    )
    assert claimed.id == number and service.store.mark_delivered(number, "w")
    reply = one(service, "undo")
    assert "changed since (delivered)" in reply.text
    assert record(service, number).status == "delivered"


def test_undo_and_a_claim_at_the_same_moment(database_url: str, clock: FakeClock) -> None:
    """A snooze of due reminders, then undo (back to due now) racing a claim of what is due: no reminder is
    both restored by undo and claimed in its snoozed state, and none is lost."""
    user, scheduler = services(database_url, clock, 2)
    numbers = [set_reminder(user, f"remind me in {m} hours") for m in range(1, 7)]
    clock.advance(timedelta(hours=7))  # all due
    for number in numbers:
        [delivered] = user.store.claim_due("w", now=clock.now, limit=1, lease=LEASE, platforms=["slack"])
        assert delivered.id == number and user.store.mark_delivered(number, "w")
    number = numbers[-1]
    one(user, f"snooze {number} 1 hour")
    clock.advance(timedelta(hours=1))  # the snoozed one is due again
    results = at_once(
        2,
        lambda i: (
            one(user, "undo")
            if i == 0
            else scheduler.store.claim_due("w2", now=clock.now, limit=5, lease=LEASE, platforms=["slack"])
        ),
    )
    undo_reply = next(r for r in results if isinstance(r, Reply))
    claims = next(r for r in results if isinstance(r, list))
    final = record(user, number)
    if claims:  # the scheduler won: undo left the claimed reminder alone
        assert [c.id for c in claims] == [number] and final.status == "claimed"
        assert "changed since" in undo_reply.text
    else:  # undo won: the reminder is delivered again as before the snooze, and nothing claims it
        assert final.status == "delivered" and "Undone" in undo_reply.text
    for worker in (user, scheduler):
        worker.close()


# --- twins and done ---------------------------------------------------------------------------------------


def test_the_same_reminder_twice_is_not_set_twice(service: ReminderService) -> None:
    number = set_reminder(service, "remind me in 2 years to update my photo")
    twin = one(service, "Remind me in 2 years to update my photo")
    assert twin.kind is ReplyKind.REMINDER and "already have that reminder" in twin.text
    assert twin.reminder_id == number and len(service.store.list_all()) == 1
    set_reminder(service, "remind me in 2 years to update my LinkedIn photo")  # other words: another one
    set_reminder(service, "remind me in 2 years to update my photo", BOB)  # another person
    assert len(service.store.list_all()) == 3


def test_identical_reminders_set_at_once_make_one(database_url: str, clock: FakeClock) -> None:
    workers = services(database_url, clock, 4)
    replies = at_once(4, lambda i: one(workers[i], "remind me next spring to book a photographer"))
    assert sorted("already have" in r.text for r in replies) == [False, True, True, True]
    assert len(workers[0].store.active_for("slack", "alice")) == 1
    for worker in workers:
        worker.close()


def test_done_closes_the_pending_refresh_reminders_and_sets_the_next_once(service: ReminderService) -> None:
    refresh = set_reminder(service, "remind me in 18 months")
    linkedin = set_reminder(service, "remind me next year to update my LinkedIn pic")
    studio = set_reminder(service, "remind me in 3 months to call the studio")
    reply = one(service, "done")
    assert f"(#{refresh}, #{linkedin})" in reply.text and "Wed 22 Nov 2028 at 09:00" in reply.text
    nxt = reply.reminder_id
    assert nxt is not None
    assert statuses(service) == {
        refresh: "done",
        linkedin: "done",
        studio: "pending",
        nxt: "pending",
    }
    second = one(service, "I updated my photo")
    assert "already set" in second.text and second.reminder_id is None
    assert [r.id for r in service.store.active_for("slack", "alice") if r.text.startswith("Time to")] == [nxt]


def test_done_with_a_repeating_photo_reminder_sets_no_extra_one(service: ReminderService) -> None:
    yearly = set_reminder(service, "remind me every year to look at my headshot")
    refresh = set_reminder(service, "remind me in 18 months")
    reply = one(service, "done")
    assert "stays on" in reply.text and reply.reminder_id is None
    assert statuses(service) == {yearly: "pending", refresh: "done"}


def test_the_done_button_twice_moves_that_reminder_once(service: ReminderService, clock: FakeClock) -> None:
    number = set_reminder(service, "remind me tomorrow to update my LinkedIn photo")
    clock.advance(timedelta(days=1))
    [claimed] = service.store.claim_due("w", now=clock.now, limit=1, lease=LEASE, platforms=["slack"])
    assert service.store.mark_delivered(claimed.id, "w")
    first = press(service, ActionId.DONE, str(number))
    assert f"reminder #{number}" in first.text
    moved = record(service, number)
    assert moved.status == "pending" and moved.due_at == datetime(2028, 11, 23, 9, 0, tzinfo=UTC)
    assert moved.text == "update my LinkedIn photo"  # its own words kept
    second = press(service, ActionId.DONE, str(number))
    assert "already set" in second.text and len(service.store.list_all()) == 1


def test_two_done_at_the_same_moment_set_one_next_reminder(database_url: str, clock: FakeClock) -> None:
    workers = services(database_url, clock, 3)
    old = [set_reminder(workers[0], f"remind me in {m} months") for m in (6, 12)]
    replies = at_once(3, lambda i: one(workers[i], "done"))
    assert all("Nice work" in r.text for r in replies)
    active = workers[0].store.active_for("slack", "alice")
    assert len(active) == 1 and active[0].due_at == datetime(2028, 11, 22, 9, 0, tzinfo=UTC)
    assert [record(workers[0], n).status for n in old] == ["done", "done"]
    assert sum(r.reminder_id is not None for r in replies) == 1
    for worker in workers:
        worker.close()


# --- a new profile photo ----------------------------------------------------------------------------------


def tracking(service: ReminderService, workspace: str = "T1") -> None:
    """Photo tracking on, and Alice has said "suggestions on" (nobody else is contacted unasked)."""
    service.store.set_workspace_settings("slack", workspace, photo_tracking=True)
    service.store.set_preferences("slack", "alice", suggestions_opted_in=True)


def sight(service: ReminderService, user: str, avatar: str, workspace: str = "T1") -> None:
    service.record_sightings("slack", workspace, [AvatarSighting(user, avatar, service.clock())])


def offers(service: ReminderService, user: str = "alice") -> list[ReminderRecord]:
    return [r for r in service.store.list_all(user=user) if r.kind == "photo_review"]


async def test_a_new_photo_resolves_refresh_reminders_and_offers_a_review_once(
    service: ReminderService, clock: FakeClock
) -> None:
    tracking(service)
    tracking(service, "T2")
    refresh = set_reminder(service, "remind me in 18 months")
    studio = set_reminder(service, "remind me in 3 months to call the studio")
    sight(service, "alice", "h1")  # the first sighting is no change
    assert offers(service) == [] and record(service, refresh).status == "pending"
    clock.advance(timedelta(days=3))
    sight(service, "alice", "h2")
    assert record(service, refresh).status == "done"  # marked done, not deleted
    assert record(service, studio).status == "pending"
    [offer] = offers(service)
    nexts = [r for r in service.store.active_for("slack", "alice") if r.kind == "reminder" and r.id != studio]
    assert [r.due_at for r in nexts] == [datetime(2028, 11, 25, 9, 0, tzinfo=UTC)]  # one interval on
    assert f"#{refresh}" in offer.text and f"#{nexts[0].id}" in offer.text and offer.channel == ""
    # The same change seen again, later, or in another workspace of the same person: no second offer.
    sight(service, "alice", "h2")
    sight(service, "alice", "h1", "T2")
    sight(service, "alice", "h2", "T2")
    assert len(offers(service)) == 1
    # Delivered like a reminder, with the review button.
    sender = RecordingSender()
    senders = SenderRegistry()
    senders.register("slack", sender)
    assert await Scheduler(service, senders).run_due(clock.now) == 1
    [delivery] = sender.deliveries
    assert delivery.reply.title == "Your new profile photo" and "check my avatar" in delivery.reply.text
    assert [a.action_id for a in delivery.reply.actions] == [ActionId.REVIEW_PHOTO]


def test_no_offer_without_refresh_reminders_or_after_opting_out(service: ReminderService) -> None:
    tracking(service)
    sight(service, "bob", "h1")
    sight(service, "bob", "h2")  # Bob never asked for reminders: his photo is his business
    assert offers(service, "bob") == [] and service.store.list_all(user="bob") == []
    refresh = set_reminder(service, "remind me in 18 months")
    one(service, "opt out")
    sight(service, "alice", "h1")
    sight(service, "alice", "h2")
    assert offers(service) == [] and record(service, refresh).status == "pending"


def test_a_delivered_suggestion_counts_and_the_offer_waits_for_daytime(
    service: ReminderService, clock: FakeClock
) -> None:
    tracking(service)
    service.store.set_preferences("slack", "alice", timezone="Asia/Tokyo")
    service.record_sightings("slack", "T1", [AvatarSighting("alice", "h1", START - timedelta(days=800))])
    sight(service, "alice", "h1")
    [suggestion] = service.store.list_all(user="alice")
    service.store.claim_due("w", now=clock.now, limit=1, lease=LEASE, platforms=["slack"])
    assert service.store.mark_delivered(suggestion.id, "w")
    clock.now = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    sight(service, "alice", "h2")
    [offer] = offers(service)
    assert offer.exact_time is False  # held to the daytime window by the scheduler
    [refresh] = [r for r in service.store.active_for("slack", "alice") if r.kind == "reminder"]
    assert refresh.due_at == datetime(2028, 11, 22, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, 2 years on


async def test_the_offer_is_held_until_the_users_morning(service: ReminderService, clock: FakeClock) -> None:
    tracking(service)
    service.store.set_preferences("slack", "alice", timezone="Asia/Tokyo")
    set_reminder(service, "remind me in 18 months")
    clock.now = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    sight(service, "alice", "h1")
    sight(service, "alice", "h2")
    sender = RecordingSender()
    senders = SenderRegistry()
    senders.register("slack", sender)
    assert await Scheduler(service, senders).run_due(clock.now) == 0
    [offer] = offers(service)
    assert offer.due_at == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def test_the_same_change_seen_by_two_processes_is_offered_once(database_url: str, clock: FakeClock) -> None:
    workers = services(database_url, clock, 3)
    tracking(workers[0])
    set_reminder(workers[0], "remind me in 18 months")
    sight(workers[0], "alice", "h1")
    at_once(3, lambda i: sight(workers[i], "alice", "h2"))
    assert len(offers(workers[0])) == 1
    assert len([r for r in workers[0].store.active_for("slack", "alice") if r.kind == "reminder"]) == 1
    for worker in workers:
        worker.close()


def test_the_review_button_does_what_check_my_avatar_does(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'h.db'}", knowledge_dir=BUNDLED_KNOWLEDGE_DIR)
    brain = Brain(config, clock=lambda: START)
    [pressed] = brain.handle_action(ActionEvent(ALICE, ActionId.REVIEW_PHOTO, "7"))
    [typed] = brain.handle(Incoming(ALICE, "check my avatar"))
    assert pressed.text == typed.text and "photo" in pressed.text
    brain.close()


def test_operator_reminders_are_refresh_reminders_too(service: ReminderService) -> None:
    operator = service.store.add(
        NewReminder("slack", "T1", "", "alice", "Time to refresh your headshot!", START + timedelta(days=30)),
        now=START,
    )
    one(service, "done")
    assert record(service, operator.id).status == "done"
