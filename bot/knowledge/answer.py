"""Turning ranked passages into a reply: the best passage first, support after, both sides labelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.passages import Passage
from bot.messages import Citation, Paragraph, Part, Quote, Reply, ReplyKind, Sources, Title

SUPPORT_RATIO = 0.45
"""A passage joins the answer when it scores at least this share of the best one."""
OTHER_SIDE_RATIO = 0.25
MAX_SUPPORTING = 2

CAPABILITIES = (
    "I can answer questions about AI-generated vs. professional headshots: what they cost, how far "
    "people trust them, using them on LinkedIn, a website or a job application, and when to refresh "
    "your photo. You can also post a photo for me to check, or ask me to remind you to refresh it."
)


@dataclass(frozen=True)
class RankedPassage:
    passage: Passage
    score: float


@dataclass
class Answer:
    answered: bool
    answer: str
    passages: list[RankedPassage] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)  # what the reply shows, before its title and sources
    quoted: list[RankedPassage] = field(default_factory=list)  # the passages the answer relies on
    note: str | None = None  # e.g. "I answer in English."

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


def _quote(passage: Passage, heading: str | None = None) -> Quote:
    return Quote(passage.text, citation_for(passage), heading=heading, label=passage.label or None)


def compose(ranked: list[RankedPassage], *, two_sided: bool, note: str | None) -> Answer:
    """An answered question: lead passage, supporting passages, and the other side when there is one."""
    usable = [r for r in ranked if not r.passage.promotional and r.score > 0] or ranked[:1]
    lead = usable[0]
    chosen = [lead]
    for candidate in usable[1:]:
        if len(chosen) > MAX_SUPPORTING or candidate.score < SUPPORT_RATIO * lead.score:
            break
        chosen.append(candidate)
    # On a topic the documents take sides on, the other side's best passage is shown under its own
    # heading; elsewhere a passage from another document is just more support, labelled with its view.
    other_side: RankedPassage | None = None
    if two_sided:
        for candidate in usable[1:]:
            different = candidate.passage.stance != lead.passage.stance
            if different and candidate.score >= OTHER_SIDE_RATIO * lead.score:
                other_side = candidate
                break
    supporting = chosen[1:]
    if other_side is not None:
        supporting = [r for r in chosen[1:] if r.passage.stance == lead.passage.stance][:1]
    parts: list[Part] = [Paragraph(note)] if note else []
    parts.append(_quote(lead.passage))
    lines: list[str] = []
    if note:
        lines += [note, ""]
    lines += [_quote_block(lead.passage)]
    for r in supporting:
        parts.append(_quote(r.passage))
        lines += ["", _quote_block(r.passage)]
    quoted = [lead, *supporting]
    if other_side is not None:
        parts.append(_quote(other_side.passage, heading="The other side"))
        lines += ["", "The other side:", _quote_block(other_side.passage)]
        quoted.append(other_side)
    return Answer(True, "\n".join(lines), ranked, parts, quoted, note)


def _quote_block(passage: Passage) -> str:
    text = " ".join(passage.text.split())
    return f"“{text}”\n— {passage.label or passage.title}: {passage.title}"


def decline(ranked: list[RankedPassage], reason: str, note: str | None = None) -> Answer:
    text = f"{reason} {CAPABILITIES}"
    if note:
        text = f"{note} {text}"
    parts: list[Part] = [Paragraph(reason), Paragraph(CAPABILITIES)]
    if note:
        parts.insert(0, Paragraph(note))
    return Answer(False, text, ranked, parts, [], note)


def reply_for(answer: Answer) -> Reply:
    if not answer.answered:
        return Reply(ReplyKind.DECLINE, tuple(answer.parts))
    # one citation per document: the quote it contributes first
    first_quote: dict[str, Passage] = {}
    for r in answer.quoted:
        first_quote.setdefault(r.passage.doc, r.passage)
    citations = tuple(citation_for(p) for p in first_quote.values())
    return Reply(ReplyKind.ANSWER, (Title("From the documents"), *answer.parts, Sources(citations)))
