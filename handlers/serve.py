"""`headshot serve`: every configured adapter plus the reminder scheduler in one process."""

from __future__ import annotations

from bot.cli import Runtime
from handlers.console import run_console


def serve(runtime: Runtime, *, console_user: str) -> int:
    return run_console(runtime.brain, user=console_user)
