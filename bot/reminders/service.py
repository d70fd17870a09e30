"""Reminder commands and the store behind them. (Placeholder until the store lands.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.messages import ActionEvent, Conversation, Incoming, Reply


@dataclass(frozen=True)
class AvatarSighting:
    user: str
    avatar_hash: str
    seen_at: datetime


class ReminderService:
    def __init__(self, database_url: str, *, clock: Callable[[], datetime]) -> None:
        self.database_url = database_url
        self.clock = clock

    def handle(self, incoming: Incoming) -> list[Reply] | None:
        """Replies when the message is a reminder command; None when it is not one."""
        return None

    def handle_action(self, event: ActionEvent) -> list[Reply] | None:
        return None

    def list_replies(self, conversation: Conversation) -> list[Reply]:
        return []

    def record_sightings(self, platform: str, workspace: str, sightings: Sequence[AvatarSighting]) -> None:
        return None

    def tracking_enabled(self, platform: str, workspace: str) -> bool:
        return False
