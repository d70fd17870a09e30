"""The slack-bolt app: Slack events in, the core's `Incoming` / `ActionEvent` to the brain, Block Kit out.

No business logic: every decision is the brain's (called in a worker thread, because it is synchronous
and a photo check takes a while). What is here is Slack plumbing: which events count, threads,
ephemeral vs public, file downloads, uploads, and the two sources of duplicate replies Slack is known
for — its retries (X-Slack-Retry-Num, or a redelivered Socket Mode envelope), and the same event reaching
two replicas — and the `message` event that accompanies an `app_mention`. Both are settled in the store
every replica shares (`Brain.first_delivery`): a delivery whose id some process already took is acknowledged
and dropped, one nobody took (the first delivery found no replica up) is answered.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.brain import Brain
from bot.commands import action_wants_profile_photo, wants_profile_photo
from bot.messages import ActionEvent, ActionId, Conversation, Incoming, Origin, Reply
from bot.notify import on_loop
from bot.reminders.service import AvatarSighting
from handlers.slack.files import download_files
from handlers.slack.profiles import SlackProfiles, fetch_profile_photo
from handlers.slack.render import escape_mrkdwn, home_view, message_payload

log = logging.getLogger("headshot.slack")

# What a Web API call can fail with: Slack's refusal, or no answer at all.
SLACK_FAILURES = (SlackApiError, aiohttp.ClientError, TimeoutError)
ACTION_IDS = re.compile("^(" + "|".join(re.escape(a.value) for a in ActionId) + ")$")
HANDLED_MESSAGE_SUBTYPES = {None, "file_share", "thread_broadcast"}
REVIEW_SHORTCUT = "review_photo"
"""The callback_id of the message shortcut "Review this photo" (slack-manifest.yml features.shortcuts)."""

_BOT_MENTION = "<@{bot}(?:\\|[^>]*)?>"
_LABELLED = re.compile(r"<([^<>|]+)\|([^<>]*)>")
_BARE = re.compile(r"<([^<>]+)>")


def plain_text_of(text: str, bot_user_id: str | None) -> str:
    """Slack's message markup as the plain text the core expects: the bot's mention removed,
    links and mentions readable, Slack's escapes undone."""
    if bot_user_id:
        text = re.sub(_BOT_MENTION.format(bot=re.escape(bot_user_id)), " ", text)

    def labelled(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        prefix = {"#": "#", "@": "@", "!": "@"}.get(target[:1], "")
        return prefix + label if prefix else label

    def bare(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith(("@", "#")):
            return target
        if target.startswith("!"):
            return "@" + target[1:]
        return target.removeprefix("mailto:")

    text = _BARE.sub(bare, _LABELLED.sub(labelled, text))
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split()) if "\n" not in text else text.strip()


class _NoRequestBodiesInLogs(logging.Filter):
    """Bolt logs a rejected request's whole body (message text included) at INFO, and warns about a
    token it would not use anyway; keep the fact of a rejection, drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request signature"):
            record.msg, record.args = "rejected a request with a wrong or stale Slack signature (401)", None
        return not message.startswith("As you gave `client` as well")


BOLT_LOGGER = logging.getLogger("headshot.slack.bolt")
BOLT_LOGGER.addFilter(_NoRequestBodiesInLogs())  # Bolt copies it to the loggers of its middleware


def delivery_of(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, id) naming one Slack delivery, the same on every retry and every replica; None for requests
    that need no deduplication (url_verification) or carry no id.

    Events carry their `event_id`; slash commands and interactions their `trigger_id` (a slash command
    without one, its unique `response_url`). Socket Mode envelopes carry the same payloads, so a redelivered
    envelope is recognised by the same id.
    """
    team = str(body.get("team_id") or (body.get("team") or {}).get("id") or "")
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        return ("event", f"{team}:{event_id}") if event_id else None
    trigger = body.get("trigger_id")
    if "command" in body:
        if trigger:
            return "command", str(trigger)
        response_url = body.get("response_url")
        return ("command", _digest(str(response_url))) if response_url else None
    if body.get("type") in ("block_actions", "view_submission", "shortcut", "message_action"):
        if trigger:
            return "interaction", str(trigger)
        actions = body.get("actions") or [{}]
        action_ts = actions[0].get("action_ts") if isinstance(actions[0], Mapping) else None
        user = (body.get("user") or {}).get("id", "")
        # Hashed: the store keeps no user id for this (it is not the user's data, only a receipt).
        return ("interaction", _digest(f"{team}:{user}:{action_ts}")) if action_ts else None
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SlackListeners:
    def __init__(
        self,
        brain: Brain,
        client: AsyncWebClient,
        *,
        api_url: str,
        profiles: SlackProfiles | None = None,
    ) -> None:
        """`client` is the app's client (base URL, retries; in single-workspace mode also the token). Each
        request's work goes through the client Bolt hands its listener, which carries the token of the
        workspace the request came from; methods called without one use `client`."""
        self.brain = brain
        self.client = client
        self.api_url = api_url
        self.profiles = profiles or SlackProfiles(client)
        self._in_flight: set[asyncio.Task[Any]] = set()

    def build_app(
        self,
        *,
        signing_secret: str | None,
        process_before_response: bool = False,
        oauth_settings: AsyncOAuthSettings | None = None,
    ) -> AsyncApp:
        """The Bolt app. Request signatures are always verified in HTTP mode (Socket Mode has none).

        With `oauth_settings` (many workspaces) Bolt authorizes each request from the team's installation,
        and an uninstall or revoked bot token deletes that team's installation (`forget_installation`).
        """
        app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "",
            request_verification_enabled=True,
            process_before_response=process_before_response,
            logger=BOLT_LOGGER,
            oauth_settings=oauth_settings,
        )
        if oauth_settings is not None:
            app.middleware(forget_installation(oauth_settings.installation_store))
        app.middleware(self.first_delivery_only)
        for event_type, listener in self.event_listeners().items():
            app.event(event_type)(self._tracked(listener))
        app.command("/headshot")(self._tracked(self.on_command))
        for callback_id, listener in self.message_shortcuts().items():
            app.message_shortcut(callback_id)(self._tracked(listener))
        app.action(ACTION_IDS)(self._tracked(self.on_action))
        app.error(self.on_error)
        return app

    async def first_delivery_only(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """A delivery some process (this one or another replica) already took is acknowledged and
        dropped: Slack stops retrying, and nobody answers twice. Runs after Bolt's signature check."""
        body = req.body
        event = body.get("event") if isinstance(body.get("event"), Mapping) else None
        if event is not None and event.get("type") not in self.event_listeners():
            return await next()  # not ours to answer: nothing to claim
        delivery = delivery_of(body)
        if delivery is not None:
            kind, ident = delivery
            if not await asyncio.to_thread(self.brain.first_delivery, "slack", kind, ident):
                log.info(
                    "dropped a delivery already taken",
                    extra={"kind": kind, "retry": (req.headers.get("x-slack-retry-num") or ["0"])[0]},
                )
                return BoltResponse(status=200, body="")
        return await next()

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Bolt runs listeners as loose tasks after the ack; tracking them lets a shutdown finish the
        answers already promised (a photo check in progress) instead of dropping them."""

        @functools.wraps(listener)  # Bolt reads the wrapped signature to know which arguments to pass
        async def run(*args: Any, **kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                await listener(*args, **kwargs)
            finally:
                if task is not None:
                    self._in_flight.discard(task)

        return run

    async def drain(self, timeout: float) -> int:
        """Waits up to `timeout` seconds for the listeners still working; returns how many were left."""
        pending = {task for task in self._in_flight if task is not asyncio.current_task()}
        if pending:
            _, still_running = await asyncio.wait(pending, timeout=timeout)
            return len(still_running)
        return 0

    def event_listeners(self) -> dict[str, Callable[..., Awaitable[None]]]:
        """The Events API types this app handles; slack-manifest.yml subscribes to exactly these."""
        return {
            "app_mention": self.on_mention,
            "message": self.on_message,  # subscribed as message.im only
            "app_home_opened": self.on_home_opened,
            "user_change": self.on_user_change,
            "app_uninstalled": self.on_removed,
            "tokens_revoked": self.on_removed,
        }

    def message_shortcuts(self) -> dict[str, Callable[..., Awaitable[None]]]:
        """The message shortcuts (by callback_id); slack-manifest.yml declares exactly these."""
        return {REVIEW_SHORTCUT: self.on_review_shortcut}

    # --- listeners ----------------------------------------------------------------------------------

    async def on_mention(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if _is_dm(event):
            return  # a DM is answered by on_message; answering here too would reply twice
        await self._converse(
            event, _team_of(body, event), direct=False, bot_user_id=context.bot_user_id, client=client
        )

    async def on_message(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if not _is_dm(event):
            return  # in channels the bot speaks only when mentioned, and that arrives as app_mention
        if event.get("subtype") not in HANDLED_MESSAGE_SUBTYPES or event.get("bot_id"):
            return  # edits, deletions, joins, other bots (and our own echo)
        await self._converse(
            event, _team_of(body, event), direct=True, bot_user_id=context.bot_user_id, client=client
        )

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        user = str(command.get("user_id", ""))
        channel = str(command.get("channel_id", ""))
        incoming = await self._incoming(
            client,
            Conversation("slack", str(command.get("team_id", "")), channel, user),
            text=plain_text_of(str(command.get("text", "")), None),
            direct=channel.startswith("D") or command.get("channel_name") == "directmessage",
            origin=Origin.SLASH,
        )
        incoming = await self._with_profile_photo(incoming, client)
        replies = await asyncio.to_thread(self.brain.handle, incoming)
        for reply in replies:
            # A slash command is a private exchange: its answers are ephemeral, like Slack's own commands.
            payload = message_payload(reply)
            if not await _responded(respond, payload, private=True):
                await self._safe_post(
                    channel=channel, user=user, thread=None, ephemeral=True, payload=payload, client=client
                )
            if reply.images or reply.files:
                await self._upload_privately(reply, user, client=client)

    async def on_review_shortcut(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The message shortcut "Review this photo": that message's images reviewed, for the person who used
        it only."""
        await ack()  # within Slack's 3 seconds; the download and the review come after
        user = str((body.get("user") or {}).get("id", ""))
        team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
        channel = str((body.get("channel") or {}).get("id", ""))
        message = body.get("message") or {}
        thread = message.get("thread_ts")
        files = [f for f in message.get("files") or [] if isinstance(f, Mapping)]
        incoming = await self._incoming(
            client,
            Conversation("slack", team, channel, user, thread),
            text="",
            files=files,
            direct=channel.startswith("D"),
            origin=Origin.SHORTCUT,
        )
        log.info("message shortcut", extra={"files": len(files)})

        async def interim(reply: Reply) -> None:
            await self.post_privately([reply], channel=channel, thread=thread, user=user, client=client)

        notify = on_loop(asyncio.get_running_loop(), interim)
        replies = await asyncio.to_thread(self.brain.handle, incoming, notify)
        await self.post_privately(replies, channel=channel, thread=thread, user=user, client=client)

    async def post_privately(
        self,
        replies: Sequence[Reply],
        *,
        channel: str,
        thread: str | None,
        user: str,
        client: AsyncWebClient | None = None,
    ) -> None:
        """Replies only `user` sees: ephemeral in the channel, or in their DM with the bot when Slack
        refuses that (the bot is not in the channel, a shared channel...). Images always go to the DM:
        files cannot be ephemeral."""
        dm: str | None = None
        for reply in replies:
            payload = message_payload(reply)
            posted = dm is None and await self._safe_post(
                channel=channel, user=user, thread=thread, ephemeral=True, payload=payload, client=client
            )
            if not posted:
                dm = dm or await self._dm_channel(user, client=client)
                if dm is not None:
                    await self._safe_post(
                        channel=dm, user=user, thread=None, ephemeral=False, payload=payload, client=client
                    )
            if reply.images or reply.files:
                await self._upload_privately(reply, user, dm=dm, client=client)

    async def _upload_privately(
        self, reply: Reply, user: str, *, dm: str | None = None, client: AsyncWebClient | None = None
    ) -> None:
        dm = dm or await self._dm_channel(user, client=client)
        if dm is not None:
            await self._upload(reply, channel=dm, thread=None, client=client)

    async def _incoming(
        self,
        client: AsyncWebClient,
        conversation: Conversation,
        *,
        text: str,
        direct: bool,
        files: Sequence[Mapping[str, Any]] = (),
        origin: Origin = Origin.MESSAGE,
    ) -> Incoming:
        """The core's message: the images among `files` downloaded, the sender's profile (time zone, admin,
        name, locale) attached."""
        attachments = (
            await download_files(client, files, bot_token=client.token or "", api_url=self.api_url)
            if files
            else ()
        )
        profile = await self.profiles.get(conversation.user, client=client)
        return Incoming(
            conversation=conversation,
            text=text,
            attachments=attachments,
            direct=direct,
            user_timezone=profile.tz,
            user_is_admin=profile.is_admin,
            user_name=profile.name,
            user_locale=profile.locale,
            origin=origin,
        )

    async def _with_profile_photo(self, incoming: Incoming, client: AsyncWebClient | None = None) -> Incoming:
        """The user's live profile photo, when the core needs it for this message."""
        if not wants_profile_photo(incoming):
            return incoming
        photo = await fetch_profile_photo(
            client or self.client, incoming.conversation.user, api_url=self.api_url
        )
        return replace(incoming, profile_photo=photo)

    async def on_action(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
        container = body.get("container") or {}
        channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
        thread = (body.get("message") or {}).get("thread_ts")
        profile = await self.profiles.get(user, client=client)
        action_id = str(action.get("action_id", ""))
        event = ActionEvent(
            conversation=Conversation("slack", team, channel, user, thread),
            action_id=action_id,
            value=str(action.get("value", "")),
            user_timezone=profile.tz,
            profile_photo=(
                await fetch_profile_photo(client, user, api_url=self.api_url)
                if action_wants_profile_photo(action_id)
                else None
            ),
        )
        replies = await asyncio.to_thread(self.brain.handle_action, event)
        if container.get("type") == "view" or not body.get("response_url"):
            # A button on the Home tab has no message to answer under: reply in the DM, refresh the tab.
            dm = await self._dm_channel(user, client=client)
            if dm is not None:
                await self.post_replies(
                    replies, channel=dm, thread=None, user=user, direct=True, client=client
                )
            await self.publish_home(team, user, channel, client=client)
            return
        for reply in replies:
            payload = message_payload(reply)
            if not await _responded(respond, payload, private=reply.private):
                await self._safe_post(
                    channel=channel,
                    user=user,
                    thread=thread,
                    ephemeral=reply.private,
                    payload=payload,
                    client=client,
                )
            if reply.images or reply.files:
                await self._upload(reply, channel=channel, thread=thread, client=client)

    async def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab") != "home":
            return
        await self.publish_home(
            _team_of(body, event), str(event.get("user", "")), str(event.get("channel", "")), client=client
        )

    async def on_user_change(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user = event.get("user") or {}
        team = str(user.get("team_id") or body.get("team_id") or "")
        self.profiles.forget(str(user.get("id", "")))  # a changed profile may have a new time zone
        sighting = self._sighting(user)
        if sighting is None:
            return
        if await asyncio.to_thread(self.brain.photo_tracking_enabled, "slack", team):
            await asyncio.to_thread(self.brain.record_avatar_sightings, "slack", team, [sighting])

    async def on_removed(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """The app was uninstalled, or its bot token revoked: the workspace's data is deleted (PRIVACY.md).
        A `tokens_revoked` for user tokens only leaves the bot installed, and changes nothing."""
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return
        team = _team_of(body, event)
        if team:
            await asyncio.to_thread(
                self.brain.workspace_left, "slack", team, reason=str(event.get("type", "removed"))
            )

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error(
            "Slack listener failed",
            exc_info=error,
            extra={"error_type": type(error).__name__, "slack_type": body.get("type")},
        )

    # --- the work -----------------------------------------------------------------------------------

    async def _converse(
        self,
        event: Mapping[str, Any],
        team: str,
        *,
        direct: bool,
        bot_user_id: str | None,
        client: AsyncWebClient | None = None,
    ) -> None:
        client = client or self.client
        channel = str(event.get("channel", ""))
        ts = str(event.get("ts", ""))
        # The `message` twin of an `app_mention` (and any other event about the same message) has its
        # own event_id but the same ts: the message is answered once, by whichever replica got it first.
        if not await asyncio.to_thread(
            self.brain.first_delivery, "slack", "message", f"{team}:{channel}:{ts}"
        ):
            return
        user = str(event.get("user", ""))
        # In a channel the answer goes in the thread under the mention; in a DM it goes in the DM.
        thread = event.get("thread_ts") or (None if direct else ts)
        incoming = await self._incoming(
            client,
            Conversation("slack", team, channel, user, thread),
            text=plain_text_of(str(event.get("text") or ""), bot_user_id),
            files=event.get("files") or [],
            direct=direct,
        )
        incoming = await self._with_profile_photo(incoming, client)

        async def post(reply: Reply) -> None:
            await self.post_replies(
                [reply], channel=channel, thread=thread, user=user, direct=direct, client=client
            )

        notify = on_loop(asyncio.get_running_loop(), post)
        replies = await asyncio.to_thread(self.brain.handle, incoming, notify)
        await self.post_replies(
            replies, channel=channel, thread=thread, user=user, direct=direct, client=client
        )

    async def post_replies(
        self,
        replies: Sequence[Reply],
        *,
        channel: str,
        thread: str | None,
        user: str,
        direct: bool,
        client: AsyncWebClient | None = None,
    ) -> None:
        for reply in replies:
            ephemeral = reply.private and not direct
            await self._safe_post(
                channel=channel,
                user=user,
                thread=thread,
                ephemeral=ephemeral,
                payload=message_payload(reply),
                client=client,
            )
            if reply.images or reply.files:
                if ephemeral:
                    # Files cannot be ephemeral: a private reply's files go to the user's DM instead.
                    dm = await self._dm_channel(user, client=client)
                    if dm is not None:
                        await self._upload(reply, channel=dm, thread=None, client=client)
                else:
                    await self._upload(reply, channel=channel, thread=thread, client=client)

    async def _dm_channel(self, user: str, *, client: AsyncWebClient | None = None) -> str | None:
        try:
            opened = await (client or self.client).conversations_open(users=user)
        except SLACK_FAILURES as exc:
            log.warning("conversations.open failed", extra=_err(exc))
            return None
        channel = (opened.get("channel") or {}).get("id")
        return str(channel) if channel else None

    async def publish_home(
        self, team: str, user: str, channel: str, *, client: AsyncWebClient | None = None
    ) -> None:
        replies = await asyncio.to_thread(self.brain.home, Conversation("slack", team, channel, user))
        try:
            await (client or self.client).views_publish(user_id=user, view=home_view(replies))
        except SLACK_FAILURES as exc:
            log.warning("views.publish failed", extra=_err(exc))

    async def _safe_post(
        self,
        *,
        channel: str,
        user: str,
        thread: str | None,
        ephemeral: bool,
        payload: dict[str, Any],
        client: AsyncWebClient | None = None,
    ) -> bool:
        """Posts one reply; False (logged) when Slack refused it or did not answer."""
        client = client or self.client
        try:
            if ephemeral:
                await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, **payload)
            else:
                await client.chat_postMessage(channel=channel, thread_ts=thread, **payload)
        except SLACK_FAILURES as exc:
            log.warning("posting a reply failed", extra=_err(exc))
            return False
        return True

    async def _upload(
        self,
        reply: Reply,
        *,
        channel: str,
        thread: str | None,
        client: AsyncWebClient | None = None,
    ) -> None:
        client = client or self.client
        uploads = [
            {"file": image.data, "filename": image.filename, "title": image.alt or image.filename}
            | ({"alt_txt": image.alt} if image.alt else {})
            for image in reply.images
        ] + [
            {"file": file.data, "filename": file.filename, "title": file.title or file.filename}
            for file in reply.files
        ]
        what = "the suggested crop" if reply.images else "the file"
        try:
            await client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=thread)
        except (*SLACK_FAILURES, SlackRequestError) as exc:
            error = str(exc.response.get("error", "")) if isinstance(exc, SlackApiError) else ""
            log.warning("uploading a file failed", extra=_err(exc))
            reason = (
                "the Slack app is missing the files:write permission; ask a workspace admin to reinstall it"
                if error == "missing_scope"
                else f"Slack said {escape_mrkdwn(error)}"
                if error
                else "the upload failed; please try again"
            )
            await self._safe_post(
                channel=channel,
                user="",
                thread=thread,
                ephemeral=False,
                payload={"text": f"I couldn’t attach {what}: {reason}."},
                client=client,
            )

    # --- outdated photos ----------------------------------------------------------------------------

    def _sighting(self, member: Mapping[str, Any]) -> AvatarSighting | None:
        if member.get("is_bot") or member.get("deleted") or member.get("id") == "USLACKBOT":
            return None
        avatar = (member.get("profile") or {}).get("avatar_hash")
        if not avatar or not member.get("id"):
            return None
        return AvatarSighting(user=str(member["id"]), avatar_hash=str(avatar), seen_at=self.brain.clock())

    async def sweep_avatars(
        self, team: str, *, page_size: int = 200, client: AsyncWebClient | None = None
    ) -> int:
        """Records every member's current avatar (users.list, all pages, with `client`: that workspace's)
        when the workspace opted in.

        Returns how many sightings were recorded.
        """
        client = client or self.client
        if not await asyncio.to_thread(self.brain.photo_tracking_enabled, "slack", team):
            return 0
        sightings: list[AvatarSighting] = []
        cursor: str | None = None
        while True:
            response = await client.users_list(limit=page_size, cursor=cursor)
            for member in response.get("members") or []:
                sighting = self._sighting(member)
                if sighting is not None:
                    sightings.append(sighting)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        if sightings:
            await asyncio.to_thread(self.brain.record_avatar_sightings, "slack", team, sightings)
        return len(sightings)


async def _responded(respond: AsyncRespond, payload: dict[str, Any], *, private: bool) -> bool:
    """Answers through the interaction's response_url; False when that did not work (expired after
    30 minutes or 5 uses, or unreachable), so the caller can post through the Web API instead."""
    try:
        response = await respond(
            response_type="ephemeral" if private else "in_channel", replace_original=False, **payload
        )
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("response_url failed; posting instead", extra=_err(exc))
        return False
    if response.status_code != 200:
        log.warning(
            "response_url refused the answer; posting instead", extra={"status": response.status_code}
        )
        return False
    return True


REMOVAL_EVENTS = ("app_uninstalled", "tokens_revoked")


def forget_installation(
    store: AsyncInstallationStore,
) -> Callable[
    [AsyncBoltRequest, BoltResponse, Callable[[], Awaitable[BoltResponse]]], Awaitable[BoltResponse]
]:
    """A middleware (many workspaces): `app_uninstalled`, or `tokens_revoked` naming the bot, deletes the
    team's installation, so nothing is sent there with its dead token. A middleware rather than a listener:
    it runs whatever listener the app has for these events (Bolt runs only the first that matches)."""

    async def middleware(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        body = req.body
        event = body.get("event") if body.get("type") == "event_callback" else None
        if isinstance(event, Mapping) and event.get("type") in REMOVAL_EVENTS:
            context = req.context
            tokens = event.get("tokens") or {}
            if event.get("type") == "app_uninstalled" or tokens.get("bot"):
                await store.async_delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
                log.info("deleted a workspace's installation", extra={"slack_event": event.get("type")})
            for user in tokens.get("oauth") or []:
                await store.async_delete_installation(
                    enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=str(user)
                )
        return await next()

    return middleware


def _is_dm(event: Mapping[str, Any]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def _team_of(body: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def _err(exc: Exception) -> dict[str, Any]:
    error = ""
    if isinstance(exc, SlackApiError) and exc.response is not None:
        error = str(exc.response.get("error", ""))
    return {"error_type": type(exc).__name__, "slack_error": error}
