"""The real slack-bolt app, served over real HTTP on 127.0.0.1, against the fake Slack Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.config import Config
from handlers.slack.app import SlackListeners
from handlers.slack.run import build_client, start_http
from tests.fakes.brains import RecordingBrain
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_events import event_callback, message_ts

__all__ = ["SECRET", "SlackBot", "event_callback", "message_ts"]

SECRET = "test-signing-secret"


@dataclass
class SlackBot:
    events_url: str
    adapter: SlackListeners
    brain: RecordingBrain


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        yield fake


async def _serve(
    slack: FakeSlackApi, config: Config, *, process_before_response: bool
) -> AsyncIterator[SlackBot]:
    brain = RecordingBrain(config)
    client = build_client(slack.bot_token, slack.url)
    adapter = SlackListeners(brain, client, api_url=slack.url)
    app = adapter.build_app(signing_secret=SECRET, process_before_response=process_before_response)
    runner, port = await start_http(app, "127.0.0.1", 0, signing_secret=SECRET)
    try:
        yield SlackBot(f"http://127.0.0.1:{port}/slack/events", adapter, brain)
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(slack: FakeSlackApi, config: Config) -> AsyncIterator[SlackBot]:
    """As in production: Bolt acknowledges first and does the work afterwards."""
    async for served in _serve(slack, config, process_before_response=False):
        yield served


@pytest.fixture
async def synchronous_bot(slack: FakeSlackApi, config: Config) -> AsyncIterator[SlackBot]:
    """Answers each request only after its listener has finished, so a test can prove something did
    *not* happen (a duplicate reply) without waiting for an arbitrary time."""
    async for served in _serve(slack, config, process_before_response=True):
        yield served
