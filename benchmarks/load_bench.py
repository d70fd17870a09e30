"""Two `headshot serve` replicas on one store under load, against the loopback fake Slack (and Discord).

Run: .venv/bin/python -m benchmarks.load_bench [--store sqlite|postgresql|both] [--photos 16] [--bombs 6]
     [--postgres-url URL] [--no-discord]

Per store (a SQLite file both replicas open, or one PostgreSQL database), two replicas in Slack HTTP mode,
each on its own port, behind no load balancer: the benchmark sends to them in turn, as one would.
- the same N headshots (from ../shared/photos) one after another, then all N at once as N people's DMs:
  every one must be reviewed, none answered with an error; the times beside each other;
- 6 decompression-heavy files at once to one replica (7745 x 7745 px, just under the pixel cap, a few KB
  each: lossless WebP, PNG, GIF, TIFF): each must be answered, the process must live;
- the peak resident memory (VmHWM) of each replica, against the 700 MB bound;
- a retry (X-Slack-Retry-Num: 1) of an event no replica saw first: answered once;
- one event delivered to both replicas at the same moment: answered once;
- unsigned garbage (bad JSON, a JSON array, a fractional timestamp): 401 each.
Then one replica with Discord only (Discord runs in one process) and the same N photos at once as DMs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.postgres_db import server_url, throwaway_database
from benchmarks.shared_data import shared_path
from tests.fakes import slack_events
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.replicas import Replica, free_port, start_replica
from tests.fakes.slack_api import FakeSlackApi, post_event

SECRET = "load-bench-signing-secret-0123456789abcdef"
RSS_BOUND_MB = 700.0
ANSWER_TIMEOUT = 600.0
ERROR_WORDS = ("something went wrong", "please try again in a moment")


@dataclass
class Figures:
    store: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)
        print(f"  {line}", flush=True)

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failures.append(what)
            print(f"  FAILED: {what}", flush=True)


def headshots(count: int) -> list[tuple[str, bytes]]:
    manifest = json.loads(shared_path("photos", "manifest.json").read_text())
    names = sorted(image["file"] for image in manifest["images"] if image.get("headshot"))[:count]
    return [(name, shared_path("photos", name).read_bytes()) for name in names]


def decompression_heavy(count: int, cache: Path) -> list[tuple[str, bytes]]:
    """Flat 7745 x 7745 pictures (60 MP, 240 MB as RGBA) that compress to a few KB; made once, cached."""
    from PIL import Image

    kinds: list[tuple[str, str, dict[str, Any]]] = [
        ("webp", "RGBA", {"lossless": True}),
        ("png", "RGBA", {}),
        ("gif", "P", {}),
        ("tiff", "RGBA", {"compression": "tiff_deflate"}),
    ]
    made: list[tuple[str, bytes]] = []
    for index in range(count):
        suffix, mode, options = kinds[index % len(kinds)]
        path = cache / f"flat_7745px_{index % len(kinds)}.{suffix}"
        if not path.exists():
            picture = Image.new(mode, (7745, 7745), (200, 180, 160, 255) if mode == "RGBA" else 3)
            buffer = io.BytesIO()
            picture.save(buffer, suffix.upper(), **options)
            path.write_bytes(buffer.getvalue())
        made.append((f"flat_{index}.{suffix}", path.read_bytes()))
    return made


def _is_error(params: dict[str, Any]) -> bool:
    text = json.dumps(params).lower()
    return any(words in text for words in ERROR_WORDS)


def _is_review(params: dict[str, Any]) -> bool:
    blocks = params.get("blocks") or []
    return bool(blocks) and blocks[0].get("type") == "header" and not _is_error(params)


def _is_queued_note(params: dict[str, Any]) -> bool:
    return "in the queue" in str(params.get("text", ""))


async def _first_post(slack: FakeSlackApi, channel: str, since: int, timeout: float) -> dict[str, Any]:
    """The answer in `channel`: its first message other than the interim "your photo is queued" note."""

    def found() -> dict[str, Any] | None:
        return next(
            (
                p
                for n, p in slack.calls[since:]
                if n == "chat.postMessage" and p["channel"] == channel and not _is_queued_note(p)
            ),
            None,
        )

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posted = found()
        if posted is not None:
            return posted
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no answer in {channel} within {timeout:.0f} s")


async def _dm_photo(
    slack: FakeSlackApi, url: str, user: str, name: str, data: bytes, *, since: int, timeout: float
) -> tuple[dict[str, Any] | None, float]:
    channel = "D" + user
    file = slack.add_file(f"F{user}{len(slack.files)}", data, name=name, mimetype=_mimetype(name))
    event = slack_events.event_callback(slack_events.dm(files=[file], user=user, channel=channel))
    started = time.monotonic()
    posted = await post_event(url, event, SECRET)
    if posted.status != 200:
        return None, time.monotonic() - started
    try:
        answer = await _first_post(slack, channel, since, timeout)
    except TimeoutError:
        return None, time.monotonic() - started
    return answer, time.monotonic() - started


def _mimetype(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "tif": "image/tiff"}.get(suffix, f"image/{suffix}")


async def _count_posts(slack: FakeSlackApi, channel: str, since: int, settle: float = 3.0) -> int:
    await asyncio.sleep(settle)  # a second answer, if any, would have come by now
    return sum(1 for n, p in slack.calls[since:] if n == "chat.postMessage" and p["channel"] == channel)


async def slack_round(
    store: str, url: str, photos: Sequence[tuple[str, bytes]], bombs: Sequence[tuple[str, bytes]], work: Path
) -> Figures:
    figures = Figures(store)
    print(f"\nSlack HTTP mode, two replicas, store: {store}", flush=True)
    async with FakeSlackApi() as slack:
        for user in [f"U{i:03d}" for i in range(max(len(photos), len(bombs)))] + ["W0", "W1", "U900", "U901"]:
            slack.add_user(user, name=f"user-{user}", tz="UTC")
        replicas: list[Replica] = []
        events: list[str] = []
        try:
            for name in ("a", "b"):
                port = free_port()
                replica = await start_replica(
                    work / store,
                    name,
                    probe_port=free_port(),
                    SLACK_BOT_TOKEN=slack.bot_token,
                    SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.url,
                    PORT=str(port),
                    HEADSHOT_DATABASE_URL=url,
                )
                replicas.append(replica)
                events.append(f"http://127.0.0.1:{port}/slack/events")
            await asyncio.gather(*(r.ready() for r in replicas))

            # Warm-up: each replica loads the knowledge base and the face detector once, as in service.
            warm_name, warm_data = photos[0]
            for index, target in enumerate(events):
                await _dm_photo(
                    slack, target, f"W{index}", warm_name, warm_data, since=len(slack.calls), timeout=300
                )

            users = [f"U{index:03d}" for index in range(len(photos))]
            sequential_started = time.monotonic()
            sequential: list[dict[str, Any] | None] = []
            for index, ((name, data), user) in enumerate(zip(photos, users, strict=True)):
                since = len(slack.calls)
                answer, _ = await _dm_photo(
                    slack, events[index % 2], user, name, data, since=since, timeout=ANSWER_TIMEOUT
                )
                sequential.append(answer)
            sequential_s = time.monotonic() - sequential_started
            reviewed_one_by_one = sum(1 for a in sequential if a is not None and _is_review(a))

            since = len(slack.calls)
            concurrent_started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    _dm_photo(slack, events[i % 2], user, name, data, since=since, timeout=ANSWER_TIMEOUT)
                    for i, ((name, data), user) in enumerate(zip(photos, users, strict=True))
                )
            )
            concurrent_s = time.monotonic() - concurrent_started
            reviewed = sum(1 for answer, _ in answers if answer is not None and _is_review(answer))
            errors = sum(1 for answer, _ in answers if answer is not None and _is_error(answer))
            unanswered = sum(1 for answer, _ in answers if answer is None)
            told_queued = sum(
                1 for n, p in slack.calls[since:] if n == "chat.postMessage" and _is_queued_note(p)
            )
            slowest = max(seconds for _, seconds in answers)
            figures.add(
                f"{len(photos)} photos one after another: {sequential_s:.1f} s "
                f"({reviewed_one_by_one} reviewed)"
            )
            figures.add(
                f"{len(photos)} photos at once: {concurrent_s:.1f} s (slowest answer {slowest:.1f} s); "
                f"{reviewed} reviewed, {errors} errors, {unanswered} unanswered, "
                f"{told_queued} told they were queued; "
                f"x{sequential_s / concurrent_s:.2f} of the one-after-another time"
            )
            figures.check(reviewed == len(photos), f"all {len(photos)} simultaneous photos reviewed")

            bomb_users = [f"U{index:03d}" for index in range(len(bombs))]
            since = len(slack.calls)
            bomb_started = time.monotonic()
            bomb_answers = await asyncio.gather(
                *(
                    _dm_photo(slack, events[0], user, name, data, since=since, timeout=ANSWER_TIMEOUT)
                    for (name, data), user in zip(bombs, bomb_users, strict=True)
                )
            )
            bomb_s = time.monotonic() - bomb_started
            answered = sum(1 for answer, _ in bomb_answers if answer is not None and not _is_error(answer))
            figures.add(
                f"{len(bombs)} decompression-heavy files at once (each 7745x7745, "
                f"{min(len(d) for _, d in bombs)}-{max(len(d) for _, d in bombs)} bytes) to replica a: "
                f"{answered} answered without error in {bomb_s:.1f} s; replica a alive: {replicas[0].alive}"
            )
            figures.check(
                answered == len(bombs) and replicas[0].alive, "every heavy file answered, replica alive"
            )

            # A retry of an event whose first delivery no replica got (it was restarting): answered once.
            since = len(slack.calls)
            missed = slack_events.event_callback(slack_events.dm("help", user="U900", channel="DRETRY"))
            retry = await post_event(events[1], missed, SECRET, headers={"X-Slack-Retry-Num": "1"})
            answers_to_retry = await _count_posts(slack, "DRETRY", since)
            figures.add(
                f"a retry of an event no replica answered: HTTP {retry.status}, answered {answers_to_retry}x"
            )
            figures.check(answers_to_retry == 1, "the unanswered event's retry answered once")

            # The same event reaching both replicas at once: answered once.
            since = len(slack.calls)
            both = slack_events.event_callback(slack_events.dm("help", user="U901", channel="DBOTH"))
            statuses = await asyncio.gather(*(post_event(target, both, SECRET) for target in events))
            answers_to_both = await _count_posts(slack, "DBOTH", since)
            figures.add(
                f"one event delivered to both replicas: HTTP {[s.status for s in statuses]}, "
                f"answered {answers_to_both}x"
            )
            figures.check(answers_to_both == 1, "the event delivered twice answered once")

            garbage = await _garbage(events[0])
            figures.add(f"unsigned garbage (bad JSON, JSON array, fractional timestamp): HTTP {garbage}")
            figures.check(set(garbage) == {401}, "unsigned garbage refused with 401")

            for name, replica in zip("ab", replicas, strict=True):
                peak = replica.peak_rss_mb()
                figures.add(f"replica {name} peak RSS (VmHWM): {peak:.0f} MB (bound {RSS_BOUND_MB:.0f} MB)")
                figures.check(peak <= RSS_BOUND_MB, f"replica {name} peak RSS within {RSS_BOUND_MB:.0f} MB")
            for name, replica in zip("ab", replicas, strict=True):
                figures.add(f"replica {name} ERROR log lines: {_errors(replica) or 'none'}")
        finally:
            for replica in replicas:
                await replica.stop()
    return figures


def _errors(replica: Replica) -> str:
    """The replica's ERROR events, counted by what they say (the log is one JSON object per line)."""
    seen: Counter[str] = Counter()
    for line in replica.log().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") == "ERROR":
            seen[f"{entry.get('event')} ({entry.get('error_type', '')})"] += 1
    return ", ".join(f"{event} x{count}" for event, count in seen.most_common())


async def _garbage(url: str) -> list[int]:
    bodies: list[tuple[bytes, dict[str, str]]] = [
        (b"{not json", {"Content-Type": "application/json"}),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b"{}", {"Content-Type": "application/json", "X-Slack-Request-Timestamp": "1.5"}),
    ]
    statuses: list[int] = []
    async with aiohttp.ClientSession() as session:
        for body, headers in bodies:
            async with session.post(url, data=body, headers=headers) as response:
                statuses.append(response.status)
    return statuses


async def discord_round(url: str, photos: Sequence[tuple[str, bytes]], work: Path) -> Figures:
    figures = Figures("discord")
    print("\nDiscord, one replica, store: sqlite", flush=True)
    async with FakeDiscord() as fake:
        users = [str(6000 + index) for index in range(len(photos))]
        warm_user = "6999"
        for user in [*users, warm_user]:
            fake.users[user] = fake.user_payload(user, f"user{user}")
        replica = await start_replica(
            work / "discord",
            "discord",
            probe_port=free_port(),
            DISCORD_TOKEN=fake.token,
            DISCORD_API_URL=fake.api_url,
            HEADSHOT_DATABASE_URL=url,
        )
        try:
            await replica.ready()
            warm_name, warm_data = photos[0]
            await _discord_dm(fake, warm_user, warm_name, warm_data)
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    _discord_dm(fake, user, name, data)
                    for (name, data), user in zip(photos, users, strict=True)
                )
            )
            elapsed = time.monotonic() - started
            reviewed = sum(
                1 for answer in answers if answer is not None and "something went wrong" not in answer
            )
            figures.add(
                f"{len(photos)} photo DMs at once: {elapsed:.1f} s, {reviewed} reviewed without error"
            )
            figures.check(reviewed == len(photos), f"all {len(photos)} Discord photos reviewed")
            peak = replica.peak_rss_mb()
            figures.add(f"peak RSS (VmHWM): {peak:.0f} MB; ERROR log lines: {_errors(replica) or 'none'}")
            figures.check(peak <= RSS_BOUND_MB, f"Discord replica peak RSS within {RSS_BOUND_MB:.0f} MB")
        finally:
            await replica.stop()
    return figures


async def _discord_dm(fake: FakeDiscord, user: str, name: str, data: bytes) -> str | None:
    since = len(fake.requests)
    attachment = fake.add_attachment(name, data, _mimetype(name))
    await fake.send_dm("check this", attachments=[attachment], user_id=user)
    path = f"/channels/{fake.dm_channel_id(user)}/messages"
    try:
        reply = await fake.wait_for_request("POST", path, timeout=ANSWER_TIMEOUT, since=since)
    except AssertionError:
        return None
    return json.dumps(reply.json).lower()


async def _timed(label: str, run: Callable[[], Awaitable[Figures]]) -> Figures:
    started = time.monotonic()
    figures = await run()
    print(f"  ({label}: {time.monotonic() - started:.0f} s in all)", flush=True)
    return figures


async def bench(args: argparse.Namespace) -> int:
    photos = headshots(args.photos)
    print(
        f"load bench: {len(photos)} headshots from ../shared/photos, {args.bombs} heavy files; "
        f"cpus={os.cpu_count()}"
    )
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="load-bench-") as scratch:
        work = Path(scratch)
        bombs = decompression_heavy(args.bombs, work)
        if args.store in ("sqlite", "both"):
            sqlite = f"sqlite:///{work / 'shared.db'}"
            results.append(
                await _timed("sqlite", functools.partial(slack_round, "sqlite", sqlite, photos, bombs, work))
            )
        if args.store in ("postgresql", "both"):
            with throwaway_database(args.postgres_url, "load_bench") as postgres:
                round_ = functools.partial(slack_round, "postgresql", postgres, photos, bombs, work)
                results.append(await _timed("postgresql", round_))
        if not args.no_discord:
            discord_store = f"sqlite:///{work / 'discord.db'}"
            results.append(
                await _timed("discord", functools.partial(discord_round, discord_store, photos, work))
            )
    failed = [f"{r.store}: {what}" for r in results for what in r.failures]
    print("\n" + ("all checks held" if not failed else "checks that did not hold:\n  " + "\n  ".join(failed)))
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--photos", type=int, default=16)
    parser.add_argument("--bombs", type=int, default=6)
    parser.add_argument(
        "--postgres-url", default=server_url(), help="a PostgreSQL server (a database is made)"
    )
    parser.add_argument("--no-discord", action="store_true")
    raise SystemExit(asyncio.run(bench(parser.parse_args())))


if __name__ == "__main__":
    main()
