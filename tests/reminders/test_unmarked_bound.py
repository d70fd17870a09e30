"""The double-delivery window has the bound the docs give: at no moment are more than MAX_UNMARKED reminders
sent but not yet recorded as delivered (what a crash at that moment would send again), even when the
writes of the "delivered" marks are slow (a busy disk, a far database)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.reminders.delivery import Delivery, SenderRegistry
from bot.reminders.scheduler import MAX_UNMARKED, Scheduler
from bot.reminders.service import ReminderService
from bot.reminders.store import CLAIMED, NewReminder, reminders
from tests.reminders.conftest import START


class CountingSender:
    """Instant deliveries; at each one, counts what a crash right now would send again."""

    def __init__(self, service: ReminderService) -> None:
        self.service = service
        self.delivered = 0
        self.worst = 0

    async def deliver(self, delivery: Delivery) -> None:
        self.delivered += 1
        with self.service.store.engine.connect() as connection:
            still_claimed = connection.execute(
                select(func.count()).select_from(reminders).where(reminders.c.status == CLAIMED)
            ).scalar_one()
        # This one is being sent now; the claimed rows not yet handed over are the rest of the batch.
        sent_unmarked = still_claimed - (self.total - self.delivered)
        self.worst = max(self.worst, sent_unmarked)

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        return None

    total = 0


async def test_no_more_than_max_unmarked_are_sent_but_unrecorded_with_slow_mark_writes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = ReminderService(database_url, clock=lambda: START)
    try:
        count = 300
        service.store.bulk_add(
            [NewReminder("slack", "T1", "C1", f"u{n}", "refresh", START) for n in range(count)], now=START
        )
        real_mark = service.store.mark_delivered_many

        def slow_mark(worker: str, items: Sequence[tuple[int, datetime | None]]) -> int:
            time.sleep(0.02)  # while this write runs, deliveries go on
            return real_mark(worker, items)

        monkeypatch.setattr(service.store, "mark_delivered_many", slow_mark)
        sender = CountingSender(service)
        sender.total = count
        senders = SenderRegistry()
        senders.register("slack", sender)
        delivered = await Scheduler(service, senders, batch_size=count).run_due(START)
        assert delivered == count == sender.delivered
        assert 1 < sender.worst <= MAX_UNMARKED  # marks were batched, and never more than the bound waited
        assert service.store.list_all()[0].status == "delivered"
    finally:
        service.close()
