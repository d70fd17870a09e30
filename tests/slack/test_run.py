"""`run_slack` as `headshot serve` runs it: Socket Mode against a loopback WebSocket, HTTP mode on a
real port, start failures, and the avatar sightings for outdated photos."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.config import Config
from bot.runtime import Runtime
from handlers.slack.app import SlackListeners
from handlers.slack.run import SlackStartError, build_client, run_slack
from handlers.slack.sender import SlackSender
from handlers.slack.settings import SlackSettings
from tests.conftest import data_path, with_settings
from tests.fakes import slack_events
from tests.fakes.brains import RecordingBrain
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, SlackBot, event_callback, message_ts

PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Running:
    def __init__(self, runtime: Runtime, stopping: asyncio.Event, task: asyncio.Task[None]) -> None:
        self.runtime = runtime
        self.stopping = stopping
        self.task = task

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.wait_for(self.task, 10)


async def _start(config: Config) -> AsyncIterator[Running]:
    runtime = Runtime(config=config, _brain=RecordingBrain(config))
    stopping = asyncio.Event()
    settings = SlackSettings.from_environ(config.environ)
    task = asyncio.create_task(run_slack(runtime, stopping, settings, host="127.0.0.1"))
    running = Running(runtime, stopping, task)
    try:
        yield running
    finally:
        if not task.done():
            await running.stop()


@pytest.fixture
async def socket_mode(slack: FakeSlackApi, config: Config) -> AsyncIterator[Running]:
    settings = with_settings(
        config, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN=slack.app_token, SLACK_API_URL=slack.url
    )
    async for running in _start(settings):
        yield running


@pytest.fixture
async def http_mode(slack: FakeSlackApi, config: Config) -> AsyncIterator[tuple[Running, int]]:
    port = _free_port()
    settings = with_settings(
        config,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        PORT=str(port),
    )
    async for running in _start(settings):
        yield running, port


async def test_socket_mode_over_a_loopback_websocket(slack: FakeSlackApi, socket_mode: Running) -> None:
    await slack.wait_for_socket()
    assert slack.calls_to("apps.connections.open") == [{}]
    assert isinstance(socket_mode.runtime.senders.get("slack"), SlackSender)
    for _ in range(200):  # the handler reports the connection right after connecting
        if socket_mode.runtime.health.checks().get("slack"):
            break
        await asyncio.sleep(0.01)
    assert socket_mode.runtime.health.connections() == {"slack": True}

    ts = message_ts()
    mention = event_callback(
        {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": ts, "channel": "C1"}
    )
    event_envelope = await slack.send_envelope("events_api", mention)
    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/headshot",
        "text": "check",
        "response_url": slack.response_url("sm1"),
    }
    command_envelope = await slack.send_envelope("slash_commands", command, accepts_response_payload=True)

    assert await slack.wait_for_ack(event_envelope) == {"envelope_id": event_envelope}
    assert (await slack.wait_for_ack(command_envelope))["envelope_id"] == command_envelope
    reply = await slack.wait_for_call("chat.postMessage")
    assert (reply["channel"], reply["thread_ts"]) == ("C1", ts)
    hint = await slack.wait_for_response()
    assert "Attach a photo" in hint["text"]

    # The same envelope redelivered (retry_attempt > 0) is acknowledged and not answered again ...
    redelivered = await slack.send_envelope("events_api", mention, retry_attempt=1)
    await slack.wait_for_ack(redelivered)
    # ... but a retry of an event nobody took (no process was up for its first delivery) is answered.
    missed = event_callback(
        {
            "type": "message",
            "user": "U1",
            "text": "help",
            "ts": message_ts(),
            "channel": "D1",
            "channel_type": "im",
        }
    )
    retry_envelope = await slack.send_envelope("events_api", missed, retry_attempt=1)
    await slack.wait_for_ack(retry_envelope)
    await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "D1")
    brain = socket_mode.runtime.brain
    assert isinstance(brain, RecordingBrain)
    assert sorted(i.text for i in brain.incomings) == ["check", "help", "help"]
    assert len(slack.calls_to("chat.postMessage")) == 2

    click = {
        "type": "block_actions",
        "team": {"id": "T0FAKE"},
        "user": {"id": "U1", "team_id": "T0FAKE"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
        "channel": {"id": "D1"},
        "message": {"ts": "1.1"},
        "response_url": slack.response_url("sm-click"),
        "actions": [{"type": "button", "action_id": "done", "value": "3"}],
    }
    click_envelope = await slack.send_envelope("interactive", click)
    assert await slack.wait_for_ack(click_envelope) == {"envelope_id": click_envelope}
    await slack.wait_for_response(key="sm-click")
    assert [(a.action_id, a.value) for a in brain.actions] == [("done", "3")]

    await socket_mode.stop()
    assert socket_mode.task.exception() is None
    assert socket_mode.runtime.health.connections() == {"slack": False}


async def test_http_mode_on_the_configured_port(slack: FakeSlackApi, http_mode: tuple[Running, int]) -> None:
    running, port = http_mode
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(200):  # until the server listens; no fixed sleep
            try:
                async with session.get(f"{base}/healthz") as response:
                    assert response.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
        else:
            raise AssertionError("the HTTP server never came up")

    mention = event_callback(
        {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": message_ts(), "channel": "C1"}
    )
    assert (await post_event(f"{base}/slack/events", mention, SECRET)).status == 200
    await slack.wait_for_call("chat.postMessage")
    # The load balancer's readiness probe, on the same port: Slack connected, the store answering.
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        assert response.status == 200
        checks = (await response.json())["checks"]
    assert checks["slack"] == {"ok": True, "detail": f"HTTP mode, listening on port {port}"}
    assert checks["store"]["ok"]

    await running.stop()
    assert running.runtime.health.checks()["slack"].ok is False
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"{base}/healthz")


async def test_a_wrong_bot_token_fails_the_start(slack: FakeSlackApi, config: Config) -> None:
    settings = with_settings(
        config, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url
    )
    with pytest.raises(SlackStartError, match="invalid_auth"):
        await run_slack(
            Runtime(config=settings),
            asyncio.Event(),
            SlackSettings.from_environ(settings.environ),
            host="127.0.0.1",
        )


async def test_missing_settings_fail_the_start(config: Config) -> None:
    with pytest.raises(SlackStartError, match="SLACK_BOT_TOKEN"):
        await run_slack(Runtime(config=config), asyncio.Event(), SlackSettings())
    with pytest.raises(SlackStartError, match="SLACK_APP_TOKEN"):
        await run_slack(Runtime(config=config), asyncio.Event(), SlackSettings(bot_token="xoxb-x"))


def _adapter(slack: FakeSlackApi, brain: RecordingBrain) -> SlackListeners:
    client = build_client(slack.bot_token, slack.url)
    return SlackListeners(brain, client, api_url=slack.url)


async def test_the_avatar_sweep_reads_every_page_when_the_workspace_opted_in(
    slack: FakeSlackApi, config: Config
) -> None:
    for n in range(2, 6):
        slack.add_user(f"U{n}")
    slack.add_user("UB", is_bot=True)
    brain = RecordingBrain(config)
    adapter = _adapter(slack, brain)

    assert await adapter.sweep_avatars("T0FAKE", page_size=2) == 0  # not opted in: Slack is not even asked
    assert slack.calls_to("users.list") == []

    brain.tracking = True
    assert await adapter.sweep_avatars("T0FAKE", page_size=2) == 5
    assert len(slack.calls_to("users.list")) == 3
    [(platform, team, sightings)] = brain.sightings
    assert (platform, team) == ("slack", "T0FAKE")
    assert sorted((s.user, s.avatar_hash) for s in sightings) == sorted(
        (f"U{n}", f"hash-U{n}") for n in range(1, 6)
    )


async def test_user_change_records_a_sighting_only_when_opted_in(
    slack: FakeSlackApi, synchronous_bot: SlackBot
) -> None:
    changed = {"type": "user_change", "user": {**slack.users["U1"], "profile": {"avatar_hash": "new"}}}
    brain = synchronous_bot.brain

    assert (await post_event(synchronous_bot.events_url, event_callback(changed), SECRET)).status == 200
    assert brain.sightings == []
    brain.tracking = True
    assert (await post_event(synchronous_bot.events_url, event_callback(changed), SECRET)).status == 200
    [(_, team, [sighting])] = brain.sightings
    assert (team, sighting.user, sighting.avatar_hash) == ("T0FAKE", "U1", "new")


async def test_stopping_finishes_the_answers_already_acknowledged(
    slack: FakeSlackApi, http_mode: tuple[Running, int]
) -> None:
    running, port = http_mode
    file = slack.add_file("F1", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    dm = slack_events.dm(files=[file])
    async with aiohttp.ClientSession() as session:
        for _ in range(200):  # until the server listens; no fixed sleep
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz"):
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
    events = f"http://127.0.0.1:{port}/slack/events"
    assert (await post_event(events, event_callback(dm), SECRET)).status == 200
    # Stop right after Slack's ack, while the photo is being checked: run_slack returns only once the
    # review and the crop are out.
    await running.stop()
    assert slack.calls_to("files.completeUploadExternal")
    assert [c for c in slack.calls_to("chat.postMessage") if c["channel"] == "D1"]


async def test_the_review_shortcut_in_socket_mode(slack: FakeSlackApi, socket_mode: Running) -> None:
    from handlers.slack.app import REVIEW_SHORTCUT

    await slack.wait_for_socket()
    file = slack.add_file("F7", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    envelope = await slack.send_envelope(
        "interactive", slack_events.message_action(REVIEW_SHORTCUT, files=[file])
    )
    assert await slack.wait_for_ack(envelope) == {"envelope_id": envelope}
    review = await slack.wait_for_call("chat.postEphemeral", timeout=90)
    assert review["user"] == "U1" and "Score" in review["text"]
    assert slack.calls_to("chat.postMessage") == []
