"""The contract every platform adapter implements, and the settings it declares.

An adapter lives in `handlers/<platform>/adapter.py` and is listed once in `handlers/registry.py`;
`headshot serve`, `headshot doctor`, the log redaction and the house-rules tests loop over that registry,
so adding a platform is: a folder, a registry line, a loopback fake for its tests, and its README section
(docs/architecture.md has the checklist). The core defines the contract and never imports an adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.config import Setting

if TYPE_CHECKING:
    from bot.runtime import Runtime

OK, WARN, FAIL, SKIP, UNKNOWN = "ok", "warn", "FAIL", "skip", "unknown"

__all__ = ["Adapter", "AdapterSpec", "DoctorCheck", "Setting"]


@dataclass(frozen=True)
class DoctorCheck:
    """One row of `headshot doctor`: only FAIL makes it exit 1."""

    check: str
    status: str  # ok, warn, FAIL, skip, unknown
    detail: str
    fix: str = ""


class Adapter(Protocol):
    """A chat platform: its settings, read from the environment when the adapter is created, and its life.

    `run` is started by `headshot serve` when `configured` is true, restarted with backoff when it raises,
    and must return soon after `stopping` is set, having finished (or handed back) the work in hand.
    """

    name: str  # "slack", "discord": also the `platform` of its conversations and its sender's key

    @property
    def configured(self) -> bool:
        """Every credential it needs to start is set."""
        ...

    def describe(self) -> str:
        """How it will run, for serve's log and doctor's table: "Socket Mode", "HTTP mode on port 3000"."""
        ...

    def problems(self) -> list[str]:
        """Half-set credentials and unusable values, in words an operator can act on."""
        ...

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line or in doctor's output."""
        ...

    def doctor_checks(self, timeout: float) -> list[DoctorCheck]:
        """Read-only checks against the platform (does it accept the token?), each within `timeout`."""
        ...

    async def run(self, runtime: Runtime, stopping: asyncio.Event) -> None: ...


@dataclass(frozen=True)
class AdapterSpec:
    """What `handlers/<platform>/adapter.py` exports as `SPEC`: importing it must not import the platform's
    SDK, so that doctor and the configuration work even where that SDK is broken."""

    name: str
    settings: tuple[Setting, ...]
    create: Callable[[Mapping[str, str]], Adapter]
