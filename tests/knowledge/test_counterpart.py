"""The other document's counterpart of the best passage takes third place (both@3), without touching the
first two, and only when the ranking believes in it enough."""

from __future__ import annotations

import numpy as np

from bot.knowledge import KnowledgeBase, with_counterpart
from bot.knowledge.answer import RankedPassage
from bot.knowledge.passages import Passage
from tests.knowledge.conftest import GUIDE, STUDIO


def _passage(doc: str, position: int, *, promotional: bool = False) -> Passage:
    stance = "pro" if doc == "studio" else "balanced"
    return Passage(
        doc, doc, "", f"{doc} {position}", stance=stance, position=position, promotional=promotional
    )


def _unit(*values: float) -> np.ndarray:
    vector = np.array([*values, 0.0][:3], dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _ranking(shares: list[float], docs: list[str]) -> list[RankedPassage]:
    return [
        RankedPassage(_passage(doc, n), share)
        for n, (doc, share) in enumerate(zip(docs, shares, strict=True))
    ]


CENTROIDS = {
    "guide#0": _unit(1, 0),  # the best passage's point
    "guide#1": _unit(0, 1),
    "guide#2": _unit(0, 1),
    "studio#3": _unit(0, 1),  # the other document, another point
    "studio#4": _unit(1, 0.1),  # the other document, the same point: the counterpart
}


def test_the_counterpart_takes_third_place_and_the_first_two_stay() -> None:
    ranked = _ranking([0.5, 0.2, 0.15, 0.1, 0.05], ["guide", "guide", "guide", "studio", "studio"])
    result = with_counterpart(ranked, CENTROIDS, _unit(1, 0))
    assert [r.passage.id for r in result] == ["guide#0", "guide#1", "studio#4", "guide#2", "studio#3"]
    scores = [r.score for r in result]
    assert scores == sorted(
        scores, reverse=True
    )  # the ranking's order is kept: tied with the one it precedes


def test_a_counterpart_the_ranking_barely_believes_in_stays_where_it_is() -> None:
    ranked = _ranking([0.6, 0.2, 0.17, 0.02, 0.01], ["guide", "guide", "guide", "studio", "studio"])
    assert with_counterpart(ranked, CENTROIDS, _unit(1, 0)) == ranked  # 0.01 < 0.2 × 0.17


def test_nothing_moves_when_the_counterpart_is_already_in_the_first_three() -> None:
    ranked = _ranking([0.5, 0.2, 0.15, 0.1, 0.05], ["guide", "studio", "guide", "guide", "studio"])
    centroids = {**CENTROIDS, "studio#1": _unit(1, 0)}
    assert with_counterpart(ranked, centroids, _unit(1, 0)) == ranked


def test_a_question_weighing_both_sides_sees_each_document_first_three(kb: KnowledgeBase) -> None:
    answer = kb.ask("photographer or ai generator, which is the safer bet for credibility")
    docs = {r.passage.doc for r in answer.passages[:3]}
    assert docs == {STUDIO, GUIDE}
