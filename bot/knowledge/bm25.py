"""Okapi BM25 over Snowball-stemmed words (PyStemmer), in plain Python.

Small on purpose: the corpus is one text per passage (its own words plus its bank questions, the
"doc2query" trick), ~60 texts, so scoring a question takes well under a millisecond without numpy or an
index library (bm25s and rank-bm25 were looked at: both fine, neither needed at this size).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import Stemmer  # type: ignore[import-not-found]

from bot.knowledge.reading import words

K1 = 1.2
B = 0.75
_stemmer = Stemmer.Stemmer("english")


def stems(text: str, stopwords: frozenset[str]) -> list[str]:
    return [str(s) for s in _stemmer.stemWords([w for w in words(text) if w not in stopwords and len(w) > 1])]


class BM25:
    def __init__(self, texts: Sequence[str], stopwords: Iterable[str] = ()) -> None:
        self.stopwords = frozenset(stopwords)
        self._tf = [Counter(stems(t, self.stopwords)) for t in texts]
        lengths = [sum(c.values()) for c in self._tf]
        average = max(sum(lengths) / len(lengths), 1.0) if lengths else 1.0
        self._norm = [K1 * (1 - B + B * n / average) for n in lengths]
        df: Counter[str] = Counter()
        for counts in self._tf:
            df.update(counts.keys())
        n = len(texts)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for i, counts in enumerate(self._tf):
            for term, f in counts.items():
                self._postings.setdefault(term, []).append((i, f))

    def scores(self, text: str) -> list[float]:
        totals = [0.0] * len(self._tf)
        for term in set(stems(text, self.stopwords)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, f in self._postings[term]:
                totals[i] += idf * f * (K1 + 1) / (f + self._norm[i])
        return totals

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.idf)
