"""The real discord.py client, run by `run_discord`, against FakeDiscord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.config import Config
from bot.runtime import Runtime
from handlers.discord.adapter import SPEC
from tests.conftest import with_settings
from tests.fakes.brains import RecordingBrain
from tests.fakes.discord_api import FakeDiscord


async def run_configured(runtime: Runtime, stopping: asyncio.Event) -> None:
    """The Discord adapter as `headshot serve` runs it: through the registry's contract."""
    await SPEC.create(runtime.config.environ).run(runtime, stopping)


@dataclass
class RunningBot:
    fake: FakeDiscord
    runtime: Runtime
    brain: RecordingBrain
    stopping: asyncio.Event
    task: asyncio.Task[None]
    marks: list[int] = field(default_factory=list)

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.wait_for(self.task, timeout=15)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    config: Config,
    *,
    tracking: bool | None = False,
    real_actions: bool = False,
    **settings: str | None,
) -> AsyncIterator[RunningBot]:
    config = with_settings(config, DISCORD_TOKEN=fake.token, DISCORD_API_URL=fake.api_url, **settings)
    brain = RecordingBrain(config, tracking=tracking, real_actions=real_actions)
    runtime = Runtime(config=config, _brain=brain)
    stopping = asyncio.Event()
    task = asyncio.create_task(run_configured(runtime, stopping))
    bot = RunningBot(fake, runtime, brain, stopping, task)
    shard_ids = settings.get("DISCORD_SHARD_IDS")
    try:
        await fake.wait_until_ready(shards=[int(shard_ids)] if shard_ids and shard_ids.isdigit() else None)
        yield bot
    finally:
        if not task.done():
            await bot.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as discord:
        yield discord


@pytest.fixture
async def bot(fake: FakeDiscord, config: Config) -> AsyncIterator[RunningBot]:
    async with running_bot(fake, config) as running:
        yield running
