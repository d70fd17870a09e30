"""Discord's settings, read from the environment: the token, the API URL, the guild and the shards."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.config import Setting, setting

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_CDN_URL = "https://cdn.discordapp.com"
MAX_SHARDS = 65_536

SETTINGS: tuple[Setting, ...] = (
    Setting("DISCORD_TOKEN", "Discord bot token", secret=True),
    Setting("DISCORD_GUILD_ID", "sync slash commands to this one server (development)"),
    Setting(
        "DISCORD_SHARD_COUNT",
        "`auto` or a number: the bot's total shard count (the auto-sharded client)",
        "one connection",
    ),
    Setting(
        "DISCORD_SHARD_IDS",
        "which of those shards this process runs, e.g. `0-3` or `4,5` (needs a numeric shard count)",
        "all of them",
    ),
    Setting("DISCORD_SHARDS", "the older name of DISCORD_SHARD_COUNT, still read", "unset"),
    Setting(
        "DISCORD_API_URL",
        "Discord REST base URL; the gateway URL is then discovered from its `GET /gateway/bot` (tests)",
        "Discord's own",
    ),
    Setting(
        "DISCORD_CDN_URL",
        "base URL of Discord's CDN, where profile pictures are downloaded from for `check my avatar` (tests)",
        "https://cdn.discordapp.com; with DISCORD_API_URL set, that URL's scheme, host and port",
    ),
)


@dataclass(frozen=True)
class ShardPlan:
    """How this process connects: one connection, or the auto-sharded client with some or all shards."""

    sharded: bool = False
    count: int | None = None  # None with `sharded`: as many as Discord recommends
    ids: tuple[int, ...] | None = None  # None: every shard of `count`
    problem: str | None = None

    @property
    def syncs_commands(self) -> bool:
        """Exactly one process registers the slash commands: the one that runs shard 0."""
        return self.ids is None or 0 in self.ids

    def describe(self) -> str:
        if not self.sharded:
            return "gateway, one connection"
        if self.count is None:
            return "auto-sharded (shard count from Discord)"
        if self.ids is None:
            return f"auto-sharded ({self.count} shards)"
        return f"shards {_ranges(self.ids)} of {self.count}"


def shard_plan(count_text: str | None, ids_text: str | None) -> ShardPlan:
    if not count_text:
        if ids_text:
            return ShardPlan(
                problem="DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the bot's total shard count)"
            )
        return ShardPlan()
    if count_text.strip().lower() == "auto":
        if ids_text:
            return ShardPlan(problem="DISCORD_SHARD_IDS needs a numeric DISCORD_SHARD_COUNT, not `auto`")
        return ShardPlan(sharded=True)
    if not count_text.strip().isdigit() or not 0 < int(count_text) <= MAX_SHARDS:
        return ShardPlan(
            problem=f"DISCORD_SHARD_COUNT must be `auto` or a positive number, not {count_text!r}"
        )
    count = int(count_text)
    if not ids_text:
        return ShardPlan(sharded=True, count=count)
    ids = _parse_ids(ids_text)
    if ids is None:
        return ShardPlan(problem=f"DISCORD_SHARD_IDS must look like `0-3` or `4,5`, not {ids_text!r}")
    outside = [i for i in ids if i >= count]
    if outside:
        return ShardPlan(
            problem=f"DISCORD_SHARD_IDS names shard {outside[0]}, but there are only {count} (0-{count - 1})"
        )
    return ShardPlan(sharded=True, count=count, ids=ids)


def _parse_ids(text: str) -> tuple[int, ...] | None:
    ids: set[int] = set()
    for piece in text.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", piece)
        if match is None:
            return None
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first or last >= MAX_SHARDS:
            return None
        ids.update(range(first, last + 1))
    return tuple(sorted(ids)) or None


def _ranges(ids: tuple[int, ...]) -> str:
    spans: list[str] = []
    start = previous = ids[0]
    for current in (*ids[1:], None):
        if current is not None and current == previous + 1:
            previous = current
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if current is not None:
            start = previous = current
    return ",".join(spans)


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = None
    api_url: str | None = None
    guild_id: str | None = None
    shards: ShardPlan = ShardPlan()
    cdn_setting: str | None = None

    @property
    def cdn_url(self) -> str:
        """Where avatars are fetched: DISCORD_CDN_URL, else DISCORD_API_URL's origin (a local fake serves
        both), else Discord's CDN."""
        if self.cdn_setting:
            return self.cdn_setting.rstrip("/")
        if self.api_url:
            parts = urlsplit(self.api_url)
            if parts.scheme and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}"
        return DEFAULT_CDN_URL

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DiscordSettings:
        count = setting(environ, "DISCORD_SHARD_COUNT") or setting(environ, "DISCORD_SHARDS")
        return cls(
            token=setting(environ, "DISCORD_TOKEN"),
            api_url=setting(environ, "DISCORD_API_URL"),
            guild_id=setting(environ, "DISCORD_GUILD_ID"),
            shards=shard_plan(count, setting(environ, "DISCORD_SHARD_IDS")),
            cdn_setting=setting(environ, "DISCORD_CDN_URL"),
        )
