"""Two `headshot serve` replicas on one store, as real processes behind no load balancer, against the loopback
fake Slack: both ready, a photo reviewed on each, a retry of an event no replica answered is answered once,
one event delivered to both is answered once, a slash command delivered twice is answered once, unsigned
garbage gets 401, and both stay ready with no error in their logs. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import data_path
from tests.fakes import slack_events
from tests.fakes.replicas import Replica, free_port, start_replica
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.reminders.conftest import _postgres_server, _throwaway_database

pytestmark = pytest.mark.slow  # starts two `headshot serve` processes

SECRET = "replica-test-signing-secret-0123456789"
PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"


@dataclass
class Pair:
    slack: FakeSlackApi
    replicas: list[Replica]
    events: list[str]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    with _throwaway_database(_postgres_server()) as url:
        yield url


@pytest.fixture
async def pair(shared_store: str, tmp_path: Path) -> AsyncIterator[Pair]:
    async with FakeSlackApi() as slack:
        for user in ("U1", "U2", "U3", "U4", "U5"):
            slack.add_user(user, name=user.lower())
        replicas: list[Replica] = []
        events: list[str] = []
        try:
            for name in ("a", "b"):
                port = free_port()
                replicas.append(
                    await start_replica(
                        tmp_path / name,
                        name,
                        probe_port=free_port(),
                        SLACK_BOT_TOKEN=slack.bot_token,
                        SLACK_SIGNING_SECRET=SECRET,
                        SLACK_API_URL=slack.url,
                        PORT=str(port),
                        HEADSHOT_DATABASE_URL=shared_store,
                    )
                )
                events.append(f"http://127.0.0.1:{port}/slack/events")
            await asyncio.gather(*(replica.ready() for replica in replicas))
            yield Pair(slack, replicas, events)
        finally:
            for replica in replicas:
                await replica.stop()


def _posts_to(slack: FakeSlackApi, channel: str) -> list[dict[str, Any]]:
    return [p for p in slack.calls_to("chat.postMessage") if p["channel"] == channel]


async def _settle(slack: FakeSlackApi, channel: str, count: int) -> list[dict[str, Any]]:
    """Waits for `count` answers in `channel`, then a moment more: a duplicate would arrive by then."""
    for _ in range(600):
        if len(_posts_to(slack, channel)) >= count:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)
    return _posts_to(slack, channel)


async def test_two_replicas_share_the_work_and_answer_each_delivery_once(pair: Pair) -> None:
    slack, (a, b), events = pair.slack, pair.replicas, pair.events

    # A photo on each replica is reviewed.
    photo = data_path("photos", PHOTO).read_bytes()
    for index, (target, user) in enumerate(zip(events, ("U1", "U2"), strict=True)):
        file = slack.add_file(f"F{index}", photo, name=PHOTO)
        dm = slack_events.event_callback(slack_events.dm(files=[file], user=user, channel=f"D{user}"))
        assert (await post_event(target, dm, SECRET)).status == 200
    for user in ("U1", "U2"):
        [review] = await _settle(slack, f"D{user}", 1)
        assert review["blocks"][0]["type"] == "header", review

    # The first delivery reached no replica (both restarting); Slack's retry reaches b: answered once.
    missed = slack_events.event_callback(slack_events.dm("help", user="U3", channel="DU3"))
    retried = await post_event(events[1], missed, SECRET, headers={"X-Slack-Retry-Num": "1"})
    assert retried.status == 200
    assert len(await _settle(slack, "DU3", 1)) == 1

    # One event delivered to both replicas at the same moment: answered once; and its retry: dropped.
    both = slack_events.event_callback(slack_events.dm("help", user="U4", channel="DU4"))
    posted = await asyncio.gather(*(post_event(target, both, SECRET) for target in events))
    assert [p.status for p in posted] == [200, 200]
    await post_event(events[0], both, SECRET, headers={"X-Slack-Retry-Num": "2"})
    assert len(await _settle(slack, "DU4", 1)) == 1

    # A slash command delivered to both: one answer on its response_url.
    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U5",
        "command": "/headshot",
        "text": "help",
        "trigger_id": slack_events.trigger_id(),
        "response_url": slack.response_url("both"),
    }
    await asyncio.gather(*(post_event(target, command, SECRET) for target in events))
    await slack.wait_for_response(key="both", timeout=60)
    await asyncio.sleep(2.0)
    assert [key for key, _ in slack.responses].count("both") == 1

    # Unsigned garbage is refused before anything parses it.
    async with aiohttp.ClientSession() as session:
        for body, headers in [
            (b"{not json", {"Content-Type": "application/json"}),
            (b"[1, 2]", {"Content-Type": "application/json"}),
            (b"{}", {"Content-Type": "application/json", "X-Slack-Request-Timestamp": "1.5"}),
        ]:
            async with session.post(events[0], data=body, headers=headers) as response:
                assert response.status == 401

    # Both replicas are still ready; their logs hold no error and no token.
    async with aiohttp.ClientSession() as session:
        for replica in (a, b):
            async with session.get(f"{replica.probe_url}/readyz") as response:
                body = await response.json()
                assert response.status == 200, body
                assert set(body["checks"]) == {"slack", "scheduler", "store"}
    for replica in (a, b):
        assert await replica.stop() == 0
        log = replica.log()
        assert slack.bot_token not in log
        levels = [json.loads(line)["level"] for line in log.splitlines() if line.startswith("{")]
        assert "ERROR" not in levels, log[-3000:]
        assert "refused a Slack request" in log or replica is b
