"""The knowledge base: documents, passages, ranking, answers with citations.

Placeholder ranking (plain word overlap) until the real index lands; the interface is the contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.messages import Citation, Reply, ReplyKind

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Passage:
    doc: str
    title: str
    perspective: str
    text: str


@dataclass(frozen=True)
class RankedPassage:
    passage: Passage
    score: float


@dataclass
class Answer:
    answered: bool
    answer: str
    passages: list[RankedPassage] = field(default_factory=list)

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


class KnowledgeBase:
    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    @classmethod
    def load(cls, directory: Path) -> KnowledgeBase:
        passages: list[Passage] = []
        for path in sorted(directory.glob("*.txt")) + sorted(directory.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            title = text.strip().splitlines()[0] if text.strip() else path.stem
            for paragraph in re.split(r"\n\s*\n", text):
                if paragraph.strip():
                    passages.append(Passage(path.stem, title, "", paragraph.strip()))
        return cls(passages)

    def ask(self, question: str, conversation_key: str | None = None) -> Answer:
        words = set(_WORD.findall(question.lower()))
        ranked = sorted(
            (RankedPassage(p, float(len(words & set(_WORD.findall(p.text.lower()))))) for p in self.passages),
            key=lambda r: -r.score,
        )[:5]
        answered = bool(ranked) and ranked[0].score > 2
        return Answer(
            answered, ranked[0].passage.text if answered else "The documents do not cover that.", ranked
        )

    def reply_for(self, answer: Answer) -> Reply:
        return Reply(
            text=answer.answer,
            kind=ReplyKind.ANSWER if answer.answered else ReplyKind.DECLINE,
            citations=tuple(
                Citation(r.passage.title, r.passage.doc, r.passage.text, r.passage.perspective)
                for r in answer.passages[:2]
            )
            if answer.answered
            else (),
        )

    def cite(self, topic: str) -> Citation | None:
        answer = self.ask(topic)
        if not answer.answered:
            return None
        best = answer.passages[0].passage
        return Citation(best.title, best.doc, best.text, best.perspective)
