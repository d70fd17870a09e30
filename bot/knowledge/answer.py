"""Answers readable at a glance: the one sentence that answers, up to two short supporting quotes, the
other side when the documents disagree on this point, and the sources once, by title.

`compose` picks the quotes (verbatim sentences); `reply_for` is the one place an `Answer` becomes a
`Reply` for every adapter (the console prints `Reply.text`; Slack and Discord render its sections).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.passages import Passage
from bot.messages import Citation, Paragraph, Part, Reply, ReplyKind, Sources, Title
from bot.messages import Quote as QuotePart

MAX_SUPPORT = 2
SUPPORT_SHARE = 0.35
"""A passage supports the answer when the retriever believes in it at least this much of the lead's."""
SUPPORT_RELEVANCE = 0.8
"""...and its best sentence is at least this relevant, relative to the lead sentence."""
OTHER_SIDE_SHARE = 0.12
MAX_SUPPORT_CHARS = 200
"""A supporting quote is short; a longer sentence is left to the passage it came from."""
QUOTE_BUDGET = 420
"""Characters of quotes an answer may hold beyond its lead sentence (the median answer stays < 600)."""

SentenceScorer = Callable[[Passage], list[float]]
"""Relevance of each of a passage's `sentences` to the question (higher is better)."""


@dataclass(frozen=True)
class RankedPassage:
    passage: Passage
    score: float


@dataclass(frozen=True)
class Quote:
    passage: Passage
    text: str  # one verbatim sentence of the passage
    role: str  # "answer", "support" or "other side"


@dataclass
class Answer:
    """What `ask` returns. `answered`: the documents answer it (what `ask --json` reports).

    `kind` says what the bot did: "documents", "decline", "platform_sizes", "photo_request", "chat"; with
    `confidence` (the retriever's belief in that decision) it is what a feedback log needs to keep."""

    answered: bool
    answer: str
    passages: list[RankedPassage] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    kind: str = "documents"
    confidence: float = 0.0
    title: str | None = None
    parts: list[Part] = field(default_factory=list)  # what the reply shows, before its title and sources
    note: str | None = None
    corrections: tuple[tuple[str, str], ...] = ()
    ranked: bool = False  # the question went through the ranking (not a guard, a greeting or an injection)

    @property
    def declined(self) -> bool:
        return self.kind == "decline"

    @property
    def quoted(self) -> list[RankedPassage]:
        """The passages the answer quotes, in order (one entry per passage)."""
        seen: dict[str, RankedPassage] = {}
        scores = {r.passage.id: r.score for r in self.passages}
        for quote in self.quotes:
            seen.setdefault(quote.passage.id, RankedPassage(quote.passage, scores.get(quote.passage.id, 0.0)))
        return list(seen.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "answer": self.answer,
            "passages": [
                {
                    "doc": r.passage.doc,
                    "title": r.passage.title,
                    "perspective": r.passage.perspective,
                    "text": r.passage.text,
                    "score": round(r.score, 4),
                }
                for r in self.passages
            ],
        }


def citation_for(passage: Passage, quote: str | None = None) -> Citation:
    return Citation(passage.title, passage.doc, quote or passage.text, passage.perspective)


def _best_sentence(passage: Passage, relevance: SentenceScorer) -> tuple[str, float]:
    sentences = passage.sentences or [passage.text]
    scores = relevance(passage)
    if len(scores) != len(sentences):
        return sentences[0], 0.0
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    return sentences[best], scores[best]


def compose(
    ranked: Sequence[RankedPassage],
    relevance: SentenceScorer,
    *,
    other_side_wanted: bool,
) -> list[Quote]:
    """The quotes of an answer, lead first. `other_side_wanted`: the question weighs the two sides."""
    usable = [r for r in ranked if not r.passage.promotional] or list(ranked[:1])
    lead = usable[0]
    lead_sentence, lead_relevance = _best_sentence(lead.passage, relevance)
    quotes = [Quote(lead.passage, lead_sentence, "answer")]
    budget = QUOTE_BUDGET

    other: Quote | None = None
    for candidate in usable[1:]:
        p = candidate.passage
        if p.stance == lead.passage.stance or p.position == 0:
            continue  # the same side, or a document's generic introduction
        if not other_side_wanted and candidate.score < OTHER_SIDE_SHARE * lead.score:
            break
        sentence, _ = _best_sentence(p, relevance)
        other = Quote(p, sentence, "other side")
        budget -= len(sentence)
        break

    support: list[tuple[float, Quote]] = []
    # the lead passage's other sentences first (they carry its context), then the next passages
    scores = relevance(lead.passage)
    for sentence, score in zip(lead.passage.sentences, scores, strict=False):
        if sentence != lead_sentence and score >= SUPPORT_RELEVANCE * lead_relevance:
            support.append((score, Quote(lead.passage, sentence, "support")))
    for candidate in usable[1:4]:
        p = candidate.passage
        if candidate.score < SUPPORT_SHARE * lead.score or p.stance != lead.passage.stance:
            continue
        if other is not None and p.id == other.passage.id:
            continue
        sentence, score = _best_sentence(p, relevance)
        if score >= SUPPORT_RELEVANCE * lead_relevance:
            support.append((score, Quote(p, sentence, "support")))
    for _, quote in sorted(support, key=lambda pair: -pair[0]):
        if len([q for q in quotes if q.role == "support"]) >= MAX_SUPPORT:
            break
        if len(quote.text) > MAX_SUPPORT_CHARS or len(quote.text) > budget:
            continue
        quotes.append(quote)
        budget -= len(quote.text)
    if other is not None:
        quotes.append(other)
    return quotes


def render(
    quotes: Sequence[Quote], *, labels: dict[str, str], other_side_heading: str, note: str | None
) -> tuple[str, list[Part]]:
    """Plain text and sections: quotes marked [1], [2] by source, then the sources once, by title."""
    numbers: dict[str, int] = {}
    for quote in quotes:
        numbers.setdefault(quote.passage.doc, len(numbers) + 1)
    lines: list[str] = [note] if note else []
    sections: list[Part] = [Paragraph(note)] if note else []
    for quote in quotes:
        text = " ".join(quote.text.split())
        mark = f" [{numbers[quote.passage.doc]}]" if len(numbers) > 1 else ""
        if quote.role == "other side":
            lines.append(f"{other_side_heading}: “{text}”{mark}")
        else:
            lines.append(f"“{text}”{mark}")
        sections.append(
            QuotePart(
                text,
                citation_for(quote.passage, quote.text),
                heading=other_side_heading if quote.role == "other side" else None,
                label=labels.get(quote.passage.doc) or None,
            )
        )
    by_doc = {q.passage.doc: q.passage for q in quotes}
    if len(numbers) > 1:
        sources = "; ".join(f"[{n}] {by_doc[doc].title}" for doc, n in numbers.items())
    else:
        sources = next(iter(by_doc.values())).title
    lines.append(f"Source{'s' if len(numbers) > 1 else ''}: {sources}")
    return "\n".join(lines), sections


def reply_for(answer: Answer) -> Reply:
    """The one function that turns an answer into the reply every adapter renders."""
    if answer.kind in ("decline", "chat"):
        return Reply(ReplyKind.DECLINE, tuple(answer.parts))
    title = (Title(answer.title),) if answer.title else ()
    if not answer.quotes:  # the bot's own facts: platform sizes, asking for a photo
        return Reply(ReplyKind.ANSWER, (*title, *answer.parts))
    first: dict[str, Quote] = {}
    for quote in answer.quotes:
        first.setdefault(quote.passage.doc, quote)
    citations = tuple(citation_for(q.passage, q.text) for q in first.values())
    return Reply(ReplyKind.ANSWER, (*title, *answer.parts, Sources(citations)))
