"""The retriever seam: any object with `name` and `rank()` plugs into the knowledge base, and the decline
policy, the answer composer and the reply work the same on top of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge import KnowledgeBase, Ranking
from bot.knowledge.retrieval import BM25Retriever, Decision, DeclinePolicy
from bot.messages import ReplyKind


@dataclass
class KeywordRetriever:
    """Ranks the passages that contain the question's longest word first; covered only when one does."""

    passages: list[str]
    name: str = "keyword"
    asked: list[str] = field(default_factory=list)

    def rank(self, text: str, previous: str | None = None) -> Ranking:
        self.asked.append(text)
        word = max(text.lower().split(), key=len)
        scores = [1.0 if word in p.lower() else 0.0 for p in self.passages]
        order = tuple(sorted(range(len(scores)), key=lambda i: (-scores[i], i)))
        covered = 0.9 if max(scores) else 0.1
        return Ranking(order, tuple(scores), covered, {"off-topic": 1 - covered})


def test_a_second_retriever_plugs_in_and_answers_through_the_same_composer(kb: KnowledgeBase) -> None:
    keyword = KeywordRetriever([p.text for p in kb.passages])
    swapped = KnowledgeBase(kb.documents, kb.passages, kb.data, keyword, kb.reader)
    answer = swapped.ask("what about democratization")
    assert keyword.asked == ["what about democratization"]
    assert answer.answered and answer.kind == "documents"
    assert "democratization of image creation" in answer.passages[0].passage.text
    assert answer.quotes[0].text in answer.passages[0].passage.text  # a verbatim sentence, quoted first
    reply = swapped.reply_for(answer)
    assert reply.kind is ReplyKind.ANSWER and reply.citations[0].title == answer.passages[0].passage.title
    declined = swapped.ask("zzzzqx")
    assert not declined.answered and declined.kind == "decline" and len(declined.passages) >= 3


def test_the_policy_decides_on_beliefs_not_on_scores() -> None:
    policy = DeclinePolicy()
    covered = Ranking((0, 1), (0.1, 0.0), 0.7, {"chit-chat": 0.3}, {"platform-sizes": 0.0})
    assert policy.decide(covered) == Decision("answer", None, 0.7)
    uncovered = Ranking((0, 1), (99.0, 0.0), 0.35, {"camera-settings": 0.5, "chit-chat": 0.15})
    assert policy.decide(uncovered) == Decision("decline", "camera-settings", 0.65)
    intent = Ranking((0, 1), (0.0, 0.0), 0.2, {"chit-chat": 0.1}, {"platform-sizes": 0.7})
    assert policy.decide(intent).action == "intent" and policy.decide(intent).name == "platform-sizes"


def test_bm25_stays_available_as_the_baseline(kb: KnowledgeBase) -> None:
    baseline = BM25Retriever(kb.passages, kb.data.vocabulary.stopwords if kb.data.vocabulary else frozenset())
    ranking = baseline.rank("democratization of image creation")
    assert "democratization" in kb.passages[ranking.order[0]].text
    assert ranking.covered > 0.5 and baseline.rank("pizza").covered == 0.0
