"""`run_discord`: the Discord adapter's life in `headshot serve` — connect, serve, close on `stopping`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import discord

from bot.runtime import Runtime
from handlers.discord.client import DiscordBot, basic_intents, privileged_intents
from handlers.discord.sender import DiscordSender
from handlers.discord.settings import DiscordSettings

log = logging.getLogger("headshot.discord")


class DiscordStartError(RuntimeError):
    """The adapter could not start; the message says why (it never contains the token)."""


@contextlib.contextmanager
def discord_endpoints(api_url: str | None) -> Iterator[None]:
    """Points discord.py's REST (and, through it, the gateway lookup) at DISCORD_API_URL.

    discord.py has no setting for its endpoints: both are class attributes, so this is process-wide
    and is put back afterwards.
    """
    previous_base = discord.http.Route.BASE
    previous_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    if api_url:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DiscordStartError(f"DISCORD_API_URL must be an http(s) URL, not {api_url!r}")
        discord.http.Route.BASE = api_url.rstrip("/")
    try:
        yield
    finally:
        discord.http.Route.BASE = previous_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway


async def run_discord(runtime: Runtime, stopping: asyncio.Event, settings: DiscordSettings) -> None:
    token = settings.token
    if not token:
        raise DiscordStartError("DISCORD_TOKEN is not set")
    if token.lower().startswith("bot "):
        raise DiscordStartError("DISCORD_TOKEN must be the bare token, without the 'Bot ' prefix")
    if settings.shards.problem:
        raise DiscordStartError(settings.shards.problem)
    current: list[discord.Client] = []
    runtime.senders.register("discord", DiscordSender(lambda: current[-1] if current else None))

    with discord_endpoints(settings.api_url):
        intents = privileged_intents()
        while True:
            adapter = DiscordBot(runtime, settings, intents=intents)
            current.append(adapter.client)
            runtime.health.connected(
                "discord", "gateway", probe=functools.partial(gateway_open, adapter.client)
            )
            try:
                await _serve_until_stopped(adapter, token, stopping)
                return
            except discord.PrivilegedIntentsRequired:
                if intents == basic_intents():
                    raise DiscordStartError("Discord refused the connection's intents") from None
                log.warning(
                    "The Message Content and Server Members intents are not enabled for this bot in the "
                    "Developer Portal; continuing without them. Mentions, DMs and slash commands work; "
                    "avatar tracking for outdated-photo suggestions is off."
                )
                intents = basic_intents()


def gateway_open(client: discord.Client) -> bool:
    """Ready, and every gateway connection (one per shard) open: discord.py reconnects a dropped one."""
    if client.is_closed() or not client.is_ready():
        return False
    if isinstance(client, discord.AutoShardedClient):
        return bool(client.shards) and not any(shard.is_closed() for shard in client.shards.values())
    websocket = client.ws
    return websocket is not None and websocket.open


# discord.py runs each event handler, slash command and button press in a task named like this.
_HANDLER_TASK_PREFIXES = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-")
HANDLER_GRACE_SECONDS = 20.0


async def _finish_handlers_in_flight(timeout: float) -> None:
    """Lets answers already being worked on go out before `close()` shuts the HTTP session they need."""
    current = asyncio.current_task()
    handlers = {
        task
        for task in asyncio.all_tasks()
        if task is not current and task.get_name().startswith(_HANDLER_TASK_PREFIXES)
    }
    if handlers:
        await asyncio.wait(handlers, timeout=timeout)


async def _serve_until_stopped(adapter: DiscordBot, token: str, stopping: asyncio.Event) -> None:
    client = adapter.client
    connection = asyncio.create_task(adapter.start(token), name="discord-connection")
    stop = asyncio.create_task(stopping.wait(), name="discord-stop")
    try:
        await asyncio.wait({connection, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if stopping.is_set():
            await _finish_handlers_in_flight(HANDLER_GRACE_SECONDS)
        await client.close()
        if not connection.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(connection, timeout=10)
    if stopping.is_set():
        if connection.done() and not connection.cancelled() and connection.exception() is not None:
            log.debug("the Discord connection ended with an error while stopping")
        return
    error = connection.exception()
    if isinstance(error, discord.PrivilegedIntentsRequired):
        raise error
    if isinstance(error, discord.LoginFailure):
        raise DiscordStartError(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the "
            "Developer Portal (Bot → Reset Token)"
        ) from None
    if isinstance(error, discord.ConnectionClosed) and error.code == 4004:
        raise DiscordStartError("the Discord gateway rejected DISCORD_TOKEN (4004)") from None
    if error is not None:
        raise DiscordStartError(f"the Discord connection failed: {type(error).__name__}: {error}") from error
    raise DiscordStartError("the Discord connection ended unexpectedly")
