"""A fake Discord on 127.0.0.1: the REST API, a CDN route for attachments and a WebSocket gateway.

The real discord.py client runs against it unchanged (through `DISCORD_API_URL`): `GET /gateway/bot`
hands out the loopback gateway, which speaks HELLO / IDENTIFY / READY / GUILD_CREATE / heartbeats and
dispatches the events a test asks for (mentions, DMs, slash commands, button presses). Every REST call
is recorded, with multipart bodies split into their JSON payload and files, so tests assert on what the
bot really sent.

Discord details the fake keeps because discord.py depends on them:
- JSON bodies carry exactly `Content-Type: application/json` (discord.py compares with `==`).
- Gateway frames are TEXT JSON, so no zlib/zstd stream is needed even though the client asks for one.
- Interaction callbacks and webhook follow-ups are authorised by their token in the path, not by
  the bot token; every other REST route checks `Authorization: Bot <token>`.
- Without the MESSAGE_CONTENT intent a guild message that does not mention the bot arrives with
  empty content; DMs and mentions keep theirs.
- A connection asking for privileged intents the application is not allowed is closed with 4014.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 15) | (1 << 16) | (1 << 31)
)  # view, send, files, history, app commands
ALL_PERMISSIONS = (1 << 41) - 1

Json = dict[str, Any]
AttachmentLike = Json | Path | tuple[str, bytes] | tuple[str, bytes, str]
"""An attachment: `add_attachment`'s result, a local file, or (filename, bytes[, content type])."""
OptionValue = str | bool | int | Json | Path | tuple[str, bytes] | tuple[str, bytes, str]


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the /api/v10 prefix, e.g. "/channels/4000/messages"
    query: Mapping[str, str]
    json: Any  # the JSON body, or the `payload_json` part of a multipart body; None when there is none
    files: tuple[UploadedFile, ...] = ()
    authorization: str | None = None
    received_at: float = field(default_factory=time.monotonic)  # for benchmarks, never for assertions


@dataclass
class _Shard:
    socket: web.WebSocketResponse
    shard_id: int
    shard_count: int
    intents: int = 0
    sequence: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _error(status: int, message: str, code: int = 0) -> web.Response:
    return _json_response({"message": message, "code": code}, status)


class FakeDiscord:
    BOT_ID = "1000"
    APP_ID = "2000"
    GUILD_ID = "3000"  # on shard 0 of any shard count
    CHANNEL_ID = "4000"
    SECOND_GUILD_ID = str(1 << 22)  # on shard 1 of 2 (a guild's shard is (id >> 22) % shard count)
    SECOND_CHANNEL_ID = "4001"
    USER_ID = "5000"
    ADMIN_ID = "5001"

    def __init__(
        self,
        *,
        token: str = "fake-discord-token",
        privileged_intents_allowed: bool = True,
        shards: int = 1,
        heartbeat_interval_ms: int = 41250,
        forbidden_dm_users: Iterable[str] = (),
        send_guild_create: bool = True,
        guilds: Iterable[str] = (GUILD_ID,),
        guild_locale: str = "en-US",
        guild_features: Iterable[str] = (),
    ) -> None:
        self.token = token
        self.privileged_intents_allowed = privileged_intents_allowed
        self.recommended_shards = shards
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.forbidden_dm_users = set(forbidden_dm_users)
        self.send_guild_create = send_guild_create  # False: the server stays "unavailable", as in an outage
        self.guild_ids = list(guilds)
        self.guild_locale = guild_locale
        self.guild_features = list(guild_features)  # "COMMUNITY": its preferred locale was chosen
        self.requests: list[RecordedRequest] = []
        self.identifies: list[Json] = []
        self.resumes: list[Json] = []
        self.messages: dict[str, Json] = {}  # every message the bot created, by id
        self.sent_messages: dict[str, Json] = {}  # every message a test sent as a user, by id
        self.commands: list[Json] = []  # the last synced application commands
        self.users: dict[str, Json] = {
            self.USER_ID: self.user_payload(self.USER_ID, "alex"),
            self.ADMIN_ID: self.user_payload(self.ADMIN_ID, "sam"),
        }
        self._files: dict[str, tuple[bytes, str]] = {}
        self.member_avatars: dict[str, str] = {}  # user id → their avatar hash on GUILD_ID only
        self.avatar_downloads: list[str] = []  # CDN paths of the avatars the bot fetched
        self._rate_limits: list[tuple[str, str, float]] = []  # (method, path part, retry after seconds)
        self._failures: list[tuple[str, str, web.Response]] = []
        self._ids = itertools.count(900_000)
        self._shards: list[_Shard] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{path:.*}", self._cdn)
        app.router.add_get("/avatars/{path:.*}", self._avatar_cdn)
        app.router.add_get("/guilds/{path:.*}", self._avatar_cdn)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets, "the fake Discord did not start listening"
        self.port = int(sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for shard in self._shards:
            await shard.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- payload builders ---------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    @staticmethod
    def user_payload(user_id: str, name: str, *, bot: bool = False, avatar: str | None = None) -> Json:
        return {
            "id": user_id,
            "username": name,
            "global_name": name,
            "discriminator": "0",
            "avatar": avatar,
            "bot": bot,
            "public_flags": 0,
        }

    @property
    def bot_user(self) -> Json:
        return self.user_payload(self.BOT_ID, "headshot-bot", bot=True)

    def member_payload(self, user_id: str, *, permissions: int | None = None) -> Json:
        member: Json = {
            "user": self.users[user_id],
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        if user_id in self.member_avatars:
            member["avatar"] = self.member_avatars[user_id]
        return member

    def set_avatar(self, user_id: str, data: bytes | None, *, server_only: bool = False) -> str | None:
        """The user's profile picture on the fake CDN, account-wide or (`server_only`) for GUILD_ID; None
        is Discord's default avatar (no hash). Returns the hash; sends no gateway event."""
        if data is None:
            if server_only:
                self.member_avatars.pop(user_id, None)
            else:
                self.users[user_id] = {**self.users[user_id], "avatar": None}
            return None
        avatar_hash = f"{self.new_id():0>32}"
        if server_only:
            self.member_avatars[user_id] = avatar_hash
            path = f"guilds/{self.GUILD_ID}/users/{user_id}/avatars/{avatar_hash}.png"
        else:
            self.users[user_id] = {**self.users[user_id], "avatar": avatar_hash}
            path = f"avatars/{user_id}/{avatar_hash}.png"
        self._files[path] = (data, "image/png")
        return avatar_hash

    def dm_channel_id(self, user_id: str) -> str:
        return f"7{user_id}"

    def channel_of(self, guild_id: str) -> str:
        """Each server has one text channel."""
        if guild_id == self.GUILD_ID:
            return self.CHANNEL_ID
        return self.SECOND_CHANNEL_ID if guild_id == self.SECOND_GUILD_ID else str(int(guild_id) + 1)

    def guild_payload(self, guild_id: str | None = None) -> Json:
        guild_id = guild_id or self.GUILD_ID
        return {
            "id": guild_id,
            "name": "Headshot Test Server",
            "icon": None,
            "owner_id": self.ADMIN_ID,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": self.guild_locale,
            "features": list(self.guild_features),
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": [
                {
                    "id": self.channel_of(guild_id),
                    "type": 0,
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                }
            ],
            "members": [
                self.member_payload(self.USER_ID),
                self.member_payload(self.ADMIN_ID),
                self._bot_member(),
            ],
            "member_count": 3,
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": _now(),
        }

    def _bot_member(self) -> Json:
        return {
            "user": self.bot_user,
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def _attachments(self, given: Iterable[AttachmentLike]) -> list[Json]:
        attachments: list[Json] = []
        for item in given:
            if isinstance(item, Path):
                guessed = mimetypes.guess_type(item.name)[0]
                attachments.append(self.add_attachment(item.name, item.read_bytes(), guessed))
            elif isinstance(item, tuple):
                filename, data, *rest = item
                content_type = rest[0] if rest else mimetypes.guess_type(filename)[0]
                attachments.append(self.add_attachment(filename, data, content_type))
            else:
                attachments.append(item)
        return attachments

    def add_attachment(self, filename: str, data: bytes, content_type: str | None = None) -> Json:
        """Serves `data` from the fake CDN and returns the attachment object Discord would send."""
        if content_type is None:
            content_type = mimetypes.guess_type(filename)[0]  # as Discord sets it from the upload
        attachment_id = self.new_id()
        path = f"{self.CHANNEL_ID}/{attachment_id}/{filename}"
        self._files[path] = (data, content_type or "application/octet-stream")
        url = f"{self.base_url}/attachments/{path}"
        payload: Json = {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
        }
        if content_type is not None:
            payload["content_type"] = content_type
        return payload

    def rate_limit_next(self, method: str, path_contains: str, retry_after: float = 0.05) -> None:
        """The next matching REST call gets a 429 with Discord's headers, as a busy bucket would."""
        self._rate_limits.append((method.upper(), path_contains, retry_after))

    def fail_next(
        self, method: str, path_contains: str, status: int, code: int = 0, message: str = ""
    ) -> None:
        """The next matching REST call fails with this status and Discord error code."""
        self._failures.append((method.upper(), path_contains, _error(status, message or f"{status}", code)))

    # --- gateway events a test sends ----------------------------------------------------------------

    async def send_mention(
        self,
        text: str,
        *,
        attachments: Iterable[AttachmentLike] = (),
        user_id: str | None = None,
        channel_id: str | None = None,
        guild_id: str | None = None,
    ) -> str:
        """A guild channel message that mentions the bot (`<@BOT_ID> text`); returns the message id."""
        return await self.send_guild_message(
            f"<@{self.BOT_ID}> {text}",
            mentions_bot=True,
            attachments=attachments,
            user_id=user_id,
            channel_id=channel_id,
            guild_id=guild_id,
        )

    async def send_guild_message(
        self,
        content: str,
        *,
        mentions_bot: bool = False,
        attachments: Iterable[AttachmentLike] = (),
        user_id: str | None = None,
        channel_id: str | None = None,
        guild_id: str | None = None,
    ) -> str:
        user_id = user_id or self.USER_ID
        guild_id = guild_id or self.GUILD_ID
        message = self._message_payload(
            channel_id or self.channel_of(guild_id),
            self.users[user_id],
            content,
            self._attachments(attachments),
            guild_id=guild_id,
        )
        message["member"] = {k: v for k, v in self.member_payload(user_id).items() if k != "user"}
        if mentions_bot:
            message["mentions"] = [{**self.bot_user, "member": self._bot_member()}]
        await self._dispatch_message(message, mentions_bot=mentions_bot, guild_id=guild_id)
        return str(message["id"])

    async def send_dm(
        self, text: str, *, attachments: Iterable[AttachmentLike] = (), user_id: str | None = None
    ) -> str:
        user_id = user_id or self.USER_ID
        message = self._message_payload(
            self.dm_channel_id(user_id),
            self.users[user_id],
            text,
            self._attachments(attachments),
            guild_id=None,
        )
        await self._dispatch_message(message, mentions_bot=False, guild_id=None)
        return str(message["id"])

    def _message_payload(
        self, channel_id: str, author: Json, content: str, attachments: list[Json], *, guild_id: str | None
    ) -> Json:
        message: Json = {
            "id": self.new_id(),
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if guild_id is not None:
            message["guild_id"] = guild_id
        return message

    async def _dispatch_message(self, message: Json, *, mentions_bot: bool, guild_id: str | None) -> None:
        self.sent_messages[str(message["id"])] = message  # whole: a message command resolves it so
        shard = self._shard_for(guild_id)
        if guild_id is not None and not mentions_bot and not shard.intents & INTENT_MESSAGE_CONTENT:
            # Discord's rule for bots without the message content intent.
            message = {**message, "content": "", "attachments": [], "embeds": [], "components": []}
        await self._send(shard, "MESSAGE_CREATE", message)

    async def send_slash_command(
        self,
        subcommand: str,
        options: Mapping[str, OptionValue] | None = None,
        *,
        user_id: str | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        in_dm: bool = False,
        command: str = "headshot",
        locale: str = "en-US",
        context: int | None = None,
        user_install: bool = False,
        **named_options: OptionValue,
    ) -> tuple[str, str]:
        """`/headshot <subcommand> option:value ...`, options as a mapping or as keywords
        (`send_slash_command("ask", question="…")`). An attachment option is `add_attachment`'s result,
        a path, or `(filename, bytes[, content type])`. `subcommand` may name a group ("admin
        track-photos") and may start with the command ("/headshot ask"). Returns (interaction id, token).
        """
        words = subcommand.lstrip("/").split()
        if words and words[0] == command:
            words = words[1:]
        subcommand = " ".join(words)
        leaf_options: list[Json] = []
        resolved_attachments: dict[str, Json] = {}
        for name, value in {**(options or {}), **named_options}.items():
            if isinstance(value, (Path, tuple)):
                value = self._attachments([value])[0]
            if isinstance(value, dict):
                resolved_attachments[value["id"]] = value
                leaf_options.append({"name": name, "type": 11, "value": value["id"]})
            elif isinstance(value, bool):
                leaf_options.append({"name": name, "type": 5, "value": value})
            elif isinstance(value, int):
                leaf_options.append({"name": name, "type": 4, "value": value})
            else:
                leaf_options.append({"name": name, "type": 3, "value": value})
        nested = leaf_options
        parts = subcommand.split()
        for depth, part in enumerate(reversed(parts)):
            kind = 1 if depth == 0 else 2  # subcommand, then subcommand group
            nested = [{"name": part, "type": kind, "options": nested}]
        data: Json = {"id": "6000", "name": command, "type": 1, "options": nested}
        if resolved_attachments:
            data["resolved"] = {"attachments": resolved_attachments}
        return await self._send_interaction(
            2,
            data,
            user_id or self.USER_ID,
            permissions,
            in_dm or bool(context),
            None,
            locale=locale,
            context=context,
            user_install=user_install,
        )

    async def send_message_command(
        self,
        name: str,
        message_id: str,
        *,
        user_id: str | None = None,
        context: int = 0,
        user_install: bool = False,
    ) -> tuple[str, str]:
        """A message command (right-click a message → Apps → `name`) on a message sent earlier with
        `send_guild_message` / `send_mention` (its payload is resolved, as Discord sends it)."""
        message = self.sent_messages[message_id]
        data: Json = {
            "id": "6001",
            "name": name,
            "type": 3,
            "target_id": message_id,
            "resolved": {"messages": {message_id: message}},
        }
        return await self._send_interaction(
            2,
            data,
            user_id or self.USER_ID,
            MEMBER_PERMISSIONS,
            context != 0,
            None,
            context=context,
            user_install=user_install,
        )

    async def send_autocomplete(
        self,
        subcommand: str,
        focused: str,
        typed: str,
        *,
        user_id: str | None = None,
        in_dm: bool = False,
        **other_options: str | int,
    ) -> tuple[str, str]:
        """The user typing `typed` into option `focused` of `/headshot <subcommand>` (type 4)."""
        options: list[Json] = [
            {"name": name, "type": 4 if isinstance(value, int) else 3, "value": value}
            for name, value in other_options.items()
        ]
        options.append({"name": focused, "type": 3, "value": typed, "focused": True})
        nested = options
        for depth, part in enumerate(reversed(subcommand.split())):
            nested = [{"name": part, "type": 1 if depth == 0 else 2, "options": nested}]
        data: Json = {"id": "6000", "name": "headshot", "type": 1, "options": nested}
        return await self._send_interaction(4, data, user_id or self.USER_ID, MEMBER_PERMISSIONS, in_dm, None)

    async def press_button(
        self,
        custom_id: str,
        *,
        user_id: str | None = None,
        permissions: int = MEMBER_PERMISSIONS,
    ) -> tuple[str, str]:
        """Clicks the button with `custom_id` on the newest bot message that carries it."""
        for message in reversed(list(self.messages.values())):
            if custom_id in json.dumps(message.get("components", [])):
                break
        else:
            raise AssertionError(f"no message from the bot has a button {custom_id!r}")
        data: Json = {"custom_id": custom_id, "component_type": 2}
        in_dm = "guild_id" not in message
        return await self._send_interaction(3, data, user_id or self.USER_ID, permissions, in_dm, message)

    async def _send_interaction(
        self,
        kind: int,
        data: Json,
        user_id: str,
        permissions: int,
        in_dm: bool,
        message: Json | None,
        *,
        locale: str = "en-US",
        context: int | None = None,
        user_install: bool = False,
    ) -> tuple[str, str]:
        """`context`: 0 a server, 1 a DM with the bot, 2 another private channel (a group DM, a DM between
        people: only with a user install). `user_install`: the user installed the app, not the server."""
        interaction_id = self.new_id()
        context = (1 if in_dm else 0) if context is None else context
        owners: Json = {"1": user_id} if in_dm or user_install or context else {"0": self.GUILD_ID}
        if user_install and context == 0:
            owners = {"1": user_id}  # a server that did not add the bot
        token = f"itoken-{interaction_id}"
        payload: Json = {
            "id": interaction_id,
            "application_id": self.APP_ID,
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,  # the user's client language
            "app_permissions": str(ALL_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": owners,
            "context": context,
            "attachment_size_limit": 10 * 2**20,
        }
        if context == 2:
            channel_id = "8000"  # a group DM the bot is not in
            payload["user"] = self.users[user_id]
            payload["channel_id"] = channel_id
            payload["channel"] = {"id": channel_id, "type": 3, "recipients": list(self.users.values())}
        elif in_dm:
            channel_id = self.dm_channel_id(user_id)
            payload["user"] = self.users[user_id]
            payload["channel_id"] = channel_id
            payload["channel"] = {"id": channel_id, "type": 1, "recipients": [self.users[user_id]]}
        else:
            payload["guild_id"] = self.GUILD_ID
            payload["guild_locale"] = self.guild_locale
            payload["channel_id"] = self.CHANNEL_ID
            payload["channel"] = {
                "id": self.CHANNEL_ID,
                "type": 0,
                "name": "general",
                "guild_id": self.GUILD_ID,
                "position": 0,
                "permission_overwrites": [],
                "permissions": str(permissions),
            }
            payload["member"] = self.member_payload(user_id, permissions=permissions)
        if message is not None:
            payload["message"] = message
        await self._send(self._shard_for(None if in_dm else self.GUILD_ID), "INTERACTION_CREATE", payload)
        return interaction_id, token

    async def update_member_avatar(
        self, user_id: str, avatar_hash: str, *, server_only: bool = False
    ) -> None:
        """The user changed their profile photo, account-wide or (`server_only`) just for this server
        (GUILD_MEMBER_UPDATE; the bot gets it only with the members intent)."""
        if not server_only:
            self.users[user_id] = {**self.users[user_id], "avatar": avatar_hash}
        member = self.member_payload(user_id)
        member["guild_id"] = self.GUILD_ID
        if server_only:
            member["avatar"] = avatar_hash
        await self._send(self._shard_for(self.GUILD_ID), "GUILD_MEMBER_UPDATE", member)

    async def dispatch(self, event: str, data: Json, *, guild_id: str | None = None) -> None:
        await self._send(self._shard_for(guild_id), event, data)

    # --- waiting and looking ------------------------------------------------------------------------

    async def wait_until_ready(self, timeout: float = 10, *, shards: Iterable[int] | None = None) -> None:
        """Until every shard (or the given ones) has identified and received READY and GUILD_CREATE."""

        def all_ready() -> bool:
            ready = {s.shard_id for s in self._shards if s.ready.is_set()}
            if shards is not None:
                return set(shards) <= ready
            expected = self._shards[0].shard_count if self._shards else 1
            return len(ready) >= expected

        await self._wait(all_ready, timeout, "the bot to connect to the gateway")

    async def wait_for_request(
        self,
        method: str,
        path_contains: str,
        timeout: float = 10,
        *,
        since: int = 0,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        """The first recorded request (from index `since`) with this method and a path containing the text."""

        def find() -> RecordedRequest | None:
            for request in self.requests[since:]:
                if (
                    request.method == method.upper()
                    and path_contains in request.path
                    and (where is None or where(request))
                ):
                    return request
            return None

        await self._wait(lambda: find() is not None, timeout, f"{method} …{path_contains}…")
        found = find()
        assert found is not None
        return found

    def requests_to(self, method: str, path_contains: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and path_contains in r.path]

    async def _wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
            except TimeoutError:
                seen = [f"{r.method} {r.path}" for r in self.requests]
                raise AssertionError(f"timed out waiting for {what}; requests so far: {seen}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- gateway ------------------------------------------------------------------------------------

    def _shard_for(self, guild_id: str | None) -> _Shard:
        live = [s for s in self._shards if not s.socket.closed and s.ready.is_set()]
        if not live:
            raise AssertionError("the bot is not connected to the fake gateway")
        wanted = 0 if guild_id is None else (int(guild_id) >> 22) % live[0].shard_count
        for shard in live:
            if shard.shard_id == wanted:
                return shard
        if guild_id is None:
            return live[0]  # Discord sends DMs on shard 0; with it elsewhere, any connection stands in
        raise AssertionError(f"no connected shard serves guild {guild_id} (shard {wanted})")

    async def _send(self, shard: _Shard, event: str, data: Json) -> None:
        shard.sequence += 1
        await shard.socket.send_json({"op": 0, "t": event, "s": shard.sequence, "d": data})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        shard: _Shard | None = None
        async for frame in socket:
            if frame.type != web.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            op = message.get("op")
            if op == 1:
                await socket.send_json({"op": 11})
            elif op == 2:
                shard = await self._identify(socket, message["d"])
                if shard is None:
                    break
            elif op == 6:
                shard = await self._resume(socket, message["d"])
                if shard is None:
                    break
        if shard is not None:
            shard.ready.clear()
        await self._notify()
        return socket

    async def _resume(self, socket: web.WebSocketResponse, data: Json) -> _Shard | None:
        """RESUME on a new connection: the same session continues, as after a network blip."""
        self.resumes.append({k: v for k, v in data.items() if k != "token"})
        previous = next((s for s in self._shards if f"session-{s.shard_id}" == data.get("session_id")), None)
        if previous is None or data.get("token") not in (self.token, f"Bot {self.token}"):
            await socket.send_json({"op": 9, "d": False})  # invalid session: identify again
            return None
        shard = _Shard(socket, previous.shard_id, previous.shard_count, previous.intents, previous.sequence)
        self._shards = [s for s in self._shards if s.shard_id != shard.shard_id] + [shard]
        await self._send(shard, "RESUMED", {})
        shard.ready.set()
        await self._notify()
        return shard

    async def drop_connections(self) -> None:
        """Closes every gateway connection the way a network failure or a Discord restart would."""
        for shard in list(self._shards):
            shard.ready.clear()
            await shard.socket.close(code=4000, message=b"Unknown error")
        await self._notify()

    async def _identify(self, socket: web.WebSocketResponse, data: Json) -> _Shard | None:
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        if data.get("token") not in (self.token, f"Bot {self.token}"):
            await socket.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS and not self.privileged_intents_allowed:
            await socket.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        shard = _Shard(socket, shard_id, shard_count, intents)
        self._shards = [s for s in self._shards if s.shard_id != shard_id] + [shard]
        in_shard = [g for g in self.guild_ids if (int(g) >> 22) % shard_count == shard_id]
        await self._send(
            shard,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": guild_id, "unavailable": True} for guild_id in in_shard],
                "session_id": f"session-{shard_id}",
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": self.APP_ID, "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        if self.send_guild_create:
            for guild_id in in_shard:
                await self._send(shard, "GUILD_CREATE", self.guild_payload(guild_id))
        shard.ready.set()
        await self._notify()
        return shard

    # --- REST ---------------------------------------------------------------------------------------

    async def _cdn(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.requests.append(RecordedRequest("GET", f"/attachments/{path}", dict(request.query), None))
        await self._notify()
        found = self._files.get(path)
        if found is None:
            return web.Response(status=404, text="not found")
        data, content_type = found
        return web.Response(body=data, headers={"Content-Type": content_type})

    async def _avatar_cdn(self, request: web.Request) -> web.Response:
        path = request.path.lstrip("/")
        self.avatar_downloads.append(request.path_qs)
        self.requests.append(RecordedRequest("GET", request.path, dict(request.query), None))
        await self._notify()
        found = self._files.get(path)
        if found is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=found[0], headers={"Content-Type": found[1]})

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body, files = await self._read_body(request)
        recorded = RecordedRequest(
            request.method,
            path,
            dict(request.query),
            body,
            tuple(files),
            request.headers.get("Authorization"),
        )
        self.requests.append(recorded)
        try:
            return await self._answer(recorded)
        finally:
            await self._notify()

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    payload = json.loads(bytes(data))
                else:
                    files.append(
                        UploadedFile(
                            part.name or "",
                            part.filename or "",
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(data),
                        )
                    )
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    async def _answer(self, request: RecordedRequest) -> web.StreamResponse:
        path, method = request.path, request.method
        for failure in self._failures:
            if failure[0] == method and failure[1] in path:
                self._failures.remove(failure)
                return failure[2]
        for limit in self._rate_limits:
            if limit[0] == method and limit[1] in path:
                self._rate_limits.remove(limit)
                return self._too_many_requests(limit[2])
        parts = path.strip("/").split("/")
        token_routes = parts[0] in ("interactions", "webhooks")
        if not token_routes and request.authorization != f"Bot {self.token}":
            return _error(401, "401: Unauthorized")
        if method == "GET" and path == "/users/@me":
            return _json_response(self.bot_user)
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json_response(self._application())
        if method == "GET" and path in ("/gateway/bot", "/gateway"):
            return _json_response(
                {
                    "url": self.gateway_url,
                    "shards": self.recommended_shards,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 14_400_000,
                        "max_concurrency": 1,
                    },
                }
            )
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            # As Discord answers: a message command gets an empty description.
            self.commands = [
                {"description": "", **c, "id": self.new_id(), "application_id": self.APP_ID}
                for c in request.json
            ]
            return _json_response(self.commands)
        if method == "POST" and path == "/users/@me/channels":
            recipient = str(request.json["recipient_id"])
            user = self.users.get(recipient)
            if user is None:
                return _error(400, "Invalid Recipient(s)", 50033)
            return _json_response({"id": self.dm_channel_id(recipient), "type": 1, "recipients": [user]})
        if method == "GET" and len(parts) == 2 and parts[0] == "users":
            user = self.users.get(parts[1])
            return _json_response(user) if user else _error(404, "Unknown User", 10013)
        if parts[0] == "channels" and len(parts) == 3 and parts[2] == "typing":
            return web.Response(status=204)
        if method == "POST" and parts[0] == "channels" and len(parts) == 3 and parts[2] == "messages":
            channel_id = parts[1]
            if channel_id in {self.dm_channel_id(u) for u in self.forbidden_dm_users}:
                return _error(403, "Cannot send messages to this user", 50007)
            return _json_response(self._store_message(channel_id, request))
        if method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            return _json_response(self._interaction_callback(parts[1], request))
        if parts[0] == "webhooks":
            return self._webhook(method, parts, request)
        return _error(404, f"404: Not Found ({method} {path})")

    def _too_many_requests(self, retry_after: float) -> web.Response:
        response = _json_response(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}, 429
        )
        response.headers.update(
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(retry_after),
                "X-RateLimit-Bucket": "fake-bucket",
                "X-RateLimit-Scope": "user",
                # discord.py treats a 429 without Via as a Cloudflare ban and gives up, as it should.
                "Via": "1.1 google",
            }
        )
        return response

    def _application(self) -> Json:
        return {
            "id": self.APP_ID,
            "name": "headshot-bot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.users[self.ADMIN_ID],
            "verify_key": "0" * 64,
            "flags": 0,
        }

    def _store_message(self, channel_id: str, request: RecordedRequest, *, flags: int = 0) -> Json:
        body = request.json or {}
        message_id = self.new_id()
        attachments = [
            {
                "id": self.new_id(),
                "filename": f.filename,
                "size": len(f.data),
                "url": f"{self.base_url}/attachments/{channel_id}/{message_id}/{f.filename}",
                "proxy_url": f"{self.base_url}/attachments/{channel_id}/{message_id}/{f.filename}",
                "content_type": f.content_type,
            }
            for f in request.files
        ]
        message: Json = {
            "id": message_id,
            "channel_id": channel_id,
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": flags | int(body.get("flags") or 0),
        }
        if channel_id == self.CHANNEL_ID:
            message["guild_id"] = self.GUILD_ID
        self.messages[message_id] = message
        return message

    def _interaction_callback(self, interaction_id: str, request: RecordedRequest) -> Json:
        body = request.json or {}
        kind = int(body.get("type", 0))
        flags = int((body.get("data") or {}).get("flags") or 0)
        result: Json = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            },
            "resource": {"type": kind},
        }
        if kind in (4, 7):
            message = self._store_message(self.CHANNEL_ID, request, flags=flags)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"]["message"] = message
        return result

    def _webhook(self, method: str, parts: list[str], request: RecordedRequest) -> web.StreamResponse:
        # /webhooks/{app}/{token}[/messages/{id}]
        if method == "POST" and len(parts) == 3:
            message = self._store_message(self.CHANNEL_ID, request)
            message["webhook_id"] = self.APP_ID
            message["application_id"] = self.APP_ID
            return _json_response(message)
        if len(parts) == 5 and parts[3] == "messages":
            if method == "DELETE":
                return web.Response(status=204)
            message = self._store_message(self.CHANNEL_ID, request)
            return _json_response(message)
        return _error(404, "Unknown Webhook", 10015)
