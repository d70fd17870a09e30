"""Discord as the core sees it: its settings, how it will run, its secret, its doctor check, and `run`.

Importing this module does not import discord.py (that happens in `run`), so `headshot doctor` and the
configuration work even where discord.py is broken.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters import AdapterSpec, DoctorCheck, Setting
from bot.config import setting

if TYPE_CHECKING:
    from bot.runtime import Runtime

DEFAULT_API_URL = "https://discord.com/api/v10"

SETTINGS: tuple[Setting, ...] = (
    Setting("DISCORD_TOKEN", "Discord bot token", secret=True),
    Setting("DISCORD_GUILD_ID", "sync slash commands to this one server (development)"),
    Setting("DISCORD_SHARDS", "`auto` or a number: the auto-sharded client", "one connection"),
    Setting(
        "DISCORD_API_URL",
        "Discord REST base URL; the gateway URL is then discovered from its `GET /gateway/bot` (tests)",
        "Discord's own",
    ),
)


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = None
    api_url: str | None = None
    guild_id: str | None = None
    shards: str | None = None  # a number, "auto", or unset for a single connection

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DiscordSettings:
        return cls(
            token=setting(environ, "DISCORD_TOKEN"),
            api_url=setting(environ, "DISCORD_API_URL"),
            guild_id=setting(environ, "DISCORD_GUILD_ID"),
            shards=setting(environ, "DISCORD_SHARDS"),
        )


class DiscordAdapter:
    name = "discord"

    def __init__(self, settings: DiscordSettings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.token)

    def describe(self) -> str:
        settings = self.settings
        shards = settings.shards
        mode = f"auto-sharded ({shards} shards)" if shards else "gateway, one connection"
        if shards == "auto":
            mode = "auto-sharded (shard count from Discord)"
        where = f", API {settings.api_url}" if settings.api_url else ""
        guild = f", slash commands synced to guild {settings.guild_id}" if settings.guild_id else ""
        return f"{mode}{where}{guild}"

    def problems(self) -> list[str]:
        settings = self.settings
        found: list[str] = []
        shards = settings.shards
        if self.configured and shards and shards != "auto" and not (shards.isdigit() and int(shards) > 0):
            found.append(f"DISCORD_SHARDS={shards!r}: use `auto` or a positive number")
        if settings.token and settings.token.lower().startswith("bot "):
            found.append(
                "DISCORD_TOKEN starts with 'Bot ': put only the token there; the bot adds the prefix"
            )
        return found

    def secrets(self) -> list[str]:
        return [self.settings.token] if self.settings.token else []

    def doctor_checks(self, timeout: float) -> list[DoctorCheck]:
        from handlers.discord.doctor import check_token

        return check_token(self.settings, timeout) if self.configured else []

    async def run(self, runtime: Runtime, stopping: asyncio.Event) -> None:
        from handlers.discord.run import run_discord

        await run_discord(runtime, stopping, self.settings)


SPEC = AdapterSpec(
    name="discord",
    settings=SETTINGS,
    create=lambda environ: DiscordAdapter(DiscordSettings.from_environ(environ)),
)
