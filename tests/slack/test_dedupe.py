"""Retries that lose nothing and answer once, across replicas: two Slack HTTP listeners (two brains, one
SQLite store), the way two `headshot serve` replicas behind a load balancer share the work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.exc import OperationalError

from bot.config import Config
from handlers.slack.app import SlackListeners, delivery_of
from handlers.slack.run import build_client, start_http
from tests.fakes import slack_events
from tests.fakes.brains import RecordingBrain
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, event_callback, message_ts


@dataclass
class Replica:
    url: str
    brain: RecordingBrain
    runner: web.AppRunner


@pytest.fixture
async def replicas(slack: FakeSlackApi, config: Config) -> AsyncIterator[list[Replica]]:
    started: list[Replica] = []
    for _ in range(2):
        brain = RecordingBrain(config)  # the same store (config's SQLite file) for both
        client = build_client(slack.bot_token, slack.url)
        listeners = SlackListeners(brain, client, api_url=slack.url)
        app = listeners.build_app(signing_secret=SECRET, process_before_response=True)
        runner, port = await start_http(app, "127.0.0.1", 0, signing_secret=SECRET)
        started.append(Replica(f"http://127.0.0.1:{port}/slack/events", brain, runner))
    try:
        yield started
    finally:
        for replica in started:
            await replica.runner.cleanup()
            replica.brain.close()


def _handled(replicas: list[Replica]) -> int:
    return sum(len(r.brain.incomings) for r in replicas)


def _mention(text: str = "<@UBOT> help") -> dict[str, Any]:
    return event_callback(
        {"type": "app_mention", "user": "U1", "text": text, "ts": message_ts(), "channel": "C1"}
    )


async def test_a_retry_of_an_event_nobody_took_is_answered(
    slack: FakeSlackApi, replicas: list[Replica]
) -> None:
    # The first delivery found no replica up; Slack's first retry reaches one.
    retried = await post_event(replicas[0].url, _mention(), SECRET, headers={"X-Slack-Retry-Num": "1"})
    assert retried.status == 200
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert _handled(replicas) == 1


async def test_a_retry_reaching_the_other_replica_is_dropped(
    slack: FakeSlackApi, replicas: list[Replica]
) -> None:
    event = _mention()
    assert (await post_event(replicas[0].url, event, SECRET)).status == 200
    for attempt, replica in ((1, replicas[1]), (2, replicas[0]), (3, replicas[1])):
        again = await post_event(replica.url, event, SECRET, headers={"X-Slack-Retry-Num": str(attempt)})
        assert (again.status, again.body) == (200, "")
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert _handled(replicas) == 1


async def test_one_event_delivered_to_both_replicas_at_once_is_answered_once(
    slack: FakeSlackApi, replicas: list[Replica]
) -> None:
    events = [_mention(f"<@UBOT> help {n}") for n in range(8)]
    posted = await asyncio.gather(*(post_event(r.url, e, SECRET) for e in events for r in replicas))
    assert {p.status for p in posted} == {200}
    assert len(slack.calls_to("chat.postMessage")) == len(events)
    assert _handled(replicas) == len(events)


async def test_the_message_twin_of_a_mention_on_the_other_replica_is_not_answered(
    slack: FakeSlackApi, replicas: list[Replica]
) -> None:
    ts = message_ts()
    base = {"user": "U1", "text": "<@UBOT> help", "ts": ts, "channel": "D1", "channel_type": "im"}
    # In a DM the `message` is answered; a redelivery of the same message under a new event_id (as a
    # replayed Socket Mode envelope is) on the other replica is recognised by the message's ts.
    first = event_callback({"type": "message", **base})
    again = event_callback({"type": "message", **base})
    await asyncio.gather(
        post_event(replicas[0].url, first, SECRET), post_event(replicas[1].url, again, SECRET)
    )
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_slash_command_and_a_button_delivered_twice_are_answered_once(
    slack: FakeSlackApi, replicas: list[Replica]
) -> None:
    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/headshot",
        "text": "help",
        "trigger_id": slack_events.trigger_id(),
        "response_url": slack.response_url("twice"),
    }
    await asyncio.gather(*(post_event(r.url, command, SECRET) for r in replicas))
    click = {
        "type": "block_actions",
        "team": {"id": "T0FAKE"},
        "user": {"id": "U1", "team_id": "T0FAKE"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
        "channel": {"id": "D1"},
        "message": {"ts": "1.1"},
        "trigger_id": slack_events.trigger_id(),
        "response_url": slack.response_url("click"),
        "actions": [{"type": "button", "action_id": "done", "value": "3", "action_ts": "1.2"}],
    }
    await asyncio.gather(*(post_event(r.url, click, SECRET) for r in replicas))
    assert [key for key, _ in slack.responses].count("twice") == 1
    assert [key for key, _ in slack.responses].count("click") == 1
    assert sum(len(r.brain.actions) for r in replicas) == 1


async def test_without_the_store_duplicates_are_still_dropped_within_a_process(
    slack: FakeSlackApi,
    replicas: list[Replica],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def store_down(key: str, *, now: object) -> bool:
        raise OperationalError("INSERT", {}, Exception("could not connect to server"))

    monkeypatch.setattr(replicas[0].brain.reminders.store.events, "claim", store_down)
    event = _mention()
    with caplog.at_level(logging.WARNING):
        await post_event(replicas[0].url, event, SECRET)
        await post_event(replicas[0].url, event, SECRET, headers={"X-Slack-Retry-Num": "1"})
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert any("deduplicating in this process only" in r.getMessage() for r in caplog.records)


def test_the_ids_that_name_a_delivery() -> None:
    event = event_callback({"type": "app_mention", "ts": "1.2", "channel": "C1"})
    assert delivery_of(event) == ("event", f"T0FAKE:{event['event_id']}")
    assert delivery_of({"command": "/headshot", "trigger_id": "9.8.7"}) == ("command", "9.8.7")
    by_url = delivery_of({"command": "/headshot", "response_url": "https://hooks.slack.com/x"})
    assert by_url is not None and by_url[0] == "command"
    assert delivery_of({"type": "block_actions", "trigger_id": "1.1.1"}) == ("interaction", "1.1.1")
    click = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "actions": [{"action_ts": "5.5"}],
    }
    named = delivery_of(click)
    assert named is not None and named[0] == "interaction" and "U1" not in named[1]  # no user id stored
    assert delivery_of({"type": "url_verification", "challenge": "c"}) is None
    assert delivery_of({"command": "/headshot"}) is None
