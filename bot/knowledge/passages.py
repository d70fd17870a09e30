"""Cutting documents into quotable passages, verbatim.

A passage is a document's natural unit: a paragraph, with its heading when the heading directly
precedes it; a block too long to quote (a document written one sentence per line, with no blank lines)
is cut into its lines, and a line too long into sentences. Every passage's text is a verbatim slice of
its document. A passage's id is `<document id>#<position>`: stable while its document is unchanged, and
the question bank never names it directly (bank entries quote an anchor from the text instead, resolved
at every build), so editing a document cannot silently re-point bank questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.documents import Document

MAX_PASSAGE_CHARS = 1200
"""The eval's hit rule ignores longer passages; a heading plus its paragraph is ~560 chars here."""

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace and a capital;
# "vs." and similar abbreviations are not sentence ends.
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’)]?\s+(?=[A-Z“\"(0-9])")
_ABBREVIATIONS = ("vs.", "e.g.", "i.e.", "etc.", "Mr.", "Ms.", "Dr.", "St.", "approx.")


@dataclass(frozen=True)
class Passage:
    doc: str
    title: str
    perspective: str
    text: str
    stance: str = "neutral"
    label: str = ""
    section: str = ""  # the heading this passage sits under, if any
    position: int = 0  # order within its document
    promotional: bool = False  # part of a closing sales pitch

    @property
    def id(self) -> str:
        return f"{self.doc}#{self.position}"

    @property
    def body(self) -> str:
        """The text without its heading line."""
        if self.section and self.text.startswith(self.section):
            rest = self.text[len(self.section) :].strip()
            return rest or self.text
        return self.text

    @property
    def sentences(self) -> list[str]:
        """The body's sentences, each verbatim: what an answer quotes."""
        return [s for block in self.body.split("\n") if block.strip() for s in split_sentences(block.strip())]

    @property
    def preview(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 70 else text[:69].rstrip() + "…"


def is_heading(block: str) -> bool:
    line = block.strip()
    if "\n" in line or not line or len(line) > 110:
        return False
    return line.startswith("#") or not line.endswith((".", "?", "!", ":", ";", ","))


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        if candidate.endswith(_ABBREVIATIONS):
            continue
        # keep a closing quote with its sentence
        end = match.start() + (len(match.group(0)) - len(match.group(0).lstrip('”"’)')))
        pieces.append(text[start:end].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]


def _units(block: str) -> list[str]:
    """A block as quotable units no longer than the cap."""
    if len(block) <= MAX_PASSAGE_CHARS:
        return [block]
    units: list[str] = []
    for line in (ln.strip() for ln in block.splitlines()):
        if not line:
            continue
        if len(line) <= MAX_PASSAGE_CHARS:
            units.append(line)
            continue
        for sentence in split_sentences(line):
            while len(sentence) > MAX_PASSAGE_CHARS:  # a run-on without punctuation
                cut = sentence.rfind(" ", 0, MAX_PASSAGE_CHARS)
                cut = cut if cut > 0 else MAX_PASSAGE_CHARS
                units.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                units.append(sentence)
    return units


def _grouped(
    document: Document, raw: list[tuple[str, str, bool]], promotional_at: int
) -> list[tuple[str, str, bool]]:
    """Units joined into the document's natural paragraphs where its metadata says so: a whole section
    under one heading, or the lines from one paragraph start to the next. A joined passage is the
    verbatim slice of the document from its first unit to its last, never longer than the cap, and a
    sales pitch is never joined to advice."""
    if not document.whole_sections and not document.paragraph_starts:
        return raw
    offsets: list[int] = []
    cursor = 0
    for text, _, _ in raw:
        at = document.text.find(text, cursor)
        offsets.append(at)
        cursor = max(cursor, at + len(text)) if at >= 0 else cursor
    groups: list[list[int]] = []
    for index, (text, section, _) in enumerate(raw):
        starts = any(anchor in text for anchor in document.paragraph_starts)
        previous = raw[index - 1] if index else None
        same_section = document.whole_sections and previous is not None and section and previous[1] == section
        pitch_boundary = promotional_at >= 0 and offsets[index] >= promotional_at > offsets[index - 1]
        joins = groups and not starts and not pitch_boundary and offsets[index] >= 0
        joins = joins and (same_section or (bool(document.paragraph_starts) and not document.whole_sections))
        if joins:
            first = groups[-1][0]
            end = offsets[index] + len(text)
            if offsets[first] >= 0 and end - offsets[first] <= MAX_PASSAGE_CHARS:
                groups[-1].append(index)
                continue
        groups.append([index])
    merged: list[tuple[str, str, bool]] = []
    for group in groups:
        first, last = group[0], group[-1]
        if len(group) == 1:
            merged.append(raw[first])
            continue
        text = document.text[offsets[first] : offsets[last] + len(raw[last][0])]
        merged.append((text, raw[first][1], False))
    return merged


def passages_of(document: Document) -> list[Passage]:
    blocks = [b.strip() for b in _BLOCK_SPLIT.split(document.text.replace("\r\n", "\n")) if b.strip()]
    promotional_at = document.text.find(document.promotional_from) if document.promotional_from else -1
    raw: list[tuple[str, str, bool]] = []  # (text, section heading, directly under its heading)
    section = ""
    pending_heading: str | None = None
    for block in blocks:
        if is_heading(block) and pending_heading is None:
            pending_heading = block
            section = block.lstrip("#").strip()
            continue
        units = _units(block)
        if pending_heading is not None:
            joined = f"{pending_heading}\n\n{units[0]}"
            if len(units) == 1 and len(joined) <= MAX_PASSAGE_CHARS:
                units = [joined]
            else:
                units = [pending_heading, *units]
            pending_heading = None
        raw.extend((unit, section, False) for unit in units)
    if pending_heading is not None:
        raw.append((pending_heading, section, False))

    raw = _grouped(document, raw, promotional_at)
    passages: list[Passage] = []
    for index, (text, heading, _) in enumerate(raw):
        offset = document.text.find(text)
        passages.append(
            Passage(
                doc=document.id,
                title=document.title,
                perspective=document.perspective,
                text=text,
                stance=document.stance,
                label=document.label,
                section=heading,
                position=index,
                promotional=promotional_at >= 0 and offset >= promotional_at,
            )
        )
    return passages
