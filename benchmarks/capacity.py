"""What ONE `headshot serve` process sustains on this machine, through the loopback fake Slack.

Run: .venv/bin/python -m benchmarks.capacity [--quick] [--store sqlite|postgresql] [--postgres-url URL]

One real `headshot serve` process (Slack HTTP mode, the store a SQLite file or a throwaway PostgreSQL
database; tests/fakes/replicas.py starts it) against the fake Slack Web API of tests/fakes/slack_api.py,
which this process runs and which notes the moment each answer reaches it. Synthetic traffic:

- questions (DMs, each from its own person): open-loop at rising rates until p95 of the time from the
  signed POST to the answer's chat.postMessage passes 1 s; beside the naive figure, one question at a time;
- button presses (block_actions "snooze" on a reminder that is not there: a real round trip through the
  brain and the store, answered through the response_url): rising rates, the same p95 rule;
- photos: N headshots at once as N people's DMs (../shared/photos when present, else tests/data/photos),
  beside the same photos one after another;
- the peak resident memory (VmHWM) of the serve process after all of the above;
- reminder deliveries: D due reminders claimed and sent by the real Scheduler and the real Slack sender
  (conversations.open + chat.postMessage each) through the fake, beside the naive one-row-at-a-time loop of
  benchmarks/reminders_bench.py (store only, no network);
- avatar sightings from a 50,000-member Discord server: the store call the Discord adapter makes for a
  GUILD_MEMBERS chunk (`record_sightings`, 1,000 members a chunk as Discord sends them), first sight and
  again unchanged, beside one call per member.
The last two run in this process on a store of their own. A full run takes about 3 minutes; --quick 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from benchmarks.load_bench import SECRET, _is_queued_note, _mimetype
from benchmarks.postgres_db import server_url, throwaway_database
from benchmarks.reminders_bench import NOW as NAIVE_NOW
from benchmarks.reminders_bench import deliver_naive
from benchmarks.shared_data import SHARED
from bot.reminders.delivery import SenderRegistry
from bot.reminders.scheduler import Scheduler
from bot.reminders.service import AvatarSighting, ReminderService
from bot.reminders.store import NewReminder
from handlers.slack.run import build_client
from handlers.slack.sender import SlackSender
from tests.conftest import PROJECT_ROOT
from tests.fakes import slack_events
from tests.fakes.replicas import Replica, free_port, start_replica
from tests.fakes.slack_api import FakeSlackApi, Params, encode_payload, sign_request

P95_BOUND = 1.0
ANSWER_TIMEOUT = 20.0
GUILD_MEMBERS = 50_000
CHUNK = 1_000  # members in one GUILD_MEMBERS_CHUNK
TEAM = "T0FAKE"
TEST_PHOTOS = PROJECT_ROOT / "tests" / "data" / "photos"


@dataclass(frozen=True)
class Plan:
    question_rates: tuple[float, ...]
    press_rates: tuple[float, ...]
    step_seconds: float
    naive_seconds: float
    photos: int
    sequential_photos: int
    deliveries: int
    naive_deliveries: int
    naive_sightings: int
    sighting_passes: tuple[str, ...] = ("first sight", "again, unchanged")


FULL = Plan(
    question_rates=(16, 32, 64, 96, 128, 192, 256, 384),
    press_rates=(16, 32, 64, 128, 192, 256, 384),
    step_seconds=4.0,
    naive_seconds=4.0,
    photos=12,
    sequential_photos=4,
    deliveries=2000,
    naive_deliveries=500,
    naive_sightings=1000,
)
QUICK = Plan((16, 64, 128), (32, 128), 2.0, 2.0, 4, 2, 300, 100, 300, ("first sight",))


class TimedSlack(FakeSlackApi):
    """The fake Slack, telling when the answer for a conversation (a channel, or a response_url key) came."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[str, asyncio.Future[float]] = {}

    def expect(self, key: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        return future

    def _arrived(self, key: str) -> None:
        future = self._waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(time.monotonic())

    def _m_chat_postMessage(self, params: Params) -> Params:
        if not _is_queued_note(params):  # "your photo is in the queue" is not the answer
            self._arrived(str(params.get("channel")))
        return super()._m_chat_postMessage(params)

    async def _response_url(self, request: web.Request) -> web.Response:
        response = await super()._response_url(request)
        self._arrived(request.match_info["key"])
        return response

    def forget_calls(self) -> None:
        """Keeps the record of calls small between phases (the fake appends every call)."""
        self.calls.clear()
        self.responses.clear()


@dataclass
class Step:
    rate: float
    sent: int
    answered: int
    p50: float
    p95: float
    throughput: float

    @property
    def holds(self) -> bool:
        return self.answered == self.sent and self.p95 <= P95_BOUND


def _p(values: Sequence[float], q: float) -> float:
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _timed(slack: TimedSlack, key: str, send: Callable[[], Awaitable[int]]) -> float | None:
    """Seconds from sending to the answer for `key`, or None (refused, or no answer in time)."""
    arrived = slack.expect(key)
    started = time.monotonic()
    if await send() != 200:
        return None
    try:
        return await asyncio.wait_for(arrived, ANSWER_TIMEOUT) - started
    except TimeoutError:
        return None


async def ramp(
    label: str,
    fire: Callable[[int], Coroutine[Any, Any, float | None]],
    rates: Sequence[float],
    seconds: float,
) -> list[Step]:
    """Open-loop load: `rate` requests a second for `seconds`, each step until p95 passes the bound."""
    steps: list[Step] = []
    counter = 0
    for rate in rates:
        count = max(1, int(rate * seconds))
        started = time.monotonic()
        tasks: list[asyncio.Task[float | None]] = []
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(counter)))
            counter += 1
        results = await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        latencies = [r for r in results if r is not None]
        step = Step(
            rate, count, len(latencies), _p(latencies, 0.5), _p(latencies, 0.95), len(latencies) / elapsed
        )
        steps.append(step)
        print(
            f"  {label} at {rate:5.0f}/s: {step.answered}/{step.sent} answered, p50 {step.p50:5.2f} s, "
            f"p95 {step.p95:5.2f} s, {step.throughput:5.1f}/s done"
            + ("" if step.holds else "  <- past the bound"),
            flush=True,
        )
        if not step.holds:
            break
    return steps


def _sustained(steps: Sequence[Step]) -> Step | None:
    holding = [s for s in steps if s.holds]
    return max(holding, key=lambda s: s.rate) if holding else None


async def naive_one_at_a_time(
    fire: Callable[[int], Coroutine[Any, Any, float | None]], seconds: float
) -> float:
    """The naive figure: the next request only after the previous one's answer."""
    done, started, index = 0, time.monotonic(), 10**6
    while time.monotonic() - started < seconds:
        if await fire(index) is not None:
            done += 1
        index += 1
    return done / (time.monotonic() - started)


# --- the traffic ------------------------------------------------------------------------------------


def _questions() -> list[str]:
    lines = (PROJECT_ROOT / "tests" / "data" / "eval" / "questions.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _photos(count: int) -> tuple[list[tuple[str, bytes]], str]:
    for where, folder in (("../shared/photos", SHARED / "photos"), ("tests/data/photos", TEST_PHOTOS)):
        manifest = folder / "manifest.json"
        if not manifest.exists():
            continue
        images = json.loads(manifest.read_text())["images"]
        names = sorted(i["file"] for i in images if i.get("headshot") and (folder / i["file"]).exists())
        if names:
            chosen = (names * count)[:count]
            return [(name, (folder / name).read_bytes()) for name in chosen], where
    raise SystemExit("no headshot photos found (../shared/photos or tests/data/photos)")


class Traffic:
    """Signed requests as Slack sends them, over one pooled HTTP session (a session per request would
    make the load generator, which shares the 2 cores with the server, the bottleneck)."""

    def __init__(self, slack: TimedSlack, events_url: str, session: aiohttp.ClientSession) -> None:
        self.slack = slack
        self.url = events_url
        self.session = session
        self.questions = _questions()

    async def _post(self, payload: dict[str, Any]) -> int:
        body, content_type = encode_payload(payload)
        ts = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign_request(body, SECRET, ts),
        }
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    async def question(self, n: int) -> float | None:
        user, channel = f"UQ{n}", f"DQ{n}"
        text = self.questions[n % len(self.questions)]
        event = slack_events.event_callback(slack_events.dm(text, user=user, channel=channel))
        return await _timed(self.slack, channel, lambda: self._post(event))

    async def press(self, n: int) -> float | None:
        key = f"press{n}"
        click = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": f"UP{n}", "team_id": TEAM},
            "trigger_id": slack_events.trigger_id(),
            "container": {"type": "message", "message_ts": "1.1", "channel_id": f"DP{n}"},
            "channel": {"id": f"DP{n}"},
            "message": {"ts": "1.1"},
            "response_url": self.slack.response_url(key),
            "actions": [{"type": "button", "action_id": "snooze", "value": str(900_000 + n)}],
        }
        return await _timed(self.slack, key, lambda: self._post(click))

    async def photo(self, n: int, name: str, data: bytes) -> float | None:
        user, channel = f"UF{n}", f"DF{n}"
        file = self.slack.add_file(f"F{n}", data, name=name, mimetype=_mimetype(name))
        event = slack_events.event_callback(slack_events.dm(files=[file], user=user, channel=channel))
        return await _timed(self.slack, channel, lambda: self._post(event))


async def serve_phases(plan: Plan, store_url: str, work: Path) -> dict[str, str]:
    figures: dict[str, str] = {}
    slack = TimedSlack()
    async with slack, AsyncExitStack() as stack:
        port = free_port()
        started = time.monotonic()
        replica: Replica = await start_replica(
            work,
            "serve",
            probe_port=free_port(),
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.url,
            PORT=str(port),
            HEADSHOT_DATABASE_URL=store_url,
        )
        try:
            await replica.ready()
            print(f"  headshot serve ready in {time.monotonic() - started:.1f} s", flush=True)
            session = await stack.enter_async_context(
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
            )
            traffic = Traffic(slack, f"http://127.0.0.1:{port}/slack/events", session)
            photos, where = _photos(max(plan.photos, plan.sequential_photos))
            # Warm-up, as in service: the knowledge index and the face detector are loaded once.
            await traffic.question(10**7)
            await traffic.photo(10**7, *photos[0])

            print("\nQuestions (DMs, open loop, rising rate):", flush=True)
            naive = await naive_one_at_a_time(traffic.question, plan.naive_seconds)
            print(f"  naive, one question at a time: {naive:5.1f}/s", flush=True)
            steps = await ramp("questions", traffic.question, plan.question_rates, plan.step_seconds)
            best = _sustained(steps)
            figures["questions"] = (
                f"{best.throughput:.1f} messages/s at p95 {best.p95:.2f} s (offered {best.rate:.0f}/s)"
                if best
                else "none of the rates held p95 < 1 s"
            ) + f"; naive one at a time {naive:.1f}/s"
            slack.forget_calls()

            print("\nButton presses (block_actions, open loop, rising rate):", flush=True)
            steps = await ramp("presses", traffic.press, plan.press_rates, plan.step_seconds)
            best = _sustained(steps)
            figures["presses"] = (
                f"{best.throughput:.1f} presses/s at p95 {best.p95:.2f} s (offered {best.rate:.0f}/s)"
                if best
                else "none of the rates held p95 < 1 s"
            )
            slack.forget_calls()

            print(f"\nPhotos ({where}):", flush=True)
            t0 = time.monotonic()
            one_by_one = [
                await traffic.photo(n, name, data)
                for n, (name, data) in enumerate(photos[: plan.sequential_photos])
            ]
            sequential_rate = sum(r is not None for r in one_by_one) / (time.monotonic() - t0)
            print(f"  {plan.sequential_photos} one after another: {sequential_rate:.2f} photos/s", flush=True)
            t0 = time.monotonic()
            together = await asyncio.gather(
                *(traffic.photo(1000 + n, name, data) for n, (name, data) in enumerate(photos[: plan.photos]))
            )
            wall = time.monotonic() - t0
            reviewed = [r for r in together if r is not None]
            print(
                f"  {plan.photos} at once: {len(reviewed)}/{plan.photos} reviewed in {wall:.1f} s, "
                f"{len(reviewed) / wall:.2f} photos/s, p95 {_p(reviewed, 0.95):.1f} s",
                flush=True,
            )
            figures["photos"] = (
                f"{len(reviewed) / wall:.2f} photos/s ({plan.photos} at once, "
                f"p95 {_p(reviewed, 0.95):.1f} s); "
                f"one after another {sequential_rate:.2f}/s"
            )
            figures["rss"] = f"{replica.peak_rss_mb():.0f} MiB peak resident (VmHWM) of the serve process"
            print(f"\n  {figures['rss']}", flush=True)
        finally:
            code = await replica.stop()
            if code != 0:
                print(f"  serve exited with {code}:\n{replica.log()[-2000:]}")
    return figures


async def deliveries(plan: Plan, store_url: str) -> str:
    print(f"\nReminder deliveries: {plan.deliveries:,} due, Scheduler + the Slack sender:", flush=True)
    now = datetime.now(UTC)
    service = ReminderService(store_url, clock=lambda: datetime.now(UTC))
    try:
        store = service.store
        store.delete_everything()
        async with FakeSlackApi() as slack:
            for n in range(plan.deliveries):
                slack.add_user(f"UR{n}", name=f"r{n}", tz="UTC")
            store.bulk_add(
                [
                    NewReminder(
                        "slack", TEAM, "", f"UR{n}", "refresh your headshot", now - timedelta(minutes=1)
                    )
                    for n in range(plan.deliveries)
                ],
                now=now,
            )
            senders = SenderRegistry()
            senders.register("slack", SlackSender(build_client(slack.bot_token, slack.url)))
            t0 = time.monotonic()
            delivered = await Scheduler(service, senders).run_due()
            seconds = time.monotonic() - t0
            posted = len(slack.calls_to("chat.postMessage"))
            calls = len(slack.calls)
        rate = delivered / seconds
        print(
            f"  delivered {delivered:,} ({posted:,} messages, {calls / max(delivered, 1):.1f} Web API calls "
            f"each) in {seconds:.1f} s: {rate:.0f}/s, one after another",
            flush=True,
        )
        store.delete_everything()
        store.bulk_add(
            [
                NewReminder("bench", TEAM, "C", f"UN{n}", "refresh", NAIVE_NOW - timedelta(minutes=1))
                for n in range(plan.naive_deliveries)
            ],
            now=NAIVE_NOW,
        )
        t0 = time.monotonic()
        naive_done = await asyncio.to_thread(deliver_naive, store)
        naive_rate = naive_done / (time.monotonic() - t0)
        print(f"  naive loop (one row per claim, no network): {naive_rate:.0f}/s", flush=True)
    finally:
        service.close()
    return (
        f"{rate:.0f} deliveries/s through the fake Slack; naive one-row loop {naive_rate:.0f}/s (store only)"
    )


def sightings(plan: Plan, store_url: str) -> str:
    print(f"\nAvatar sightings: a {GUILD_MEMBERS:,}-member Discord server, chunks of {CHUNK:,}:", flush=True)
    service = ReminderService(store_url, clock=lambda: datetime.now(UTC))
    guild = "900000000000000001"
    try:
        service.store.set_workspace_settings("discord", guild, photo_tracking=True)
        seen = datetime.now(UTC)
        members = [AvatarSighting(str(10**17 + n), f"a_{n:x}", seen) for n in range(GUILD_MEMBERS)]
        rates: list[float] = []
        for label in plan.sighting_passes:
            t0 = time.perf_counter()
            for start in range(0, GUILD_MEMBERS, CHUNK):
                service.record_sightings("discord", guild, members[start : start + CHUNK])
            seconds = time.perf_counter() - t0
            rates.append(GUILD_MEMBERS / seconds)
            print(f"  {label}: {seconds:.1f} s, {rates[-1]:,.0f} sightings/s", flush=True)
        other = "900000000000000002"
        service.store.set_workspace_settings("discord", other, photo_tracking=True)
        t0 = time.perf_counter()
        for member in members[: plan.naive_sightings]:
            service.record_sightings("discord", other, [member])
        naive = plan.naive_sightings / (time.perf_counter() - t0)
        print(
            f"  naive, one call per member ({plan.naive_sightings:,}): {naive:,.0f} sightings/s", flush=True
        )
    finally:
        service.close()
    again = f", {rates[1]:,.0f}/s unchanged" if len(rates) > 1 else ""
    return (
        f"{rates[0]:,.0f} sightings/s first sight{again} "
        f"({GUILD_MEMBERS:,} members in {GUILD_MEMBERS / rates[0]:.1f} s); one call per member {naive:,.0f}/s"
    )


async def run(args: argparse.Namespace) -> int:
    plan = QUICK if args.quick else FULL
    load_before = os.getloadavg()
    print(
        f"capacity of one headshot serve process ({'quick' if args.quick else 'full'} run), "
        f"store {args.store}, {os.cpu_count()} cores, "
        f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}",
        flush=True,
    )
    t0 = time.monotonic()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="capacity-")))
        if args.store == "postgresql":
            serve_url = stack.enter_context(throwaway_database(args.postgres_url, "capacity_serve"))
            local_url = stack.enter_context(throwaway_database(args.postgres_url, "capacity_local"))
        else:
            serve_url = f"sqlite:///{work / 'serve.db'}"
            local_url = f"sqlite:///{work / 'local.db'}"
        figures = await serve_phases(plan, serve_url, work / "serve")
        figures["deliveries"] = await deliveries(plan, local_url)
        figures["sightings"] = await asyncio.to_thread(sightings, plan, local_url)
    load_after = os.getloadavg()
    print(f"\nSummary ({time.monotonic() - t0:.0f} s, load average now {load_after[0]:.2f}):")
    for name in ("questions", "presses", "photos", "deliveries", "sightings", "rss"):
        print(f"  {name:<11} {figures[name]}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a 30 s run with fewer, shorter steps")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default=server_url(), help="a PostgreSQL server (databases are made)"
    )
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
