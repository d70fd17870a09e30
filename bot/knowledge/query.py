"""Reading a question: its weighted search terms, the topics it touches, and the signals for declining.

Everything here works on the user's text only; the index supplies the vocabulary it may be matched
against (for typo correction and for judging how much of the question the documents cover).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.knowledge.vocabulary import (
    CONCEPTS,
    FILLER,
    FOREIGN_MARKERS,
    GLOSSARY,
    INJECTION,
    QUESTION_WORDS,
    SHOPPING,
    STOPWORDS,
    TYPOS,
    UNCOVERED,
    Concept,
    stem,
    words,
)

LONG_MESSAGE_CHARS = 500
"""Above this, the question is taken from the end of the message (where people put it) and the rest
is background that ranks at a low weight."""
BACKGROUND_WEIGHT = 0.15
_FOCUS_MARKER = re.compile(
    r"(?:tl;?dr|anyway|so my question is|my question is|question:|long story short|bottom line)[:,\s-]*",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_YEAR = re.compile(r"(19[89]\d|20[0-4]\d)")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


TermGroup = tuple[float, tuple[str, ...]]


@dataclass
class Query:
    text: str
    # what to search for: the question's own words one group each, every concept one group of the
    # words the documents use for it; a group scores once however many of its words a passage has
    groups: dict[str, TermGroup] = field(default_factory=dict)
    concepts: list[Concept] = field(default_factory=list)
    # topics the seed documents do not cover, with the words that named them (an operator's extra
    # document may cover them after all: the knowledge base checks the words against the best passage)
    uncovered: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    content: list[str] = field(default_factory=list)  # the question's own meaningful words (stems)
    covered: list[str] = field(default_factory=list)  # of those, the ones the documents know
    background_concepts: list[Concept] = field(default_factory=list)
    foreign: bool = False
    injection: bool = False
    has_letters: bool = False

    def add_group(self, key: str, weight: float, stems: tuple[str, ...]) -> None:
        if key not in self.groups or self.groups[key][0] < weight:
            self.groups[key] = (weight, stems)

    @property
    def on_topic(self) -> bool:
        """Mentions photos, AI or photographers (or LinkedIn), i.e. the bot's subject: in the question, or
        in the story before it in a long message."""
        return any(
            c.generic or c.anchor or c.name == "linkedin" for c in (*self.concepts, *self.background_concepts)
        )

    @property
    def two_sided(self) -> bool:
        return any(c.two_sided for c in self.concepts if not c.generic)

    @property
    def coverage(self) -> float:
        """Share of the question's meaning the documents know: its content words and its topics."""
        topics = sum(1 for c in self.concepts if not c.generic)
        total = len(self.content) + topics
        return (len(self.covered) + topics) / total if total else 1.0


_PRONOUNS = frozenset(
    {
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "us",
        "our",
        "they",
        "them",
        "their",
        "he",
        "him",
        "his",
        "she",
        "her",
    }
)


def match_stem(word: str) -> str:
    """The form a word takes when matched against triggers: pronouns are one placeholder, so "set me
    back" and "set you back", or "sell my photos" and "sell your photos", are the same phrase."""
    return "_p" if word in _PRONOUNS else stem(word)


def _trigger_index() -> dict[str, list[tuple[tuple[str, ...], Concept]]]:
    index: dict[str, list[tuple[tuple[str, ...], Concept]]] = {}
    for concept in CONCEPTS:
        for trigger in concept.triggers:
            stems = tuple(match_stem(w) for w in words(trigger))
            if stems:
                index.setdefault(stems[0], []).append((stems, concept))
    return index


_TRIGGERS = _trigger_index()
# Uncovered topics are matched exactly: a single word as typed ("suit" must not catch "suited"), a phrase
# by its stems without merging pronouns ("can you make" is a request, "can I make" is not).
_UNCOVERED_WORDS: dict[str, str] = {}
_UNCOVERED_TRIGGERS: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _topic in UNCOVERED:
    for _trigger in _topic.triggers:
        _words = words(_trigger)
        if len(_words) == 1:
            _UNCOVERED_WORDS.setdefault(_words[0], _topic.topic)
        elif _words:
            _stems = tuple(stem(w) for w in _words)
            _UNCOVERED_TRIGGERS.setdefault(_stems[0], []).append((_stems, _topic.topic))
_GENERIC_STEMS = frozenset(stem(w) for c in CONCEPTS if c.generic for t in c.triggers for w in words(t))
TRIGGER_WORDS = frozenset(w for c in CONCEPTS for t in c.triggers for w in words(t))
_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)


def looks_foreign(tokens: list[str]) -> bool:
    if len(tokens) < 3:
        return False
    marked = sum(1 for t in tokens if t in FOREIGN_MARKERS and t not in {"a", "i", "o", "me", "die"})
    english = sum(1 for t in tokens if t in STOPWORDS and t not in FOREIGN_MARKERS)
    return marked >= 2 and marked > english


def focus_of(text: str) -> tuple[str, str]:
    """(the question, the background) of a long message; short messages are all question."""
    if len(text) <= LONG_MESSAGE_CHARS:
        return text, ""
    markers = list(_FOCUS_MARKER.finditer(text))
    if markers and len(text) - markers[-1].end() > 10:
        cut = markers[-1].end()
        return text[cut:], text[:cut]
    sentences = _SENTENCE.split(text.strip())
    for index in range(len(sentences) - 1, -1, -1):
        if "?" in sentences[index]:
            # the sentence before a question usually names what "that" or "it" in it refers to
            start = max(0, index - 1)
            return " ".join(sentences[start:]), " ".join(sentences[:start])
    return " ".join(sentences[-2:]), " ".join(sentences[:-2])


def _tokens(text: str, foreign: bool) -> list[str]:
    tokens: list[str] = []
    for token in words(text):
        if token in FILLER:
            continue
        if foreign and token in GLOSSARY:
            tokens.extend(GLOSSARY[token].split())
        else:
            tokens.append(TYPOS.get(token, token))
    return tokens


def _matches(stems: list[str]) -> Iterable[tuple[int, int, Concept]]:
    """Trigger matches; a word inside a longer phrase ("time saver") does not also trigger alone ("save")."""
    found = [
        (start, len(phrase), concept)
        for start, first in enumerate(stems)
        for phrase, concept in _TRIGGERS.get(first, ())
        if tuple(stems[start : start + len(phrase)]) == phrase
    ]
    in_phrase = {i for start, length, _ in found if length > 1 for i in range(start, start + length)}

    def inside_longer(start: int, length: int) -> bool:
        return any(
            other_length > length and other_start <= start and start + length <= other_start + other_length
            for other_start, other_length, _ in found
        )

    return [
        (start, length, concept)
        for start, length, concept in found
        if concept.generic
        or (length == 1 and start not in in_phrase)
        or (length > 1 and not inside_longer(start, length))
    ]


def analyse(
    text: str,
    *,
    known: Callable[[str], bool],
    correct: Callable[[str], str | None],
) -> Query:
    """`known(stem)`: the documents use this stem. `correct(word)`: the known word a typo stands for."""
    query = Query(text=text, has_letters=bool(_LETTER.search(text)))
    query.injection = bool(INJECTION.search(text))
    if SHOPPING.search(focus_of(text)[0]):
        query.uncovered.append(("which app or service to buy", ("app",)))
    focus, background = focus_of(text)
    all_tokens = words(text)
    query.foreign = looks_foreign(all_tokens)
    for part, scale in ((focus, 1.0), (background, BACKGROUND_WEIGHT)):
        if part.strip():
            _add_part(query, part, scale, known=known, correct=correct)
    return query


def _add_part(
    query: Query,
    text: str,
    scale: float,
    *,
    known: Callable[[str], bool],
    correct: Callable[[str], str | None],
) -> None:
    tokens = _tokens(text, query.foreign)
    stems = [stem(t) for t in tokens]
    matchable = [match_stem(t) for t in tokens]
    in_trigger = [False] * len(stems)
    for start, length, concept in _matches(matchable):
        for i in range(start, start + length):
            in_trigger[i] = True
        if concept not in query.concepts and scale == 1.0:
            query.concepts.append(concept)
        elif scale < 1.0 and concept not in query.background_concepts:
            query.background_concepts.append(concept)
        query.add_group(concept.name, concept.weight * scale, _expansion_stems(concept))
    if scale == 1.0:
        for start, (token, first) in enumerate(zip(tokens, stems, strict=True)):
            singular = token[:-1] if token.endswith("s") else token
            topic_named = _UNCOVERED_WORDS.get(token) or _UNCOVERED_WORDS.get(singular)
            if topic_named:
                query.uncovered.append((topic_named, (first,)))
            for phrase, topic in _UNCOVERED_TRIGGERS.get(first, ()):
                if tuple(stems[start : start + len(phrase)]) == phrase:
                    query.uncovered.append((topic, phrase))
    for token, s, triggered in zip(tokens, stems, in_trigger, strict=True):
        if token in STOPWORDS or s in _STOP_STEMS or (len(token) < 2 and not token.isdigit()):
            continue
        weight = 1.0 * scale
        content = (
            s not in _GENERIC_STEMS
            and token not in QUESTION_WORDS
            and not (query.foreign and token in FOREIGN_MARKERS)
        )
        found = triggered or known(s)
        if not found and scale == 1.0 and len(token) >= 4 and not token.isdigit():
            fixed = correct(token)
            if fixed is not None:
                s = stem(fixed)
                weight = 0.8 * scale
                found = True
                for _, _, concept in _matches([s]):
                    if concept not in query.concepts and scale == 1.0:
                        query.concepts.append(concept)
                    query.add_group(concept.name, concept.weight * scale, _expansion_stems(concept))
        if _YEAR.fullmatch(token) and scale == 1.0:
            # "my pic is from 2015": a year is about the photo's age
            aging = next(c for c in CONCEPTS if c.name == "aging")
            if aging not in query.concepts:
                query.concepts.append(aging)
            query.add_group(aging.name, aging.weight, _expansion_stems(aging))
            found = True
        if query.foreign and not found:
            content = False  # a word of another language we have no gloss for says nothing either way
        if scale == 1.0 and content:
            query.content.append(s)
            if found:
                query.covered.append(s)
        query.add_group(f"word:{s}", weight, (s,))


@lru_cache(maxsize=256)
def _expansion_stems(concept: Concept) -> tuple[str, ...]:
    return tuple(dict.fromkeys(stem(w) for e in concept.expands for w in words(e)))
