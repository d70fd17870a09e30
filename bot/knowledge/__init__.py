"""The knowledge base: documents, passages, a retriever seam, a decline policy, answers with citations.

`KnowledgeBase.load(directory)` reads the documents and the data files beside them (`bot.knowledge.data`)
and loads the semantic index from its cache, rebuilding it (one log line) when the folder changed.
`ask(question, conversation_key=...)` reads the question (`reading`), ranks the passages (`retrieval`),
decides between answering, declining and the bot's own intents, and composes the answer (`answer`);
`reply_for(answer)` renders it as a `Reply`; `cite(topic)` gives the photo review a quotable sentence.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.knowledge.answer import Answer, Quote, RankedPassage, citation_for, compose, render, reply_for
from bot.knowledge.bm25 import BM25, stems
from bot.knowledge.context import FollowUpContext
from bot.knowledge.data import Example, KnowledgeData, load_data
from bot.knowledge.documents import Document, KnowledgeError, load_documents
from bot.knowledge.own_facts import Platforms, photo_request, platform_sizes
from bot.knowledge.passages import Passage, passages_of
from bot.knowledge.reading import Reader, has_letters, words
from bot.knowledge.retrieval import (
    BM25Retriever,
    Decision,
    DeclinePolicy,
    Ranking,
    Retriever,
    SemanticRetriever,
    uncovered_terms,
)
from bot.messages import Citation, Paragraph, Reply

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.knowledge.encoder import Encoder
    from bot.knowledge.index import SemanticIndex

__all__ = [
    "Answer",
    "Document",
    "KnowledgeBase",
    "KnowledgeError",
    "Passage",
    "Quote",
    "RankedPassage",
    "Ranking",
    "Retriever",
]

log = logging.getLogger(__name__)

RETURNED_PASSAGES = 10
"""Ranked passages in every answer (the `ask --json` contract wants at least 3, also when declining)."""
MAX_QUESTION_CHARS = 4000
"""Longer messages are read from their end, where people put the actual question."""
MAX_REMEMBERED_CHARS = 400
"""A chain of follow-ups keeps only its latest words as context."""


class KnowledgeBase:
    def __init__(
        self,
        documents: list[Document],
        passages: list[Passage],
        data: KnowledgeData,
        retriever: Retriever,
        reader: Reader,
        *,
        policy: DeclinePolicy | None = None,
        index: SemanticIndex | None = None,
        context: FollowUpContext | None = None,
        platforms: Platforms | None = None,
    ) -> None:
        self.platforms: Platforms = platforms or {}
        self.documents = documents
        self.passages = passages
        self.data = data
        self.retriever = retriever
        self.reader = reader
        self.policy = policy or DeclinePolicy()
        self.context = context or FollowUpContext()
        self._labels = {d.id: d.label for d in documents}
        self.index = index
        self.index_key = ""  # the content key the index was built for (empty: not cached)
        self._sentence_rows: dict[str, list[int]] = {}
        self._sentence_vectors: NDArray[np.float32] | None = None
        self._centroids: dict[str, NDArray[np.float32]] = {}
        if index is not None:
            for row, (pid, _) in enumerate(index.sentences):
                self._sentence_rows.setdefault(pid, []).append(row)
            self._sentence_vectors = index.sentence_vectors
            for pid, rows in self._sentence_rows.items():
                centroid = index.sentence_vectors[rows].mean(axis=0)
                self._centroids[pid] = centroid / max(float(np.linalg.norm(centroid)), 1e-9)

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        cache_dir: Path | None = None,
        method: str = "semantic",
        train_filter: Callable[[Example], bool] | None = None,
        platforms: Platforms | None = None,
    ) -> KnowledgeBase:
        """`method`: "semantic" (the default) or "bm25" (the baseline, no model). `train_filter`: train
        only on the bank questions it keeps, in memory, without the index cache (for self-measurement)."""
        documents = load_documents(directory)
        passages = [p for d in documents for p in passages_of(d)]
        data = load_data(directory, documents, passages)
        assert data.vocabulary is not None
        stopwords = data.vocabulary.stopwords
        domain = domain_words(documents, data.examples)
        if method == "bm25":
            return cls(
                documents, passages, data, BM25Retriever(passages, stopwords), Reader(data.vocabulary, domain)
            )
        if method != "semantic":
            raise KnowledgeError(f"unknown retrieval method {method!r} (semantic or bm25)")
        from bot.knowledge.encoder import Encoder, EncoderError

        try:
            encoder = Encoder()
        except EncoderError as exc:
            raise KnowledgeError(str(exc)) from exc
        key = ""
        if train_filter is None:
            index, key = cached_index(directory, documents, passages, data, encoder, cache_dir)
            taught = data.examples
        else:
            from bot.knowledge.index import EmbeddingStore, build_index, cache_dir_from_env

            taught = [e for e in data.examples if train_filter(e)]
            index = build_index(passages, taught, encoder, EmbeddingStore(cache_dir or cache_dir_from_env()))
        retriever = SemanticRetriever(
            passages,
            index.classifier,
            encoder,
            bank_bm25(passages, taught, stopwords),
            uncovered_terms=uncovered_terms(passages, taught, stopwords),
        )
        known = (w for w in encoder.tokenizer.vocab if w.isalpha())
        reader = Reader(data.vocabulary, domain, known)
        kb = cls(documents, passages, data, retriever, reader, index=index, platforms=platforms)
        kb.index_key = key
        return kb

    # --- asking ------------------------------------------------------------------------------------------

    def ask(self, question: str, conversation_key: str | None = None) -> Answer:
        text = question if isinstance(question, str) else ""
        if len(text) > MAX_QUESTION_CHARS:
            text = text[-MAX_QUESTION_CHARS:]
        if not text.strip():
            return self._declined(self._unranked(), self.data.reply("decline", "empty"))
        # no model runs for these: nothing in them to rank, or nothing that may be obeyed
        if not has_letters(text):
            return self._declined(self._unranked(), self.data.reply("decline", "no_letters"))
        if self.reader.is_injection(text):
            return self._declined(self._unranked(), self.data.reply("decline", "injection"))
        chat = self.reader.chat(text)
        if chat is not None:
            return self._declined(self._unranked(), self.data.reply("decline", chat), kind="chat")

        reading = self.reader.read(text)
        previous = self.context.previous(conversation_key) if conversation_key else None
        follow_up = previous is not None and self.reader.is_follow_up(reading.text)
        ranking = self.retriever.rank(reading.text, previous=previous if follow_up else None)
        decision = self.policy.decide(ranking)
        ranked = [RankedPassage(self.passages[i], ranking.scores[i]) for i in ranking.order]
        weighs_sides = self.reader.compares_sides(f"{previous} {reading.text}" if follow_up else reading.text)
        if weighs_sides:
            ranked = with_both_sides(ranked)
        quoted_from = ranked  # the answer quotes as it did: the counterpart is listed, not forced into it
        ranked = with_counterpart(ranked, self._centroids, ranking.vector)[:RETURNED_PASSAGES]

        if decision.action == "intent":
            return self._intent(decision, ranked, reading.text)
        if decision.action == "decline":
            topic = self.data.declines.get(decision.name or "")
            if topic is not None and topic.topic != "that":
                reason = self.data.reply("decline", "topic").format(topic=topic.topic)
            else:
                reason = self.data.reply("decline", "not_covered")
            if reading.foreign:
                reason = f"{self.data.reply('decline', 'foreign')} {reason}"
            declined = self._declined(ranked, reason, confidence=decision.confidence)
            declined.ranked = True
            return declined

        note = self.data.reply("answer", "foreign_note") if reading.foreign else None
        quotes = compose(quoted_from, self._relevance(ranking, reading.text), other_side_wanted=weighs_sides)
        body, sections = render(
            quotes, labels=self._labels, other_side_heading=self.data.reply("answer", "other_side"), note=note
        )
        if conversation_key:
            remembered = f"{previous} {reading.text}" if follow_up else reading.text
            self.context.remember(conversation_key, remembered[-MAX_REMEMBERED_CHARS:])
        return Answer(
            True,
            body,
            ranked,
            quotes,
            kind="documents",
            confidence=decision.confidence,
            title=self.data.reply("answer", "title"),
            parts=sections,
            note=note,
            corrections=reading.corrections,
            ranked=True,
        )

    def _unranked(self) -> list[RankedPassage]:
        """The passages in document order, unscored: what a message with nothing to rank returns."""
        return [RankedPassage(p, 0.0) for p in self.passages[:RETURNED_PASSAGES]]

    def _declined(
        self, ranked: list[RankedPassage], reason: str, *, kind: str = "decline", confidence: float = 1.0
    ) -> Answer:
        capabilities = self.data.reply("capabilities")
        return Answer(
            False,
            f"{reason} {capabilities}",
            ranked,
            kind=kind,
            confidence=confidence,
            parts=[Paragraph(reason), Paragraph(capabilities)],
        )

    def _intent(self, decision: Decision, ranked: list[RankedPassage], text: str) -> Answer:
        intent = self.data.intents[decision.name or ""]
        if intent.reply == "platform_sizes":
            title, body, sections = platform_sizes(self.data, text, self.platforms)
        else:
            title, body, sections = photo_request(self.data)
        # the documents do not answer these: `answered` stays false, the reply is the bot's own facts
        return Answer(
            False,
            body,
            ranked,
            kind=intent.reply,
            confidence=decision.confidence,
            title=title,
            parts=sections,
            ranked=True,
        )

    def _relevance(self, ranking: Ranking, text: str) -> Callable[[Passage], list[float]]:
        vector = ranking.vector
        vectors = self._sentence_vectors
        asked = set(stems(text, self.reader.vocabulary.stopwords))

        def lexical(passage: Passage) -> list[float]:
            return [
                len(asked & set(stems(s, self.reader.vocabulary.stopwords))) / 10 for s in passage.sentences
            ]

        if vector is None or vectors is None:
            return lexical

        def semantic(passage: Passage) -> list[float]:
            rows = self._sentence_rows.get(passage.id, [])
            if len(rows) != len(passage.sentences):
                return lexical(passage)
            cosine = vectors[rows] @ vector
            return [float(c) + w for c, w in zip(cosine, lexical(passage), strict=True)]

        return semantic

    def reply_for(self, answer: Answer) -> Reply:
        return reply_for(answer)

    def cite(self, topic: str) -> Citation | None:
        """The single sentence that best supports `topic`, for quoting next to photo feedback."""
        answer = self.ask(topic)
        if not answer.answered or not answer.quotes:
            return None
        lead = answer.quotes[0]
        return citation_for(lead.passage, lead.text)


def with_both_sides(ranked: list[RankedPassage]) -> list[RankedPassage]:
    """A question that weighs the two sides sees both in its first three passages: the other side's best
    passage (never a sales pitch or a document's generic introduction) takes third place, tied in score."""
    top = ranked[:3]
    if len(top) < 3 or len({r.passage.stance for r in top}) > 1:
        return ranked
    for index, candidate in enumerate(ranked[3:], start=3):
        p = candidate.passage
        if p.stance != top[0].passage.stance and not p.promotional and p.position != 0:
            promoted = RankedPassage(p, top[2].score)
            return [*ranked[:2], promoted, *ranked[2:index], *ranked[index + 1 :]]
    return ranked


COUNTERPART_TOPIC = 2.0
"""Weight of a passage's closeness (cosine of its sentences' centroid) to the best passage's, when the
other document's counterpart is chosen: the same point, seen from the other side."""
COUNTERPART_QUESTION = 2.0
"""Weight of its closeness to the question itself."""
COUNTERPART_SHARE = 0.2
"""The counterpart takes third place only when the ranking believes in it at least this much of the
third passage's share: a far-fetched passage of the other document never pushes a relevant one out."""


def with_counterpart(
    ranked: list[RankedPassage],
    centroids: Mapping[str, NDArray[np.float32]],
    question: NDArray[np.float32] | None,
) -> list[RankedPassage]:
    """The other document's view of the point the best passage makes, in the first three.

    Among the other document's passages (never its sales pitch), the one that best combines the ranking's
    belief with closeness to the best passage and to the question is its counterpart. When it is not in
    the first three already and the ranking gives it at least `COUNTERPART_SHARE` of the third passage's
    share, it takes third place, tied in score with the passage it precedes (the first two stay: hit@1 is
    never changed). Measured on the dev set and
    the older probes (docs/knowledge.md): both@3 0.29 → 0.38 with hit@3 unchanged."""
    if len(ranked) < 4 or question is None or not centroids:
        return ranked
    lead = centroids.get(ranked[0].passage.id)
    if lead is None:
        return ranked

    def fit(r: RankedPassage) -> float:
        vector = centroids.get(r.passage.id)
        closeness = 0.0 if vector is None else COUNTERPART_TOPIC * float(vector @ lead)
        asked = 0.0 if vector is None else COUNTERPART_QUESTION * float(vector @ question)
        return math.log(max(r.score, 1e-12)) + closeness + asked

    stance = ranked[0].passage.stance
    candidates = [
        (i, r) for i, r in enumerate(ranked) if r.passage.stance != stance and not r.passage.promotional
    ]
    if not candidates:
        return ranked
    index, best = max(candidates, key=lambda pair: fit(pair[1]))
    if index < 3 or best.score < COUNTERPART_SHARE * ranked[2].score:
        return ranked
    rest = ranked[:index] + ranked[index + 1 :]
    promoted = RankedPassage(best.passage, ranked[2].score)  # tied with the passage it precedes
    return [*rest[:2], promoted, *rest[2:]]


def domain_words(documents: Iterable[Document], examples: Iterable[Example]) -> set[str]:
    known: set[str] = set()
    for document in documents:
        known.update(words(document.text))
    for example in examples:
        known.update(words(example.text))
    return known


def bank_bm25(passages: Sequence[Passage], examples: Sequence[Example], stopwords: frozenset[str]) -> BM25:
    """BM25 over each passage's text followed by its bank questions (doc2query)."""
    by_passage: dict[str, list[str]] = {}
    for example in examples:
        by_passage.setdefault(example.label, []).append(example.text)
    return BM25([" ".join([p.text, *by_passage.get(p.id, [])]) for p in passages], stopwords)


def cached_index(
    directory: Path,
    documents: Sequence[Document],
    passages: Sequence[Passage],
    data: KnowledgeData,
    encoder: Encoder,
    cache_dir: Path | None,
) -> tuple[SemanticIndex, str]:
    """The index (and its key) from the cache when the folder is unchanged, else from the index shipped
    with the package when it was built for this very content; else rebuilt, saved, and said so once."""
    from bot.knowledge.index import (
        SHIPPED_INDEX,
        EmbeddingStore,
        build_index,
        cache_dir_from_env,
        content_key,
        index_path,
        load_index,
        older_indexes,
        remove_stale,
        save_index,
    )

    cache = cache_dir or cache_dir_from_env()
    files = [d.path for d in documents] + data.files
    metadata = directory / "metadata.json"
    if metadata.is_file():
        files.append(metadata)
    key = content_key(files, directory)
    path = index_path(cache, directory, key)
    if path.is_file():
        index = load_index(path)
        if index is not None:
            return index, key
    if SHIPPED_INDEX.is_file():
        shipped = load_index(SHIPPED_INDEX, key)
        if shipped is not None:
            return shipped, key
    state = "stale" if older_indexes(cache, directory, path) else "missing"
    started = time.perf_counter()
    store = EmbeddingStore(cache)
    index = build_index(passages, data.examples, encoder, store)
    try:
        save_index(path, index, key)
        remove_stale(cache, directory, path)
        where = str(path)
    except OSError as exc:
        where = f"not saved ({exc})"
    log.info(
        "knowledge index %s: rebuilt from %d passages and %d bank questions in %.1f s; cache %s",
        state,
        len(passages),
        len(data.examples),
        time.perf_counter() - started,
        where,
    )
    return index, key
