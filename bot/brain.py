"""Routes an incoming message to ask / check / remind / help and returns the replies.

The brain is the only entry point the adapters use. Everything here is synchronous and platform-free;
adapters call it from a worker thread (`asyncio.to_thread`) so slow work never blocks their event loop.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot import feedback, metrics
from bot.clock import Clock, utc_now
from bot.commands import PHOTO_PLATFORMS, TYPED_ACTIONS, help_reply, home_actions, match_command, typed_form
from bot.config import Config
from bot.messages import (
    Action,
    ActionEvent,
    ActionId,
    Attachment,
    Buttons,
    Conversation,
    Incoming,
    Origin,
    Reply,
    ReplyKind,
)
from bot.notify import Notify
from bot.visibility import REVIEWS_OF_A_MESSAGE, answer_is_private, privately, review_is_private

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase
    from bot.reminders.ledger import LocalLedger
    from bot.reminders.service import AvatarSighting, ReminderService

log = logging.getLogger(__name__)

_PLATFORM_HINT = re.compile(r"\b(" + "|".join(PHOTO_PLATFORMS) + r")\b", re.IGNORECASE)


class Brain:
    def __init__(self, config: Config, *, clock: Clock = utc_now) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._knowledge: KnowledgeBase | None = None
        self._reminders: ReminderService | None = None
        self._local_events: LocalLedger | None = None
        self._recent_answers = feedback.RecentAnswers()

    # --- components, built on first use so each command pays only for what it needs -------------

    @property
    def knowledge(self) -> KnowledgeBase:
        with self._lock:
            if self._knowledge is None:
                from bot.knowledge import KnowledgeBase
                from bot.photo.platforms import PLATFORMS

                self._knowledge = KnowledgeBase.load(
                    self.config.knowledge_dir, cache_dir=self.config.cache_dir, platforms=PLATFORMS
                )
            return self._knowledge

    @property
    def reminders(self) -> ReminderService:
        with self._lock:
            if self._reminders is None:
                from bot.reminders.service import ReminderService

                self._reminders = ReminderService(
                    self.config.database_url, clock=self.clock, retention_days=self.config.retention_days
                )
            return self._reminders

    def close(self) -> None:
        """Releases the store's connections, if the store was ever opened."""
        with self._lock:
            service, self._reminders = self._reminders, None
        if service is not None:
            service.close()

    # --- what the adapters call -------------------------------------------------------------------

    def handle(self, incoming: Incoming, notify: Notify | None = None) -> list[Reply]:
        """The replies to one message. `notify` (from the adapter) gets an interim reply when the answer will
        take a while: a photo waiting for a free analysis slot."""
        started = time.perf_counter()
        try:
            replies = self._route(incoming, notify)
        except Exception as exc:  # a user never sees a traceback
            replies = [self._failure_reply(exc, "handling a message")]
        if answer_is_private(incoming):
            replies = privately(replies)
        _log_handled("message handled", incoming.conversation, started, replies)
        metrics.message_handled(
            incoming.conversation.platform,
            str(replies[0].kind) if replies else "none",
            time.perf_counter() - started,
            photo=bool(incoming.attachments),
        )
        return replies

    def handle_action(self, event: ActionEvent) -> list[Reply]:
        started = time.perf_counter()
        if event.action_id in TYPED_ACTIONS:
            # The button does what its typed form does ("check my avatar"), on every platform.
            incoming = Incoming(
                event.conversation,
                typed_form(Action("", ActionId(event.action_id), event.value)),
                user_timezone=event.user_timezone,
                origin=Origin.BUTTON,
                profile_photo=event.profile_photo,
            )
            return self.handle(incoming)
        if event.action_id in feedback.VERDICTS:
            replies = self.rate_button(event)
            _log_handled("button handled", event.conversation, started, replies)
            return replies
        try:
            handled = self.reminders.handle_action(event)
            replies = [error_reply("That button is no longer active.")] if handled is None else handled
        except Exception as exc:
            replies = [self._failure_reply(exc, "handling a button")]
        _log_handled("button handled", event.conversation, started, replies)
        return replies

    def home(self, conversation: Conversation) -> list[Reply]:
        """What a user's home view shows (Slack App Home): the common actions as buttons, their reminders
        and how to use the bot."""
        actions = Reply(ReplyKind.HELP, (Buttons(home_actions()),))
        try:
            return [actions, *self.reminders.list_replies(conversation), help_reply()]
        except Exception as exc:
            return [actions, self._failure_reply(exc, "building the home view"), help_reply()]

    def suggest(
        self,
        kind: str,
        typed: str,
        conversation: Conversation,
        *,
        reported_zone: str | None = None,
        locale: str | None = None,
    ) -> list[tuple[str, str]]:
        """Autocomplete for an option (`Option.autocomplete`): (label, value) pairs; never raises."""
        from bot.suggestions import timezone_suggestions, when_suggestions

        try:
            if kind == "timezone":
                return timezone_suggestions(typed)
            zone = self.reminders.zone_for(conversation, reported_zone)
            return when_suggestions(typed, now=self.clock(), zone=zone, locale=locale)
        except Exception as exc:
            log.warning("autocomplete failed", extra={"kind": kind, "error_type": type(exc).__name__})
            return []

    def record_avatar_sightings(
        self, platform: str, workspace: str, sightings: Sequence[AvatarSighting]
    ) -> None:
        self.reminders.record_sightings(platform, workspace, sightings)

    def photo_tracking_enabled(self, platform: str, workspace: str) -> bool:
        return self.reminders.tracking_enabled(platform, workspace)

    def workspace_left(self, platform: str, workspace: str, *, reason: str, grace: bool = False) -> None:
        """The bot was removed from a workspace or server (uninstalled, token revoked, kicked): its data is
        deleted now, or, with `grace` (a Discord server that is only unavailable), after the grace period
        unless it comes back; nothing is delivered there meanwhile."""
        self.reminders.workspace_left(platform, workspace, reason=reason, grace=grace)

    def workspace_back(self, platform: str, workspace: str) -> None:
        """A workspace marked as gone is reachable again: deliveries resume, nothing is purged."""
        self.reminders.workspace_back(platform, workspace)

    def first_delivery(self, platform: str, kind: str, ident: str) -> bool:
        """True when no process sharing the store has taken this delivery yet, and takes it.

        `kind` and `ident` name one delivery on the platform: ("event", a Slack event_id), ("command", a
        slash command's trigger_id), ("message", a message's ts)... A platform's retry, or the same delivery
        reaching a second replica, then gets False and is dropped. When the store cannot answer, this
        process's memory decides (a duplicate is then only caught here, which beats answering nothing).
        """
        key = f"{platform}:{kind}:{ident}"
        try:
            first = self.reminders.store.events.claim(key, now=self.clock())
        except Exception as exc:
            log.warning(
                "the store could not record a delivery; deduplicating in this process only",
                extra={"platform": platform, "error_type": type(exc).__name__},
            )
            first = self._local_ledger().claim(key)
        if not first:
            metrics.duplicate_dropped(platform, kind)
        return first

    def _local_ledger(self) -> LocalLedger:
        with self._lock:
            if self._local_events is None:
                from bot.reminders.ledger import LocalLedger

                self._local_events = LocalLedger()
            return self._local_events

    # --- routing ------------------------------------------------------------------------------------

    def _route(self, incoming: Incoming, notify: Notify | None = None) -> list[Reply]:
        text = incoming.text.strip()
        if incoming.origin in REVIEWS_OF_A_MESSAGE:
            return self._review_message(incoming, text, notify)
        if incoming.attachments:
            return self._check(incoming, text, notify)
        if not text:
            return [
                Reply.plain(
                    "Ask me anything about headshots, post a photo to check, or say “help”.", ReplyKind.HELP
                )
            ]
        matched = match_command(incoming)  # regex only: plain questions never open the store
        if matched is not None:
            return matched.command.run(self, matched.invocation)
        return self.answer(incoming, text)

    def answer(self, incoming: Incoming, question: str) -> list[Reply]:
        if not question.strip():
            return [Reply.plain("What would you like to know about headshots?", ReplyKind.HELP)]
        conversation = incoming.conversation
        answer = self.knowledge.ask(question, conversation_key=conversation.key())
        reply = self.knowledge.reply_for(answer)
        rated = feedback.rated(question, answer, keep_text=self.config.kb_log_questions)
        if rated is None:
            return [reply]
        self._recent_answers.remember(conversation.platform, conversation.user, rated)
        if rated.reason is not None:
            self._log_question(conversation, question, rated, rated.reason)
        return [feedback.with_buttons(reply, rated)]

    # --- 👍/👎 on answers -----------------------------------------------------------------------------

    def rate_button(self, event: ActionEvent) -> list[Reply]:
        parsed = feedback.parse_value(event.value)
        if parsed is None:
            return [error_reply("That button is no longer active.")]
        key, passage = parsed
        known = self._recent_answers.get(key)
        item = known or feedback.Rated(key, passage, 0.0, None, top_passage=passage)
        return self._rate(event.conversation, item, feedback.VERDICTS[ActionId(event.action_id)])

    def rate_last(self, conversation: Conversation, verdict: feedback.Verdict) -> list[Reply]:
        """A typed "good"/"bad": the person's last answer (from this process's memory)."""
        item = self._recent_answers.last(conversation.platform, conversation.user)
        if item is None:
            return [
                Reply.plain(
                    "I have no recent answer of yours to rate. Ask me something first, then say “good” "
                    "or “bad”.",
                    ReplyKind.HELP,
                    private=True,
                )
            ]
        return self._rate(conversation, item, verdict)

    def _rate(
        self, conversation: Conversation, item: feedback.Rated, verdict: feedback.Verdict
    ) -> list[Reply]:
        try:
            before = self.reminders.store.feedback.vote(
                platform=conversation.platform,
                workspace=conversation.workspace,
                user=conversation.user,
                answer_key=item.key,
                verdict=verdict,
                top_passage=item.quoted,
                now=self.clock(),
            )
        except Exception as exc:
            return [self._failure_reply(exc, "recording a vote")]
        if before != verdict:
            metrics.answer_voted(conversation.platform, verdict)
        if verdict == "down" and before != "down" and item.question:
            self._log_question(conversation, item.question, item, "voted_down")
        return [feedback.acknowledgement(verdict, before)]

    def _log_question(
        self, conversation: Conversation, question: str, item: feedback.Rated, reason: feedback.Reason
    ) -> None:
        """Keeps the question's text for `headshot kb misses`, only while the operator logs questions; a
        store that cannot take it never costs the person their answer."""
        if not self.config.kb_log_questions or not question.strip():
            return
        try:
            self.reminders.store.feedback.log_question(
                platform=conversation.platform,
                workspace=conversation.workspace,
                user=conversation.user,
                question=question,
                reason=reason,
                answer_key=item.key,
                top_passage=item.top_passage,
                score=item.score,
                now=self.clock(),
                keep_days=self.config.kb_log_days,
            )
        except Exception as exc:
            log.warning("a question could not be logged", extra={"error_type": type(exc).__name__})

    def photo_hint(self) -> Reply:
        platforms = ", ".join(f"“for {name}”" for name in PHOTO_PLATFORMS)
        return Reply.plain(
            f"Attach a photo to your message (or post it here) and I’ll check it. Add {platforms} to check "
            "it for that platform.",
            ReplyKind.HELP,
        )

    def _review_message(self, incoming: Incoming, text: str, notify: Notify | None) -> list[Reply]:
        """A message someone pointed at (a shortcut, a context menu): its images are reviewed; its other
        files are left alone, and a message with no image at all gets a short explanation."""
        photos = tuple(a for a in incoming.attachments if may_be_photo(a))
        if not photos:
            return [
                Reply.plain(
                    "That message has no photo for me to review: I look at the images attached to it "
                    "(JPEG, PNG, WebP or HEIC). Use it on a message with a photo, or send me the photo.",
                    ReplyKind.HELP,
                    private=True,
                )
            ]
        return self._check(replace(incoming, attachments=photos), text, notify)

    def check_profile_photo(self, incoming: Incoming, platform: str | None = None) -> list[Reply]:
        """“check my avatar”: the profile photo the adapter fetched, at the platform's sizes (or those of
        the platform named), privately."""
        found = incoming.profile_photo
        where = (found.where if found else "") or "here"
        if found is None:
            return [
                error_reply(
                    "I can’t see a profile photo here. In Slack or Discord, “check my avatar” reviews the "
                    "photo people see; here, send me the photo (check PATH)."
                )
            ]
        if found.photo is None:
            return [
                Reply.plain(
                    f"You don’t have a profile photo {where} yet: people see the default avatar. "
                    "Upload a photo of yourself, then ask me again — or send me the photo you have in mind "
                    "and I’ll check it first.",
                    ReplyKind.CHECK,
                    private=True,
                )
            ]
        platform_name = platform or incoming.conversation.platform
        checked = replace(
            incoming,
            text=f"for {platform_name}" if platform_name in PHOTO_PLATFORMS else "",
            attachments=(found.photo,),
        )
        return self._check(checked, checked.text)

    def _check(self, incoming: Incoming, text: str, notify: Notify | None = None) -> list[Reply]:
        replies = self._check_photos(incoming, text, notify)
        return privately(replies) if review_is_private(incoming) else replies

    def _check_photos(self, incoming: Incoming, text: str, notify: Notify | None = None) -> list[Reply]:
        from bot.photo.review import review_attachments
        from bot.photo.work import configure_photo_work

        configure_photo_work(self.config.photo_workers, self.config.photo_memory_mb)
        match = _PLATFORM_HINT.search(text)
        platform = match.group(1).lower() if match else "generic"
        replies: list[Reply] = []
        readable: list[tuple[str, bytes]] = []
        for attachment in incoming.attachments:
            problem = self._check_one(attachment)
            if problem is not None:
                replies.append(problem)
            elif attachment.data is not None:
                readable.append((attachment.filename, attachment.data))
        if readable:
            # Several photos sent together are compared: which one is best, and why.
            replies.extend(
                review_attachments(
                    readable,
                    platform=platform,
                    now=self.clock(),
                    cite=self.knowledge.cite,
                    on_queued=(lambda: notify(queued_reply(len(readable)))) if notify else None,
                )
            )
        return replies

    def _check_one(self, attachment: Attachment) -> Reply | None:
        if attachment.problem:
            return error_reply(f"I couldn’t check {attachment.filename}: {attachment.problem}")
        if attachment.data is None:
            return error_reply(f"I couldn’t read {attachment.filename}.")
        return None

    def _failure_reply(self, exc: Exception, doing: str) -> Reply:
        if _is_database_locked(exc):
            return error_reply("The reminder store is busy right now. Please try again in a few seconds.")
        log.exception("unexpected error while %s", doing, extra={"error_type": type(exc).__name__})
        return error_reply("Sorry, something went wrong on my side. Please try again in a moment.")


def _log_handled(event: str, conversation: Conversation, started: float, replies: Sequence[Reply]) -> None:
    """One line per piece of work, the same for every adapter: where, how long, what kind of answer.
    The console logs it at DEBUG so a chat in a terminal is not interleaved with log lines."""
    log.log(
        logging.DEBUG if conversation.platform == "console" else logging.INFO,
        event,
        extra={
            "platform": conversation.platform,
            "workspace": conversation.workspace,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "replies": [str(reply.kind) for reply in replies],
        },
    )


def _is_database_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


def queued_reply(photos: int) -> Reply:
    which, it = ("your photo is", "it") if photos == 1 else ("your photos are", "them")
    return Reply.plain(
        f"Many photos are being checked right now: {which} in the queue, and I’ll review {it} in a moment.",
        ReplyKind.HELP,
    )


def error_reply(message: str) -> Reply:
    return Reply.plain(message, ReplyKind.ERROR, private=True)


def may_be_photo(attachment: Attachment) -> bool:
    """Whether a file of a message is one to review: an image, or a file nothing is known about."""
    from bot.attachments import not_an_image_problem

    return not_an_image_problem(attachment.filename, attachment.content_type) is None
