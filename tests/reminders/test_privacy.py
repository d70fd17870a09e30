"""Privacy (issue #15), on SQLite and PostgreSQL: "my data" holds every kind of row about a person, "forget
me" leaves no trace of them and changes nobody else's rows, a removed workspace is purged, retention deletes
what is old in batches, and nobody is contacted unasked."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.messages import ActionId, Conversation, Files, Incoming, Reply
from bot.reminders import privacy
from bot.reminders.delivery import SenderRegistry, WorkspaceGoneError
from bot.reminders.models import (
    AnswerFeedback,
    Base,
    HandledEvent,
    PhotoOffer,
    QuestionLogEntry,
)
from bot.reminders.scheduler import Scheduler
from bot.reminders.service import AvatarSighting, ReminderService
from bot.reminders.store import NewReminder
from tests.reminders.conftest import FakeClock, RecordingSender

# Distinctive ids and texts, so a dump of the database can be searched for them.
ANA = Conversation("slack", "T0PRIV1", "C0PRIV1", "U0ANA7731")
BOB = Conversation("slack", "T0PRIV1", "C0PRIV1", "U0BOB4410")
ANA_ELSEWHERE = Conversation("slack", "T0OTHER9", "C0OTHER9", "U0ANA7731")
ANA_TEXT = "renew the passport-style photo for Ana Quintero"


def say(service: ReminderService, text: str, who: Conversation, **extra: Any) -> list[Reply]:
    replies = service.handle(Incoming(who, text, **extra))
    assert replies is not None, text
    return replies


def _fill(service: ReminderService, who: Conversation, text: str) -> None:
    """Every kind of row the store can hold about a person."""
    say(service, f"remind me in 3 months to {text}", who)  # reminders + reminder_changes
    say(service, "timezone Berlin", who)  # user_preferences
    say(service, "cancel all", who)  # confirmations (a question waiting for a yes)
    service.store.set_workspace_settings(who.platform, who.workspace, photo_tracking=True)
    now = service.clock()
    service.store.record_sightings(who.platform, who.workspace, [(who.user, f"hash-{who.user}", now)])
    with service.store.engine.begin() as connection:
        connection.execute(
            insert(PhotoOffer).values(
                platform=who.platform, user=who.user, avatar_hash=f"hash-{who.user}", offered_at=now
            )
        )
        connection.execute(
            insert(AnswerFeedback).values(
                platform=who.platform,
                workspace=who.workspace,
                user=who.user,
                answer_key=f"key-{who.user}",
                verdict="down",
                created_at=now,
            )
        )
        connection.execute(
            insert(QuestionLogEntry).values(
                platform=who.platform,
                workspace=who.workspace,
                user=who.user,
                question=f"question from {who.user}",
                reason="declined",
                created_at=now,
            )
        )
        connection.execute(
            insert(HandledEvent).values(key=f"slack:message:{who.workspace}:{who.user}:1", expires_at=now)
        )


def _dump(service: ReminderService) -> dict[str, list[str]]:
    """Every row of every table, as text."""
    with service.store.engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def _mentions(dump: dict[str, list[str]], *needles: str) -> list[str]:
    return [f"{t}: {row}" for t, rows in dump.items() for row in rows if any(n in row for n in needles)]


def test_every_table_is_classified_as_personal_or_not() -> None:
    personal = {entry.table.name for entry in privacy.PERSONAL_TABLES}
    assert {t.name for t in Base.metadata.sorted_tables} == personal | privacy.NOT_PERSONAL


def test_my_data_sends_every_kind_of_row_as_a_private_json_file(service: ReminderService) -> None:
    _fill(service, ANA, ANA_TEXT)
    _fill(service, BOB, "bob's own reminder")
    [reply] = say(service, "my data", ANA)
    assert reply.private
    [file] = reply.files
    assert file.filename.endswith(".json") and file.content_type == "application/json"
    data = json.loads(file.data)
    for entry in privacy.PERSONAL_TABLES:
        assert data["tables"][entry.table.name], f"{entry.table.name} is missing from the export"
    assert data["tables"]["reminders"][0]["text"] == ANA_TEXT
    assert data["tables"]["user_preferences"][0]["timezone"] == "Europe/Berlin"
    assert "user_preferences" in data["platform_wide_tables"]
    assert "U0BOB4410" not in file.data.decode()
    assert isinstance(reply.parts[-1], Files)


def test_forget_me_asks_first_and_then_leaves_no_trace(service: ReminderService) -> None:
    _fill(service, ANA, ANA_TEXT)
    _fill(service, BOB, "bob's own reminder")
    before = _dump(service)
    bob_rows = _mentions(before, "U0BOB4410")
    [question] = say(service, "forget me", ANA)
    assert question.private and {a.action_id for a in question.actions} == {
        ActionId.CONFIRM,
        ActionId.DECLINE,
    }
    assert _mentions(_dump(service), "U0ANA7731"), "nothing may be deleted before the yes"
    [kept] = say(service, "no", ANA)
    assert "kept your data" in kept.text
    say(service, "forget me", ANA)
    [done] = say(service, "yes", ANA)
    assert "deleted everything" in done.text
    after = _dump(service)
    assert _mentions(after, "U0ANA7731", ANA_TEXT, "hash-U0ANA7731", "key-U0ANA7731") == []
    # Bob's rows are all there, unchanged (his "cancel all" question too).
    assert _mentions(after, "U0BOB4410") == bob_rows
    [empty] = say(service, "my data", ANA)
    assert all(rows == [] for rows in json.loads(empty.files[0].data)["tables"].values())


def test_forget_by_button_and_the_question_expires(service: ReminderService, clock: FakeClock) -> None:
    _fill(service, ANA, ANA_TEXT)
    [question] = say(service, "forget me", ANA)
    confirm = next(a for a in question.actions if a.action_id == ActionId.CONFIRM)
    clock.advance(timedelta(minutes=11))
    [late] = service.handle_action(service_event(confirm.value)) or []
    assert "expired" in late.text and "nothing was deleted" in late.text
    [question] = say(service, "forget me", ANA)
    confirm = next(a for a in question.actions if a.action_id == ActionId.CONFIRM)
    [done] = service.handle_action(service_event(confirm.value)) or []
    assert "deleted everything" in done.text
    assert _mentions(_dump(service), "U0ANA7731") == []


def service_event(value: str) -> Any:
    from bot.messages import ActionEvent

    return ActionEvent(ANA, ActionId.CONFIRM, value)


def test_forget_in_one_workspace_keeps_the_other_workspaces_rows(service: ReminderService) -> None:
    _fill(service, ANA, ANA_TEXT)
    say(service, "remind me in 5 months to other-workspace thing", ANA_ELSEWHERE)
    privacy.forget_user(service.store.engine, "slack", ANA.workspace, ANA.user)
    left = _mentions(_dump(service), "U0ANA7731")
    assert left and all("T0OTHER9" in row for row in left if row.startswith("reminders"))
    assert not [row for row in left if ANA_TEXT in row]


def test_a_removed_workspace_is_purged_and_the_others_stay(service: ReminderService) -> None:
    _fill(service, ANA, ANA_TEXT)
    _fill(service, BOB, "bob's own reminder")
    other = Conversation("slack", "T0OTHER9", "C9", "U0CAROL55")
    _fill(service, other, "carol's reminder")
    carol_before = _mentions(_dump(service), "U0CAROL55", "T0OTHER9")
    service.workspace_left("slack", "T0PRIV1", reason="app_uninstalled")
    after = _dump(service)
    assert _mentions(after, "T0PRIV1", "U0ANA7731", "U0BOB4410") == []
    assert _mentions(after, "U0CAROL55", "T0OTHER9") == carol_before


def test_retention_deletes_old_finished_rows_in_batches(service: ReminderService, clock: FakeClock) -> None:
    store = service.store
    start = clock()
    old = [store.add(NewReminder("slack", "T1", "", f"u{i}", "old", start), now=start) for i in range(5)]
    for record in old:
        store.cancel(record.id, "slack", record.user)
    pending = store.add(
        NewReminder("slack", "T1", "", "keeper", "still due", start + timedelta(days=400)), now=start
    )
    store.set_workspace_settings("slack", "T1", photo_tracking=True)
    store.record_sightings("slack", "T1", [(f"s{i}", "h", start) for i in range(3)])
    clock.advance(timedelta(days=91))
    fresh = store.add(NewReminder("slack", "T1", "", "new", "fresh", clock()), now=clock())
    store.cancel(fresh.id, "slack", "new")
    deleted = privacy.purge_expired(store.engine, now=clock(), retention_days=90, batch=2)
    assert deleted == {"reminders": 5, "avatar_sightings": 3}
    remaining = {r.id for r in store.list_all()}
    assert remaining == {pending.id, fresh.id}


def _stale_sightings(service: ReminderService, clock: FakeClock, users: list[str]) -> None:
    service.store.set_workspace_settings("slack", "T1", photo_tracking=True, refresh_interval_months=12)
    first = clock()
    service.record_sightings("slack", "T1", [AvatarSighting(u, f"h-{u}", first) for u in users])
    clock.advance(timedelta(days=400))
    service.record_sightings("slack", "T1", [AvatarSighting(u, f"h-{u}", clock()) for u in users])


async def test_nobody_is_messaged_without_opting_in(service: ReminderService, clock: FakeClock) -> None:
    """An admin-enabled workspace (as after migration 0007): old photos, nobody opted in, nothing sent."""
    sender = RecordingSender()
    senders = SenderRegistry()
    senders.register("slack", sender)
    _stale_sightings(service, clock, ["u1", "u2", "u3"])
    assert await Scheduler(service, senders).run_due(clock() + timedelta(days=1)) == 0
    assert sender.deliveries == []


async def test_only_who_opted_in_gets_a_suggestion(service: ReminderService, clock: FakeClock) -> None:
    sender = RecordingSender()
    senders = SenderRegistry()
    senders.register("slack", sender)
    say(service, "suggestions on", Conversation("slack", "T1", "D1", "u2"))
    say(service, "suggestions on", Conversation("slack", "T1", "D1", "u3"))
    say(service, "suggestions off", Conversation("slack", "T1", "D1", "u3"))
    _stale_sightings(service, clock, ["u1", "u2", "u3"])
    await Scheduler(service, senders).run_due(clock() + timedelta(hours=1))
    assert [d.conversation.user for d in sender.deliveries] == ["u2"]


async def test_a_workspace_whose_token_is_gone_gets_nothing_and_is_purged_after_the_grace(
    service: ReminderService, clock: FakeClock
) -> None:
    sender = RecordingSender(failures=[WorkspaceGoneError("Slack: token_revoked")])
    senders = SenderRegistry()
    senders.register("slack", sender)
    store = service.store
    for user in ("a", "b"):
        store.add(NewReminder("slack", "T0GONE", "", user, "due", clock()), now=clock())
    store.add(NewReminder("slack", "T0STAYS", "", "c", "due", clock()), now=clock())
    scheduler = Scheduler(service, senders, batch_size=10)
    await scheduler.run_due(clock())
    assert [d.conversation.workspace for d in sender.deliveries] == ["T0STAYS"]
    assert privacy.departed(store.engine) == {("slack", "T0GONE")}
    clock.advance(privacy.UNAVAILABLE_GRACE + timedelta(minutes=1))
    await scheduler.run_due(clock())
    assert [r.workspace for r in store.list_all()] == ["T0STAYS"]
    assert privacy.departed(store.engine) == set()


def test_an_unavailable_server_that_comes_back_keeps_its_data(
    service: ReminderService, clock: FakeClock
) -> None:
    store = service.store
    store.add(NewReminder("discord", "42", "", "u", "due", clock()), now=clock())
    service.workspace_left("discord", "42", reason="guild_unavailable", grace=True)
    service.workspace_back("discord", "42")
    clock.advance(timedelta(days=2))
    assert privacy.purge_departed(store.engine, now=clock()) == []
    assert len(store.list_all()) == 1


def test_admin_report_counts_without_names(service: ReminderService, clock: FakeClock) -> None:
    admin = Conversation("slack", "T1", "C1", "boss")
    _stale_sightings(service, clock, ["U0NAME1", "U0NAME2"])
    service.record_sightings("slack", "T1", [AvatarSighting("U0NAME3", "fresh", clock())])
    [refused] = say(service, "admin report", admin)
    assert "Only a workspace admin" in refused.text
    [report] = say(service, "admin report", admin, user_is_admin=True)
    assert "Profile photos seen: 3" in report.text
    assert "Unchanged for 1 year or longer: 2" in report.text
    assert "U0NAME" not in report.text


async def test_the_running_scheduler_applies_retention(service: ReminderService, clock: FakeClock) -> None:
    import asyncio

    store = service.store
    record = store.add(NewReminder("slack", "T1", "", "u", "old", clock()), now=clock())
    store.cancel(record.id, "slack", "u")
    clock.advance(timedelta(days=service.retention_days + 1))
    stopping = asyncio.Event()
    scheduler = Scheduler(service, SenderRegistry(), tick_seconds=0.01, on_tick=stopping.set)
    await asyncio.wait_for(scheduler.run(stopping), 10)
    assert store.list_all() == []


async def test_an_upgraded_admin_enabled_workspace_messages_nobody(fresh_database_url: str) -> None:
    """Migration 0007 asks nobody: people with preferences from before it are not opted in, so an
    admin-enabled workspace sends no suggestion until someone says "suggestions on"."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import text

    from bot.reminders.database import MIGRATIONS_DIR, create_store_engine
    from tests.reminders.conftest import START

    engine = create_store_engine(fresh_database_url)
    with engine.begin() as connection:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        connection.execute(
            text(
                'INSERT INTO user_preferences (platform, "user", timezone, suggestions_opted_out) '
                "VALUES ('slack', 'u1', 'Europe/Berlin', false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO workspace_settings (platform, workspace, photo_tracking, "
                "refresh_interval_months) VALUES ('slack', 'T1', true, 12)"
            )
        )
    engine.dispose()
    clock = FakeClock(START)
    service = ReminderService(fresh_database_url, clock=clock)
    try:
        assert service.store.preferences("slack", "u1").suggestions_opted_in is False
        sender = RecordingSender()
        senders = SenderRegistry()
        senders.register("slack", sender)
        _stale_sightings(service, clock, ["u1", "u2"])
        await Scheduler(service, senders).run_due(clock())
        assert sender.deliveries == [] and service.store.list_all() == []
    finally:
        service.close()


async def test_retention_runs_beside_deliveries_without_holding_them_up(
    service: ReminderService, clock: FakeClock
) -> None:
    """1,200 expired rows are deleted in batches while the scheduler delivers: both finish, nothing lost."""
    import asyncio

    store = service.store
    start = clock()
    old = [NewReminder("slack", "T1", "", f"old{i}", "old", start) for i in range(1200)]
    store.bulk_add(old, now=start)
    with store.engine.begin() as connection:
        from bot.reminders.models import Reminder

        connection.execute(Reminder.__table__.update().values(status="delivered"))  # type: ignore[attr-defined]
    clock.advance(timedelta(days=100))
    due = [
        store.add(NewReminder("slack", "T1", "", f"due{i}", "now", clock()), now=clock()) for i in range(50)
    ]
    sender = RecordingSender()
    senders = SenderRegistry()
    senders.register("slack", sender)
    purge = asyncio.to_thread(privacy.purge_expired, store.engine, now=clock(), retention_days=90)
    deleted, delivered = await asyncio.gather(
        purge, Scheduler(service, senders, batch_size=10).run_due(clock())
    )
    assert deleted == {"reminders": 1200}
    assert delivered == 50 and sorted(sender.delivered_ids) == sorted(r.id for r in due)
