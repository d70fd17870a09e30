"""Short-lived follow-up context per conversation: memory only, never written anywhere.

After an answered question the conversation remembers that question for a few minutes, so "and how
much do they cost?" or "what about for a lawyer?" is read together with it. Entries expire after
`ttl_seconds` and the oldest are dropped beyond `max_conversations`, so memory stays bounded.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.knowledge.reading import words

DEFAULT_TTL_SECONDS = 15 * 60
DEFAULT_MAX_CONVERSATIONS = 1000
FOLLOW_UP_MAX_WORDS = 9

_LEADS = re.compile(
    r"^\s*(and|also|but|so|or|then|ok(ay)?\s+(and|so|but)|what about|how about|same for|same question|"
    r"what if|and if|even|plus|for)\b",
    re.IGNORECASE,
)
_PRONOUNS = frozenset(
    {"it", "they", "them", "those", "these", "that", "this", "ones", "one", "theirs", "its"}
)


class FollowUpContext:
    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_conversations: int = DEFAULT_MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_conversations = max_conversations
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def remember(self, conversation_key: str, question: str) -> None:
        with self._lock:
            self._entries[conversation_key] = (self._clock(), question)
            self._entries.move_to_end(conversation_key)
            while len(self._entries) > self.max_conversations:
                self._entries.popitem(last=False)

    def previous(self, conversation_key: str) -> str | None:
        with self._lock:
            entry = self._entries.get(conversation_key)
            if entry is None:
                return None
            stamp, question = entry
            if self._clock() - stamp > self.ttl_seconds:
                del self._entries[conversation_key]
                return None
            return question

    def forget(self, conversation_key: str) -> None:
        with self._lock:
            self._entries.pop(conversation_key, None)

    def __len__(self) -> int:
        return len(self._entries)


def is_follow_up(question: str, *, self_contained: bool) -> bool:
    """A short question that leans on the one before: "and how much?", "what about lawyers?".

    `self_contained`: the question names the subject itself (AI, photos, photographers), in which case
    only an explicit lead-in ("and", "what about") makes it a follow-up.
    """
    tokens = words(question)
    if not tokens or len(tokens) > FOLLOW_UP_MAX_WORDS:
        return False
    if _LEADS.match(question):
        return True
    return not self_contained and any(t in _PRONOUNS for t in tokens)
