"""Discord's settings, read from the environment: the token, the API URL, the guild and the shards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Setting, setting

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
