"""How fast the Slack adapter acknowledges, and how long a full answer takes, against the loopback fake.

Run: .venv/bin/python benchmarks/slack_bench.py [--runs N]

Slack retries (and the user sees a duplicate or an error) when a request is not acknowledged within
3 seconds. The adapter acknowledges first and works afterwards; the naive way (work, then answer the
HTTP request: Bolt's `process_before_response=True`) is timed beside it on the same requests:
a question in a channel and a photo in a DM (a shared 256 px headshot and a shared 24 MP photo).
Prints median milliseconds to the HTTP 200 and to the reply reaching the fake Web API.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.shared_data import shared_path  # noqa: E402
from bot.brain import Brain  # noqa: E402
from bot.config import BUNDLED_KNOWLEDGE_DIR, Config  # noqa: E402
from handlers.slack.app import SlackListeners  # noqa: E402
from handlers.slack.run import build_client, start_http  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi, post_event  # noqa: E402

SECRET = "bench-secret"
SMALL_PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"
LARGE_PHOTO = "brewery_bartender_24mp.jpg"


def _event(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T0FAKE",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event": event,
    }


async def _one(
    slack: FakeSlackApi, url: str, payload: dict[str, Any], done: str, count_before: int
) -> tuple[float, float]:
    start = time.perf_counter()
    posted = await post_event(url, payload, SECRET)
    acked = time.perf_counter()
    assert posted.status == 200, posted
    await slack.wait_for_calls(done, count_before + 1, timeout=300)
    finished = time.perf_counter()
    return (acked - start) * 1000, (finished - start) * 1000


async def _measure(naive: bool, runs: int, workdir: Path) -> dict[str, tuple[float, float]]:
    config = Config(
        database_url=f"sqlite:///{workdir / ('naive.db' if naive else 'bot.db')}",
        knowledge_dir=BUNDLED_KNOWLEDGE_DIR,
    )
    results: dict[str, tuple[float, float]] = {}
    async with FakeSlackApi() as slack:
        brain = Brain(config)
        client = build_client(slack.bot_token, slack.url)
        adapter = SlackListeners(brain, client, api_url=slack.url)
        runner, port = await start_http(
            adapter.build_app(signing_secret=SECRET, process_before_response=naive),
            "127.0.0.1",
            0,
            signing_secret=SECRET,
        )
        url = f"http://127.0.0.1:{port}/slack/events"
        small = slack.add_file("F1", shared_path("photos", SMALL_PHOTO).read_bytes(), name=SMALL_PHOTO)
        large = slack.add_file("F2", shared_path("photos", LARGE_PHOTO).read_bytes(), name=LARGE_PHOTO)
        cases: dict[str, Callable[[int], dict[str, Any]]] = {
            "question in a channel": lambda n: _event(
                {
                    "type": "app_mention",
                    "user": "U1",
                    "channel": "C1",
                    "ts": f"{n}.1",
                    "text": "<@UBOT> how often should I update my headshot?",
                }
            ),
            "256 px photo in a DM": lambda n: _event(
                {
                    "type": "message",
                    "subtype": "file_share",
                    "user": "U1",
                    "channel": "D1",
                    "channel_type": "im",
                    "ts": f"{n}.2",
                    "text": "",
                    "files": [small],
                }
            ),
            "24 MP photo in a DM": lambda n: _event(
                {
                    "type": "message",
                    "subtype": "file_share",
                    "user": "U1",
                    "channel": "D1",
                    "channel_type": "im",
                    "ts": f"{n}.3",
                    "text": "",
                    "files": [large],
                }
            ),
        }
        try:
            for name, build in cases.items():
                acks: list[float] = []
                totals: list[float] = []
                for n in range(runs + 1):  # the first run warms up the knowledge base and the detector
                    # A photo's answer is complete when its crop is uploaded, a question's when it is posted.
                    done = "chat.postMessage" if "question" in name else "files.completeUploadExternal"
                    before = len(slack.calls_to(done))
                    ack, total = await _one(slack, url, build(1_700_000_000 + n), done, before)
                    if n:
                        acks.append(ack)
                        totals.append(total)
                results[name] = (statistics.median(acks), statistics.median(totals))
        finally:
            await runner.cleanup()
            if brain._reminders is not None:
                brain.reminders.close()
    return results


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        adapter = await _measure(False, runs, Path(tmp))
        naive = await _measure(True, runs, Path(tmp))
    print(f"median of {runs} runs, ms (HTTP 200 = Slack's ack; Slack gives up after 3000 ms)")
    print(
        f"{'request':<24}{'ack (adapter)':>15}{'ack (naive)':>13}{'reply (adapter)':>17}{'reply (naive)':>15}"
    )
    for name in adapter:
        a_ack, a_total = adapter[name]
        n_ack, n_total = naive[name]
        print(f"{name:<24}{a_ack:>15.1f}{n_ack:>13.1f}{a_total:>17.1f}{n_total:>15.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
