"""What readiness is made of, reported by the parts of `headshot serve` as they run.

An adapter says when it is connected to its platform (`connected`, optionally with a live `probe` that is
asked at every readiness check, for connections that can drop on their own such as a Socket Mode WebSocket
or the Discord gateway) and when it is not (`disconnected`); the scheduler says when it ticked (`ticked`).
`serve` declares the adapters it starts (`expect`), so an adapter that never came up is reported as not
connected rather than forgotten. The store's own check is the runtime's (`Runtime.readiness`), which adds
it to these parts.

Nothing here knows a platform: the adapters call it with their own names.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Probe = Callable[[], bool]
STALE_AFTER_TICKS = 3  # a scheduler that missed this many ticks in a row is not ready


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, Check]

    @property
    def http_status(self) -> int:
        return 200 if self.ready else 503

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in sorted(self.checks.items())},
        }


@dataclass
class _Connection:
    connected: bool = False
    detail: str = "not connected yet"
    probe: Probe | None = None


@dataclass
class _Ticks:
    every: float
    last: float | None = None


@dataclass
class Health:
    clock: Callable[[], float] = time.monotonic
    _connections: dict[str, _Connection] = field(default_factory=dict, repr=False)
    _ticks: dict[str, _Ticks] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- adapters --------------------------------------------------------------------------------------

    def expect(self, name: str) -> None:
        """`name` is enabled: until it reports a connection, the process is not ready."""
        with self._lock:
            self._connections.setdefault(name, _Connection())

    def connected(self, name: str, detail: str = "connected", *, probe: Probe | None = None) -> None:
        """`name` is connected; with `probe`, only while `probe()` says so."""
        with self._lock:
            self._connections[name] = _Connection(True, detail, probe)

    def disconnected(self, name: str, detail: str) -> None:
        with self._lock:
            self._connections[name] = _Connection(False, detail)

    def failed(self, name: str, detail: str) -> None:
        """A part ended with an error: if it is a connection, it is down until it reports again."""
        with self._lock:
            if name in self._connections:
                self._connections[name] = _Connection(False, detail)

    def connections(self) -> dict[str, bool]:
        """Each adapter's state now (for the metrics)."""
        return {name: check.ok for name, check in self._connection_checks().items()}

    def _connection_checks(self) -> dict[str, Check]:
        with self._lock:
            current = dict(self._connections)
        checks: dict[str, Check] = {}
        for name, connection in current.items():
            if not connection.connected:
                checks[name] = Check(False, connection.detail)
                continue
            try:
                alive = connection.probe() if connection.probe is not None else True
            except Exception as exc:  # a probe must not break the readiness answer
                alive, connection.detail = False, f"its connection check failed ({type(exc).__name__})"
            checks[name] = Check(True, connection.detail) if alive else Check(False, "connection lost")
        return checks

    # --- the scheduler ---------------------------------------------------------------------------------

    def expect_ticks(self, name: str, every: float) -> None:
        """`name` ticks every `every` seconds: it is not ready before its first tick or once ticks stop."""
        with self._lock:
            self._ticks.setdefault(name, _Ticks(every))

    def ticked(self, name: str) -> None:
        with self._lock:
            ticks = self._ticks.setdefault(name, _Ticks(math.inf))
            ticks.last = self.clock()

    def _tick_checks(self) -> dict[str, Check]:
        now = self.clock()
        checks: dict[str, Check] = {}
        with self._lock:
            for name, ticks in self._ticks.items():
                if ticks.last is None:
                    checks[name] = Check(False, "has not ticked yet")
                    continue
                age = now - ticks.last
                fresh = age <= ticks.every * STALE_AFTER_TICKS
                checks[name] = Check(fresh, f"last tick {age:.0f} s ago")
        return checks

    def checks(self) -> dict[str, Check]:
        """Every reported part as it stands now (the store is checked by `Runtime.readiness`)."""
        return {**self._connection_checks(), **self._tick_checks()}
