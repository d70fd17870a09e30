"""Adapters for the serve and doctor tests: the real contract (`bot.adapters.Adapter`), scripted lives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.adapters import OK, DoctorCheck
from bot.runtime import Runtime

Life = Callable[[Runtime, asyncio.Event], Awaitable[None]]


async def _until_stopped(runtime: Runtime, stopping: asyncio.Event) -> None:
    await stopping.wait()


class ScriptedAdapter:
    """An adapter whose `run` is the given coroutine function; configured unless told otherwise."""

    def __init__(
        self,
        name: str,
        life: Life = _until_stopped,
        *,
        configured: bool = True,
        secret: str | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.life = life
        self._configured = configured
        self.secret = secret
        self._problems = problems

    @property
    def configured(self) -> bool:
        return self._configured

    def describe(self) -> str:
        return f"scripted {self.name}"

    def problems(self) -> list[str]:
        return list(self._problems)

    def secrets(self) -> list[str]:
        return [self.secret] if self.secret else []

    def doctor_checks(self, timeout: float) -> list[DoctorCheck]:
        return [DoctorCheck(f"{self.name} token", OK, f"accepted ({self.secret})")]

    async def run(self, runtime: Runtime, stopping: asyncio.Event) -> None:
        await self.life(runtime, stopping)
