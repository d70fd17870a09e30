"""The serve supervisor: what starts for which configuration, restarts with backoff, isolation of a
failing adapter, clean stop, and the console mode. The real adapters run in test_serve_process.py."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.cli import Runtime
from bot.config import Config
from bot.logs import configure_logging
from handlers import serve as serve_module
from handlers.serve import PartUnavailable, RunPart, plan_for, serve_async, supervise

TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def test_plan_follows_the_configuration(config: Config) -> None:
    assert plan_for(config).console and plan_for(config).adapters == []
    socket = replace(config, slack_bot_token="xoxb-1", slack_app_token="xapp-1", discord_token="d")
    assert (plan_for(socket).slack_mode, plan_for(socket).adapters) == ("socket", ["slack", "discord"])
    assert not plan_for(socket).console
    http = replace(config, slack_bot_token="xoxb-1", slack_signing_secret="s")
    assert plan_for(http).slack_mode == "http" and plan_for(http).adapters == ["slack"]
    half = replace(config, slack_bot_token="xoxb-1")
    assert plan_for(half).console and "SLACK_SIGNING_SECRET" in plan_for(half).notes[0]
    secret_only = replace(config, slack_signing_secret="s")
    assert "without SLACK_BOT_TOKEN" in plan_for(secret_only).notes[0]


async def test_a_failing_part_is_restarted_with_doubling_backoff_and_its_token_never_logged(
    config: Config, restore_logging: None
) -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    stopping = asyncio.Event()
    attempts = 0

    async def flaky(runtime: Runtime, stopping_: asyncio.Event) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 5:
            stopping_.set()
            return
        raise RuntimeError(f"auth failed for {TOKEN}")

    def load() -> RunPart:
        return flaky

    started = await supervise(
        "slack", load, Runtime(config), stopping, initial_backoff=0.01, max_backoff=0.05
    )

    assert started is True and attempts == 5
    output = stream.getvalue()
    assert TOKEN not in output and "RuntimeError" in output
    backoffs = [line["backoff_s"] for line in map(json.loads, output.splitlines()) if "backoff_s" in line]
    assert backoffs == [0.01, 0.02, 0.04, 0.05]


async def test_a_part_that_returns_on_its_own_is_restarted(config: Config) -> None:
    stopping = asyncio.Event()
    runs = 0

    async def quits_early(runtime: Runtime, stopping_: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            await stopping_.wait()

    async def stop_later() -> None:
        while runs < 3:
            await asyncio.sleep(0.01)
        stopping.set()

    stopper = asyncio.create_task(stop_later())
    assert await supervise("discord", lambda: quits_early, Runtime(config), stopping, initial_backoff=0.01)
    await stopper
    assert runs == 3


async def test_an_unavailable_part_is_reported_once_and_not_retried(config: Config) -> None:
    def load() -> RunPart:
        raise PartUnavailable("the Discord adapter cannot be loaded (ModuleNotFoundError)")

    assert await supervise("discord", load, Runtime(config), asyncio.Event()) is False


async def test_one_crashing_adapter_does_not_take_the_other_down(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = replace(config, slack_bot_token="xoxb-1", slack_signing_secret="s", discord_token="d")
    stopping = asyncio.Event()
    slack_attempts = 0
    discord_events: list[str] = []
    scheduler_events: list[str] = []

    async def crashing_slack(runtime: Runtime, stopping_: asyncio.Event) -> None:
        nonlocal slack_attempts
        slack_attempts += 1
        if slack_attempts >= 3:
            stopping_.set()
        raise ConnectionError("slack is down")

    async def steady_discord(runtime: Runtime, stopping_: asyncio.Event) -> None:
        discord_events.append("started")
        await stopping_.wait()
        discord_events.append("closed")

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        scheduler_events.append("started")
        await stopping_.wait()
        scheduler_events.append("released claims")

    monkeypatch.setattr(serve_module, "INITIAL_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(serve_module, "_load_slack", lambda: crashing_slack)
    monkeypatch.setattr(serve_module, "_load_discord", lambda: steady_discord)
    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    monkeypatch.setattr(serve_module, "MAX_BACKOFF_SECONDS", 0.02)

    code = await serve_async(Runtime(both), console_user="u", stopping=stopping)

    assert code == 0
    assert slack_attempts == 3
    assert discord_events == ["started", "closed"]
    assert scheduler_events == ["started", "released claims"]


async def test_with_no_adapter_loadable_serve_exits_1(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = replace(config, slack_bot_token="xoxb-1", slack_signing_secret="s", discord_token="d")

    def unavailable() -> RunPart:
        raise PartUnavailable("missing")

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        await stopping_.wait()

    monkeypatch.setattr(serve_module, "_load_slack", unavailable)
    monkeypatch.setattr(serve_module, "_load_discord", unavailable)
    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    assert await serve_async(Runtime(both), console_user="u") == 1


async def test_a_part_stuck_after_stopping_is_cancelled_after_the_grace_period(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord = replace(config, discord_token="d")
    stopping = asyncio.Event()
    cancelled: list[str] = []

    async def stuck(runtime: Runtime, stopping_: asyncio.Event) -> None:
        stopping_.set()
        try:
            await asyncio.Event().wait()  # ignores stopping
        except asyncio.CancelledError:
            cancelled.append("discord")
            raise

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        await stopping_.wait()

    monkeypatch.setattr(serve_module, "_load_discord", lambda: stuck)
    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    code = await serve_async(Runtime(discord), console_user="u", stopping=stopping, grace_seconds=0.05)
    assert code == 0 and cancelled == ["discord"]


async def test_console_mode_answers_until_quit_and_runs_the_scheduler(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler_events: list[str] = []

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        scheduler_events.append("started")
        await stopping_.wait()
        scheduler_events.append("stopped")

    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    stdout = io.StringIO()
    code = await serve_async(
        Runtime(config), console_user="ana", stdin=io.StringIO("help\nquit\nnever read\n"), stdout=stdout
    )
    assert code == 0
    assert stdout.getvalue().startswith("How I can help\n")
    assert scheduler_events == ["started", "stopped"]


async def test_console_mode_stops_on_signal_while_waiting_for_input(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        await stopping_.wait()

    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    read_end, write_end = os.pipe()
    stopping = asyncio.Event()
    with os.fdopen(read_end) as stdin:
        serving = asyncio.create_task(
            serve_async(
                Runtime(config), console_user="ana", stopping=stopping, stdin=stdin, stdout=io.StringIO()
            )
        )
        await asyncio.sleep(0.05)
        assert not serving.done()  # blocked on input that never comes
        stopping.set()
        assert await serving == 0
        os.close(write_end)  # lets the console thread see end of input and finish


async def test_sigterm_stops_serve_and_a_second_signal_cancels_a_stuck_part(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord = replace(config, discord_token="d")
    entered = asyncio.Event()
    cancelled: list[str] = []

    async def ignores_stopping(runtime: Runtime, stopping_: asyncio.Event) -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("discord")
            raise

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        await stopping_.wait()

    monkeypatch.setattr(serve_module, "_load_discord", lambda: ignores_stopping)
    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    stopping = asyncio.Event()
    serving = asyncio.create_task(
        serve_async(Runtime(discord), console_user="u", stopping=stopping, grace_seconds=3600)
    )
    await entered.wait()
    os.kill(os.getpid(), signal.SIGTERM)
    await stopping.wait()
    assert not serving.done()  # the stuck part holds it, for up to the (long) grace period
    os.kill(os.getpid(), signal.SIGINT)
    assert await serving == 0
    assert cancelled == ["discord"]


async def test_work_an_adapter_left_in_flight_is_finished_before_serve_returns(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = replace(config, slack_bot_token="xoxb-1", slack_signing_secret="s")
    answered: list[str] = []
    release = asyncio.Event()

    async def answer_later() -> None:
        await release.wait()
        answered.append("reply posted")

    async def acks_then_returns(runtime: Runtime, stopping_: asyncio.Event) -> None:
        # Like slack-bolt: acknowledge, answer in a detached task, and return as soon as asked to stop.
        asyncio.get_running_loop().create_task(answer_later(), name="listener")
        asyncio.get_running_loop().call_later(0.05, release.set)  # the platform answers a moment later
        stopping_.set()
        await asyncio.sleep(0)

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        await stopping_.wait()

    monkeypatch.setattr(serve_module, "_load_slack", lambda: acks_then_returns)
    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    assert await serve_async(Runtime(slack), console_user="u") == 0
    assert answered == ["reply posted"]
