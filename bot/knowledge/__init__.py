"""The knowledge base: documents, passages, ranking, answers with citations.

`KnowledgeBase.load(directory)` reads the documents and their metadata and builds the index in memory
(it is small: building takes a few milliseconds, so there is no index file to go stale).
`ask(question, conversation_key=...)` ranks passages and decides whether the documents answer the
question; `reply_for(answer)` renders the answer as a `Reply`; `cite(topic)` gives the photo review a
quotable sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge.answer import Answer, RankedPassage, citation_for, compose, decline, reply_for
from bot.knowledge.context import FollowUpContext, is_follow_up
from bot.knowledge.documents import Document, KnowledgeError, load_documents
from bot.knowledge.index import Index
from bot.knowledge.passages import Passage, passages_of, split_sentences
from bot.knowledge.query import TRIGGER_WORDS, Query, TermGroup, analyse
from bot.knowledge.vocabulary import GENERIC_CONCEPTS
from bot.messages import Citation, Reply

__all__ = ["Answer", "Document", "KnowledgeBase", "KnowledgeError", "Passage", "RankedPassage"]

RETURNED_PASSAGES = 10
"""Ranked passages in every answer (the `ask --json` contract wants at least 3, also when declining)."""
MAX_QUESTION_CHARS = 4000
"""Longer messages are read from their end, where people put the actual question."""
MIN_COVERAGE = 0.5
"""Share of the question's own meaningful words the documents must know for it to count as covered."""
MIN_SCORE = 3.0
MIN_TOPIC_SCORE = 3.0
"""The best passage's score from the question's own subject (everything but the generic AI/photo words)."""
PREVIOUS_QUESTION_WEIGHT = 0.5
MAX_REMEMBERED_CHARS = 600
"""A chain of follow-ups keeps only its latest words as context."""
OTHER_SIDE_SCORE_SHARE = 0.4
"""On a two-sided topic, the other side's best passage moves into the top three if it scores this share."""

_GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|yo|howdy|good (morning|afternoon|evening))( there)?\W*$", re.I
)
_THANKS = re.compile(r"^\W*(thanks?( you)?|thx|ty|cheers|much appreciated|great,? thanks)\W*$", re.I)
NOT_COVERED = "The documents I answer from don’t cover that."
ENGLISH_NOTE = "I answer in English, from English documents; here is what I found."
ENGLISH_ONLY = "I answer in English, from English documents."


class KnowledgeBase:
    def __init__(self, documents: list[Document], *, context: FollowUpContext | None = None) -> None:
        self.documents = documents
        self.passages: list[Passage] = [p for d in documents for p in passages_of(d)]
        self.index = Index(self.passages)
        self.context = context or FollowUpContext()

    @classmethod
    def load(cls, directory: Path) -> KnowledgeBase:
        return cls(load_documents(directory))

    # --- asking ------------------------------------------------------------------------------------------

    def analyse(self, question: str) -> Query:
        return analyse(
            question,
            known=self.index.knows,
            correct=lambda word: self.index.correct(word, TRIGGER_WORDS),
        )

    def ask(self, question: str, conversation_key: str | None = None) -> Answer:
        text = question if isinstance(question, str) else ""
        if len(text) > MAX_QUESTION_CHARS:
            text = text[-MAX_QUESTION_CHARS:]
        query = self.analyse(text)
        previous = self.context.previous(conversation_key) if conversation_key else None
        follow_up = previous is not None and is_follow_up(text, self_contained=query.on_topic)
        groups = dict(query.groups)
        on_topic = query.on_topic
        two_sided = query.two_sided
        if follow_up and previous is not None:
            earlier = self.analyse(previous)
            for key, (weight, stems) in earlier.groups.items():
                if key not in groups:
                    groups[key] = (PREVIOUS_QUESTION_WEIGHT * weight, stems)
            on_topic = on_topic or earlier.on_topic
            two_sided = two_sided or earlier.two_sided
        ranked = self._rank(groups)
        if two_sided:
            ranked = _with_both_sides(ranked)
        note = ENGLISH_NOTE if query.foreign else None
        reason = self._decline_reason(query, ranked, on_topic=on_topic)
        if reason is not None:
            return decline(ranked, reason, ENGLISH_ONLY if query.foreign else None)
        answer = compose(ranked, two_sided=two_sided, note=note)
        if conversation_key:
            remembered = f"{previous} {text}" if follow_up else text
            self.context.remember(conversation_key, remembered[-MAX_REMEMBERED_CHARS:])
        return answer

    def _rank(self, groups: dict[str, TermGroup]) -> list[RankedPassage]:
        scores = self.index.scores(groups.values())
        order = sorted(range(len(self.passages)), key=lambda i: (-scores[i], i))
        return [RankedPassage(self.passages[i], scores[i]) for i in order[:RETURNED_PASSAGES]]

    def _decline_reason(self, query: Query, ranked: list[RankedPassage], *, on_topic: bool) -> str | None:
        if not query.text.strip():
            return "You sent an empty message: ask me a question about headshots."
        if _GREETING.match(query.text):
            return "Hello!"
        if _THANKS.match(query.text):
            return "You’re welcome!"
        if not query.has_letters:
            return (
                "I can only read questions written in words, and the documents I answer from don’t "
                "cover that."
            )
        if query.injection:
            return (
                "I can’t change how I work or share my instructions; I only answer questions about "
                "headshots from my documents."
            )
        for topic, phrase in query.uncovered:
            # a single word may be covered after all by an operator's extra document; a phrase is specific
            if len(phrase) > 1 or not ranked or not self.index.passage_has(ranked[0].passage, phrase):
                return f"The documents I answer from don’t cover {topic}."
        if not on_topic:
            return NOT_COVERED
        if query.coverage < MIN_COVERAGE:
            return NOT_COVERED
        if not ranked or ranked[0].score < MIN_SCORE:
            return NOT_COVERED
        names = {c.name for c in query.concepts}
        central = {"ai", "photographer"} <= names  # AI vs. a photographer is what both documents are about
        if not central and self._topic_score(query, ranked[0].passage) < MIN_TOPIC_SCORE:
            # only "AI", "photo" and the like matched: the question's actual subject is not there
            return NOT_COVERED
        return None

    def _topic_score(self, query: Query, passage: Passage) -> float:
        specific = [g for key, g in query.groups.items() if key not in GENERIC_CONCEPTS]
        return self.index.score_of(passage, specific)

    def reply_for(self, answer: Answer) -> Reply:
        return reply_for(answer)

    def cite(self, topic: str) -> Citation | None:
        """The single sentence that best supports `topic`, for quoting next to photo feedback."""
        answer = self.ask(topic)
        if not answer.answered:
            return None
        best = answer.quoted[0].passage
        query = self.analyse(topic)
        sentences = split_sentences(best.text.split("\n\n")[-1]) or [best.text]
        scores = Index([Passage(best.doc, best.title, best.perspective, s) for s in sentences]).scores(
            query.groups.values()
        )
        quote = sentences[scores.index(max(scores))]
        return citation_for(best, quote)


def _with_both_sides(ranked: list[RankedPassage]) -> list[RankedPassage]:
    """On a topic where the documents take sides, the first three passages show more than one side."""
    top = ranked[:3]
    if len({r.passage.stance for r in top}) > 1:
        return ranked
    for index, candidate in enumerate(ranked[3:], start=3):
        if candidate.passage.stance != top[0].passage.stance and not candidate.passage.promotional:
            if candidate.score < OTHER_SIDE_SCORE_SHARE * top[0].score:
                return ranked
            return [*ranked[:2], candidate, *ranked[2:index], *ranked[index + 1 :]]
    return ranked
