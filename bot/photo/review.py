"""Turns a photo into the replies a user sees. (Placeholder until the analysis lands.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.messages import Citation, Reply, ReplyKind


def review_attachment(
    data: bytes,
    *,
    filename: str,
    platform: str,
    now: datetime,
    cite: Callable[[str], Citation | None],
) -> list[Reply]:
    return [
        Reply(text=f"Photo checks are not available yet ({filename}).", kind=ReplyKind.ERROR, private=True)
    ]
