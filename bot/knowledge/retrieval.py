"""The retriever seam: rank the passages for a question and say how sure that the documents answer it.

A `Retriever` returns a `Ranking`: every passage in order, best first, with a score each, plus how much
of its belief goes to "the documents cover this" (`covered`), to each decline topic and to each of the
bot's own intents. `DeclinePolicy` turns that into answer / decline / intent, so a method can be swapped
(and measured in benchmarks/kb_eval.py) without touching the answer composer, the CLI or the adapters.

- `SemanticRetriever` (the default): a linear classifier over all-MiniLM-L6-v2 embeddings, trained on
  the question bank (one class per passage, per decline topic, per intent), plus 1 × BM25 over each
  passage with its bank questions. Declining compares the belief in passages with the belief in the
  decline bank, not a raw score.
- `BM25Retriever`: plain BM25 over the passages' own words; the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from bot.knowledge.bm25 import BM25, stems
from bot.knowledge.data import Example
from bot.knowledge.passages import Passage

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.knowledge.classifier import LinearClassifier
    from bot.knowledge.encoder import Encoder

BM25_WEIGHT = 1.0
"""BM25 (scaled to its best passage) added to the classifier's log-probability: it rescues exact wording
the bank never used, and the classifier rescues everything else."""
PROBABILITY_FLOOR = 1e-9
UNCOVERED_SHIFT = 0.3
"""Belief moved from "covered" to a decline topic by each word that only that topic's bank questions
use (at least twice) and no passage or passage question does: "passport", "wear", "copyright"."""
MIN_TOPIC_USES = 2


@dataclass(frozen=True)
class Ranking:
    order: tuple[int, ...]  # passage indices, best first, every passage once
    scores: tuple[float, ...]  # per passage index; higher is better
    covered: float  # 0..1: belief that the documents answer the question
    declines: Mapping[str, float] = field(default_factory=dict)  # decline topic -> belief
    intents: Mapping[str, float] = field(default_factory=dict)  # intent -> belief
    vector: NDArray[np.float32] | None = None  # the question's embedding, when the method has one


class Retriever(Protocol):
    name: str

    def rank(self, text: str, previous: str | None = None) -> Ranking:
        """`previous`: the question this one follows up on, if any."""
        ...


Action = Literal["answer", "decline", "intent"]


@dataclass(frozen=True)
class Decision:
    action: Action
    name: str | None  # the decline topic or the intent
    confidence: float  # belief in what was decided


@dataclass(frozen=True)
class DeclinePolicy:
    """Answer when the belief in passages beats the belief in the decline bank by `margin`; an intent wins
    when it beats both."""

    margin: float = 0.0

    def decide(self, ranking: Ranking) -> Decision:
        declined = sum(ranking.declines.values())
        if ranking.intents:
            intent, belief = max(ranking.intents.items(), key=lambda item: item[1])
            if belief > max(ranking.covered, declined):
                return Decision("intent", intent, belief)
        if ranking.covered - declined > self.margin:
            return Decision("answer", None, ranking.covered)
        topic = max(ranking.declines.items(), key=lambda item: item[1])[0] if ranking.declines else None
        return Decision("decline", topic, 1.0 - ranking.covered)


def _order(scores: Sequence[float]) -> tuple[int, ...]:
    return tuple(sorted(range(len(scores)), key=lambda i: (-scores[i], i)))


class BM25Retriever:
    """BM25 over the passages' own text. `covered` rises with the best score: half at `half_score`."""

    name = "bm25"

    def __init__(self, passages: Sequence[Passage], stopwords: frozenset[str], half_score: float = 4.0):
        self._bm25 = BM25([p.text for p in passages], stopwords)
        self._half = half_score

    def rank(self, text: str, previous: str | None = None) -> Ranking:
        scores = self._bm25.scores(f"{previous} {text}" if previous else text)
        order = _order(scores)
        best = scores[order[0]] if order else 0.0
        covered = 1.0 - math.exp(-math.log(2) * best / self._half)
        return Ranking(order, tuple(scores), covered, {"off-topic": 1.0 - covered})


class SemanticRetriever:
    name = "semantic"

    def __init__(
        self,
        passages: Sequence[Passage],
        classifier: LinearClassifier,
        encoder: Encoder,
        bm25: BM25,
        *,
        uncovered_terms: Mapping[str, str] | None = None,
        bm25_weight: float = BM25_WEIGHT,
    ) -> None:
        self._encoder = encoder
        self._uncovered = dict(uncovered_terms or {})
        self._classifier = classifier
        self._bm25 = bm25
        self._bm25_weight = bm25_weight
        column = {label: i for i, label in enumerate(classifier.labels)}
        self._passage_columns = np.array([column.get(p.id, -1) for p in passages])
        self._declines = {
            label.removeprefix("decline:"): i for label, i in column.items() if label.startswith("decline:")
        }
        self._intents = {
            label.removeprefix("intent:"): i for label, i in column.items() if label.startswith("intent:")
        }

    def beliefs(self, text: str) -> tuple[NDArray[np.float64], NDArray[np.float32]]:
        vector = self._encoder.encode(text)
        return self._classifier.probabilities(vector), vector

    def rank(self, text: str, previous: str | None = None) -> Ranking:
        probabilities, vector = self.beliefs(text)
        lexical = text
        if previous:
            # a follow-up is read both on its own and together with the question before it; the two
            # beliefs are multiplied, so the earlier question supplies the subject and the new words
            # still decide between the passages on that subject
            joined, _ = self.beliefs(f"{previous} {text}")
            probabilities = np.sqrt(probabilities * joined)
            probabilities /= probabilities.sum()
            lexical = f"{previous} {text}"
        known = self._passage_columns >= 0
        passage_belief = np.where(known, probabilities[np.maximum(self._passage_columns, 0)], 0.0)
        scores = np.log(passage_belief + PROBABILITY_FLOOR)
        keyword = np.array(self._bm25.scores(lexical))
        if keyword.max() > 0:
            scores = scores + self._bm25_weight * keyword / keyword.max()
        # passages without bank questions (an operator's new document) have no class: they rank by
        # BM25 alone, under every passage the classifier believes in
        shares = np.exp(scores - scores.max())
        shares /= shares.sum()
        order = _order(list(scores))
        covered = float(passage_belief.sum())
        declines = {name: float(probabilities[i]) for name, i in self._declines.items()}
        for term in set(stems(text, self._bm25.stopwords)):
            topic = self._uncovered.get(term)
            if topic is not None and topic in declines:
                moved = UNCOVERED_SHIFT * covered
                covered -= moved
                declines[topic] += moved
        return Ranking(
            order,
            tuple(float(s) for s in shares),
            covered,
            declines,
            {name: float(probabilities[i]) for name, i in self._intents.items()},
            vector,
        )


def uncovered_terms(
    passages: Sequence[Passage], examples: Sequence[Example], stopwords: frozenset[str]
) -> dict[str, str]:
    """Words that only one decline topic's questions use (at least `MIN_TOPIC_USES` times) and that no
    passage, passage question or intent question contains: evidence of a topic the documents lack. A new
    document that uses the word takes it off the list by itself."""
    covered: set[str] = set()
    for passage in passages:
        covered.update(stems(passage.text, stopwords))
    uses: dict[tuple[str, str], int] = {}
    for example in examples:
        if example.label.startswith("decline:"):
            for term in set(stems(example.text, stopwords)):
                uses[(term, example.label)] = uses.get((term, example.label), 0) + 1
        else:
            covered.update(stems(example.text, stopwords))
    found: dict[str, set[str]] = {}
    for (term, label), count in uses.items():
        if count >= MIN_TOPIC_USES and term not in covered:
            found.setdefault(term, set()).add(label.removeprefix("decline:"))
    return {term: next(iter(topics)) for term, topics in found.items() if len(topics) == 1}
