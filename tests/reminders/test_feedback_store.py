"""Votes on answers and the question log, on SQLite and PostgreSQL: one vote per person and answer however
many presses race, a second vote changes the first, counts per passage, retention."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

from sqlalchemy import func, select

from bot.reminders.feedback import feedback_table
from bot.reminders.store import ReminderStore
from tests.reminders.conftest import START

PASSAGE = "001_guide#4"


def _votes(store: ReminderStore) -> list[tuple[str, str, str]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(feedback_table.c.user, feedback_table.c.answer_key, feedback_table.c.verdict)
        ).all()
    return sorted((str(u), str(k), str(v)) for u, k, v in rows)


def _vote(
    store: ReminderStore, user: str, key: str, verdict: str, passage: str | None = PASSAGE
) -> str | None:
    return store.feedback.vote(
        platform="slack",
        workspace="T1",
        user=user,
        answer_key=key,
        verdict="up" if verdict == "up" else "down",
        top_passage=passage,
        now=START,
    )


def test_a_second_vote_changes_the_first(database_url: str) -> None:
    store = ReminderStore(database_url)
    try:
        assert _vote(store, "U1", "a" * 16, "up") is None
        assert _vote(store, "U1", "a" * 16, "down") == "up"
        assert _vote(store, "U1", "a" * 16, "down") == "down"
        assert _votes(store) == [("U1", "a" * 16, "down")]
    finally:
        store.close()


def test_many_presses_at_once_leave_one_vote_per_person_and_answer(database_url: str) -> None:
    stores = [ReminderStore(database_url) for _ in range(4)]  # four processes' worth of connections
    try:
        racers = 24
        barrier = Barrier(racers)

        def press(index: int) -> None:
            barrier.wait()
            # 6 people, each pressing 👍 and 👎 on one answer at the same moment, twice over
            user = f"U{index % 6}"
            _vote(stores[index % len(stores)], user, "b" * 16, "up" if index % 2 else "down")

        with ThreadPoolExecutor(racers) as pool:
            list(pool.map(press, range(racers)))
        votes = _votes(stores[0])
        assert sorted(user for user, _, _ in votes) == [f"U{n}" for n in range(6)]
        with stores[0].engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(feedback_table)).scalar_one() == 6
        (counts,) = stores[0].feedback.passage_votes()
        assert counts.passage == PASSAGE and counts.up + counts.down == 6
    finally:
        for store in stores:
            store.close()


def test_counts_per_passage_most_thumbs_down_first(database_url: str) -> None:
    store = ReminderStore(database_url)
    try:
        _vote(store, "U1", "c" * 16, "up", "guide#1")
        _vote(store, "U2", "c" * 16, "up", "guide#1")
        _vote(store, "U1", "d" * 16, "down", "studio#2")
        _vote(store, "U3", "e" * 16, "down", None)  # a decline: counted nowhere per passage
        votes = [(v.passage, v.up, v.down) for v in store.feedback.passage_votes()]
        assert votes == [("studio#2", 0, 1), ("guide#1", 2, 0)]
    finally:
        store.close()


def test_the_log_groups_repeats_and_forgets_after_its_retention(database_url: str) -> None:
    store = ReminderStore(database_url)
    log = store.feedback
    try:
        for days_ago, question in ((40, "passport size?"), (2, "can i wear a hat"), (1, "can i wear a hat")):
            log.log_question(
                platform="discord",
                workspace="G1",
                user="42",
                question=question,
                reason="declined",
                answer_key=None,
                top_passage="studio#5",
                score=0.8,
                now=START - timedelta(days=days_ago),
                keep_days=365,
            )
        (hat,) = log.logged(since=START - timedelta(days=7))
        assert (hat.question, hat.reason, hat.count, hat.top_passage) == (
            "can i wear a hat",
            "declined",
            2,
            "studio#5",
        )
        assert hat.last_seen == START - timedelta(days=1)
        assert log.purge_log(before=START - timedelta(days=30)) == 1
        assert sorted(log.logged_texts()) == ["can i wear a hat", "can i wear a hat"]
    finally:
        store.close()
