"""`headshot serve` in HTTP mode, configured through the environment alone, driven the way Slack would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import PROJECT_ROOT, data_path
from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, event_callback, message_ts

pytestmark = pytest.mark.slow  # starts `headshot serve` in a process

PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def served(
    slack: FakeSlackApi, tmp_path: Path
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "HEADSHOT_")) and key != "PORT"
    }
    env.update(
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SECRET,
        PORT=str(port),
        SLACK_API_URL=slack.url,
        HEADSHOT_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from handlers.cli import main; raise SystemExit(main(['serve']))",
        cwd=tmp_path,  # no .env from the checkout
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(600):  # until it listens (imports take a moment on a busy machine)
                if process.returncode is not None:
                    break
                try:
                    async with session.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("headshot serve never answered /healthz")
        if process.returncode is not None:
            _, err = await process.communicate()
            raise AssertionError(f"headshot serve exited early: {err.decode()[-2000:]}")
        yield base, process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_serve_answers_slack_over_http_and_stops_cleanly(
    slack: FakeSlackApi, served: tuple[str, asyncio.subprocess.Process]
) -> None:
    base, process = served
    events = f"{base}/slack/events"

    ts = message_ts()
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": ts, "channel": "C1"}
    assert (await post_event(events, event_callback(mention), SECRET)).status == 200
    answer = await slack.wait_for_call("chat.postMessage", timeout=60)
    assert (answer["channel"], answer["thread_ts"]) == ("C1", ts)

    file = slack.add_file("F1", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    dm = slack_events.dm(files=[file])
    assert (await post_event(events, event_callback(dm), SECRET)).status == 200
    upload = await slack.wait_for_call("files.completeUploadExternal", timeout=120)
    assert upload["channel_id"] == "D1"

    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/headshot",
        "text": "remind me in 18 months",
        "response_url": slack.response_url("serve"),
    }
    assert (await post_event(events, command, SECRET)).status == 200
    reminder = await slack.wait_for_response(timeout=60)
    assert reminder["response_type"] == "ephemeral" and reminder["text"]

    # The message shortcut on someone's photo: a private review for the user who used it.
    photo = slack.add_file("F2", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    shortcut = slack_events.message_action("review_photo", files=[photo], author="U2")
    assert (await post_event(events, shortcut, SECRET)).status == 200
    review = await slack.wait_for_call(
        "chat.postEphemeral", timeout=120, where=lambda c: "Score" in c["text"]
    )
    assert (review["channel"], review["user"]) == ("C1", "U1")

    assert (await post_event(events, event_callback(mention), "wrong-secret")).status == 401

    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    logs = err.decode()
    assert slack.bot_token not in logs
    assert "<@UBOT> help" not in logs  # not even from Bolt's report of the badly signed request
    assert "refused a Slack request: wrong request signature (401)" in logs
