"""The Discord adapter (discord.py): slash commands, mentions, DMs, buttons, reminder DMs.

The entry point is `run_discord` (in `handlers.discord.run`, also importable from this package).
Importing the package alone does not import discord.py, so commands that do not serve Discord stay fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_discord"]


def __getattr__(name: str) -> Any:
    if name == "run_discord":
        from handlers.discord.run import run_discord

        return run_discord
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
