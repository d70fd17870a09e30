"""Reading a question before any model sees it: the part of a long message that is the question, chat
slang, misspellings, other languages, prompt injection and text without letters.

Everything here works on the user's text with the vocabulary of `knowledge/vocabulary.toml` and the
words the knowledge base knows (its documents and bank questions, and the embedding model's whole-word
vocabulary): a word is corrected only when nobody knows it, and only to a word of the knowledge base.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge.data import Vocabulary

LONG_MESSAGE_CHARS = 400
"""Above this, only the question at the end of the message is ranked (people put it last)."""
MIN_FOCUS_WORDS = 6
MIN_CORRECTED_LENGTH = 4
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[a-z0-9$/]+(?:['-][a-z0-9]+)*")
_FOCUS_MARKER = re.compile(
    r"(?:tl;?dr|anyway|anyhow|so my (?:actual |real )?question is|my (?:actual |real )?question(?: is)?|"
    r"question:|long story short|bottom line|here'?s (?:the thing|what) i (?:actually |really )?want to know|"
    r"what i (?:actually |really )?want to know is)[:,.\s-]*",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def fold(text: str) -> str:
    """Lower case, accents and curly quotes folded, so “Don’t” and "dont" meet."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours), cut at limit+1."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def has_letters(text: str) -> bool:
    return bool(_LETTER.search(text))


def focus(text: str) -> str:
    """The question of a long message: what follows its last "anyway"/"tl;dr"/"my question is", else its
    last sentence with a question mark (with the sentence before when that one is very short)."""
    text = text.strip()
    if len(text) <= LONG_MESSAGE_CHARS:
        return text
    markers = list(_FOCUS_MARKER.finditer(text))
    if markers and len(text) - markers[-1].end() > 10:
        return text[markers[-1].end() :].strip()
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    for index in range(len(sentences) - 1, -1, -1):
        if "?" in sentences[index]:
            start = index
            while start > 0 and len(" ".join(sentences[start : index + 1]).split()) < MIN_FOCUS_WORDS:
                start -= 1
            return " ".join(sentences[start : index + 1])
    return " ".join(sentences[-2:])


@dataclass(frozen=True)
class Reading:
    text: str  # what the retriever ranks with
    foreign: bool
    corrections: tuple[tuple[str, str], ...]  # (typed, read as)


class Reader:
    def __init__(self, vocabulary: Vocabulary, domain_words: Iterable[str], known_words: Iterable[str] = ()):
        self.vocabulary = vocabulary
        self.domain = frozenset(w for w in domain_words if len(w) >= 2)
        self.known = self.domain | frozenset(known_words) | vocabulary.stopwords
        self._candidates = tuple(sorted(w for w in self.domain if len(w) >= 3 and w.isalpha()))
        self._correct = lru_cache(maxsize=4096)(self._closest)

    def is_injection(self, text: str) -> bool:
        return any(p.search(text) for p in self.vocabulary.injection)

    def chat(self, text: str) -> str | None:
        """ "greeting" or "thanks" for a message that is only that."""
        said = " ".join(words(text))
        if said in self.vocabulary.greetings:
            return "greeting"
        if said in self.vocabulary.thanks:
            return "thanks"
        return None

    def is_foreign(self, tokens: list[str]) -> bool:
        if len(tokens) < 3:
            return False
        marked = sum(1 for t in tokens if t in self.vocabulary.foreign_markers)
        english = sum(
            1 for t in tokens if t in self.vocabulary.stopwords and t not in self.vocabulary.foreign_markers
        )
        return marked >= 2 and marked > english

    def read(self, text: str) -> Reading:
        tokens = words(focus(text))
        foreign = self.is_foreign(tokens)
        out: list[str] = []
        corrections: list[tuple[str, str]] = []
        for token in self._split_unknown_compounds(tokens, foreign):
            if token in self.vocabulary.slang:
                replaced = self.vocabulary.slang[token]
                out.extend(replaced.split())
                continue
            if foreign and token in self.vocabulary.gloss:
                out.extend(self.vocabulary.gloss[token].split())
                continue
            fixed = self.correct(token)
            if fixed is not None and fixed != token:
                corrections.append((token, fixed))
                out.append(fixed)
            else:
                out.append(token)
        return Reading(" ".join(out), foreign, tuple(corrections))

    def _split_unknown_compounds(self, tokens: list[str], foreign: bool) -> list[str]:
        """ "low-cost" stays whole; "ki-bewerbungsfoto" is read as its parts."""
        out: list[str] = []
        for token in tokens:
            if "-" in token and token not in self.known and not (foreign and token in self.vocabulary.gloss):
                out.extend(part for part in token.split("-") if part)
            else:
                out.append(token)
        return out

    def correct(self, token: str) -> str | None:
        if token in self.known or len(token) < MIN_CORRECTED_LENGTH or not token.isalpha():
            return None
        return self._correct(token)

    def _closest(self, token: str) -> str | None:
        """The knowledge base's word at the smallest edit distance (a swap of two letters counts one),
        within 1 edit for short words and 2 for longer ones; ties go to difflib's similarity."""
        limit = 1 if len(token) <= 5 else 2
        best: tuple[int, float, str] | None = None
        for candidate in self._candidates:
            if abs(len(candidate) - len(token)) > limit or candidate[0] != token[0]:
                continue
            distance = edit_distance(token, candidate, limit)
            if distance > limit:
                continue
            similarity = difflib.SequenceMatcher(None, token, candidate).ratio()
            key = (distance, -similarity, candidate)
            if best is None or key < best:
                best = key
        return best[2] if best else None

    def is_follow_up(self, text: str) -> bool:
        """A short message that leans on the question before it: "and for a realtor?", "what about cost"."""
        tokens = words(text)
        if not tokens or len(tokens) > self.vocabulary.follow_up_max_words:
            return False
        said = " ".join(tokens)
        if any(said == lead or said.startswith(lead + " ") for lead in self.vocabulary.follow_up_leads):
            return True
        return any(t in self.vocabulary.follow_up_references for t in tokens) and len(tokens) <= 5

    def compares_sides(self, text: str) -> bool:
        """Weighs the two sides (AI against a photographer, cost against trust): both sides named and a
        word of comparison, e.g. "is paying a photographer still worth it or is ai fine"."""
        tokens = set(words(text))
        if not tokens & self.vocabulary.comparison_markers:
            return False
        return all(tokens & side for side in self.vocabulary.comparison_sides)
