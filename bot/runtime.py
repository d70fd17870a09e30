"""The composition root: what every command and every adapter is handed.

It holds the settings, the reminder senders the adapters register, the health the running parts report
(`bot.health`), and the brain (built on first use, so a command pays only for what it needs); `close()`
releases what was opened (the store's connections).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.brain import Brain
from bot.clock import Clock, utc_now
from bot.config import Config
from bot.health import Check, Health, Readiness
from bot.reminders.delivery import SenderRegistry

STORE_CHECK_SECONDS = 2.0


@dataclass
class Runtime:
    config: Config
    senders: SenderRegistry = field(default_factory=SenderRegistry)
    clock: Clock = utc_now
    health: Health = field(default_factory=Health)
    _brain: Brain | None = field(default=None, repr=False)  # tests hand in a recording brain
    _store_check: asyncio.Future[None] | None = field(default=None, init=False, repr=False)

    @property
    def brain(self) -> Brain:
        if self._brain is None:
            self._brain = Brain(self.config, clock=self.clock)
        return self._brain

    async def readiness(self, *, timeout: float = STORE_CHECK_SECONDS) -> Readiness:
        """Ready when every part `health` knows of is (each enabled adapter connected, the scheduler
        ticking) and the store answers a query within `timeout` seconds."""
        checks = self.health.checks()
        checks["store"] = await self._check_store(timeout)
        return Readiness(all(check.ok for check in checks.values()), checks)

    async def _check_store(self, timeout: float) -> Check:
        # One query at a time: a store that hangs must not collect a thread per probe.
        if self._store_check is None or self._store_check.done():
            if self._store_check is not None and not self._store_check.cancelled():
                self._store_check.exception()  # the last one's outcome, already reported: consumed
            self._store_check = asyncio.ensure_future(asyncio.to_thread(self._ping_store))
        try:
            await asyncio.wait_for(asyncio.shield(self._store_check), timeout)
        except TimeoutError:
            return Check(False, f"no answer within {timeout:g} s")
        except Exception as exc:
            return Check(False, f"cannot be queried ({type(exc).__name__})")
        return Check(True, "answers")

    def _ping_store(self) -> None:
        self.brain.reminders.store.ping()

    def close(self) -> None:
        if self._brain is not None:
            self._brain.close()
