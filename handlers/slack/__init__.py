"""The Slack adapter (slack-bolt): `run_slack(runtime, stopping)` starts it in Socket Mode or HTTP mode.

Imported lazily, so commands that never talk to Slack do not pay for slack_bolt and aiohttp.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.cli import Runtime


async def run_slack(runtime: Runtime, stopping: asyncio.Event, *, host: str = "0.0.0.0") -> None:
    from handlers.slack.run import run_slack as run

    await run(runtime, stopping, host=host)


__all__ = ["run_slack"]
