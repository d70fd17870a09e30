"""Socket Mode with several connections (SLACK_SOCKET_CONNECTIONS): `run_slack` opens N WebSockets for one
app against the loopback fake; Slack may deliver one envelope on two of them, and it is acknowledged on both
and answered once, through the store's shared record of handled deliveries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Config
from bot.runtime import Runtime
from handlers.registry import create_adapters
from handlers.slack.run import run_slack
from handlers.slack.settings import MAX_SOCKET_CONNECTIONS, SlackSettings
from tests.conftest import with_settings
from tests.fakes.brains import RecordingBrain
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import event_callback, message_ts


class Connected:
    def __init__(self, runtime: Runtime, brain: RecordingBrain, stopping: asyncio.Event) -> None:
        self.runtime = runtime
        self.brain = brain
        self.stopping = stopping


async def _run(slack: FakeSlackApi, config: Config, connections: str) -> AsyncIterator[Connected]:
    configured = with_settings(
        config,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.url,
        SLACK_SOCKET_CONNECTIONS=connections,
    )
    brain = RecordingBrain(configured)
    runtime = Runtime(config=configured, _brain=brain)
    stopping = asyncio.Event()
    settings = SlackSettings.from_environ(configured.environ)
    task = asyncio.create_task(run_slack(runtime, stopping, settings, host="127.0.0.1"))
    try:
        yield Connected(runtime, brain, stopping)
    finally:
        stopping.set()
        await asyncio.wait_for(task, 15)
        assert task.exception() is None


@pytest.fixture
async def two(slack: FakeSlackApi, config: Config) -> AsyncIterator[Connected]:
    async for connected in _run(slack, config, "2"):
        await slack.wait_for_sockets(2)
        yield connected


def _mention(channel: str = "C1", text: str = "<@UBOT> help") -> dict[str, Any]:
    return event_callback(
        {"type": "app_mention", "user": "U1", "text": text, "ts": message_ts(), "channel": channel}
    )


def _posts(slack: FakeSlackApi, channel: str) -> int:
    return sum(1 for p in slack.calls_to("chat.postMessage") if p["channel"] == channel)


async def test_two_connections_are_opened_for_one_app(slack: FakeSlackApi, two: Connected) -> None:
    assert slack.open_connections == 2
    assert len(slack.calls_to("apps.connections.open")) == 2  # one WebSocket URL per connection
    for _ in range(200):
        if two.runtime.health.connections().get("slack"):
            break
        await asyncio.sleep(0.01)
    assert two.runtime.health.connections() == {"slack": True}
    assert two.runtime.health.checks()["slack"].detail == "Socket Mode, 2 connections"


async def test_the_same_envelope_on_both_connections_is_acked_twice_and_answered_once(
    slack: FakeSlackApi, two: Connected
) -> None:
    envelope = slack.envelope("events_api", _mention("C1"))
    await asyncio.gather(slack.send(envelope, connection=0), slack.send(envelope, connection=1))

    acked_on = await slack.wait_for_acks(envelope["envelope_id"], 2)
    assert sorted(acked_on) == [0, 1]
    # Each ack came after that connection's claim in the store: the one that lost it has dropped it.
    await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "C1")
    assert _posts(slack, "C1") == 1
    assert [i.text for i in two.brain.incomings] == ["help"]


async def test_different_envelopes_on_each_connection_are_each_answered(
    slack: FakeSlackApi, two: Connected
) -> None:
    first = await slack.send(slack.envelope("events_api", _mention("C1")), connection=0)
    second = await slack.send(slack.envelope("events_api", _mention("C2")), connection=1)
    assert await slack.wait_for_acks(first, 1) == [0]
    assert await slack.wait_for_acks(second, 1) == [1]
    await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "C1")
    await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "C2")
    assert (_posts(slack, "C1"), _posts(slack, "C2")) == (1, 1)


async def test_many_envelopes_at_once_each_on_both_connections_are_answered_once_each(
    slack: FakeSlackApi, two: Connected
) -> None:
    envelopes = [slack.envelope("events_api", _mention(f"C{n:02d}")) for n in range(30)]
    await asyncio.gather(*(slack.send(e, connection=c) for e in envelopes for c in (0, 1)))

    for envelope in envelopes:
        assert sorted(await slack.wait_for_acks(envelope["envelope_id"], 2)) == [0, 1]
    await slack.wait_for_calls("chat.postMessage", 30, timeout=30)
    assert all(_posts(slack, f"C{n:02d}") == 1 for n in range(30))
    assert len(two.brain.incomings) == 30


async def test_a_slash_command_and_a_button_on_either_connection(slack: FakeSlackApi, two: Connected) -> None:
    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/headshot",
        "text": "check",
        "trigger_id": "trigger-1",
        "response_url": slack.response_url("cmd"),
    }
    envelope = slack.envelope("slash_commands", command, accepts_response_payload=True)
    await asyncio.gather(slack.send(envelope, connection=0), slack.send(envelope, connection=1))
    await slack.wait_for_acks(envelope["envelope_id"], 2)
    assert "Attach a photo" in (await slack.wait_for_response(key="cmd"))["text"]

    click = {
        "type": "block_actions",
        "team": {"id": "T0FAKE"},
        "user": {"id": "U1", "team_id": "T0FAKE"},
        "trigger_id": "trigger-2",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
        "channel": {"id": "D1"},
        "message": {"ts": "1.1"},
        "response_url": slack.response_url("click"),
        "actions": [{"type": "button", "action_id": "done", "value": "3"}],
    }
    pressed = slack.envelope("interactive", click)
    await asyncio.gather(slack.send(pressed, connection=1), slack.send(pressed, connection=0))
    await slack.wait_for_acks(pressed["envelope_id"], 2)
    await slack.wait_for_response(key="click")
    assert [(a.action_id, a.value) for a in two.brain.actions] == [("done", "3")]
    assert [key for key, _ in slack.responses] == ["cmd", "click"]


async def test_stopping_closes_every_connection(slack: FakeSlackApi, config: Config) -> None:
    async for connected in _run(slack, config, "3"):
        await slack.wait_for_sockets(3)
        connected.stopping.set()
    for _ in range(200):
        if slack.open_connections == 0:
            break
        await asyncio.sleep(0.01)
    assert slack.open_connections == 0


@pytest.mark.parametrize("value", ["0", "11", "two", "-1", "2.5"])
def test_a_connection_count_out_of_range_is_named_and_one_is_used(value: str) -> None:
    environ = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x", "SLACK_SOCKET_CONNECTIONS": value}
    settings = SlackSettings.from_environ(environ)
    assert settings.socket_connections == 1
    adapter = create_adapters(environ)[0]
    [problem] = adapter.problems()
    assert "SLACK_SOCKET_CONNECTIONS" in problem and f"1 to {MAX_SOCKET_CONNECTIONS}" in problem
    assert repr(value) in problem


def test_the_connection_count_is_read_and_described() -> None:
    environ = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x", "SLACK_SOCKET_CONNECTIONS": "10"}
    assert SlackSettings.from_environ(environ).socket_connections == 10
    adapter = create_adapters(environ)[0]
    assert adapter.problems() == []
    assert adapter.describe().startswith("Socket Mode, 10 connections")
    assert SlackSettings.from_environ({}).socket_connections == 1
