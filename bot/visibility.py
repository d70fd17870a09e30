"""Who sees an answer: the one rule, the same on every platform.

A photo review is private — only the person who asked sees it — unless that person chose to post the
photo in a channel with a mention (then it is answered in the thread, where they posted it). So a review
from a slash command, a Slack shortcut, a Discord context menu, a button or of the current profile photo
goes to the asker alone, and so does everything said about a message someone else posted.
"""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Incoming, Origin, Reply

REVIEWS_OF_A_MESSAGE = (Origin.SHORTCUT, Origin.CONTEXT_MENU)
"""The origins that point at a message (usually someone else's) instead of bringing a photo."""


def review_is_private(incoming: Incoming) -> bool:
    if incoming.profile_photo is not None:
        return True
    return incoming.origin is not Origin.MESSAGE


def answer_is_private(incoming: Incoming) -> bool:
    """Everything (not only the review) is private when the user pointed at a message."""
    return incoming.origin in REVIEWS_OF_A_MESSAGE


def privately(replies: list[Reply]) -> list[Reply]:
    return [reply if reply.private else replace(reply, private=True) for reply in replies]
