"""Health you can see: `/healthz`, `/readyz` and `/metrics` of `headshot serve`, in process.

Readiness is 200 only while every enabled adapter is connected, the store answers and the scheduler ticked
recently; otherwise 503 with what is wrong. Metrics count what the process did."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.exc import OperationalError

from bot import metrics
from bot.config import Config, load_config
from bot.health import Health
from bot.messages import Conversation, Incoming
from bot.reminders.delivery import PermanentDeliveryError, SenderRegistry, TransientDeliveryError
from bot.reminders.scheduler import Scheduler
from bot.reminders.service import ReminderService
from bot.reminders.store import NewReminder
from bot.runtime import Runtime
from handlers.serve import serve_async
from tests.fakes.adapters import ScriptedAdapter
from tests.reminders.conftest import START, FakeClock, RecordingSender


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    runtime: Runtime
    base: str
    metrics: str
    drop: asyncio.Event
    back: asyncio.Event


@asynccontextmanager
async def _serving(config: Config, *, same_port: bool = False) -> AsyncIterator[Served]:
    health_port = _free_port()
    metrics_port = health_port if same_port else _free_port()
    environ = {
        "HEADSHOT_DATABASE_URL": config.database_url,
        "HEADSHOT_HEALTH_PORT": str(health_port),
        "HEADSHOT_METRICS_PORT": str(metrics_port),
    }
    config = load_config(environ)
    runtime = Runtime(config)
    drop, back = asyncio.Event(), asyncio.Event()

    async def first(*events: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(event.wait()) for event in events]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()

    async def life(runtime: Runtime, stopping: asyncio.Event) -> None:
        runtime.health.connected("scripted", "in process")
        await first(drop, stopping)
        runtime.health.disconnected("scripted", "the platform closed the connection")
        await first(back, stopping)
        runtime.health.connected("scripted", "in process")
        await stopping.wait()

    stopping = asyncio.Event()
    serving = asyncio.create_task(
        serve_async(
            runtime,
            console_user="u",
            stopping=stopping,
            adapters=[ScriptedAdapter("scripted", life)],
            listen_host="127.0.0.1",
        )
    )
    try:
        yield Served(
            runtime, f"http://127.0.0.1:{health_port}", f"http://127.0.0.1:{metrics_port}", drop, back
        )
    finally:
        stopping.set()
        assert await asyncio.wait_for(serving, 30) == 0


async def _get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


async def _until(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = await check()
        except aiohttp.ClientConnectionError:
            result = None
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_ready_only_while_the_adapter_is_connected_the_store_answers_and_the_scheduler_ticks(
    config: Config,
) -> None:
    async with _serving(config) as served:
        ready_url = f"{served.base}/readyz"

        async def ready() -> Any:
            status, body = await _get(ready_url)
            return body if status == 200 else None

        body = await _until(ready, "readiness")
        assert body["ready"] is True
        assert set(body["checks"]) == {"scripted", "scheduler", "store"}
        assert body["checks"]["scripted"] == {"ok": True, "detail": "in process"}
        assert (await _get(f"{served.base}/healthz"))[0] == 200

        served.drop.set()

        async def not_ready() -> Any:
            status, body = await _get(ready_url)
            return body if status == 503 else None

        body = await _until(not_ready, "the lost connection to show")
        assert body["ready"] is False
        assert body["checks"]["scripted"] == {"ok": False, "detail": "the platform closed the connection"}
        assert body["checks"]["store"]["ok"] and body["checks"]["scheduler"]["ok"]
        _, exposition = await _get(f"{served.metrics}/metrics")
        assert 'headshot_adapter_connected{adapter="scripted"} 0.0' in exposition

        served.back.set()
        await _until(ready, "readiness again")
        _, exposition = await _get(f"{served.metrics}/metrics")
        assert 'headshot_adapter_connected{adapter="scripted"} 1.0' in exposition


async def test_one_port_may_serve_probes_and_metrics(config: Config) -> None:
    async with _serving(config, same_port=True) as served:
        assert served.base == served.metrics
        await _until(lambda: _status_is(f"{served.base}/readyz", 200), "readiness")
        status, exposition = await _get(f"{served.metrics}/metrics")
        assert status == 200 and "headshot_scheduler_last_tick_timestamp_seconds" in exposition


async def _status_is(url: str, status: int) -> bool:
    return (await _get(url))[0] == status


async def test_a_store_that_fails_or_hangs_is_not_ready(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = Runtime(config)
    runtime.health.connected("scripted")
    assert (await runtime.readiness()).ready
    store = runtime.brain.reminders.store

    def failing() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(store, "ping", failing)
    broken = await runtime.readiness()
    assert not broken.ready and broken.checks["store"].detail == "cannot be queried (OperationalError)"

    def hanging() -> None:
        time.sleep(1.0)

    monkeypatch.setattr(store, "ping", hanging)
    started = time.monotonic()
    hung = await runtime.readiness(timeout=0.1)
    assert time.monotonic() - started < 0.8
    assert not hung.ready and hung.checks["store"].detail == "no answer within 0.1 s"
    runtime.close()


def test_a_scheduler_that_stopped_ticking_and_an_adapter_that_never_connected_are_not_ready() -> None:
    now = [1000.0]
    health = Health(clock=lambda: now[0])
    health.expect("discord")
    health.expect_ticks("scheduler", every=30)
    checks = health.checks()
    assert checks["discord"].ok is False and checks["discord"].detail == "not connected yet"
    assert checks["scheduler"].ok is False and checks["scheduler"].detail == "has not ticked yet"
    health.ticked("scheduler")
    now[0] += 60
    assert health.checks()["scheduler"].ok
    now[0] += 60  # three ticks missed
    assert health.checks()["scheduler"] == health.checks()["scheduler"].__class__(
        False, "last tick 120 s ago"
    )
    alive = [True]
    health.connected("discord", "gateway", probe=lambda: alive[0])
    assert health.checks()["discord"].ok
    alive[0] = False
    assert health.checks()["discord"].ok is False and health.connections() == {"discord": False}


async def test_metrics_count_messages_latency_and_duplicates(config: Config) -> None:
    metrics.enable()
    runtime = Runtime(config)
    who = Conversation("console", "local", "console", "ada")
    runtime.brain.handle(Incoming(who, "help"))
    assert runtime.brain.first_delivery("slack", "event", "T1:EvMetrics")
    assert not runtime.brain.first_delivery("slack", "event", "T1:EvMetrics")
    body, content_type = metrics.exposition()
    text = body.decode()
    assert content_type.startswith("text/plain")
    assert 'headshot_messages_total{kind="help",platform="console"}' in text
    assert 'headshot_answer_seconds_count{platform="console"}' in text
    assert 'headshot_duplicates_dropped_total{kind="event",platform="slack"}' in text
    assert "headshot_photo_queue_depth 0.0" in text
    assert 'headshot_reminders_total{outcome="delivered"}' in text
    runtime.close()


def _sample(name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(metrics.exposition()[0].decode()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def test_metrics_count_votes_once_per_change_of_mind(config: Config) -> None:
    metrics.enable()
    runtime = Runtime(config)
    who = Conversation("console", "local", "console", "grace")
    up_before = _sample("headshot_answer_votes_total", platform="console", verdict="up")
    down_before = _sample("headshot_answer_votes_total", platform="console", verdict="down")
    runtime.brain.handle(Incoming(who, "how often should I update my headshot?"))
    for said in ("good", "good", "bad"):
        runtime.brain.handle(Incoming(who, said))
    assert _sample("headshot_answer_votes_total", platform="console", verdict="up") == up_before + 1
    assert _sample("headshot_answer_votes_total", platform="console", verdict="down") == down_before + 1
    runtime.close()


async def test_metrics_count_reminder_outcomes_and_the_scheduler_lag(tmp_path: Path) -> None:
    metrics.enable()
    clock = FakeClock()
    service = ReminderService(f"sqlite:///{tmp_path / 'm.db'}", clock=clock)
    sender = RecordingSender(
        failures=[TransientDeliveryError("rate limited"), PermanentDeliveryError("the user left")]
    )
    senders = SenderRegistry()
    senders.register("slack", sender)
    for text in ("once", "twice", "gone"):
        service.store.add(NewReminder("slack", "T1", "C1", "alice", text, START), now=START)
    before = {o: _sample("headshot_reminders_total", outcome=o) for o in ("delivered", "failed", "retried")}
    ticks: list[str] = []
    scheduler = Scheduler(service, senders, tick_seconds=0.01, on_tick=lambda: ticks.append("tick"))
    clock.advance(timedelta(minutes=3))  # the reminders are three minutes late
    stopping = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stopping))
    while not ticks:
        await asyncio.sleep(0.01)
    stopping.set()
    await running
    after = {o: _sample("headshot_reminders_total", outcome=o) for o in ("delivered", "failed", "retried")}
    assert {o: after[o] - before[o] for o in after} == {"delivered": 1, "failed": 1, "retried": 1}
    assert _sample("headshot_scheduler_lag_seconds") == 180.0
    assert _sample("headshot_scheduler_last_tick_timestamp_seconds") > time.time() - 60
    service.close()


async def test_the_photo_queue_depth_is_read_from_the_photo_work_at_each_scrape(config: Config) -> None:
    import threading

    from bot.photo.work import configure_photo_work
    from handlers.probes import start_listeners

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    runners = await start_listeners(Runtime(replace(config, metrics_port=port)), host="127.0.0.1")
    work = configure_photo_work(1, None)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with work.slot():
            holding.set()
            release.wait(10)

    def wait_for_a_slot() -> None:
        with work.slot():
            pass

    async def depth() -> str:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as got:
            text = await got.text()
        return next(line for line in text.splitlines() if line.startswith("headshot_photo_queue_depth "))

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    waiter = threading.Thread(target=wait_for_a_slot)
    waiter.start()
    try:
        for _ in range(200):
            if work.queued:
                break
            await asyncio.sleep(0.01)
        assert await depth() == "headshot_photo_queue_depth 1.0"
    finally:
        release.set()
        holder.join()
        waiter.join()
    assert await depth() == "headshot_photo_queue_depth 0.0"
    for runner in runners:
        await runner.cleanup()
