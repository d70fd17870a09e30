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

import pytest

from bot.config import Config
from bot.logs import configure_logging
from bot.runtime import Runtime
from handlers import serve as serve_module
from handlers.registry import create_adapters
from handlers.serve import PartUnavailable, plan_notes, serve_async, supervise
from tests.conftest import with_settings
from tests.fakes.adapters import ScriptedAdapter

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


def _started(config: Config) -> list[str]:
    return [adapter.name for adapter in create_adapters(config.environ) if adapter.configured]


def test_what_starts_follows_the_configuration(config: Config) -> None:
    assert _started(config) == []
    socket = with_settings(config, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1", DISCORD_TOKEN="d")
    assert _started(socket) == ["slack", "discord"]
    assert create_adapters(socket.environ)[0].describe().startswith("Socket Mode")
    http = with_settings(config, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert _started(http) == ["slack"]
    assert create_adapters(http.environ)[0].describe().startswith("HTTP mode on port 3000")
    half = with_settings(config, SLACK_BOT_TOKEN="xoxb-1")
    assert _started(half) == []
    assert "SLACK_SIGNING_SECRET" in plan_notes(create_adapters(half.environ))[0]
    secret_only = with_settings(config, SLACK_SIGNING_SECRET="s")
    assert "without SLACK_BOT_TOKEN" in plan_notes(create_adapters(secret_only.environ))[0]


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

    started = await supervise(
        "slack", flaky, Runtime(config), stopping, initial_backoff=0.01, max_backoff=0.05
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
    assert await supervise("discord", quits_early, Runtime(config), stopping, initial_backoff=0.01)
    await stopper
    assert runs == 3


async def test_an_unavailable_part_is_reported_once_and_not_retried(config: Config) -> None:
    async def cannot_import(runtime: Runtime, stopping_: asyncio.Event) -> None:
        import handlers.no_such_platform  # type: ignore[import-not-found]  # noqa: F401

    assert await supervise("discord", cannot_import, Runtime(config), asyncio.Event()) is False


async def test_one_crashing_adapter_does_not_take_the_other_down(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    monkeypatch.setattr(serve_module, "MAX_BACKOFF_SECONDS", 0.02)
    adapters = [ScriptedAdapter("slack", crashing_slack), ScriptedAdapter("discord", steady_discord)]

    code = await serve_async(Runtime(config), console_user="u", stopping=stopping, adapters=adapters)

    assert code == 0
    assert slack_attempts == 3
    assert discord_events == ["started", "closed"]
    assert scheduler_events == ["started", "released claims"]


async def test_with_no_adapter_loadable_serve_exits_1(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(runtime: Runtime, stopping_: asyncio.Event) -> None:
        raise PartUnavailable("missing")

    async def scheduler(runtime: Runtime, stopping_: asyncio.Event) -> None:
        await stopping_.wait()

    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    adapters = [ScriptedAdapter("slack", unavailable), ScriptedAdapter("discord", unavailable)]
    assert await serve_async(Runtime(config), console_user="u", adapters=adapters) == 1


async def test_a_part_stuck_after_stopping_is_cancelled_after_the_grace_period(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
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

    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    code = await serve_async(
        Runtime(config),
        console_user="u",
        stopping=stopping,
        grace_seconds=0.05,
        adapters=[ScriptedAdapter("discord", stuck)],
    )
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

    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    stopping = asyncio.Event()
    serving = asyncio.create_task(
        serve_async(
            Runtime(config),
            console_user="u",
            stopping=stopping,
            grace_seconds=3600,
            adapters=[ScriptedAdapter("discord", ignores_stopping)],
        )
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

    monkeypatch.setattr(serve_module, "run_scheduler", scheduler)
    adapters = [ScriptedAdapter("slack", acks_then_returns)]
    assert await serve_async(Runtime(config), console_user="u", adapters=adapters) == 0
    assert answered == ["reply posted"]
