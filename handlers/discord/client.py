"""The Discord adapter: turns gateway events into the core's values, calls the brain, sends the replies.

Only platform work happens here — who is talking where, downloading attachments safely, deferring
interactions within Discord's 3 seconds, choosing ephemeral/DM delivery, and sending embeds. What
to answer is always the brain's decision (called in a worker thread: it is synchronous and may be slow).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.attachments import fetch_attachment, not_an_image_problem, trusted_origins
from bot.commands import action_wants_profile_photo, wants_profile_photo
from bot.messages import ActionEvent, Attachment, Conversation, Incoming, Origin, ProfilePhoto, Reply
from bot.notify import on_loop
from bot.reminders.service import AvatarSighting
from bot.runtime import Runtime
from handlers.discord.commands import build_headshot_group, build_review_menu
from handlers.discord.render import ActionButton, OutgoingMessage, render_reply
from handlers.discord.settings import DiscordSettings

log = logging.getLogger("headshot.discord")

DISCORD_CDN_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")
PLATFORM = "discord"

AfterCommand = Callable[[discord.Interaction[Any], Mapping[str, Any]], Awaitable[None]]


def privileged_intents() -> discord.Intents:
    """Message content (read every message, not only mentions and DMs) and server members (avatar
    changes for the outdated-photo suggestions). Both must be switched on in the Developer Portal."""
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    return intents


def basic_intents() -> discord.Intents:
    return discord.Intents.default()


# The bot never joins voice channels; discord.py's warnings about missing voice libraries are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class HeadshotClient(discord.Client):
    headshot_adapter: DiscordBot | None = None


class ShardedHeadshotClient(discord.AutoShardedClient):
    headshot_adapter: DiscordBot | None = None


class DiscordBot:
    def __init__(
        self,
        runtime: Runtime,
        settings: DiscordSettings,
        *,
        intents: discord.Intents,
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        options: dict[str, Any] = {
            "intents": intents,
            # The bot repeats what users typed; it must never ping @everyone, roles or people by doing so.
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        self.client: discord.Client
        shards = settings.shards
        if shards.ids is not None:
            self.client = ShardedHeadshotClient(
                shard_count=shards.count, shard_ids=list(shards.ids), **options
            )
        elif shards.sharded:
            self.client = ShardedHeadshotClient(shard_count=shards.count, **options)
        else:
            self.client = HeadshotClient(**options)
        self.client.headshot_adapter = self
        # What the Discord side does after the core answered a slash command (by the command's name).
        self.after_command: dict[str, AfterCommand] = {"admin track-photos": self._after_track_photos}
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self.client)
        self.tree.add_command(build_headshot_group(self))
        self.tree.add_command(build_review_menu(self))
        self.client.add_dynamic_items(ActionButton)
        # CDN downloads carry no token, so a local stand-in may serve them under any loopback name.
        self.allowed_origins = trusted_origins(
            DISCORD_CDN_HOSTS, settings.api_url, any_loopback_name=True
        ) + trusted_origins((), settings.cdn_setting, any_loopback_name=True)

        self.client.event(self.on_message)
        self.client.event(self.on_member_update)
        self.client.event(self.on_user_update)
        self.client.event(self.on_guild_available)
        self.client.event(self.on_guild_join)
        self.client.event(self.on_guild_remove)
        self.client.event(self.on_guild_unavailable)

    # --- start ------------------------------------------------------------------------------------

    async def start(self, token: str) -> None:
        await self.client.login(token)
        if self.settings.api_url:
            # A plain Client never asks /gateway/bot; asking keeps DISCORD_API_URL the only setting.
            _, gateway_url, _ = await self.client.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        await self._sync_commands()
        await self.client.connect(reconnect=True)

    async def _sync_commands(self) -> None:
        if not self.settings.shards.syncs_commands:
            log.info("slash commands are registered by the process that runs shard 0")
            return
        guild_id = self.settings.guild_id
        try:
            if guild_id:
                guild = discord.Object(id=int(guild_id))
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info(
                    "slash commands synced to one server", extra={"guild": guild_id, "count": len(synced)}
                )
            else:
                synced = await self.tree.sync()
                log.info("slash commands synced globally", extra={"count": len(synced)})
        except ValueError:
            log.error("DISCORD_GUILD_ID must be a server id (a number); slash commands were not synced")
        except discord.Forbidden:
            # Mentions and DMs still work without the commands, so this is not fatal.
            log.error(
                "Discord refused to register the slash commands: invite the bot with the "
                "applications.commands scope (and, with DISCORD_GUILD_ID, to that server)"
            )
        except discord.HTTPException as exc:
            log.error("registering the slash commands failed", extra={"status": exc.status, "code": exc.code})
        except Exception as exc:
            # Commands registered earlier keep working (interactions are matched by name), so serve on.
            log.error("registering the slash commands failed", extra={"error_type": type(exc).__name__})

    # --- messages: mentions and DMs ----------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        me = self.client.user
        if me is None:
            return
        guild_id = _guild_id_of(message)
        direct = guild_id is None
        if not direct and not self._mentions_me(message, me):
            return
        await _show_typing(message.channel)
        text = self._strip_mentions(message.content, me)
        attachments = tuple([await self.download(a) for a in message.attachments])
        author = message.author
        incoming = Incoming(
            conversation=conversation_for_channel(message.channel, guild_id, author),
            text=text,
            attachments=attachments,
            direct=direct,
            user_is_admin=isinstance(author, discord.Member) and author.guild_permissions.manage_guild,
            user_name=author.display_name,
            user_locale=server_locale(message.guild),
        )
        incoming = await self._with_profile_photo(incoming, author)
        log.info(
            "message received",
            extra={"platform": PLATFORM, "direct": direct, "attachments": len(attachments)},
        )

        async def interim(reply: Reply) -> None:
            await self._reply_to_message(message, [reply], direct=direct)

        notify = on_loop(asyncio.get_running_loop(), interim)
        replies = await asyncio.to_thread(self.runtime.brain.handle, incoming, notify)
        await self._reply_to_message(message, replies, direct=direct)

    def _mentions_me(self, message: discord.Message, me: discord.ClientUser) -> bool:
        if me.id in message.raw_mentions or any(user.id == me.id for user in message.mentions):
            return True
        guild_me = message.guild.me if message.guild else None
        own_roles = {role.id for role in guild_me.roles if role.managed} if guild_me else set()
        return any(role.id in own_roles for role in message.role_mentions)

    def _strip_mentions(self, content: str, me: discord.ClientUser) -> str:
        text = re.sub(rf"<@!?{me.id}>", " ", content)
        return re.sub(r"<@&\d+>", " ", text).strip()

    async def _reply_to_message(
        self, message: discord.Message, replies: Sequence[Reply], *, direct: bool
    ) -> None:
        first = True
        dms_open = True
        for reply in replies:
            for outgoing in render_reply(reply):
                try:
                    if reply.private and not direct:
                        if dms_open:
                            dms_open = await self._send_private(message, outgoing)
                    elif first and not direct:
                        await message.reply(**outgoing.send_kwargs(), mention_author=False)
                    else:
                        await message.channel.send(**outgoing.send_kwargs())
                except discord.HTTPException as exc:
                    log.warning("sending a reply failed", extra={"status": exc.status, "code": exc.code})
                    return
                except Exception as exc:
                    # Sent, but the answer could not be read back: the next part can still go out.
                    log.warning("unexpected answer to a sent reply", extra={"error_type": type(exc).__name__})
                first = False

    async def _send_private(self, message: discord.Message, outgoing: OutgoingMessage) -> bool:
        """A private reply to a server message goes to the user's DMs (no ephemeral messages exist there).
        False when the user's DMs are closed (they are told so in the channel, without the answer)."""
        try:
            await message.author.send(**outgoing.send_kwargs())
        except discord.Forbidden:
            await message.reply(
                "I tried to answer you privately, but your DMs are closed. Use `/headshot` here — "
                "its private answers are visible only to you.",
                mention_author=False,
            )
            return False
        return True

    async def download(self, attachment: discord.Attachment) -> Attachment:
        """An uploaded file as the core's Attachment; refusals become a friendly `problem`."""
        content_type = (attachment.content_type or "").split(";")[0].strip().lower() or None
        not_an_image = not_an_image_problem(attachment.filename, content_type)
        if not_an_image:
            return Attachment(filename=attachment.filename, content_type=content_type, problem=not_an_image)
        return await fetch_attachment(
            attachment.url,
            filename=attachment.filename,
            allowed=self.allowed_origins,
            content_type=content_type,
            declared_size=attachment.size,
        )

    # --- slash commands and buttons ----------------------------------------------------------------

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        *,
        ephemeral: bool,
        attachments: Sequence[discord.Attachment] = (),
    ) -> None:
        # Discord drops an interaction not answered within 3 seconds: defer before any slow work.
        if not await _defer(interaction, ephemeral=ephemeral):
            return
        files = tuple([await self.download(a) for a in attachments])
        incoming = Incoming(
            conversation=conversation_for_interaction(interaction),
            text=text,
            attachments=files,
            direct=interaction.guild is None,
            # Manage Server in this server, as Discord resolved it for the caller (never a role name).
            user_is_admin=interaction.guild_id is not None and interaction.permissions.manage_guild,
            user_name=interaction.user.display_name,
            user_locale=interaction.locale.value,  # the language the user's Discord client runs in
            origin=Origin.SLASH,
        )
        incoming = await self._with_profile_photo(incoming, interaction.user)
        log.info("slash command", extra={"platform": PLATFORM, "attachments": len(files)})

        async def interim(reply: Reply) -> None:
            await self.send_followups(interaction, [reply], deferred_ephemeral=ephemeral)

        notify = on_loop(asyncio.get_running_loop(), interim)
        replies = await asyncio.to_thread(self.runtime.brain.handle, incoming, notify)
        await self.send_followups(interaction, replies, deferred_ephemeral=ephemeral)

    async def review_message(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        """The "Review photo" message command: that message's images, reviewed for the user only."""
        if not await _defer(interaction, ephemeral=True):
            return
        files = tuple([await self.download(a) for a in message.attachments])
        incoming = Incoming(
            conversation=conversation_for_interaction(interaction),
            text="",
            attachments=files,
            direct=interaction.guild_id is None,
            user_name=interaction.user.display_name,
            user_locale=interaction.locale.value,
            origin=Origin.CONTEXT_MENU,
        )
        log.info("message command", extra={"platform": PLATFORM, "attachments": len(files)})

        async def interim(reply: Reply) -> None:
            await self.send_followups(interaction, [reply], deferred_ephemeral=True)

        notify = on_loop(asyncio.get_running_loop(), interim)
        replies = await asyncio.to_thread(self.runtime.brain.handle, incoming, notify)
        await self.send_followups(interaction, replies, deferred_ephemeral=True)

    async def suggest(
        self, interaction: discord.Interaction[Any], kind: str, typed: str
    ) -> list[tuple[str, str]]:
        """Autocomplete choices for an option, from the core."""
        return await asyncio.to_thread(
            self.runtime.brain.suggest,
            kind,
            typed,
            conversation_for_interaction(interaction),
            locale=interaction.locale.value,
        )

    async def profile_photo(self, user: discord.User | discord.Member) -> ProfilePhoto:
        """The user's avatar as people see it here: their server avatar when they set one, else their
        account avatar; none of their own when Discord shows a default one."""
        guild_avatar = user.guild_avatar if isinstance(user, discord.Member) else None
        asset = guild_avatar or user.avatar
        where = "on this server" if guild_avatar is not None else "on Discord"
        if asset is None:
            return ProfilePhoto(None, where)
        url = asset.replace(size=1024, format="png").url
        if url.startswith(discord.Asset.BASE):
            url = self.settings.cdn_url + url.removeprefix(discord.Asset.BASE)
        photo = await fetch_attachment(
            url, filename="discord-avatar.png", allowed=self.allowed_origins, content_type="image/png"
        )
        return ProfilePhoto(photo, where)

    async def _with_profile_photo(self, incoming: Incoming, user: discord.User | discord.Member) -> Incoming:
        if not wants_profile_photo(incoming):
            return incoming
        return replace(incoming, profile_photo=await self.profile_photo(user))

    async def handle_button(self, interaction: discord.Interaction[Any], action_id: str, value: str) -> None:
        # A button's answer concerns whoever pressed it, so it is ephemeral.
        if not await _defer(interaction, ephemeral=True):
            return
        event = ActionEvent(
            conversation=conversation_for_interaction(interaction),
            action_id=action_id,
            value=value,
            profile_photo=(
                await self.profile_photo(interaction.user) if action_wants_profile_photo(action_id) else None
            ),
        )
        log.info("button pressed", extra={"platform": PLATFORM, "action": action_id})
        replies = await asyncio.to_thread(self.runtime.brain.handle_action, event)
        await self.send_followups(interaction, replies, deferred_ephemeral=True)

    async def send_followups(
        self, interaction: discord.Interaction[Any], replies: Sequence[Reply], *, deferred_ephemeral: bool
    ) -> None:
        """Sends the replies after a defer. The first follow-up replaces the "thinking…" message and keeps
        the defer's visibility, so a private reply after a public defer first removes that message."""
        first = True
        for reply in replies:
            ephemeral = deferred_ephemeral or reply.private
            for outgoing in render_reply(reply):
                try:
                    if first and ephemeral and not deferred_ephemeral:
                        await interaction.delete_original_response()
                    await interaction.followup.send(**outgoing.send_kwargs(), ephemeral=ephemeral)
                except discord.HTTPException as exc:
                    log.warning("sending a follow-up failed", extra={"status": exc.status, "code": exc.code})
                    return
                except Exception as exc:
                    log.warning("unexpected answer to a follow-up", extra={"error_type": type(exc).__name__})
                first = False

    # --- avatar sightings for the outdated-photo suggestions ---------------------------------------

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        # A new account-wide avatar also arrives as on_user_update, which records it; here only the
        # server-specific avatar counts, so one change is one sighting.
        if before.guild_avatar != after.guild_avatar:
            await self._record_sightings(after.guild.id, [after])

    async def on_user_update(self, before: discord.User, after: discord.User) -> None:
        if before.avatar == after.avatar:
            return
        for guild in after.mutual_guilds:
            member = guild.get_member(after.id)
            if member is not None:
                await self._record_sightings(guild.id, [member])

    async def _after_track_photos(
        self, interaction: discord.Interaction[Any], values: Mapping[str, Any]
    ) -> None:
        if values.get("state") == "on" and interaction.guild is not None:
            await self.record_server_avatars(interaction.guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._server_back(guild)
        await self.record_server_avatars(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._server_back(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked, banned or the server deleted: its data is deleted now (PRIVACY.md)."""
        await self._server_left(guild, reason="guild_remove", grace=False)

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        """An outage, not a removal: the server's data is kept for a grace period, deliveries wait."""
        await self._server_left(guild, reason="guild_unavailable", grace=True)

    async def _server_left(self, guild: discord.Guild, *, reason: str, grace: bool) -> None:
        try:
            await asyncio.to_thread(
                self.runtime.brain.workspace_left, PLATFORM, str(guild.id), reason=reason, grace=grace
            )
        except Exception:
            log.exception("forgetting a server the bot left failed", extra={"guild": str(guild.id)})

    async def _server_back(self, guild: discord.Guild) -> None:
        try:
            await asyncio.to_thread(self.runtime.brain.workspace_back, PLATFORM, str(guild.id))
        except Exception:
            log.exception("marking a server as back failed", extra={"guild": str(guild.id)})

    async def record_server_avatars(self, guild: discord.Guild) -> None:
        """A sighting of every member's current avatar: photos that never change send no update event,
        so they are seen at every start and when a server opts in."""
        if guild.members:
            await self._record_sightings(guild.id, guild.members)

    async def _record_sightings(self, guild_id: int, members: Sequence[discord.Member]) -> None:
        brain = self.runtime.brain
        workspace = str(guild_id)
        try:
            if not await asyncio.to_thread(brain.photo_tracking_enabled, PLATFORM, workspace):
                return
            seen_at: datetime = brain.clock()
            sightings = [
                AvatarSighting(user=str(m.id), avatar_hash=m.display_avatar.key, seen_at=seen_at)
                for m in members
                if not m.bot and (m.guild_avatar or m.avatar) is not None
            ]
            if sightings:
                await asyncio.to_thread(brain.record_avatar_sightings, PLATFORM, workspace, sightings)
        except Exception:
            log.exception("recording avatar sightings failed", extra={"guild": workspace})


async def _show_typing(channel: Any) -> None:
    """One "headshot-bot is typing…" (it lasts until the reply or 10 s); a cosmetic failure is ignored."""
    try:
        await channel.typing()
    except (discord.HTTPException, aiohttp.ClientError) as exc:
        log.debug("typing indicator failed", extra={"error_type": type(exc).__name__})


async def _defer(interaction: discord.Interaction[Any], *, ephemeral: bool) -> bool:
    """Acknowledges the interaction; False when Discord no longer accepts it (then nothing can be sent)."""
    try:
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    except discord.HTTPException as exc:
        log.warning("could not acknowledge an interaction", extra={"status": exc.status, "code": exc.code})
        return False
    except Exception as exc:
        # The acknowledgement went out but its answer was unreadable; follow-ups still work.
        log.warning("unexpected answer to an acknowledgement", extra={"error_type": type(exc).__name__})
        return interaction.response.is_done()
    return True


def server_locale(guild: discord.Guild | None) -> str | None:
    """A message carries no user locale; a server's primary language is a locale its admins chose only
    on a Community server (elsewhere it is Discord's default, en-US, which says nothing about its members)."""
    if guild is None or "COMMUNITY" not in guild.features:
        return None
    return guild.preferred_locale.value


def _guild_id_of(message: discord.Message) -> int | None:
    """The server a message was posted in, also when its GUILD_CREATE has not arrived yet (then
    discord.py has no Guild object, only the channel's guild id)."""
    if message.guild is not None:
        return message.guild.id
    guild_id = getattr(message.channel, "guild_id", None)
    return guild_id if isinstance(guild_id, int) else None


def conversation_for_channel(
    channel: Any, guild_id: int | None, user: discord.User | discord.Member
) -> Conversation:
    thread: str | None = None
    channel_id = channel.id
    if isinstance(channel, discord.Thread):
        thread = str(channel.id)
        channel_id = channel.parent_id or channel.id
    return Conversation(
        platform=PLATFORM,
        workspace=str(guild_id) if guild_id else "",
        channel=str(channel_id),
        user=str(user.id),
        thread=thread,
    )


def conversation_for_interaction(interaction: discord.Interaction[Any]) -> Conversation:
    channel = interaction.channel
    thread: str | None = None
    channel_id = interaction.channel_id
    if isinstance(channel, discord.Thread):
        thread = str(channel.id)
        channel_id = channel.parent_id or channel.id
    return Conversation(
        platform=PLATFORM,
        workspace=str(interaction.guild_id or ""),
        channel=str(channel_id or ""),
        user=str(interaction.user.id),
        thread=thread,
    )
