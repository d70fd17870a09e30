"""`headshot serve`: every configured adapter plus the reminder scheduler in one asyncio process.

Each part runs under its own supervisor: an adapter that raises is logged and restarted with
exponential backoff (1 s doubling to 60 s) and never takes the others down. SIGTERM or SIGINT sets
`stopping`: the adapters stop taking work and close their connections, the scheduler finishes the
delivery in hand and releases the reminders it claimed, answers still in flight get the rest of the
grace period, and the process exits 0. A second signal, or the end of the grace period, cancels what
is left.

The adapters are imported only when configured, so a missing module or platform SDK only breaks the
adapter that needs it. With no platform configured, the console chat runs (on stdin/stdout), with the
scheduler in the background for reminders set on the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TextIO

from bot.cli import Runtime
from bot.config import Config

log = logging.getLogger("headshot.serve")

RunPart = Callable[[Runtime, asyncio.Event], Awaitable[None]]

INITIAL_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
# A part that ran this long before failing is considered to have been healthy: its backoff starts over.
HEALTHY_AFTER_SECONDS = 120.0
# docker-compose.yml gives the container 30 s (stop_grace_period) before SIGKILL.
SHUTDOWN_GRACE_SECONDS = 25.0
SCHEDULER_TICK_SECONDS = 30.0
CONSOLE_THREAD = "headshot-console"


class PartUnavailable(Exception):
    """A part cannot start at all in this installation (its module or SDK is missing): no retry helps."""


@dataclass(frozen=True)
class Plan:
    """What `serve` will start for a configuration; `headshot doctor` prints the same plan."""

    slack_mode: str | None  # "socket" or "http", None when Slack is not configured
    discord: bool
    console: bool
    notes: tuple[str, ...]  # half-configured platforms, in words an operator can act on

    @property
    def adapters(self) -> list[str]:
        return [name for name, on in (("slack", self.slack_mode), ("discord", self.discord)) if on]


def plan_for(config: Config) -> Plan:
    notes: list[str] = []
    slack_mode: str | None = None
    if config.slack_configured:
        slack_mode = "socket" if config.slack_app_token else "http"
    elif config.slack_bot_token:
        notes.append(
            "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
            "SLACK_SIGNING_SECRET (HTTP mode): Slack will not start"
        )
    elif config.slack_app_token or config.slack_signing_secret:
        notes.append(
            "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN: Slack will not start"
        )
    discord = config.discord_configured
    return Plan(
        slack_mode=slack_mode, discord=discord, console=not (slack_mode or discord), notes=tuple(notes)
    )


def _load_part(module_name: str, attribute: str, what: str) -> Any:
    # By name, so this file neither fails to import nor fails type checking while an adapter is absent.
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise PartUnavailable(f"{what} cannot be loaded ({type(exc).__name__}: {exc})") from exc


def _load_slack() -> RunPart:
    run_slack: RunPart = _load_part("handlers.slack", "run_slack", "the Slack adapter")
    return run_slack


def _load_discord() -> RunPart:
    try:
        run_discord: RunPart = _load_part("handlers.discord", "run_discord", "the Discord adapter")
    except PartUnavailable:
        # The package keeps its __init__ free of discord.py; the entry may live in its `run` module.
        run_discord = _load_part("handlers.discord.run", "run_discord", "the Discord adapter")
    return run_discord


async def run_scheduler(runtime: Runtime, stopping: asyncio.Event) -> None:
    scheduler_class = _load_part("bot.reminders.scheduler", "Scheduler", "the reminder scheduler")
    # Opening the store may run migrations: keep that off the event loop.
    service = await asyncio.to_thread(lambda: runtime.brain.reminders)
    scheduler = scheduler_class(service, runtime.senders, tick_seconds=SCHEDULER_TICK_SECONDS)
    await scheduler.run(stopping)


async def supervise(
    name: str,
    load: Callable[[], RunPart],
    runtime: Runtime,
    stopping: asyncio.Event,
    *,
    initial_backoff: float | None = None,
    max_backoff: float | None = None,
) -> bool:
    """Runs one part until `stopping`, restarting it with backoff when it fails.

    Returns False when the part could not be loaded at all (nothing was started), True otherwise.
    """
    initial_backoff = INITIAL_BACKOFF_SECONDS if initial_backoff is None else initial_backoff
    max_backoff = MAX_BACKOFF_SECONDS if max_backoff is None else max_backoff
    try:
        run = load()
    except PartUnavailable as exc:
        log.error("%s not started: %s", name, exc, extra={"part": name})
        return False
    backoff = initial_backoff
    attempt = 0
    while not stopping.is_set():
        attempt += 1
        started = time.monotonic()
        log.info("%s starting", name, extra={"part": name, "attempt": attempt})
        try:
            await run(runtime, stopping)
        except asyncio.CancelledError:
            raise
        except PartUnavailable as exc:
            log.error("%s not started: %s", name, exc, extra={"part": name})
            return False
        except Exception as exc:
            log.error(
                "%s failed: %s",
                name,
                type(exc).__name__,
                exc_info=True,
                extra={"part": name, "attempt": attempt, "error_type": type(exc).__name__},
            )
        else:
            if stopping.is_set():
                break
            log.warning("%s returned without being asked to stop", name, extra={"part": name})
        if time.monotonic() - started >= HEALTHY_AFTER_SECONDS:
            backoff = initial_backoff
        log.info("%s restarting in %.0f s", name, backoff, extra={"part": name, "backoff_s": backoff})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=backoff)
        backoff = min(backoff * 2, max_backoff)
    log.info("%s stopped", name, extra={"part": name})
    return True


def _console_in_thread(
    runtime: Runtime, user: str, stdin: TextIO, stdout: TextIO, done: asyncio.Future[int]
) -> None:
    """The console reads stdin with blocking calls; it runs on a daemon thread so a signal can end the
    process while it waits for a line."""
    from handlers.console import run_console

    loop = done.get_loop()

    def settle(code: int | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(code or 0)

    try:
        code = run_console(runtime.brain, user=user, stdin=stdin, stdout=stdout)
    except BaseException as exc:  # handed to the loop, which logs it
        loop.call_soon_threadsafe(settle, None, exc)
        return
    loop.call_soon_threadsafe(settle, code, None)


CORE_MODULES = (
    "bot.reminders.service",
    "bot.reminders.scheduler",
    "bot.knowledge",
    "bot.photo.review",
    "cv2",
)


def preload_core() -> None:
    """Imports the core's heavy modules once, on one thread, before any part starts.

    Otherwise the console thread, the scheduler and the adapters' worker threads import SQLAlchemy or
    OpenCV for the first time at the same moment, and a package with import cycles (SQLAlchemy) then
    fails in one of them with "partially initialized module".
    """
    for name in CORE_MODULES:
        importlib.import_module(name)


async def serve_async(
    runtime: Runtime,
    *,
    console_user: str,
    stopping: asyncio.Event | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    grace_seconds: float = SHUTDOWN_GRACE_SECONDS,
) -> int:
    stopping = stopping or asyncio.Event()
    # Tasks that exist already are our caller's, not work in flight: never wait for those at the end.
    preexisting = asyncio.all_tasks()
    loop = asyncio.get_running_loop()
    plan = plan_for(runtime.config)
    for note in plan.notes:
        log.warning(note)

    await asyncio.to_thread(preload_core)
    parts: list[asyncio.Task[bool]] = []  # the adapters
    everything: list[asyncio.Task[bool]] = []  # the adapters and the scheduler
    console: asyncio.Future[int] | None = None
    signals_seen = 0
    forced = asyncio.Event()

    def on_signal(signum: int) -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen == 1:
            log.info("%s received: stopping", signal.Signals(signum).name)
            stopping.set()
        else:
            log.warning("second signal: cancelling what is still running")
            forced.set()
            for task in everything:
                task.cancel()
            if console is not None and not console.done():
                console.set_result(0)

    installed: list[signal.Signals] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)

    if plan.slack_mode:
        log.info("Slack adapter configured", extra={"platform": "slack", "mode": plan.slack_mode})
        parts.append(asyncio.create_task(supervise("slack", _load_slack, runtime, stopping), name="slack"))
    if plan.discord:
        log.info("Discord adapter configured", extra={"platform": "discord"})
        parts.append(
            asyncio.create_task(supervise("discord", _load_discord, runtime, stopping), name="discord")
        )
    scheduler = asyncio.create_task(
        supervise("scheduler", lambda: run_scheduler, runtime, stopping), name="scheduler"
    )
    everything.extend([*parts, scheduler])
    if plan.console:
        log.info("no platform configured: console chat", extra={"platform": "console"})
        console = loop.create_future()
        threading.Thread(
            target=_console_in_thread,
            args=(runtime, console_user, stdin or sys.stdin, stdout or sys.stdout, console),
            name=CONSOLE_THREAD,
            daemon=True,
        ).start()

    exit_code = 0
    try:
        if console is not None:
            stop_wait: asyncio.Future[Any] = asyncio.ensure_future(stopping.wait())
            await asyncio.wait([console, stop_wait], return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            if console.done() and not console.cancelled():
                try:
                    exit_code = console.result()
                except Exception:
                    log.exception("console chat failed")
                    exit_code = 1
            stopping.set()
        # An adapter that cannot be loaded leaves the others running; with none left there is
        # nothing to serve, and a non-zero exit lets the supervisor (docker, systemd) say so.
        elif parts and await _all_ended_before_stopping(parts, stopping):
            log.error("no adapter could be started; exiting")
            exit_code = 1
            stopping.set()
        await _finish(everything, grace_seconds, ignore=preexisting, forced=forced)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        await asyncio.to_thread(_close_store, runtime)
    log.info("stopped", extra={"exit_code": exit_code})
    return exit_code


async def _all_ended_before_stopping(parts: list[asyncio.Task[bool]], stopping: asyncio.Event) -> bool:
    """Waits for the stop signal; True if instead every adapter ended first (none could be loaded)."""
    stop_wait: asyncio.Future[Any] = asyncio.ensure_future(stopping.wait())
    pending: set[asyncio.Future[Any]] = {stop_wait, *parts}
    try:
        while not stopping.is_set() and not all(task.done() for task in parts):
            _done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_wait.cancel()
    return not stopping.is_set()


async def _finish(
    tasks: list[asyncio.Task[bool]],
    grace_seconds: float,
    *,
    ignore: set[asyncio.Task[Any]],
    forced: asyncio.Event,
) -> None:
    """Waits for the parts to stop, then for work they left running, all within `grace_seconds`.

    Platform SDKs answer requests in tasks of their own (slack-bolt acknowledges an event, then runs its
    listener in a detached task). Once the parts have returned nothing new can arrive, so whatever is still
    running is work in flight: it gets the rest of the grace period before `asyncio.run` would cancel it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_seconds
    _done, still_running = await asyncio.wait(tasks, timeout=grace_seconds)
    for task in still_running:
        log.warning("%s did not stop within %.0f s: cancelling it", task.get_name(), grace_seconds)
        task.cancel()
    if still_running:
        await asyncio.wait(still_running, timeout=5)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("%s ended with an error", task.get_name(), exc_info=task.exception())

    in_flight = asyncio.all_tasks() - ignore - {asyncio.current_task()}
    if in_flight:
        log.info("finishing %d task(s) still in flight", len(in_flight), extra={"in_flight": len(in_flight)})
        # Until all of it is done, the grace period ends, or a second signal says not to wait.
        all_done = asyncio.ensure_future(asyncio.wait(in_flight))
        force_wait = asyncio.ensure_future(forced.wait())
        await asyncio.wait(
            {all_done, force_wait},
            timeout=max(0.0, deadline - loop.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        all_done.cancel()  # only the waiting: the tasks themselves are left to asyncio.run
        force_wait.cancel()
        left = {task for task in in_flight if not task.done()}
        if left:
            names = sorted(task.get_name() for task in left)
            log.warning(
                "cancelling %d task(s) still running at the end of the grace period",
                len(left),
                extra={"tasks": names},
            )


def _close_store(runtime: Runtime) -> None:
    # Reads the private slots so that a store nobody opened is not opened just to be closed.
    brain = runtime._brain
    service = brain._reminders if brain is not None else None
    close = getattr(service, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("closing the reminder store failed")


def serve(runtime: Runtime, *, console_user: str) -> int:
    code = asyncio.run(serve_async(runtime, console_user=console_user))
    if any(thread.name == CONSOLE_THREAD and thread.is_alive() for thread in threading.enumerate()):
        # The console thread is still blocked reading stdin (we were signalled). Interpreter shutdown
        # would then die on the stdin buffer's lock ("could not acquire lock ... daemon threads"), so
        # flush and leave directly.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
