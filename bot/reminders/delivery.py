"""How the core hands a due reminder to the platform it was set on.

Each adapter registers one `Sender` for its platform. The scheduler (and `headshot reminders run-due`)
claims due reminders and calls `deliver`; a sender raises `TransientDeliveryError` for a failure worth
retrying later (rate limit, network) and `PermanentDeliveryError` for one that never will succeed
(user gone, DMs closed), which ends the reminder as `failed` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Conversation, Reply


@dataclass(frozen=True)
class Delivery:
    reminder_id: int
    conversation: Conversation  # platform, workspace, channel and user the reminder was set for
    reply: Reply  # what to show: the reminder text with snooze / done buttons


class TransientDeliveryError(Exception):
    """Try again later. `retry_after` (seconds) when the platform said how long to wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """Never going to work (user left, DMs closed): the reminder ends as failed with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WorkspaceGoneError(Exception):
    """The platform no longer lets the bot into this workspace (its token was revoked or is invalid): the
    scheduler marks the workspace gone, delivers nothing there, and purges it after the grace period unless
    it is heard from again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sender(Protocol):
    async def deliver(self, delivery: Delivery) -> None: ...

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        """The user's IANA time zone if the platform knows it, for delivery in their daytime."""
        ...


class SenderRegistry:
    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}

    def register(self, platform: str, sender: Sender) -> None:
        self._senders[platform] = sender

    def get(self, platform: str) -> Sender | None:
        return self._senders.get(platform)

    def platforms(self) -> list[str]:
        return sorted(self._senders)
