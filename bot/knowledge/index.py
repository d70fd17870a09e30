"""BM25 over the passages, with weighted query terms.

Written here rather than taken from bm25s or rank-bm25 (both were checked): the ranking needs a
*weight per query term* (a synonym counts less than the user's own word) and a second, lower-weight
field (a passage's heading and neighbouring sentences), which neither library's query API takes; the
corpus is ~60 passages, so pure Python scores a question in well under a millisecond, and keeping
numpy off this path keeps `headshot ask` starting fast.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge.passages import Passage
from bot.knowledge.query import TermGroup
from bot.knowledge.vocabulary import STOPWORDS, stem, words

K1 = 1.2
B = 0.6
CONTEXT_WEIGHT = 0.35
PROMOTIONAL_FACTOR = 0.3
FUZZY_CUTOFF = 0.8
_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)
GROUP_REST = 0.7


@dataclass
class _Field:
    tf: list[Counter[str]]
    lengths: list[int]
    average: float
    idf: dict[str, float]

    @classmethod
    def build(cls, texts: list[str]) -> _Field:
        tf = [Counter(index_stems(t)) for t in texts]
        lengths = [sum(c.values()) for c in tf]
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        df: Counter[str] = Counter()
        for counts in tf:
            df.update(counts.keys())
        n = len(texts)
        # BM25+ style floor: a term in every passage still counts a little
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        return cls(tf, lengths, max(average, 1.0), idf)

    def term_score(self, i: int, term: str) -> float:
        f = self.tf[i].get(term)
        if not f:
            return 0.0
        norm = K1 * (1 - B + B * self.lengths[i] / self.average)
        return self.idf[term] * f * (K1 + 1) / (f + norm)


def index_stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


class Index:
    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._text = _Field.build([p.text for p in passages])
        self._context = _Field.build([p.context for p in passages])
        self.vocabulary: frozenset[str] = frozenset(self._text.idf) | frozenset(self._context.idf)
        raw = {w for p in passages for w in words(p.text) if len(w) >= 4 and w not in STOPWORDS}
        self._raw_words = tuple(sorted(raw))
        self._positions = {id(p): i for i, p in enumerate(passages)}
        self._columns: dict[str, tuple[float, ...]] = {}
        self._correct = lru_cache(maxsize=4096)(self._closest)
        for stemmed in self.vocabulary:  # a few ms at load instead of on the first questions
            self._column(stemmed)

    def _column(self, stemmed: str) -> tuple[float, ...]:
        """One word's BM25 contribution to every passage (both fields), computed once per word."""
        column = self._columns.get(stemmed)
        if column is None:
            column = tuple(
                self._text.term_score(i, stemmed) + CONTEXT_WEIGHT * self._context.term_score(i, stemmed)
                for i in range(len(self.passages))
            )
            self._columns[stemmed] = column
        return column

    def score_of(self, passage: Passage, groups: Iterable[TermGroup]) -> float:
        return self.scores(groups)[self._positions[id(passage)]]

    def passage_has(self, passage: Passage, stems: tuple[str, ...]) -> bool:
        """Whether the passage's own text uses every meaningful word of `stems`."""
        counts = self._text.tf[self._positions[id(passage)]]
        return all(s in counts for s in stems if s not in _STOP_STEMS)

    def knows(self, stemmed: str) -> bool:
        return stemmed in self.vocabulary

    def idf(self, stemmed: str) -> float:
        return self._text.idf.get(stemmed, 0.0)

    def correct(self, word: str, extra: frozenset[str] = frozenset()) -> str | None:
        return self._correct(word, extra)

    def _closest(self, word: str, extra: frozenset[str]) -> str | None:
        candidates = [
            w
            for w in (*self._raw_words, *extra)
            if abs(len(w) - len(word)) <= 2 and (w[0] == word[0] or w[1:3] == word[1:3])
        ]
        found = difflib.get_close_matches(word, candidates, n=1, cutoff=FUZZY_CUTOFF)
        return found[0] if found else None

    def scores(self, groups: Iterable[TermGroup]) -> list[float]:
        """Per passage: each group adds its best-matching word in full and the rest at `GROUP_REST`, so a
        topic with many synonyms counts about once, like a topic the documents name in one word."""
        totals = [0.0] * len(self.passages)
        for weight, stems in groups:
            columns = [self._column(s) for s in stems if s in self.vocabulary]
            if not columns:
                continue
            for i, parts in enumerate(zip(*columns, strict=True)):
                best = max(parts)
                if best > 0:
                    totals[i] += weight * (best + GROUP_REST * (sum(parts) - best))
        results: list[float] = []
        for i, passage in enumerate(self.passages):
            score = totals[i]
            if passage.promotional:
                score *= PROMOTIONAL_FACTOR
            results.append(score)
        return results
