"""`headshot serve`: every configured adapter plus the reminder scheduler in one asyncio process.

Each part runs under its own supervisor: an adapter that raises is logged and restarted with
exponential backoff (1 s doubling to 60 s) and never takes the others down. SIGTERM or SIGINT sets
`stopping`: the adapters stop taking work and close their connections, the scheduler finishes the
delivery in hand and releases the reminders it claimed, answers still in flight get the rest of the
grace period, and the process exits 0. A second signal, or the end of the grace period, cancels what
is left.

The adapters come from `handlers/registry.py`; each imports its platform SDK only when it runs, so a
missing module or SDK only breaks the adapter that needs it. With no platform configured, the console
chat runs (on stdin/stdout), with the scheduler in the background for reminders set on the console.
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
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.adapters import Adapter
from bot.logs import redirect_logs
from bot.runtime import Runtime
from handlers.console import CROPS_DIR, ConsoleOutput, ConsoleSender, run_console
from handlers.probes import start_listeners, stop_listeners
from handlers.registry import create_adapters, secret_problems

log = logging.getLogger("headshot.serve")

RunPart = Callable[[Runtime, asyncio.Event], Awaitable[None]]

INITIAL_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
# A part that ran this long before failing is considered to have been healthy: its backoff starts over.
HEALTHY_AFTER_SECONDS = 120.0
# docker-compose.yml gives the container 30 s (stop_grace_period) before SIGKILL.
SHUTDOWN_GRACE_SECONDS = 25.0
SCHEDULER_TICK_SECONDS = 30.0
SCHEDULER = "scheduler"
CONSOLE_THREAD = "headshot-console"


class PartUnavailable(Exception):
    """A part cannot start at all in this installation (its module or SDK is missing): no retry helps."""


def plan_notes(adapters: Sequence[Adapter]) -> list[str]:
    """What an operator should fix before `serve` can start what they meant to configure."""
    return [f"{adapter.name}: {problem}" for adapter in adapters for problem in adapter.problems()]


def _guarded(run: RunPart, what: str) -> RunPart:
    """`run`, with an import failure inside it (a missing module or SDK) reported as `PartUnavailable`."""

    async def guarded(runtime: Runtime, stopping: asyncio.Event) -> None:
        try:
            await run(runtime, stopping)
        except ImportError as exc:
            raise PartUnavailable(f"{what} cannot be loaded ({type(exc).__name__}: {exc})") from exc

    return guarded


async def run_scheduler(runtime: Runtime, stopping: asyncio.Event) -> None:
    from bot.reminders.scheduler import Scheduler

    # Opening the store may run migrations: keep that off the event loop.
    service = await asyncio.to_thread(lambda: runtime.brain.reminders)
    scheduler = Scheduler(
        service,
        runtime.senders,
        tick_seconds=SCHEDULER_TICK_SECONDS,
        on_tick=lambda: runtime.health.ticked(SCHEDULER),
    )
    await scheduler.run(stopping)


async def supervise(
    name: str,
    run: RunPart,
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
    run = _guarded(run, f"the {name} part")
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
            runtime.health.failed(name, f"not started: {exc}")
            return False
        except Exception as exc:
            log.error(
                "%s failed: %s",
                name,
                type(exc).__name__,
                exc_info=True,
                extra={"part": name, "attempt": attempt, "error_type": type(exc).__name__},
            )
            runtime.health.failed(name, f"failed ({type(exc).__name__}); restarting")
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
    runtime: Runtime, user: str, stdin: TextIO, output: ConsoleOutput, done: asyncio.Future[int]
) -> None:
    """The console reads stdin with blocking calls; it runs on a daemon thread so a signal can end the
    process while it waits for a line."""

    loop = done.get_loop()

    def settle(code: int | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(code or 0)

    try:
        code = run_console(runtime.brain, user=user, stdin=stdin, output=output, crops_dir=CROPS_DIR)
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
    adapters: Sequence[Adapter] | None = None,
    stopping: asyncio.Event | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    grace_seconds: float = SHUTDOWN_GRACE_SECONDS,
    listen_host: str = "0.0.0.0",
) -> int:
    stopping = stopping or asyncio.Event()
    # Tasks that exist already are our caller's, not work in flight: never wait for those at the end.
    preexisting = asyncio.all_tasks()
    loop = asyncio.get_running_loop()
    if adapters is None:
        adapters = create_adapters(runtime.config.environ)
    for note in plan_notes(adapters):
        log.warning(note)
    for _status, problem, fix in secret_problems(runtime.config.environ):
        log.warning("%s: %s", problem, fix)
    configured = [adapter for adapter in adapters if adapter.configured]

    await asyncio.to_thread(preload_core)
    for adapter in configured:
        runtime.health.expect(adapter.name)
    runtime.health.expect_ticks(SCHEDULER, SCHEDULER_TICK_SECONDS)
    listeners = await start_listeners(runtime, host=listen_host)
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

    for adapter in configured:
        log.info("adapter configured", extra={"platform": adapter.name, "mode": adapter.describe()})
        parts.append(
            asyncio.create_task(supervise(adapter.name, adapter.run, runtime, stopping), name=adapter.name)
        )
    scheduler = asyncio.create_task(supervise(SCHEDULER, run_scheduler, runtime, stopping), name=SCHEDULER)
    everything.extend([*parts, scheduler])
    if not configured:
        log.info("console chat", extra={"platform": "console"})
        console_stdin = stdin or sys.stdin
        output = ConsoleOutput(stdout or sys.stdout, interactive=console_stdin.isatty())
        runtime.senders.register("console", ConsoleSender(output))
        if output.interactive:
            _keep_logs_off_the_terminal()
        console = loop.create_future()
        threading.Thread(
            target=_console_in_thread,
            args=(runtime, console_user, console_stdin, output, console),
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
        await stop_listeners(listeners)
        await asyncio.to_thread(_close, runtime)
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


CONSOLE_LOG = Path("data") / "headshot.log"


def _keep_logs_off_the_terminal() -> None:
    """On an interactive console, log lines would land in the middle of the chat: they go to a file."""
    if redirect_logs(CONSOLE_LOG):
        print(f"(logs go to {CONSOLE_LOG})", file=sys.stderr)


def _close(runtime: Runtime) -> None:
    try:
        runtime.close()
    except Exception:
        log.exception("closing the reminder store failed")


def serve(runtime: Runtime, *, console_user: str, adapters: Sequence[Adapter] | None = None) -> int:
    code = asyncio.run(serve_async(runtime, console_user=console_user, adapters=adapters))
    if any(thread.name == CONSOLE_THREAD and thread.is_alive() for thread in threading.enumerate()):
        # The console thread is still blocked reading stdin (we were signalled). Interpreter shutdown
        # would then die on the stdin buffer's lock ("could not acquire lock ... daemon threads"), so
        # flush and leave directly.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
