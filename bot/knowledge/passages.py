"""Cutting documents into quotable passages, verbatim.

A passage is a document's natural unit: a paragraph, with its heading when the heading directly
precedes it; a block too long to quote (a document written one sentence per line, with no blank lines)
is cut into its lines, and a line too long into sentences. Every passage's text is a verbatim slice of
its document. The heading (for a second paragraph) and the neighbouring sentences (for a
one-sentence passage) are kept as *context*: indexed with a lower weight, never quoted.
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
    context: str = ""  # neighbouring text that helps ranking (never quoted)
    position: int = 0  # order within its document
    promotional: bool = False  # part of a closing sales pitch


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

    passages: list[Passage] = []
    for index, (text, heading, _) in enumerate(raw):
        single_line = "\n" not in text and len(text) < 400
        context_parts = [heading] if heading and heading not in text else []
        if single_line:
            # a lone sentence leans on its neighbours for what it is about
            if index > 0:
                context_parts.append(raw[index - 1][0])
            if index + 1 < len(raw):
                context_parts.append(raw[index + 1][0])
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
                context="\n".join(context_parts),
                position=index,
                promotional=promotional_at >= 0 and offset >= promotional_at,
            )
        )
    return passages
