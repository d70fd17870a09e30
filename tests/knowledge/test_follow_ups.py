"""Follow-ups read with the previous question, standalone questions on their own, memory bounded."""

from __future__ import annotations

from bot.brain import Brain
from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.knowledge.context import FollowUpContext
from bot.messages import Conversation, Incoming, ReplyKind
from tests.knowledge.conftest import GUIDE


def _top(answer_passages: list, n: int = 3) -> str:  # type: ignore[type-arg]
    return " ".join(r.passage.text for r in answer_passages[:n])


def test_a_short_follow_up_is_read_with_the_question_before(fresh_kb: KnowledgeBase) -> None:
    key = "slack:T1:C1:thread:u1"
    first = fresh_kb.ask("would an ai headshot look bad for a lawyer?", conversation_key=key)
    assert first.answered and "legal practice" in _top(first.passages)
    realtor = fresh_kb.ask("and for a realtor?", conversation_key=key)
    assert realtor.answered and "legal practice" in _top(realtor.passages)
    alone = fresh_kb.ask("and for a realtor?", conversation_key="slack:T1:C1:other:u1")
    assert not alone.answered or "legal practice" not in alone.passages[0].passage.text


def test_a_follow_up_can_change_the_subject_within_the_topic(fresh_kb: KnowledgeBase) -> None:
    key = "discord:G:C::u2"
    assert fresh_kb.ask("is an ai photo fine for my portfolio website?", conversation_key=key).answered
    linkedin = fresh_kb.ask("ok and for linkedin?", conversation_key=key)
    assert linkedin.answered and "LinkedIn" in _top(linkedin.passages)
    fresh_kb.ask("should i go with ai or book a photographer?", conversation_key="k3")
    cost = fresh_kb.ask("and the cost?", conversation_key="k3")
    lead = cost.passages[0].passage.text
    assert cost.answered and ("often under $50" in lead or "financial advantage" in lead)


def test_a_standalone_question_after_a_chain_is_not_spoiled(fresh_kb: KnowledgeBase) -> None:
    key = "console:local:chat::me"
    fresh_kb.ask("would an ai headshot look bad for a lawyer?", conversation_key=key)
    fresh_kb.ask("and for a realtor?", conversation_key=key)
    fresh_kb.ask("what about a nurse?", conversation_key=key)
    standalone = fresh_kb.ask("how often should i update my profile photo", conversation_key=key)
    assert standalone.answered
    lead = standalone.passages[0].passage
    assert lead.doc == GUIDE and "every 1–2 years" in lead.text


def test_follow_up_memory_expires_and_stays_bounded() -> None:
    now = [0.0]
    context = FollowUpContext(ttl_seconds=900, max_conversations=2, clock=lambda: now[0])
    context.remember("a", "ai headshot for a nurse?")
    now[0] = 899
    assert context.previous("a") == "ai headshot for a nurse?"
    now[0] = 1800
    assert context.previous("a") is None
    for key in ("a", "b", "c"):
        context.remember(key, key)
    assert len(context) == 2 and context.previous("a") is None and context.previous("c") == "c"


def test_an_expired_follow_up_is_a_fresh_question(fresh_kb: KnowledgeBase) -> None:
    now = [0.0]
    fresh_kb.context = FollowUpContext(clock=lambda: now[0])
    fresh_kb.ask("would an ai headshot look bad for a lawyer?", conversation_key="k")
    now[0] = 16 * 60
    later = fresh_kb.ask("and for a realtor?", conversation_key="k")
    assert not later.answered or "legal practice" not in later.passages[0].passage.text


def test_the_brain_keeps_follow_ups_per_conversation(config: Config, cache_env: object) -> None:
    brain = Brain(config)
    here = Conversation("slack", "T1", "C1", "U1", thread="1.0")
    there = Conversation("slack", "T1", "C1", "U2", thread="1.0")
    brain.handle(Incoming(here, "would an ai headshot look bad for a lawyer?"))
    [reply] = brain.handle(Incoming(here, "and for a realtor?"))
    assert reply.kind is ReplyKind.ANSWER and "legal practice" in reply.text
    [other] = brain.handle(Incoming(there, "and for a realtor?"))
    assert "legal practice" not in other.text
