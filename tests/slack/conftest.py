"""The real slack-bolt app, served over real HTTP on 127.0.0.1, against the fake Slack Web API."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from bot.brain import Brain
from bot.config import Config
from bot.messages import Action, ActionEvent, ActionId, Buttons, Incoming, Paragraph, Reply, ReplyKind
from bot.reminders.service import AvatarSighting
from handlers.slack.app import SlackListeners
from handlers.slack.run import build_client, start_http
from tests.fakes.slack_api import FakeSlackApi

SECRET = "test-signing-secret"
_ids = itertools.count(1)


class RecordingBrain(Brain):
    """The real brain, which also records what the adapter handed it. Buttons and avatar tracking are
    answered here, because the reminder store behind them is another area's work in progress."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.incoming: list[Incoming] = []
        self.actions: list[ActionEvent] = []
        self.sightings: list[tuple[str, str, list[AvatarSighting]]] = []
        self.tracking = False

    def handle(self, incoming: Incoming) -> list[Reply]:
        self.incoming.append(incoming)
        return super().handle(incoming)

    def handle_action(self, event: ActionEvent) -> list[Reply]:
        self.actions.append(event)
        return [
            Reply(
                ReplyKind.REMINDER,
                (
                    Paragraph(f"Snoozed <reminder> {event.value} & done"),
                    Buttons((Action("Done, I updated it", ActionId.DONE, value=event.value),)),
                ),
            )
        ]

    def photo_tracking_enabled(self, platform: str, workspace: str) -> bool:
        return self.tracking

    def record_avatar_sightings(
        self, platform: str, workspace: str, sightings: Sequence[AvatarSighting]
    ) -> None:
        self.sightings.append((platform, workspace, list(sightings)))


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
    adapter = SlackListeners(brain, client, bot_token=slack.bot_token, api_url=slack.url)
    app = adapter.build_app(signing_secret=SECRET, process_before_response=process_before_response)
    runner, port = await start_http(app, "127.0.0.1", 0)
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


def event_callback(event: dict[str, Any], *, team: str = "T0FAKE") -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0FAKE",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_ids):06d}",
        "event_time": 1_700_000_000,
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    }


def message_ts() -> str:
    return f"1700000{next(_ids):03d}.000200"
