"""The real discord.py client, run by `run_discord`, against FakeDiscord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest

from bot.brain import Brain
from bot.config import Config
from bot.messages import ActionEvent, Incoming, Reply, ReplyKind
from bot.reminders.service import AvatarSighting
from bot.runtime import Runtime
from handlers.discord.adapter import SPEC
from tests.conftest import with_settings
from tests.fakes.discord_api import FakeDiscord


async def run_configured(runtime: Runtime, stopping: asyncio.Event) -> None:
    """The Discord adapter as `headshot serve` runs it: through the registry's contract."""
    await SPEC.create(runtime.config.environ).run(runtime, stopping)


class RecordingBrain(Brain):
    """The real brain, plus a record of what it was given. Button presses get a canned answer and photo
    tracking is fixed by `tracking`, unless `real_actions` / `tracking=None` hand them to the real core."""

    def __init__(self, config: Config, *, tracking: bool | None = False, real_actions: bool = False) -> None:
        super().__init__(config)
        self.real_actions = real_actions
        self.incomings: list[Incoming] = []
        self.actions: list[ActionEvent] = []
        self.sightings: list[tuple[str, str, list[AvatarSighting]]] = []
        self.tracking = tracking

    def handle(self, incoming: Incoming) -> list[Reply]:
        self.incomings.append(incoming)
        return super().handle(incoming)

    def handle_action(self, event: ActionEvent) -> list[Reply]:
        self.actions.append(event)
        if self.real_actions:
            return super().handle_action(event)
        return [Reply.plain(f"OK: {event.action_id} {event.value}", ReplyKind.REMINDER)]

    def photo_tracking_enabled(self, platform: str, workspace: str) -> bool:
        if self.tracking is None:
            return super().photo_tracking_enabled(platform, workspace)
        return self.tracking

    def record_avatar_sightings(
        self, platform: str, workspace: str, sightings: Sequence[AvatarSighting]
    ) -> None:
        self.sightings.append((platform, workspace, list(sightings)))
        if self.tracking is None:
            super().record_avatar_sightings(platform, workspace, sightings)


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
    try:
        await fake.wait_until_ready()
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
