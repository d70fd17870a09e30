"""A new platform through the registry alone: doctor lists it, serve starts it, redaction hides its secret."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from bot.config import Config
from bot.runtime import Runtime
from handlers import registry
from handlers.cli import main as cli_main
from handlers.doctor import run_checks
from handlers.serve import serve_async
from tests.conftest import with_settings
from tests.fakes import echo_adapter

TOKEN = "echo-token-0123456789-very-secret"


@pytest.fixture
def echo_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "ADAPTER_MODULES", [*registry.ADAPTER_MODULES, "tests.fakes.echo_adapter"])
    echo_adapter.started.clear()
    yield


def test_doctor_lists_the_new_adapter_and_its_checks_without_showing_the_secret(
    config: Config, echo_registered: None
) -> None:
    rows = run_checks(with_settings(config, ECHO_TOKEN=TOKEN), timeout=1)
    by_check = {row.check: row for row in rows}
    assert by_check["echo adapter"].detail == "echo, in process"
    assert by_check["echo token"].status == "ok"
    assert TOKEN not in by_check["echo token"].detail
    assert "adapters" not in by_check  # a configured platform: no "console only" warning


async def test_serve_starts_the_new_adapter_and_it_registers_its_sender(
    config: Config, echo_registered: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers import serve as serve_module

    async def idle_scheduler(runtime: Runtime, stopping: asyncio.Event) -> None:
        await stopping.wait()

    monkeypatch.setattr(serve_module, "run_scheduler", idle_scheduler)
    runtime = Runtime(with_settings(config, ECHO_TOKEN=TOKEN))
    stopping = asyncio.Event()
    serving = asyncio.create_task(serve_async(runtime, console_user="u", stopping=stopping))
    for _ in range(200):
        if echo_adapter.started:
            break
        await asyncio.sleep(0.01)
    assert echo_adapter.started == [TOKEN]
    assert runtime.senders.get("echo") is not None
    assert runtime.health.checks()["echo"].ok  # serve expected it, and it reported its connection
    stopping.set()
    assert await asyncio.wait_for(serving, 10) == 0


def test_the_log_filter_redacts_the_new_adapters_secret(
    echo_registered: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    for handler in saved[0]:
        root.removeHandler(handler)  # let the CLI set up its own redacting handler
    monkeypatch.setenv("ECHO_TOKEN", TOKEN)
    monkeypatch.setenv("HEADSHOT_LOG_LEVEL", "INFO")
    try:
        assert cli_main(["doctor", "--timeout", "1"]) in (0, 1)
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        logging.getLogger("headshot.test").warning("the echo platform said %s", TOKEN)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    assert "[redacted]" in stream.getvalue() and TOKEN not in stream.getvalue()
    assert TOKEN not in capsys.readouterr().out
