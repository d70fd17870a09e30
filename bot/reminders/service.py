"""Reminder commands, identical on every adapter, and the store behind them.

Privacy: every lookup a user can trigger is filtered by the asking user's own (platform, user), and
"not yours" is answered exactly like "does not exist", so nobody can see or cancel another person's
reminders, or even learn that a number is taken.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.messages import (
    Action,
    ActionEvent,
    ActionId,
    Buttons,
    Conversation,
    File,
    Files,
    Incoming,
    Paragraph,
    Reply,
    ReplyKind,
    Title,
)
from bot.reminders import commands as cmd
from bot.reminders import privacy
from bot.reminders.database import DEFAULT_BUSY_TIMEOUT_MS
from bot.reminders.daytime import DAYTIME_END, DAYTIME_START, delivery_time
from bot.reminders.models import ReminderKind, ReminderStatus
from bot.reminders.outdated import suggestions_due
from bot.reminders.refresh import is_pending_refresh, is_repeating_refresh, next_refresh
from bot.reminders.store import (
    Applied,
    Change,
    Edit,
    NewReminder,
    ReminderRecord,
    ReminderStore,
    RowState,
    Undone,
)
from bot.reminders.when import (
    EXAMPLES,
    MAX_YEARS_AHEAD,
    When,
    WhenError,
    describe_recurrence,
    describe_zone_choices,
    find_zone,
    lookup_zone,
    parse_duration,
    parse_when,
    resolve_zone,
    shift,
)

log = logging.getLogger(__name__)

MAX_ACTIVE_REMINDERS = 10
MAX_TEXT_LENGTH = 300
DEFAULT_SNOOZE = "1 month"
DEFAULT_TEXT = "Time to refresh your headshot! A portrait is worth revisiting every 1–2 years."
CONFIRMATION_TTL = timedelta(minutes=10)  # how long "cancel all?" waits for its yes
FORGET = "forget me"  # the confirmation's action: delete everything about this person
UNDO_WINDOW = timedelta(hours=24)  # "undo" puts back the last change only while it is this recent
NEW_PHOTO_TEXT = (
    "I noticed your new profile photo — nice! {resolved}Want me to look at it? Press the button, or post the "
    "photo here (or say “check my avatar”), and I’ll check face, framing, light and background."
)
SUGGESTION_TEXT = (
    "Your profile photo here hasn’t changed in over {years}. Headshots are worth revisiting every 1–2 "
    "years — post a new one and I’ll check it for you. (Say “suggestions off” and I won’t suggest this "
    "again.)"
)
_PREPOSITIONS = frozenset({"in", "on", "at", "by", "for", "until", "from"})
# Words a "when" may begin with, where "remind me to … <when>" is split; every candidate is then read.
_WHEN_START = re.compile(
    r"\b(?:in|on|at|by|next|this|every|each|tomorrow|tmrw|tonight|today|end|the|a|an|half|early|mid|late"
    r"|yearly|annually|monthly|weekly|daily|christmas|new\s+year|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"|spring|summer|autumn|fall|winter|\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AvatarSighting:
    user: str
    avatar_hash: str
    seen_at: datetime


class ReminderService:
    def __init__(
        self,
        database_url: str,
        *,
        clock: Callable[[], datetime],
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        max_active: int = MAX_ACTIVE_REMINDERS,
        retention_days: int = privacy.DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.database_url = database_url
        self.clock = clock
        self.max_active = max_active
        self.retention_days = retention_days
        self.store = ReminderStore(database_url, busy_timeout_ms=busy_timeout_ms)

    def close(self) -> None:
        self.store.close()

    # --- messages ---------------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> list[Reply] | None:
        """Replies when the message is a reminder command; None when it is not one."""
        command = cmd.parse_command(incoming.text)
        return None if command is None else self.run(command, incoming)

    def run(self, command: cmd.Command, incoming: Incoming) -> list[Reply]:
        """Carries out one reminder command that `incoming` asked for."""
        conversation = incoming.conversation
        match command:
            case cmd.SetReminder(rest=rest):
                return [self._set(conversation, rest, incoming.user_timezone, incoming.user_locale)]
            case cmd.ListReminders():
                return self._list(conversation, incoming.user_timezone)
            case cmd.CancelReminder(reminder_id=reminder_id):
                return [self._cancel(conversation, reminder_id)]
            case cmd.CancelAll():
                return [self._ask_cancel_all(conversation)]
            case cmd.Confirm(yes=yes):
                return [self._answer(conversation, yes, None, incoming.user_timezone)]
            case cmd.SnoozeReminder(reminder_id=reminder_id, duration=duration):
                return [self._snooze(conversation, reminder_id, duration, incoming.user_timezone)]
            case cmd.PostponeReminder(reminder_id=reminder_id, length=length):
                return [
                    self.postpone(
                        conversation, reminder_id, length, incoming.user_timezone, locale=incoming.user_locale
                    )
                ]
            case cmd.MoveReminder(reminder_id=reminder_id, when=when):
                return [
                    self._move(conversation, reminder_id, when, incoming.user_timezone, incoming.user_locale)
                ]
            case cmd.Undo():
                return [self._undo(conversation, None, incoming.user_timezone)]
            case cmd.Done():
                return [self._done(conversation, None, incoming.user_timezone)]
            case cmd.OptSuggestions(opt_out=opt_out):
                return [self._opt(conversation, opt_out)]
            case cmd.MyData():
                return [self._my_data(conversation)]
            case cmd.ForgetMe():
                return [self._ask_forget(conversation)]
            case cmd.AdminReport():
                return [self._admin_report(conversation, incoming.user_is_admin)]
            case cmd.SetTimezone(zone=zone):
                return [self._timezone(conversation, zone, incoming.user_timezone)]
            case cmd.TrackPhotos(enable=enable):
                return [self._track(conversation, enable, incoming.user_is_admin)]
            case cmd.RefreshInterval(length=length):
                return [self._interval(conversation, length)]
            case cmd.WorkspaceInterval(length=length):
                return [self._workspace_interval(conversation, length, incoming.user_is_admin)]

    def handle_action(self, event: ActionEvent) -> list[Reply] | None:
        conversation = event.conversation
        if event.action_id == ActionId.REMIND_IN_A_YEAR:
            return [self._set(conversation, f"in {event.value or '12 months'}", event.user_timezone, None)]
        if event.action_id == ActionId.SNOOZE:
            reminder_text, _, duration = event.value.partition(":")
            reminder_id = _int(reminder_text)
            if reminder_id is None:
                return [_private_error("That snooze button is no longer valid.")]
            return [self._snooze(conversation, reminder_id, duration or None, event.user_timezone)]
        if event.action_id == ActionId.DONE:
            return [self._done(conversation, _int(event.value), event.user_timezone)]
        if event.action_id == ActionId.CANCEL:
            reminder_id = _int(event.value)
            if reminder_id is None:
                return [_private_error("That cancel button is no longer valid.")]
            return [self._cancel(conversation, reminder_id)]
        if event.action_id in (ActionId.CONFIRM, ActionId.DECLINE):
            question = _int(event.value)
            if question is None:
                return [_private_error("That button is no longer valid.")]
            yes = event.action_id == ActionId.CONFIRM
            return [self._answer(conversation, yes, question, event.user_timezone)]
        if event.action_id == ActionId.UNDO:
            change = _int(event.value)
            if change is None:
                return [_private_error("That undo button is no longer valid.")]
            return [self._undo(conversation, change, event.user_timezone)]
        return None

    def list_replies(self, conversation: Conversation) -> list[Reply]:
        return self._list(conversation, None)

    # --- avatar sightings ---------------------------------------------------------------------------

    def record_sightings(self, platform: str, workspace: str, sightings: Sequence[AvatarSighting]) -> None:
        """Stores avatar sightings (aware `seen_at`) and schedules due suggestions; opted-in workspaces only.

        Nothing is stored for a workspace whose admin has not turned photo tracking on: the clock of
        "unchanged since" starts when tracking does.
        """
        settings = self.store.workspace_settings(platform, workspace)
        if not settings.photo_tracking:
            return
        stored = self.store.record_sightings(
            platform, workspace, [(s.user, s.avatar_hash, s.seen_at) for s in sightings]
        )
        if not stored:
            return
        now = self.clock()
        interval = relativedelta(months=settings.refresh_interval_months)
        users = [s.user for s in stored]
        # Consent before contact: only people who said "suggestions on" themselves hear from the bot unasked.
        consented = self.store.opted_in(platform, users)
        changed = [s for s in stored if s.replaced_hash is not None and s.user in consented]
        for sighting in changed:
            self._notice_new_photo(platform, workspace, sighting.user, sighting.avatar_hash, now - interval)
        due = suggestions_due(
            [s for s in stored if s.user in consented],
            now=now,
            interval=interval,
            opted_out=(),
            recently_suggested=self.store.users_with_recent_suggestion(
                platform, workspace, users, now - interval
            ),
        )
        if not due:
            return
        text = SUGGESTION_TEXT.format(years=_describe_months(settings.refresh_interval_months))
        self.store.add_many(
            [
                # channel "" asks the adapter for a direct message: the suggestion is personal.
                NewReminder(platform, workspace, "", user, text, now, kind=ReminderKind.SUGGESTION.value)
                for user in due
            ],
            now=now,
        )
        log.info("scheduled %d refresh suggestions", len(due), extra={"platform": platform})

    def _notice_new_photo(
        self, platform: str, workspace: str, user: str, avatar_hash: str, suggested_since: datetime
    ) -> None:
        """The user changed their photo: their refresh reminders are done (the next one is one interval on,
        as with "done"), and the bot offers, once for this photo, to review it (delivered like a reminder:
        in their daytime, on their platform). Only for someone the bot was reminding: a pending refresh
        reminder, or a suggestion within the interval."""
        conversation = Conversation(platform, workspace, "", user)
        pending = [r for r in self.store.active_for(platform, user) if is_pending_refresh(r)]
        if not pending and not self.store.users_with_recent_suggestion(
            platform, workspace, [user], suggested_since
        ):
            return
        now = self.clock()
        zone = self.delivery_zone(conversation, None)
        change = self._refresh_change(conversation, "new photo", None, zone, now, undoable=False)

        def offer(applied: Applied) -> NewReminder:
            resolved = _refresh_summary(applied, zone, new_photo=True)
            return NewReminder(
                platform,
                workspace,
                "",  # a direct message: it is personal
                user,
                NEW_PHOTO_TEXT.format(resolved=f"{resolved} " if resolved else ""),
                now,
                kind=ReminderKind.PHOTO_REVIEW.value,
            )

        if self.store.resolve_new_photo(platform, user, avatar_hash, change, offer, now=now) is not None:
            log.info("a new profile photo resolved refresh reminders", extra={"platform": platform})

    # --- workspaces the bot left -----------------------------------------------------------------------

    def workspace_left(self, platform: str, workspace: str, *, reason: str, grace: bool = False) -> None:
        if not workspace:
            return
        now = self.clock()
        if grace:
            privacy.mark_departed(
                self.store.engine,
                platform,
                workspace,
                reason=reason,
                now=now,
                purge_after=now + privacy.UNAVAILABLE_GRACE,
            )
            log.info("workspace unavailable: purged after the grace period", extra={"platform": platform})
            return
        deleted = privacy.purge_workspace(self.store.engine, platform, workspace)
        log.info(
            "workspace removed: its data was deleted",
            extra={"platform": platform, "reason": reason, "rows": sum(deleted.values())},
        )

    def workspace_back(self, platform: str, workspace: str) -> None:
        if workspace and privacy.mark_returned(self.store.engine, platform, workspace):
            log.info("workspace reachable again: deliveries resume", extra={"platform": platform})

    def tracking_enabled(self, platform: str, workspace: str) -> bool:
        return self.store.workspace_settings(platform, workspace).photo_tracking

    # --- commands ---------------------------------------------------------------------------------

    def zone_for(self, conversation: Conversation, reported: str | None) -> ZoneInfo:
        """The zone a user's "when" is read and shown in: `delivery_zone`, else UTC."""
        return self.delivery_zone(conversation, reported) or resolve_zone("UTC")

    def delivery_zone(self, conversation: Conversation, reported: str | None) -> ZoneInfo | None:
        """The zone the scheduler holds deliveries to (its daytime): the user's stored choice first, else
        what the platform reports; None when neither is known (then delivery is not held)."""
        stored = self.store.preferences(conversation.platform, conversation.user).timezone
        for name in (stored, reported):
            canonical = find_zone(name) if name else None
            if canonical:
                return resolve_zone(canonical)
        return None

    def _delivery_text(
        self, due_at: datetime, conversation: Conversation, reported: str | None, *, exact_time: bool = False
    ) -> str:
        """When it will really arrive, in the user's zone; says so when the daytime window moves it."""
        return _moment(due_at, self.delivery_zone(conversation, reported), exact_time=exact_time)

    def _set(
        self, conversation: Conversation, rest: str, reported_zone: str | None, locale: str | None
    ) -> Reply:
        zone = self.zone_for(conversation, reported_zone)
        now = self.clock()
        try:
            when, text = _split_when_and_text(rest, now=now, zone=zone, locale=locale)
        except WhenError as exc:
            return _private_error(str(exc))
        item = NewReminder(
            platform=conversation.platform,
            workspace=conversation.workspace,
            channel=conversation.channel,
            user=conversation.user,
            text=clean_text(text),
            due_at=when.due_at,
            recurrence=when.recurrence,
            exact_time=when.time_given,
        )
        applied = self.store.apply(
            conversation.platform,
            conversation.user,
            Change("set", add=item, twin=lambda other: _same_reminder(other, item), cap=self.max_active),
            now=now,
        )
        if applied.twin is not None:
            twin = applied.twin
            moment = self._delivery_text(twin.due_at, conversation, reported_zone, exact_time=twin.exact_time)
            return Reply(
                ReplyKind.REMINDER,
                (
                    Paragraph(
                        f"You already have that reminder: #{twin.id}, {moment}: “{twin.text}”. "
                        "I didn’t set it twice. Say “reminders” to see yours."
                    ),
                ),
                private=True,
                reminder_id=twin.id,
            )
        if applied.added is None:
            return _private_error(
                f"You already have {self.max_active} active reminders, the most I keep per person. "
                "Say “reminders” to see them and “cancel N” to make room."
            )
        record = applied.added
        repeat = f", then {describe_recurrence(record.recurrence)}" if record.recurrence else ""
        moment = self._delivery_text(record.due_at, conversation, reported_zone, exact_time=record.exact_time)
        confirmation = (
            f"Got it — I’ll remind you {moment}{repeat}: “{record.text}” "
            f"(reminder #{record.id}). Say “reminders” to see yours or “cancel {record.id}” to cancel it."
        )
        return Reply(
            ReplyKind.REMINDER,
            (
                Paragraph(confirmation),
                Buttons((Action(f"Cancel #{record.id}", ActionId.CANCEL, str(record.id), style="danger"),)),
            ),
            private=True,
            reminder_id=record.id,
        )

    def _list(self, conversation: Conversation, reported_zone: str | None) -> list[Reply]:
        records = self.store.active_for(conversation.platform, conversation.user)
        if not records:
            return [
                Reply(
                    ReplyKind.REMINDER,
                    (
                        Title("Your reminders"),
                        Paragraph("You have no reminders. Say “remind me in 18 months” to set one."),
                    ),
                    private=True,
                )
            ]
        listed = tuple(
            Paragraph(self._describe(record, conversation, reported_zone), heading=f"#{record.id}")
            for record in records
        )
        cancel_buttons = tuple(
            Action(f"Cancel #{record.id}", ActionId.CANCEL, str(record.id), style="danger")
            for record in records
        )
        return [
            Reply(
                ReplyKind.REMINDER,
                (
                    Title("Your reminders"),
                    *listed,
                    Paragraph("Say “cancel N” to cancel one."),
                    Buttons(cancel_buttons),
                ),
                private=True,
            )
        ]

    def _describe(self, record: ReminderRecord, conversation: Conversation, reported: str | None) -> str:
        parts = [self._delivery_text(record.due_at, conversation, reported, exact_time=record.exact_time)]
        if record.recurrence:
            parts.append(describe_recurrence(record.recurrence))
        if record.kind == ReminderKind.SUGGESTION.value:
            parts.append("suggestion")
        if record.kind == ReminderKind.PHOTO_REVIEW.value:
            parts.append("offer to review your new photo")
        return " · ".join(parts) + f" — {record.text}"

    def _cancel(self, conversation: Conversation, reminder_id: int | None) -> Reply:
        if reminder_id is None:
            return _private_error("Which one? Say “reminders” to see their numbers, then “cancel N”.")
        record = self.store.owned(reminder_id, conversation.platform, conversation.user)
        applied = None
        if record is not None and record.active:
            applied = self._change(conversation, "cancel", [_cancelled(record)])
        if applied is None or not applied.changed:
            return _private_error(
                f"I couldn’t find an active reminder #{reminder_id} of yours. Say “reminders” to see yours."
            )
        return _undoable(f"Cancelled reminder #{reminder_id}.", applied)

    def _change(self, conversation: Conversation, action: str, edits: Sequence[Edit]) -> Applied:
        return self.store.apply(
            conversation.platform, conversation.user, Change(action, edits=tuple(edits)), now=self.clock()
        )

    def _ask_cancel_all(self, conversation: Conversation) -> Reply:
        """Nothing is cancelled yet: the user confirms (a button or "yes") the reminders listed here."""
        records = self.store.active_for(conversation.platform, conversation.user)
        if not records:
            return _private("You have no active reminders, so there is nothing to cancel.")
        question = self.store.ask(
            conversation.platform,
            conversation.user,
            "cancel all",
            [r.id for r in records],
            now=self.clock(),
            ttl=CONFIRMATION_TTL,
        )
        count = len(records)
        which = "your reminder" if count == 1 else f"all {count} of your reminders"
        minutes = int(CONFIRMATION_TTL.total_seconds() // 60)
        return Reply(
            ReplyKind.REMINDER,
            (
                Paragraph(
                    f"Cancel {which} ({_numbers(records)})? Say “yes” within {minutes} minutes, or press the "
                    "button; nothing is cancelled until you do. Say “no” to keep them."
                ),
                Buttons(
                    (
                        Action(
                            "Yes, cancel it" if count == 1 else f"Yes, cancel all {count}",
                            ActionId.CONFIRM,
                            str(question),
                            style="danger",
                        ),
                        Action("No, keep them", ActionId.DECLINE, str(question)),
                    )
                ),
            ),
            private=True,
        )

    def _answer(
        self, conversation: Conversation, yes: bool, question: int | None, reported_zone: str | None
    ) -> Reply:
        answer = self.store.answer(
            conversation.platform, conversation.user, yes=yes, now=self.clock(), confirmation_id=question
        )
        if answer.action == FORGET:
            return self._answer_forget(conversation, answer.state)
        match answer.state:
            case "nothing":
                return _private(
                    "I haven’t asked you anything that needs a yes or no. (To cancel all your reminders, "
                    "say “cancel all”.)"
                )
            case "expired" | "answered" | "no":
                return _settled_answer(answer.state, "cancelled", "cancel all", "your reminders")
        records = [
            r
            for r in (
                self.store.owned(i, conversation.platform, conversation.user) for i in answer.reminder_ids
            )
            if r is not None and r.active
        ]
        applied = self._change(conversation, "cancel all", [_cancelled(r) for r in records])
        if not applied.changed:
            return _private("None of those reminders is active any more, so there was nothing to cancel.")
        gone = sorted(set(answer.reminder_ids) - {r.id for r in applied.changed})
        text = f"Cancelled {_count(len(applied.changed))} ({_numbers(applied.changed)})."
        if gone:
            text += f" (#{', #'.join(map(str, gone))} had already been delivered or cancelled.)"
        return _undoable(text, applied)

    def _answer_forget(self, conversation: Conversation, state: str) -> Reply:
        if state in ("expired", "answered", "no"):
            return _settled_answer(state, "deleted", "forget me", "your data")
        deleted = self.forget(conversation.platform, conversation.workspace, conversation.user)
        count = sum(deleted.values())
        return _private(
            f"Done — I deleted everything I stored about you here ({count} records). If you talk to me "
            "again, I start from nothing."
        )

    def _move(
        self,
        conversation: Conversation,
        reminder_id: int,
        phrase: str,
        reported_zone: str | None,
        locale: str | None,
    ) -> Reply:
        """A new time for a reminder, earlier or later ("move 3 to next spring")."""
        record = self.store.owned(reminder_id, conversation.platform, conversation.user)
        if record is None or record.status in _CLOSED:
            return _private_error(
                f"I couldn’t find reminder #{reminder_id} of yours to move. Say “reminders” to see yours."
            )
        if record.status == ReminderStatus.CLAIMED.value:
            return _private_error(
                f"Reminder #{reminder_id} is being delivered right now — try again in a moment."
            )
        zone = self.zone_for(conversation, reported_zone)
        try:
            when = parse_when(phrase, now=self.clock(), zone=zone, locale=locale)
        except WhenError as exc:
            return _private_error(str(exc))
        if when.recurrence:
            return _private_error(
                "Move takes one moment, like “move 3 to next spring”. To change how often a reminder "
                "repeats, cancel it and set a new one."
            )
        after = RowState(ReminderStatus.PENDING.value, when.due_at, when.time_given)
        applied = self._change(conversation, "move", [Edit(record.id, RowState.of(record), after)])
        if not applied.changed:
            return _private_error(f"Reminder #{reminder_id} changed just now — say it again to move it.")
        [moved] = applied.changed
        moment = self._delivery_text(moved.due_at, conversation, reported_zone, exact_time=moved.exact_time)
        return _undoable(f"Moved — I’ll remind you {moment} (reminder #{moved.id}).", applied)

    def _undo(self, conversation: Conversation, change: int | None, reported_zone: str | None) -> Reply:
        now = self.clock()
        undone = self.store.undo(
            conversation.platform, conversation.user, now=now, since=now - UNDO_WINDOW, change_id=change
        )
        what = _ACTION_NAMES.get(undone.action, undone.action)
        match undone.state:
            case "nothing":
                return _private("There is nothing to undo: you haven’t changed any reminders lately.")
            case "superseded":
                return _private_error(
                    "That is no longer your last change, and I only undo the last one. Say “undo” to undo "
                    f"it ({what})."
                )
            case "already undone":
                return _private(
                    f"Your last change ({what}) is undone already; I undo only the last change, once."
                )
            case "too old":
                return _private_error(
                    f"Your last change ({what}) is more than a day old, so I won’t undo it now. Say "
                    "“reminders” to see where things stand."
                )
        return _private(self._describe_undo(undone, what, conversation, reported_zone))

    def _describe_undo(
        self, undone: Undone, what: str, conversation: Conversation, reported_zone: str | None
    ) -> str:
        lines: list[str] = []
        for record in undone.restored:
            if record.status == ReminderStatus.CANCELLED.value:
                lines.append(f"#{record.id} is cancelled")
            elif record.active:
                moment = self._delivery_text(
                    record.due_at, conversation, reported_zone, exact_time=record.exact_time
                )
                lines.append(f"#{record.id} is back, {moment}")
            else:
                lines.append(f"#{record.id} is {record.status} again")
        for record in undone.moved_on:
            lines.append(f"#{record.id} changed since ({record.status}), so I left it as it is")
        if not undone.restored:
            return f"I couldn’t undo {what}: " + "; ".join(lines) + "."
        return f"Undone: {what}. " + "; ".join(lines) + "."

    def _snooze(
        self,
        conversation: Conversation,
        reminder_id: int | None,
        duration: str | None,
        reported_zone: str | None,
    ) -> Reply:
        return self.postpone(conversation, reminder_id, duration, reported_zone, verb="Snoozed")

    def postpone(
        self,
        conversation: Conversation,
        reminder_id: int | None,
        length: str | None,
        reported_zone: str | None,
        *,
        verb: str = "Postponed",
        locale: str | None = None,
    ) -> Reply:
        """Moves a reminder later, never earlier ("snooze 5 2 weeks", "push reminder 5 back a month").

        One not yet due moves from its due time (due 1 June, snoozed a month: 1 July); one already
        delivered, or overdue, moves from now and keeps its time of day. `length` is a duration ("2 weeks",
        default a month) or a moment ("next friday"), which must be later than the reminder is due.
        `reminder_id` None means the one delivered last.
        """
        if reminder_id is None:
            reminder_id = self._latest_delivered(conversation)
            if reminder_id is None:
                return _private_error("Which one? Say “reminders” to see their numbers, then “snooze N”.")
        record = self.store.owned(reminder_id, conversation.platform, conversation.user)
        if record is None or record.status in _CLOSED:
            return _private_error(
                f"I couldn’t find reminder #{reminder_id} of yours to snooze. Say “reminders” to see yours."
            )
        if record.status == ReminderStatus.CLAIMED.value:
            return _private_error(
                f"Reminder #{reminder_id} is being delivered right now — try again in a moment."
            )
        zone = self.zone_for(conversation, reported_zone)
        now = self.clock()
        try:
            new_due = _postponed(record, length or DEFAULT_SNOOZE, now=now, zone=zone, locale=locale)
        except WhenError as exc:
            return _private_error(str(exc))
        after = RowState(ReminderStatus.PENDING.value, new_due, record.exact_time)
        applied = self._change(conversation, verb.lower(), [Edit(record.id, RowState.of(record), after)])
        if not applied.changed:
            return _private_error(f"Reminder #{reminder_id} changed just now — say it again to snooze it.")
        [moved] = applied.changed
        moment = self._delivery_text(moved.due_at, conversation, reported_zone, exact_time=moved.exact_time)
        return _private(f"{verb} — I’ll remind you again {moment} (reminder #{moved.id}).")

    def _latest_delivered(self, conversation: Conversation) -> int | None:
        mine = [
            r
            for r in self.store.list_all(user=conversation.user)
            if r.platform == conversation.platform
            and r.status == ReminderStatus.DELIVERED.value
            and r.kind != ReminderKind.PHOTO_REVIEW.value
        ]
        return max(mine, key=lambda r: (r.due_at, r.id)).id if mine else None

    def refresh_interval_months(self, conversation: Conversation) -> int:
        own = self.store.preferences(conversation.platform, conversation.user).refresh_interval_months
        if own:
            return own
        return self.store.workspace_settings(
            conversation.platform, conversation.workspace
        ).refresh_interval_months

    def _done(self, conversation: Conversation, reminder_id: int | None, reported_zone: str | None) -> Reply:
        """The user updated their photo: their pending refresh reminders are done, the next one is one
        interval on — set once, also when "done" is said twice or pressed on two devices at once."""
        pressed = None
        if reminder_id is not None:
            pressed = self.store.owned(reminder_id, conversation.platform, conversation.user)
            if pressed is None or pressed.status == ReminderStatus.CANCELLED.value:
                return _private_error("That reminder is no longer active.")
        zone = self.delivery_zone(conversation, reported_zone)
        for _ in range(2):  # a "done" that raced another one reads again and finds what that one set
            change = self._refresh_change(conversation, "done", pressed, zone, self.clock(), undoable=True)
            applied = self.store.apply(conversation.platform, conversation.user, change, now=self.clock())
            if applied.changed or applied.added or applied.twin or not applied.missed:
                break
            if pressed is not None:
                pressed = self.store.owned(pressed.id, conversation.platform, conversation.user)
        text = "Nice work on the new photo! " + _refresh_summary(applied, zone, new_photo=False)
        actions: list[Action] = []
        if applied.added is not None:
            actions.append(
                Action(f"Cancel #{applied.added.id}", ActionId.CANCEL, str(applied.added.id), style="danger")
            )
        if applied.change_id is not None:
            text += " Say “undo” if that was a mistake."
            actions.append(Action("Undo", ActionId.UNDO, str(applied.change_id)))
        parts: tuple[Paragraph | Buttons, ...] = (Paragraph(text.strip()),)
        return Reply(
            ReplyKind.REMINDER,
            (*parts, Buttons(tuple(actions))) if actions else parts,
            private=True,
            reminder_id=applied.added.id if applied.added else None,
        )

    def _refresh_change(
        self,
        conversation: Conversation,
        action: str,
        pressed: ReminderRecord | None,
        zone: ZoneInfo | None,
        now: datetime,
        *,
        undoable: bool,
    ) -> Change:
        """Pending refresh reminders and suggestions → done; the next refresh one interval on, unless one
        is already pending then (the twin) or a repeating photo reminder goes on by itself. A one-off
        reminder whose Done button was pressed becomes the next one itself (its own words kept)."""
        months = self.refresh_interval_months(conversation)
        next_due = next_refresh(now, zone or resolve_zone("UTC"), months)
        active = self.store.active_for(conversation.platform, conversation.user)
        twin = next((r for r in active if _is_next_refresh(r) and r.due_at == next_due), None)
        if pressed is not None and _is_next_refresh(pressed) and pressed.due_at == next_due:
            twin = pressed
        keep = {r.id for r in (twin, pressed) if r is not None}
        closing = [r for r in active if is_pending_refresh(r) and r.id not in keep]
        edits = [
            Edit(r.id, RowState.of(r), replace(RowState.of(r), status=ReminderStatus.DONE.value))
            for r in closing
        ]
        repeating = pressed is not None and bool(pressed.recurrence)
        repeating = repeating or any(is_repeating_refresh(r) for r in active)
        add = None
        if (
            pressed is not None
            and pressed.kind == ReminderKind.REMINDER.value
            and twin is None
            and not repeating
        ):
            edits.append(
                Edit(pressed.id, RowState.of(pressed), RowState(ReminderStatus.PENDING.value, next_due))
            )
        elif not repeating:
            # The store looks for the twin again under the person's lock: a "done" said at the same moment
            # elsewhere may have set it.
            add = NewReminder(
                conversation.platform,
                conversation.workspace,
                conversation.channel,
                conversation.user,
                DEFAULT_TEXT,
                next_due,
            )
        return Change(
            action, tuple(edits), add, twin=_is_next_refresh, cap=self.max_active, undoable=undoable
        )

    def _opt(self, conversation: Conversation, opt_out: bool) -> Reply:
        self.store.set_preferences(
            conversation.platform,
            conversation.user,
            suggestions_opted_out=opt_out,
            suggestions_opted_in=not opt_out,
        )
        if opt_out:
            for kind in (ReminderKind.SUGGESTION, ReminderKind.PHOTO_REVIEW):
                self.store.cancel_kind(conversation.platform, conversation.user, kind.value)
            return _private(
                "Done — I won’t suggest refreshing your photo any more. Reminders you set yourself stay. "
                "Say “suggestions on” to undo."
            )
        offered = self.store.workspace_settings(conversation.platform, conversation.workspace).photo_tracking
        where = (
            ""
            if offered
            else " (Photo suggestions are not turned on in this workspace yet; an admin decides that.)"
        )
        return _private(
            "You’re opted in: I may message you to suggest a refresh when your profile photo gets old, and "
            f"offer to review a new one. Say “suggestions off” to stop.{where}"
        )

    # --- privacy: see and delete your data -----------------------------------------------------------

    def _my_data(self, conversation: Conversation) -> Reply:
        data = privacy.export_user(
            self.store.engine,
            conversation.platform,
            conversation.workspace,
            conversation.user,
            now=self.clock(),
        )
        count = sum(len(rows) for rows in data["tables"].values())
        payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
        filename = f"headshot-data-{conversation.platform}-{self.clock():%Y%m%d-%H%M%S}.json"
        summary = ", ".join(f"{len(rows)} {name}" for name, rows in data["tables"].items() if rows)
        return Reply(
            ReplyKind.REMINDER,
            (
                Title("Your data"),
                Paragraph(
                    (
                        f"Everything I store about you here: {count} records ({summary})."
                        if count
                        else "I store nothing about you here."
                    )
                    + " The attached JSON file has all of it. Say “forget me” to delete it."
                ),
                Files((File(filename, payload, "application/json", "Your headshot-bot data"),)),
            ),
            private=True,
        )

    def _ask_forget(self, conversation: Conversation) -> Reply:
        question = self.store.ask(
            conversation.platform, conversation.user, FORGET, [], now=self.clock(), ttl=CONFIRMATION_TTL
        )
        minutes = int(CONFIRMATION_TTL.total_seconds() // 60)
        return Reply(
            ReplyKind.REMINDER,
            (
                Paragraph(
                    "Delete everything I store about you here — your reminders, preferences, time zone, "
                    "photo sightings and feedback? This cannot be undone. Say “yes” within "
                    f"{minutes} minutes, or press the button; nothing is deleted until you do. Say “no” to "
                    "keep it."
                ),
                Buttons(
                    (
                        Action("Yes, forget me", ActionId.CONFIRM, str(question), style="danger"),
                        Action("No, keep it", ActionId.DECLINE, str(question)),
                    )
                ),
            ),
            private=True,
        )

    def forget(self, platform: str, workspace: str, user: str) -> dict[str, int]:
        deleted = privacy.forget_user(self.store.engine, platform, workspace, user)
        log.info("forgot a user on request", extra={"platform": platform, "rows": sum(deleted.values())})
        return deleted

    def _admin_report(self, conversation: Conversation, is_admin: bool) -> Reply:
        if not is_admin:
            return _private_error("Only a workspace admin can see the photo-health report.")
        if not conversation.workspace:
            return _private_error("Run this in the workspace or server you want the report for, not in a DM.")
        settings = self.store.workspace_settings(conversation.platform, conversation.workspace)
        health = privacy.photo_health(
            self.store.engine,
            conversation.platform,
            conversation.workspace,
            now=self.clock(),
            interval_months=settings.refresh_interval_months,
        )
        span = _describe_months(settings.refresh_interval_months)
        if not settings.photo_tracking and not health.people_seen:
            return _private(
                "Photo-health report: nothing to count — photo tracking is off here, so I have seen no "
                "profile photos. An admin can turn it on with “admin track-photos on”."
            )
        return Reply(
            ReplyKind.REMINDER,
            (
                Title("Photo-health report (counts only, no names)"),
                Paragraph(
                    f"Profile photos seen: {health.people_seen}\n"
                    f"Unchanged for {span} or longer: {health.older_than_interval}\n"
                    "Missing photos: not counted — I only record people who have a profile photo.\n"
                    "Too small for the platform: not counted — I keep a hash of each photo, never the "
                    "picture, so its size is unknown."
                ),
                Paragraph(
                    "Counted from the photos I have seen since photo tracking was turned on"
                    + ("" if settings.photo_tracking else " (it is off now)")
                    + ". Members hear from me only if they said “suggestions on” themselves."
                ),
            ),
            private=True,
        )

    def _timezone(self, conversation: Conversation, zone: str | None, reported: str | None) -> Reply:
        if zone is None:
            stored = self.store.preferences(conversation.platform, conversation.user).timezone
            current = stored or (reported if reported and find_zone(reported) else None) or "UTC"
            return _private(
                f"Your time zone is {current}. Change it with “timezone Berlin” or “timezone PST”."
            )
        choices = lookup_zone(zone)
        if not choices:
            return _private_error(
                f"I don’t know the time zone “{zone}”. Use a city (“timezone Berlin”), an abbreviation "
                "(“timezone PST”) or an IANA name like America/New_York or Asia/Tokyo."
            )
        if len(choices) > 1:
            return _private_error(describe_zone_choices(zone, choices).replace("like “", "like “timezone "))
        canonical = choices[0]
        if find_zone(canonical) is None:  # a fixed offset ("UTC+2") does not follow summer time
            return _private_error(
                f"“{zone}” is a fixed offset, which does not follow summer time — give your city instead, "
                "like “timezone Berlin”."
            )
        self.store.set_preferences(conversation.platform, conversation.user, timezone=canonical)
        said = "" if canonical.lower() == zone.strip().lower() else f" (from “{zone}”)"
        return _private(
            f"Your time zone is now {canonical}{said}. I’ll deliver reminders in your daytime there "
            f"({DAYTIME_START:%H:%M}–{DAYTIME_END:%H:%M})."
        )

    def _track(self, conversation: Conversation, enable: bool | None, is_admin: bool) -> Reply:
        settings = self.store.workspace_settings(conversation.platform, conversation.workspace)
        span = _describe_months(settings.refresh_interval_months)
        if enable is None:
            state = "on" if settings.photo_tracking else "off"
            return _private(f"Photo tracking is {state} here (suggestions after {span} without a change).")
        if not is_admin:
            return _private_error("Only a workspace admin can turn photo tracking on or off.")
        if not conversation.workspace:
            return _private_error("Run this in the workspace or server you want to change, not in a DM.")
        self.store.set_workspace_settings(
            conversation.platform, conversation.workspace, photo_tracking=enable
        )
        if enable:
            return _private(
                f"Photo tracking is on: I’ll suggest a refresh, once, to people whose profile photo hasn’t "
                f"changed in {span} — only to those who said “suggestions on” themselves; I message nobody "
                "else."
            )
        return _private("Photo tracking is off: I won’t suggest photo refreshes in this workspace.")

    def _interval(self, conversation: Conversation, length: str | None) -> Reply:
        if length is None:
            return _private(
                "After you say “done”, I remind you again in "
                f"{_describe_months(self.refresh_interval_months(conversation))}. "
                "Change it with “refresh interval 18 months”."
            )
        months = _months(length)
        if months is None:
            return _private_error("Give the interval in months or years, e.g. “refresh interval 18 months”.")
        self.store.set_preferences(conversation.platform, conversation.user, refresh_interval_months=months)
        return _private(
            f"Got it: after you update your photo I’ll remind you again in {_describe_months(months)}."
        )

    def _workspace_interval(self, conversation: Conversation, length: str | None, is_admin: bool) -> Reply:
        current = self.store.workspace_settings(conversation.platform, conversation.workspace)
        if length is None:
            return _private(
                f"Photos unchanged for {_describe_months(current.refresh_interval_months)} get a refresh "
                "suggestion here (when photo tracking is on)."
            )
        if not is_admin:
            return _private_error("Only a workspace admin can change the workspace’s refresh interval.")
        if not conversation.workspace:
            return _private_error("Run this in the workspace or server you want to change, not in a DM.")
        months = _months(length)
        if months is None:
            return _private_error(
                "Give the interval in months or years, e.g. “admin refresh-interval 2 years”."
            )
        self.store.set_workspace_settings(
            conversation.platform, conversation.workspace, refresh_interval_months=months
        )
        return _private(f"Photos unchanged for {_describe_months(months)} now get a refresh suggestion here.")


# Control characters (PostgreSQL refuses NUL; C1 codes render as garbage) and the invisible bidirectional
# controls: a right-to-left override (U+202E) in a stored text reverses what everyone shown it reads after
# it ("remind me to gpj.exe"), and it would be echoed in the confirmation and the delivered reminder.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str | None) -> str:
    """The reminder text as stored: control and bidirectional-override characters out, length capped."""
    cleaned = _UNSAFE.sub("", text or "").strip()
    return (cleaned or DEFAULT_TEXT)[:MAX_TEXT_LENGTH]


def _months(length: str) -> int | None:
    """ "18 months", "2 years" → whole months between 1 and 120; None otherwise."""
    delta = parse_duration(length)
    months = None if delta is None else delta.years * 12 + delta.months
    return months if months is not None and 1 <= months <= 120 else None


def _postponed(
    record: ReminderRecord, length: str, *, now: datetime, zone: ZoneInfo, locale: str | None = None
) -> datetime:
    """The new due time of a postponed reminder (UTC); `WhenError` when it would not be later."""
    not_yet_due = record.status == ReminderStatus.PENDING.value and record.due_at > now
    base = record.due_at if not_yet_due else now
    phrase = re.sub(r"^(?:until|till|to)\s+(?=\S)", "", length.strip(), flags=re.IGNORECASE)
    if re.fullmatch(
        r"(?:a\s+|an\s+)?(?:years?|months?|weeks?|days?|hours?|fortnight)", phrase, re.IGNORECASE
    ):
        phrase = f"1 {phrase.split()[-1]}"
    delta = parse_duration(phrase)
    if delta is not None:
        if not (delta.years or delta.months or delta.days):
            new_due = shift(base, delta)  # hours and minutes: elapsed time
        else:
            new_local = shift(base.astimezone(zone), delta)
            if not not_yet_due:  # from now, but at the reminder's own time of day
                own = record.due_at.astimezone(zone)
                new_local = new_local.replace(hour=own.hour, minute=own.minute, second=0, microsecond=0)
            new_due = new_local.astimezone(UTC)
    else:
        when = parse_when(phrase, now=now, zone=zone, locale=locale)
        if when.recurrence:
            raise WhenError("Snooze takes one moment or a length, like “snooze 3 2 weeks”.")
        new_due = when.due_at
    if new_due <= max(base, record.due_at):
        shown = record.due_at.astimezone(zone)
        raise WhenError(
            f"That isn’t later than reminder #{record.id} is due ({shown:%a %d %b %Y at %H:%M}) — snooze "
            "only postpones. To bring it forward, cancel it and set a new one."
        )
    if new_due > now + timedelta(days=round(MAX_YEARS_AHEAD * 365.25)):
        raise WhenError(f"That is more than {MAX_YEARS_AHEAD} years away — I only keep reminders that long.")
    return new_due


def _split_when_and_text(
    rest: str, *, now: datetime, zone: ZoneInfo, locale: str | None = None
) -> tuple[When, str | None]:
    """ "in 18 months to update my photo", "to update my photo next year", "every year"."""
    rest = re.sub(r"^(?:for|at)\s+(?=\S)", "", rest.strip(), flags=re.IGNORECASE) if rest else ""
    if not rest:
        raise WhenError(f"When should I remind you? For example {EXAMPLES}.")
    body = re.match(r"^(?:to|about|that)\s+(?P<body>.+)$", rest, re.IGNORECASE)
    if body:
        text = body.group("body")
        # The longest "when" at the end wins ("… tonight at 8" over "… at 8", "in 2 years" over "2 years"),
        # except that of two prepositions in a row the first is the text's ("check in | on friday").
        readings: list[tuple[int, When]] = []
        error: WhenError | None = None
        for match in _WHEN_START.finditer(text):
            if match.start() == 0:
                continue
            try:
                readings.append(
                    (match.start(), parse_when(text[match.start() :], now=now, zone=zone, locale=locale))
                )
            except WhenError as exc:
                error = exc
        if not readings:
            raise error or WhenError(f"When should I remind you? Add a time, like {EXAMPLES}.")
        start, when = readings[0]
        for later_start, later in readings[1:]:
            skipped, following = text[start:later_start].split(), text[later_start:].split()
            same = (later.due_at, later.recurrence) == (when.due_at, when.recurrence)
            if not (
                same and len(skipped) == 1 and {skipped[0].lower(), following[0].lower()} <= _PREPOSITIONS
            ):
                break
            start, when = later_start, later
        return when, text[:start].strip(" ,") or None
    when_text, _, text_part = rest.partition(" to ")
    when = parse_when(when_text, now=now, zone=zone, locale=locale)
    return when, (text_part.strip() or None)


_CLOSED = (ReminderStatus.CANCELLED.value, ReminderStatus.DONE.value)
_ACTION_NAMES = {
    "set": "setting a reminder",
    "cancel": "cancelling a reminder",
    "cancel all": "cancelling all your reminders",
    "move": "moving a reminder",
    "snoozed": "a snooze",
    "postponed": "postponing a reminder",
    "done": "“done”",
}


def _moment(due_at: datetime, zone: ZoneInfo | None, *, exact_time: bool = False) -> str:
    """When a reminder will really arrive, in the user's zone (UTC when unknown), saying so when the daytime
    window moves it."""
    shown = zone or resolve_zone("UTC")
    delivered = delivery_time(due_at, zone, exact_time=exact_time)
    text = _format_local(delivered.astimezone(shown))
    if delivered != due_at:
        asked = due_at.astimezone(shown)
        text += (
            f" (you asked for {asked:%a %H:%M}; I deliver between {DAYTIME_START:%H:%M} and "
            f"{DAYTIME_END:%H:%M} your time)"
        )
    return text


def _same_reminder(record: ReminderRecord, new: NewReminder) -> bool:
    """A twin: the same person, moment (the store compares it), text, repeat and kind."""
    return (record.text, record.recurrence, record.kind) == (new.text, new.recurrence, new.kind)


def _is_next_refresh(record: ReminderRecord) -> bool:
    return record.kind == ReminderKind.REMINDER.value and is_pending_refresh(record)


def _cancelled(record: ReminderRecord) -> Edit:
    state = RowState.of(record)
    return Edit(record.id, state, replace(state, status=ReminderStatus.CANCELLED.value))


def _refresh_summary(applied: Applied, zone: ZoneInfo | None, *, new_photo: bool) -> str:
    """What "done" (or a new photo the bot noticed) changed, in words."""
    closed = [r for r in applied.changed if r.status == ReminderStatus.DONE.value]
    nexts = [r for r in applied.changed if r.status == ReminderStatus.PENDING.value]
    sentences: list[str] = []
    if closed:
        which = "reminder" if len(closed) == 1 else "reminders"
        sentences.append(f"I closed your pending refresh {which} ({_numbers(closed)}).")
    upcoming = applied.added or (nexts[0] if nexts else None)
    if upcoming is not None:
        sentences.append(
            f"I’ll remind you to refresh it again {_moment(upcoming.due_at, zone)} (reminder #{upcoming.id}; "
            f"“cancel {upcoming.id}” if you’d rather not)."
        )
    elif applied.twin is not None:
        twin = applied.twin
        sentences.append(
            f"Your next refresh reminder is already set: #{twin.id}, {_moment(twin.due_at, zone)}."
        )
    elif applied.cap_reached:
        sentences.append("(You have the most reminders I keep, so I set no new one.)")
    elif not new_photo:
        sentences.append("Your repeating photo reminder stays on.")
    return " ".join(sentences)


def _numbers(records: Sequence[ReminderRecord]) -> str:
    return ", ".join(f"#{number}" for number in sorted(r.id for r in records))


def _count(n: int) -> str:
    return "1 reminder" if n == 1 else f"{n} reminders"


def _undoable(text: str, applied: Applied) -> Reply:
    """A private confirmation of a change, with an Undo button while it can be undone."""
    if applied.change_id is None:
        return _private(text)
    return Reply(
        ReplyKind.REMINDER,
        (
            Paragraph(f"{text} Say “undo” to take it back."),
            Buttons((Action("Undo", ActionId.UNDO, str(applied.change_id)),)),
        ),
        private=True,
    )


def _format_local(moment: datetime) -> str:
    zone_name = str(moment.tzinfo) if moment.tzinfo else "UTC"
    return f"on {moment:%a %d %b %Y at %H:%M} ({zone_name})"


def _describe_months(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return "1 year" if years == 1 else f"{years} years"
    return "1 month" if months == 1 else f"{months} months"


def _int(text: str) -> int | None:
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() else None


def _settled_answer(state: str, done: str, command: str, kept: str) -> Reply:
    """The reply to a yes/no that changes nothing: the question expired, was answered already, or "no"."""
    if state == "expired":
        minutes = int(CONFIRMATION_TTL.total_seconds() // 60)
        return _private_error(
            f"That question has expired (I wait {minutes} minutes), so nothing was {done}. Say "
            f"“{command}” again if you still want to."
        )
    if state == "answered":
        return _private("You already answered that question.")
    return _private(f"OK — I kept {kept}.")


def _private(text: str) -> Reply:
    return Reply.plain(text, ReplyKind.REMINDER, private=True)


def _private_error(text: str) -> Reply:
    return Reply.plain(text, ReplyKind.ERROR, private=True)
