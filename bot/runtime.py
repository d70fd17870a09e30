"""The composition root: what every command and every adapter is handed.

It holds the settings, the reminder senders the adapters register, and the brain (built on first use, so
a command pays only for what it needs); `close()` releases what was opened (the store's connections).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.brain import Brain
from bot.clock import Clock, utc_now
from bot.config import Config
from bot.reminders.delivery import SenderRegistry


@dataclass
class Runtime:
    config: Config
    senders: SenderRegistry = field(default_factory=SenderRegistry)
    clock: Clock = utc_now
    _brain: Brain | None = field(default=None, repr=False)  # tests hand in a recording brain

    @property
    def brain(self) -> Brain:
        if self._brain is None:
            self._brain = Brain(self.config, clock=self.clock)
        return self._brain

    def close(self) -> None:
        if self._brain is not None:
            self._brain.close()
