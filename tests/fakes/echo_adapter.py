"""A tiny platform adapter that exists only for the tests: it proves that adding a platform is a folder, a
registry line and a fake. `run` registers a sender, reports its connection (readiness), says it started,
and waits to be stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.adapters import OK, AdapterSpec, DoctorCheck
from bot.config import Setting, setting
from bot.reminders.delivery import Delivery
from bot.runtime import Runtime

SETTINGS = (Setting("ECHO_TOKEN", "the echo platform's token", secret=True),)
started: list[str] = []


class EchoSender:
    def __init__(self) -> None:
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> None:
        self.delivered.append(delivery)

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        return None


class EchoAdapter:
    name = "echo"

    def __init__(self, token: str | None) -> None:
        self.token = token

    @property
    def configured(self) -> bool:
        return bool(self.token)

    def describe(self) -> str:
        return "echo, in process"

    def problems(self) -> list[str]:
        return []

    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def doctor_checks(self, timeout: float) -> list[DoctorCheck]:
        return [DoctorCheck("echo token", OK, f"accepted ({self.token})")]

    async def run(self, runtime: Runtime, stopping: asyncio.Event) -> None:
        runtime.senders.register(self.name, EchoSender())
        runtime.health.connected(self.name, "in process")  # readiness: this platform is reachable
        started.append(self.token or "")
        await stopping.wait()
        runtime.health.disconnected(self.name, "stopped")


def _create(environ: Mapping[str, str]) -> EchoAdapter:
    return EchoAdapter(setting(environ, "ECHO_TOKEN"))


SPEC = AdapterSpec(name="echo", settings=SETTINGS, create=_create)
