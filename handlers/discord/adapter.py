"""Discord as the core sees it: its settings, how it will run, its secret, its doctor check, and `run`.

Importing this module does not import discord.py (that happens in `run`), so `headshot doctor` and the
configuration work even where discord.py is broken.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.adapters import AdapterSpec, DoctorCheck
from handlers.discord.settings import SETTINGS, DiscordSettings

if TYPE_CHECKING:
    from bot.runtime import Runtime


class DiscordAdapter:
    name = "discord"

    def __init__(self, settings: DiscordSettings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.token)

    def describe(self) -> str:
        settings = self.settings
        mode = settings.shards.describe()
        if settings.shards.sharded and not settings.shards.syncs_commands:
            mode += " (the process with shard 0 registers the slash commands)"
        where = f", API {settings.api_url}" if settings.api_url else ""
        guild = f", slash commands synced to guild {settings.guild_id}" if settings.guild_id else ""
        return f"{mode}{where}{guild}"

    def problems(self) -> list[str]:
        settings = self.settings
        found: list[str] = []
        if self.configured and settings.shards.problem:
            found.append(settings.shards.problem)
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
