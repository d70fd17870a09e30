"""👍/👎 on the knowledge base's answers: which answers are rated, how an answer is named, the buttons,
and the short memory that lets a typed "good"/"bad" apply to a person's last answer.

The brain composes this with the knowledge base (which answers) and the store (`bot.reminders.feedback`,
which keeps the votes and the operator's opt-in question log); neither of them knows the other.

An answer is named by its `answer_key`: a short hash of the question (lower case, spaces collapsed) and of
its first three passages, so the same answer to the same question collects one vote per person. The
button's value carries the key and the answer's best passage, so a press is understood from the button
alone, also after a restart; only the question's text (for the log, when the operator turned it on) comes
from this process's memory.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from bot.messages import Action, ActionId, Buttons, Reply

if TYPE_CHECKING:
    from bot.knowledge import Answer

Verdict = Literal["up", "down"]
Reason = Literal["declined", "unsure", "voted_down"]

RATED_KINDS = frozenset({"documents", "decline", "platform_sizes"})
"""What gets the buttons: answers from the documents, declines (a 👎 says "you should have answered"),
and the platform-size answers. Not greetings, guards or the request for a photo."""
UNSURE_BELOW = 0.6
"""An answer from the documents whose belief that they cover the question is below this is "unsure"."""
KEY_CHARS = 16
KEY_PASSAGES = 3
MEMORY_SECONDS = 24 * 3600.0
MEMORY_SIZE = 10_000

VERDICTS: dict[ActionId, Verdict] = {ActionId.ANSWER_GOOD: "up", ActionId.ANSWER_BAD: "down"}
_K = TypeVar("_K")
_VALUE = re.compile(r"^(?P<key>[0-9a-f]{16})(?::(?P<passage>[^\s:]{1,128}))?$")


@dataclass(frozen=True)
class Rated:
    """An answer a person can rate."""

    key: str
    quoted: str | None  # the passage the answer leads with (None: not an answer from the documents)
    score: float  # the belief in what the bot decided
    reason: Reason | None  # why the question is logged at once ("declined", "unsure"), else None
    question: str = ""  # kept only while the operator logs questions
    top_passage: str | None = None  # the best-ranked passage, also of a decline (for the log)


def answer_key(question: str, passages: list[str]) -> str:
    asked = " ".join(question.lower().split())
    named = "\n".join([asked, *passages[:KEY_PASSAGES]])
    return hashlib.sha256(named.encode()).hexdigest()[:KEY_CHARS]


def rated(question: str, answer: Answer, *, keep_text: bool) -> Rated | None:
    """The answer as something to rate, or None when it gets no buttons."""
    if not answer.ranked or answer.kind not in RATED_KINDS:
        return None
    ids = [r.passage.id for r in answer.passages]
    quoted = answer.quoted[0].passage.id if answer.kind == "documents" and answer.quoted else None
    reason: Reason | None = None
    if answer.kind == "decline":
        reason = "declined"
    elif answer.kind == "documents" and answer.confidence < UNSURE_BELOW:
        reason = "unsure"
    return Rated(
        answer_key(question, ids),
        quoted,
        round(float(answer.confidence), 4),
        reason,
        question.strip() if keep_text else "",
        quoted or (ids[0] if ids and answer.kind == "decline" else None),
    )


def button_value(item: Rated) -> str:
    """The key, and the passage the answer quoted first (which the vote counts for)."""
    return f"{item.key}:{item.quoted}" if item.quoted else item.key


def parse_value(value: str) -> tuple[str, str | None] | None:
    """(answer key, quoted passage) from a button's value; None when it is not one of ours."""
    match = _VALUE.match(value.strip())
    return (match["key"], match["passage"]) if match else None


def with_buttons(reply: Reply, item: Rated) -> Reply:
    value = button_value(item)
    buttons = Buttons(
        (
            Action("👍 Helpful", ActionId.ANSWER_GOOD, value),
            Action("👎 Not helpful", ActionId.ANSWER_BAD, value),
        )
    )
    return Reply(reply.kind, (*reply.parts, buttons), private=reply.private)


def acknowledgement(verdict: Verdict, before: Verdict | None) -> Reply:
    thumb = "👍" if verdict == "up" else "👎"
    if before is None or before == verdict:
        text = f"Thanks — noted {thumb}."
    else:
        text = f"Thanks — changed your vote to {thumb}."
    return Reply.plain(text, private=True)


class RecentAnswers:
    """Each person's last rateable answer and the recent answers by key, in this process's memory only
    (a day, at most `MEMORY_SIZE` of each): what a typed "good"/"bad" applies to, and a 👎's question."""

    def __init__(self, ttl: float = MEMORY_SECONDS, max_size: int = MEMORY_SIZE) -> None:
        self._ttl = ttl
        self._max = max_size
        self._last: OrderedDict[tuple[str, str], tuple[float, Rated]] = OrderedDict()
        self._by_key: OrderedDict[str, tuple[float, Rated]] = OrderedDict()
        self._lock = threading.Lock()  # answers come from worker threads

    def remember(self, platform: str, user: str, item: Rated) -> None:
        now = time.monotonic()
        with self._lock:
            self._last.pop((platform, user), None)
            self._last[(platform, user)] = (now, item)
            self._by_key.pop(item.key, None)
            self._by_key[item.key] = (now, item)
            _trim(self._last, now - self._ttl, self._max)
            _trim(self._by_key, now - self._ttl, self._max)

    def last(self, platform: str, user: str) -> Rated | None:
        with self._lock:
            return self._fresh(self._last.get((platform, user)))

    def get(self, key: str) -> Rated | None:
        with self._lock:
            return self._fresh(self._by_key.get(key))

    def _fresh(self, entry: tuple[float, Rated] | None) -> Rated | None:
        if entry is None or entry[0] < time.monotonic() - self._ttl:
            return None
        return entry[1]


def _trim(table: OrderedDict[_K, tuple[float, Rated]], oldest: float, size: int) -> None:
    while table and (len(table) > size or next(iter(table.values()))[0] < oldest):
        table.popitem(last=False)
