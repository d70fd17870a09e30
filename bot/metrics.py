"""Prometheus metrics for `headshot serve`, off unless HEADSHOT_METRICS_PORT is set.

Built on `prometheus-client` (the Prometheus project's own Python client). The core records through the
functions here; while metrics are off each is a no-op and prometheus_client is not even imported, so the
one-shot commands (`ask`, `check`) pay nothing. `enable()` builds the collectors in a registry of their own
and `exposition()` renders it for `/metrics`.

The metrics and what each means are listed in docs/operations.md ("Metrics").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
PHOTO_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)
REMINDER_OUTCOMES = ("delivered", "failed", "retried")


@dataclass
class _Collectors:
    registry: Any
    messages: Any
    answer_seconds: Any
    photo_seconds: Any
    photo_queue: Any
    reminders: Any
    scheduler_lag: Any
    scheduler_tick: Any
    duplicates: Any
    votes: Any


_lock = threading.Lock()
_collectors: _Collectors | None = None
_photo_queue: Callable[[], float] | None = None
_adapters: Callable[[], Mapping[str, bool]] | None = None


def enable() -> None:
    """Starts recording (idempotent)."""
    global _collectors
    with _lock:
        if _collectors is not None:
            return
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        from prometheus_client.core import GaugeMetricFamily
        from prometheus_client.registry import Collector

        registry = CollectorRegistry()

        class AdapterConnections(Collector):
            def collect(self) -> Iterator[GaugeMetricFamily]:
                family = GaugeMetricFamily(
                    "headshot_adapter_connected", "1 while the adapter is connected", labels=["adapter"]
                )
                for name, connected in (_adapters() if _adapters else {}).items():
                    family.add_metric([name], 1.0 if connected else 0.0)
                yield family

        registry.register(AdapterConnections())
        photo_queue = Gauge(
            "headshot_photo_queue_depth", "photos waiting for an analysis slot", registry=registry
        )
        photo_queue.set_function(lambda: _photo_queue() if _photo_queue else 0.0)
        reminders = Counter("headshot_reminders", "reminders by outcome", ["outcome"], registry=registry)
        votes = Counter(
            "headshot_answer_votes",
            "👍/👎 on answers (a changed vote counts again)",
            ["platform", "verdict"],
            registry=registry,
        )
        for outcome in REMINDER_OUTCOMES:
            reminders.labels(outcome)  # present from the start, at 0, so rates work from the first scrape
        _collectors = _Collectors(
            registry=registry,
            messages=Counter(
                "headshot_messages",
                "messages handled, by kind of answer",
                ["platform", "kind"],
                registry=registry,
            ),
            answer_seconds=Histogram(
                "headshot_answer_seconds",
                "time to answer a message without a photo",
                ["platform"],
                buckets=ANSWER_BUCKETS,
                registry=registry,
            ),
            photo_seconds=Histogram(
                "headshot_photo_seconds",
                "time to review the photos of a message",
                ["platform"],
                buckets=PHOTO_BUCKETS,
                registry=registry,
            ),
            photo_queue=photo_queue,
            reminders=reminders,
            scheduler_lag=Gauge(
                "headshot_scheduler_lag_seconds",
                "at the last tick, how late the most overdue reminder delivered was",
                registry=registry,
            ),
            scheduler_tick=Gauge(
                "headshot_scheduler_last_tick_timestamp_seconds",
                "when the scheduler last completed a tick",
                registry=registry,
            ),
            duplicates=Counter(
                "headshot_duplicates_dropped",
                "deliveries dropped because one was already taken (retries, duplicates)",
                ["platform", "kind"],
                registry=registry,
            ),
            votes=votes,
        )


def enabled() -> bool:
    return _collectors is not None


def exposition() -> tuple[bytes, str]:
    """(body, content type) of `/metrics`; empty while metrics are off."""
    if _collectors is None:
        return b"", "text/plain; charset=utf-8"
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(_collectors.registry), CONTENT_TYPE_LATEST


def message_handled(platform: str, kind: str, seconds: float, *, photo: bool) -> None:
    if _collectors is None:
        return
    _collectors.messages.labels(platform, kind).inc()
    (_collectors.photo_seconds if photo else _collectors.answer_seconds).labels(platform).observe(seconds)


def duplicate_dropped(platform: str, kind: str) -> None:
    if _collectors is not None:
        _collectors.duplicates.labels(platform, kind).inc()


def answer_voted(platform: str, verdict: str) -> None:
    """`verdict`: up or down."""
    if _collectors is not None:
        _collectors.votes.labels(platform, verdict).inc()


def reminder_outcome(outcome: str) -> None:
    """`outcome`: delivered, failed (for good) or retried (a transient failure, tried again later)."""
    if _collectors is not None:
        _collectors.reminders.labels(outcome).inc()


def scheduler_ticked(lag_seconds: float) -> None:
    if _collectors is not None:
        _collectors.scheduler_lag.set(max(0.0, lag_seconds))
        _collectors.scheduler_tick.set(time.time())


def watch_photo_queue(depth: Callable[[], float] | None) -> None:
    """Where the photo queue depth is read from at each scrape (the photo worker pool)."""
    global _photo_queue
    _photo_queue = depth


def watch_adapters(connected: Callable[[], Mapping[str, bool]] | None) -> None:
    """Where each adapter's connection state is read from at each scrape (the health registry)."""
    global _adapters
    _adapters = connected
