"""Acceptance for issue 7: `headshot serve` as a real process, as an operator runs it.

Slack (HTTP mode) and Discord run side by side against the loopback fakes; work is sent to both, SIGTERM
arrives while that work is in flight, and every piece of work must still be answered before the process
exits 0. A second test drives the console mode through a pipe.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import PROJECT_ROOT
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlackApi, post_event

pytestmark = pytest.mark.slow  # starts `headshot serve` processes

STARTUP_TIMEOUT = 90.0  # a fresh interpreter imports slack-bolt, discord.py, SQLAlchemy, the knowledge base
SIGNING_SECRET = "serve-test-signing-secret-0123456789"
SLACK_TOKEN = "xoxb-7777777777-8888888888-ServeProcessTokenAbcd"
DISCORD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GsErVe.serve-process-discord-token-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "HEADSHOT_")) and key != "PORT"
    }
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        HEADSHOT_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        HEADSHOT_LOG_FORMAT="json",
        **settings,
    )
    return env


async def _start_serve(tmp_path: Path, env: dict[str, str], *, stdin: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        "serve",
        cwd=tmp_path,  # no .env from the checkout is read
        env=env,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _wait_for_health(base: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                _out, err = await process.communicate()
                raise AssertionError(f"headshot serve exited early: {err.decode()[-3000:]}")
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("headshot serve never answered /healthz")


def _mention(ts: str, text: str) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T0FAKE",
        "api_app_id": "A0FAKE",
        "event_id": f"Ev{ts.replace('.', '')}",
        "event_time": int(float(ts)),
        "event": {
            "type": "app_mention",
            "user": "U1",
            "text": f"<@UBOT> {text}",
            "ts": ts,
            "channel": "C1",
            "channel_type": "channel",
            "event_ts": ts,
        },
    }


def _log_lines(stderr: bytes) -> list[dict[str, Any]]:
    lines = []
    for raw in stderr.decode(errors="replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            raise AssertionError(f"a log line is not JSON: {raw!r}") from None
    return lines


async def test_serve_runs_slack_and_discord_and_loses_no_work_on_sigterm(tmp_path: Path) -> None:
    async with (
        FakeSlackApi(bot_token=SLACK_TOKEN) as slack,
        FakeDiscord(token=DISCORD_TOKEN) as discord,
    ):
        port = _free_port()
        env = _environment(
            tmp_path,
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            PORT=str(port),
            SLACK_API_URL=slack.url,
            DISCORD_TOKEN=DISCORD_TOKEN,
            DISCORD_API_URL=discord.api_url,
        )
        process = await _start_serve(tmp_path, env, stdin=asyncio.subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_for_health(base, process)
            await discord.wait_until_ready(timeout=STARTUP_TIMEOUT)

            # Round one: both platforms answer while running normally.
            now = time.time()
            first_ts = f"{now:.6f}"
            posted = await post_event(
                f"{base}/slack/events",
                _mention(first_ts, "how often should I update my headshot?"),
                SIGNING_SECRET,
            )
            assert posted.status == 200
            await discord.send_mention("how often should I update my headshot?")
            await slack.wait_for_call("chat.postMessage", timeout=STARTUP_TIMEOUT)
            channel_messages = f"/channels/{discord.CHANNEL_ID}/messages"
            await discord.wait_for_request("POST", channel_messages, timeout=STARTUP_TIMEOUT)

            # Round two: new work on both. Each platform answers the first reply attempt with a 429 and
            # a Retry-After, so every answer is certainly still in flight when SIGTERM arrives.
            second_ts = f"{now + 1:.6f}"
            asked_before = len(discord.requests)
            dm_messages = f"/channels/{discord.dm_channel_id(discord.USER_ID)}/messages"
            # (Slack's wait outlasts Discord's, so the Slack answer is still pending after the Discord
            # adapter has closed: only serve's own wait for work in flight lets it finish.)
            slack.script("chat.postMessage", status=429, headers={"Retry-After": "4"})
            discord.rate_limit_next("POST", channel_messages, retry_after=1.0)
            discord.rate_limit_next("POST", dm_messages, retry_after=1.0)
            posted = await post_event(
                f"{base}/slack/events",
                _mention(second_ts, "are AI headshots ok for LinkedIn?"),
                SIGNING_SECRET,
            )
            assert posted.status == 200  # acknowledged: Slack will not send it again
            await discord.send_mention("what does a professional headshot cost?")
            await discord.send_dm("should my photo show my shoulders?")
            await slack.wait_for_call(
                "chat.postMessage", timeout=STARTUP_TIMEOUT, where=lambda p: p.get("thread_ts") == second_ts
            )
            await discord.wait_for_request("POST", channel_messages, since=asked_before)
            await discord.wait_for_request("POST", dm_messages, since=asked_before)
            process.send_signal(signal.SIGTERM)

            _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

        assert process.returncode == 0, err.decode()[-3000:]
        # Each in-flight answer was retried after the 429 and delivered before the process ended.
        second_replies = [c for c in slack.calls_to("chat.postMessage") if c.get("thread_ts") == second_ts]
        assert len(second_replies) == 2, "the Slack mention in flight at SIGTERM went unanswered"
        after_signal = discord.requests[asked_before:]
        for path, what in ((channel_messages, "mention"), (dm_messages, "DM")):
            attempts = [r for r in after_signal if r.method == "POST" and r.path.endswith(path)]
            assert len(attempts) == 2, f"the Discord {what} in flight at SIGTERM went unanswered"

    logs = _log_lines(err)
    events = [line["event"] for line in logs]
    assert "SIGTERM received: stopping" in events
    assert {"slack stopped", "discord stopped", "scheduler stopped"} <= set(events)
    assert not [line for line in logs if line["level"] in {"ERROR", "CRITICAL"}], "errors were logged"
    # One structured line per answered message, with where it came from and how long it took.
    handled = [line for line in logs if line["event"] == "message handled"]
    assert len(handled) == 5
    assert sorted(line["platform"] for line in handled) == ["discord"] * 3 + ["slack"] * 2
    assert {line["workspace"] for line in handled if line["platform"] == "slack"} == {"T0FAKE"}
    assert all(isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0 for line in handled)
    output = err.decode()
    for secret in (SLACK_TOKEN, DISCORD_TOKEN, SIGNING_SECRET):
        assert secret not in output
    for words in ("are AI headshots ok for LinkedIn?", "should my photo show my shoulders?"):
        assert words not in output  # never a user's message at INFO


async def test_serve_without_platforms_is_the_console_chat(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        "serve",
        "--user",
        "ana",
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(
        process.communicate(b"how often should I update my headshot?\nquit\nhelp\n"), timeout=STARTUP_TIMEOUT
    )
    assert process.returncode == 0, err.decode()[-3000:]
    answer = out.decode()
    assert answer.strip(), "no answer on stdout"
    assert "How I can help" not in answer  # `quit` ended the chat before `help`
    events = [line["event"] for line in _log_lines(err)]
    assert "console chat" in events
    assert "scheduler stopped" in events


async def test_a_reminder_set_first_thing_on_a_fresh_console_serve_is_stored(tmp_path: Path) -> None:
    """The console and the scheduler open the store at the same moment on start; neither may break."""
    for attempt in range(3):  # the race it guards against does not show every time
        env = _environment(tmp_path)
        env["HEADSHOT_DATABASE_URL"] = f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "handlers.cli",
            "serve",
            "--user",
            "ana",
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(
            process.communicate(b"remind me in 2 yrs\nreminders\nquit\n"), timeout=STARTUP_TIMEOUT
        )
        assert process.returncode == 0, err.decode()[-3000:]
        answer = out.decode()
        assert "went wrong" not in answer, err.decode()[-3000:]
        assert "I’ll remind you" in answer and "#1" in answer
        assert "scheduler not started" not in err.decode()


async def test_console_serve_stops_on_sigterm_while_waiting_for_input(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        "serve",
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    # Wait until the console is up (its first log line), then signal while it waits for a line.
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), timeout=STARTUP_TIMEOUT)
        assert line, "serve ended before the console started"
        if b"console chat" in line:
            break
    process.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-3000:]
    assert b"Fatal Python error" not in err


async def test_a_failing_adapter_is_retried_while_the_other_keeps_answering(tmp_path: Path) -> None:
    async with (
        FakeSlackApi(bot_token=SLACK_TOKEN) as slack,
        FakeDiscord(token="the-token-discord-expects") as discord,
    ):
        port = _free_port()
        env = _environment(
            tmp_path,
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            PORT=str(port),
            SLACK_API_URL=slack.url,
            DISCORD_TOKEN=DISCORD_TOKEN,  # rejected by the fake: 401
            DISCORD_API_URL=discord.api_url,
        )
        process = await _start_serve(tmp_path, env, stdin=asyncio.subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_for_health(base, process)
            # Discord is refused at login, again after the 1 s backoff...
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while len(discord.requests_to("GET", "/users/@me")) < 2:
                assert time.monotonic() < deadline, "the Discord adapter was not retried"
                await asyncio.sleep(0.1)
            # ...while Slack answers as usual.
            ts = f"{time.time():.6f}"
            posted = await post_event(
                f"{base}/slack/events", _mention(ts, "how often should I update my headshot?"), SIGNING_SECRET
            )
            assert posted.status == 200
            await slack.wait_for_call("chat.postMessage", where=lambda p: p.get("thread_ts") == ts)
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert process.returncode == 0, err.decode()[-3000:]
    logs = _log_lines(err)
    failures = [line for line in logs if line["event"] == "discord failed: DiscordStartError"]
    assert len(failures) >= 2 and [f["attempt"] for f in failures[:2]] == [1, 2]
    assert "401" in failures[0]["error"]
    backoffs = [line["backoff_s"] for line in logs if line.get("part") == "discord" and "backoff_s" in line]
    assert backoffs[:2] == [1.0, 2.0]
    assert DISCORD_TOKEN not in err.decode() and SLACK_TOKEN not in err.decode()


async def test_socket_mode_serve_finishes_the_answer_in_flight_on_sigterm(tmp_path: Path) -> None:
    app_token = "xapp-1-A0FAKE-1234567890-serveprocesssocketmode"
    async with FakeSlackApi(bot_token=SLACK_TOKEN, app_token=app_token) as slack:
        env = _environment(
            tmp_path, SLACK_BOT_TOKEN=SLACK_TOKEN, SLACK_APP_TOKEN=app_token, SLACK_API_URL=slack.url
        )
        process = await _start_serve(tmp_path, env, stdin=asyncio.subprocess.DEVNULL)
        try:
            await slack.wait_for_socket(timeout=STARTUP_TIMEOUT)
            slack.script("chat.postMessage", status=429, headers={"Retry-After": "2"})
            ts = f"{time.time():.6f}"
            envelope = await slack.send_envelope("events_api", _mention(ts, "how much does a headshot cost?"))
            await slack.wait_for_ack(envelope, timeout=STARTUP_TIMEOUT)
            await slack.wait_for_call(
                "chat.postMessage", timeout=STARTUP_TIMEOUT, where=lambda p: p.get("thread_ts") == ts
            )
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

        assert process.returncode == 0, err.decode()[-3000:]
        replies = [c for c in slack.calls_to("chat.postMessage") if c.get("thread_ts") == ts]
        assert len(replies) == 2, "the answer in flight at SIGTERM was not delivered"
    events = [line["event"] for line in _log_lines(err)]
    assert "adapter configured" in events and "slack stopped" in events
    assert app_token not in err.decode()
