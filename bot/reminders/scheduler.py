"""Delivering due reminders: a plain asyncio loop over one atomic claim statement.

Why not APScheduler: its job store pickles callables beside our own table, and two processes sharing one
job store deliver a job twice (its FAQ says a shared store is unsupported). Here the reminders table is the
only state; each tick claims due rows in batches (UPDATE … RETURNING on SQLite, FOR UPDATE SKIP LOCKED on
PostgreSQL) with a lease, so several schedulers on one database share the work and a crashed worker's
claims come back once the lease runs out.

Delivery is at least once, and the one window where a reminder can be delivered twice is documented here
and in README (Reminders): a worker that has handed a reminder to the platform but dies (or loses the
database) before it records `delivered` leaves the claim to expire, and the next worker sends it again.
Every other path — two schedulers racing, a restart mid-batch, a stop — delivers each reminder once.

"Delivered" marks are group-committed (`_DeliveredMarks`): a write starts as soon as a reminder is sent and
takes with it whatever was sent while the previous write ran. With real platforms (tens of milliseconds per
send) that is one reminder per write; with an instant sender it batches, which is what lets one SQLite
worker deliver 10,000 reminders in a few seconds instead of paying a transaction each. The window above is
therefore "sent since the last mark write began", bounded by MAX_UNMARKED: the running write's marks and
the ones waiting for the next write count together, so a crash re-sends at most MAX_UNMARKED reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

from bot import metrics
from bot.messages import Action, ActionId, Buttons, Paragraph, Reply, ReplyKind, Title
from bot.reminders import privacy
from bot.reminders.daytime import DAYTIME_END, DAYTIME_START, in_daytime, next_daytime
from bot.reminders.delivery import (
    Delivery,
    PermanentDeliveryError,
    SenderRegistry,
    TransientDeliveryError,
    WorkspaceGoneError,
)
from bot.reminders.models import ReminderKind
from bot.reminders.service import ReminderService
from bot.reminders.store import ReminderRecord
from bot.reminders.when import find_zone, parse_recurrence, shift

log = logging.getLogger(__name__)

T = TypeVar("T")

RETENTION_EVERY = timedelta(hours=1)  # the retention purge runs at most this often per process
MAX_UNMARKED = 32  # sent-but-unmarked reminders allowed to pile up before delivery waits for the write
__all__ = ["DAYTIME_END", "DAYTIME_START", "Scheduler", "in_daytime", "next_daytime", "reminder_reply"]


def _process_space() -> str:
    """This host and process namespace: workers sharing it can see each other's pids."""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = "0"
    return f"{socket.gethostname()[:80]}:{namespace}"


def default_worker_id() -> str:
    return f"{_process_space()}:{os.getpid()}:{secrets.token_hex(4)}"


def _dead_local_workers(holders: set[str]) -> list[str]:
    """Claim holders that ran on this host, in this pid namespace, and whose process is gone.

    Their claims can be taken back at once instead of after the lease (a killed `run-due`, a crashed
    `serve`). Workers elsewhere are never judged: for them the lease decides.
    """
    prefix = f"{_process_space()}:"
    dead: list[str] = []
    for holder in holders:
        if not holder.startswith(prefix):
            continue
        pid_text = holder[len(prefix) :].split(":", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            dead.append(holder)
        except OSError:  # exists but not ours to signal: alive
            continue
    return dead


def reminder_reply(record: ReminderRecord) -> Reply:
    """What the user sees when a reminder comes due: its text, snooze and done buttons (an offer to review a
    new profile photo has one button: the review)."""
    if record.kind == ReminderKind.PHOTO_REVIEW.value:
        return Reply(
            ReplyKind.REMINDER,
            (
                Title("Your new profile photo"),
                Paragraph(record.text),
                Buttons(
                    (Action("Review my new photo", ActionId.REVIEW_PHOTO, str(record.id), style="primary"),)
                ),
            ),
            private=True,
            reminder_id=record.id,
        )
    suggestion = record.kind == ReminderKind.SUGGESTION.value
    title = "Time for a new headshot?" if suggestion else "Reminder"
    return Reply(
        ReplyKind.REMINDER,
        (
            Title(title),
            Paragraph(record.text),
            Buttons(
                (
                    Action("Snooze a month", ActionId.SNOOZE, str(record.id)),
                    Action("Done, I updated it", ActionId.DONE, str(record.id), style="primary"),
                )
            ),
        ),
        private=True,
        reminder_id=record.id,
    )


def next_occurrence(record: ReminderRecord, now: datetime, zone: ZoneInfo | None) -> datetime:
    """The first repeat after `now`, stepped on the user's wall clock (a yearly reminder keeps its hour)."""
    assert record.recurrence is not None
    step = parse_recurrence(record.recurrence)
    local = record.due_at.astimezone(zone or UTC)
    count = 1
    while True:
        candidate = shift(local, step * count).astimezone(UTC)
        if candidate > now:
            return candidate
        count += 1


class Scheduler:
    def __init__(
        self,
        service: ReminderService,
        senders: SenderRegistry,
        *,
        tick_seconds: float = 30.0,
        batch_size: int = 200,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 6,
        base_backoff: timedelta = timedelta(minutes=1),
        max_backoff: timedelta = timedelta(hours=6),
        worker_id: str | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.service = service
        self.on_tick = on_tick  # told after every completed tick (readiness: "the scheduler ticks")
        self.tick_lag = 0.0  # in the last tick, how late (s) the most overdue reminder delivered was
        self.store = service.store
        self.senders = senders
        self.tick_seconds = tick_seconds
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.worker_id = worker_id or default_worker_id()
        self._departed: set[tuple[str, str]] = set()  # this tick: workspaces nothing is delivered to
        self._next_retention: datetime | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Ticks until `stopping` is set; then finishes the delivery in hand and releases unstarted claims."""
        while not stopping.is_set():
            try:
                delivered = await self._tick(None, stopping, retention=True)
                if delivered:
                    log.info("delivered %d reminders", delivered)
                metrics.scheduler_ticked(self.tick_lag)
                if self.on_tick is not None:
                    self.on_tick()
            except OperationalError as exc:
                log.warning("reminder store unavailable this tick (%s); retrying", _short(exc))
            except Exception:
                log.exception("reminder tick failed; retrying next tick")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self.tick_seconds)

    async def run_due(self, now: datetime | None = None) -> int:
        """One tick: delivers what is due at `now` (default: the clock); returns how many were delivered."""
        return await self._tick(now, None)

    # --- one tick -------------------------------------------------------------------------------------

    async def _tick(
        self, fixed_now: datetime | None, stopping: asyncio.Event | None, *, retention: bool = False
    ) -> int:
        """`fixed_now` pretends the time (run-due --now, tests); None reads the clock as the tick goes on."""
        marks = _DeliveredMarks(self)
        self.tick_lag = 0.0
        try:
            return await self._claim_and_deliver(fixed_now, stopping, marks, retention=retention)
        finally:
            await marks.drain()

    async def _claim_and_deliver(
        self,
        fixed_now: datetime | None,
        stopping: asyncio.Event | None,
        marks: _DeliveredMarks,
        *,
        retention: bool,
    ) -> int:
        delivered = 0
        zone_cache: dict[tuple[str, str, str], ZoneInfo | None] = {}
        await self._recover_stalled_claims(fixed_now or self.service.clock())
        await self._housekeeping(fixed_now or self.service.clock(), retention=retention)
        while stopping is None or not stopping.is_set():
            now = fixed_now or self.service.clock()
            held_until = now + self.lease
            platforms = self.senders.platforms()
            batch = await asyncio.to_thread(
                self.store.claim_due,
                self.worker_id,
                now=now,
                limit=self.batch_size,
                lease=self.lease,
                platforms=platforms,
            )
            if not batch:
                break
            await self._fill_zones(batch, zone_cache)
            queue = deque(batch)
            while queue:
                if stopping is not None and stopping.is_set():
                    unstarted = [r.id for r in queue]
                    await marks.drain()
                    await self._write(self.store.release, unstarted, self.worker_id)
                    log.info("stopping: released %d unstarted reminders", len(unstarted))
                    return delivered
                now = fixed_now or self.service.clock()
                if held_until - now < self.lease / 2:
                    # A slow batch (platform timeouts, rate limits): renew the lease before it runs out and
                    # another worker takes, and sends again, the rest of this batch.
                    held_until = now + self.lease
                    await marks.drain()  # what was sent is recorded before its own lease can lapse
                    still_held = await self._write(
                        self.store.extend_lease, [r.id for r in queue], self.worker_id, until=held_until
                    )
                    if len(still_held) < len(queue):
                        log.warning(
                            "%d claimed reminders were taken over by another worker",
                            len(queue) - len(still_held),
                        )
                        queue = deque(r for r in queue if r.id in still_held)
                        continue
                record = queue.popleft()
                zone = zone_cache.get((record.platform, record.workspace, record.user))
                delivered += await self._deliver(record, now, zone, marks)
        return delivered

    async def _recover_stalled_claims(self, now: datetime) -> None:
        """A crashed worker's claims: at once when it ran here and its pid is gone, else after the lease."""
        dead = _dead_local_workers(await asyncio.to_thread(self.store.claim_holders))
        if dead:
            released = await self._write(self.store.release_workers, dead)
            log.warning("took back %d reminders claimed by %d stopped worker(s)", released, len(dead))
        expired = await self._write(self.store.expire_leases, now)
        if expired:
            log.warning("took back %d reminders whose claim lease ran out", expired)

    async def _housekeeping(self, now: datetime, *, retention: bool) -> None:
        """Purges the workspaces whose grace period ran out, learns which are gone (nothing is delivered
        there), and (the running scheduler, not a one-shot `run-due`) at most once an hour deletes what is
        past the retention period, in small batches."""
        engine = self.store.engine
        purged = await self._write(privacy.purge_departed, engine, now=now)
        if purged:
            log.info("purged the data of %d workspaces the bot left", len(purged))
        self._departed = await asyncio.to_thread(privacy.departed, engine)
        if retention and (self._next_retention is None or now >= self._next_retention):
            self._next_retention = now + RETENTION_EVERY
            deleted = await asyncio.to_thread(
                privacy.purge_expired, engine, now=now, retention_days=self.service.retention_days
            )
            if deleted:
                log.info("retention: deleted %d expired rows", sum(deleted.values()))

    async def _fill_zones(
        self, batch: list[ReminderRecord], cache: dict[tuple[str, str, str], ZoneInfo | None]
    ) -> None:
        """Stored preference first (one query), else what the platform says (once per user per tick)."""
        missing = [r for r in batch if (r.platform, r.workspace, r.user) not in cache]
        if not missing:
            return
        stored = await asyncio.to_thread(self.store.timezones, {(r.platform, r.user) for r in missing})
        for record in missing:
            key = (record.platform, record.workspace, record.user)
            if key in cache:
                continue
            name = stored.get((record.platform, record.user))
            if name is None:
                sender = self.senders.get(record.platform)
                try:
                    name = await sender.user_timezone(record.workspace, record.user) if sender else None
                except Exception as exc:  # a platform hiccup only costs daytime delivery, not the reminder
                    log.warning("could not look up a user's time zone: %s", type(exc).__name__)
                    name = None
            canonical = find_zone(name) if name else None
            cache[key] = ZoneInfo(canonical) if canonical else None

    async def _deliver(
        self, record: ReminderRecord, now: datetime, zone: ZoneInfo | None, marks: _DeliveredMarks
    ) -> int:
        sender = self.senders.get(record.platform)
        if sender is None:  # unregistered since the claim: leave it pending for a worker that has one
            await self._write(self.store.release, [record.id], self.worker_id)
            return 0
        if (record.platform, record.workspace) in self._departed:
            # The bot is out of that workspace: nothing is sent; it is purged or comes back meanwhile.
            await self._write(
                self.store.defer, record.id, self.worker_id, due_at=now + privacy.UNAVAILABLE_GRACE
            )
            return 0
        if zone is not None and not record.exact_time:  # a time the user named is kept (DESIGN.md)
            local = now.astimezone(zone)
            if not in_daytime(local):
                await self._write(self.store.defer, record.id, self.worker_id, due_at=next_daytime(local))
                return 0
        delivery = Delivery(
            reminder_id=record.id, conversation=record.conversation, reply=reminder_reply(record)
        )
        attempts = record.attempts + 1
        try:
            await sender.deliver(delivery)
        except WorkspaceGoneError as exc:
            log.warning("reminder %d: the workspace is gone (%s)", record.id, exc.reason)
            await self._write(
                privacy.mark_departed,
                self.store.engine,
                record.platform,
                record.workspace,
                reason=exc.reason,
                now=now,
                purge_after=now + privacy.UNAVAILABLE_GRACE,
            )
            self._departed.add((record.platform, record.workspace))
            await self._write(
                self.store.defer, record.id, self.worker_id, due_at=now + privacy.UNAVAILABLE_GRACE
            )
            return 0
        except PermanentDeliveryError as exc:
            log.info("reminder %d failed permanently: %s", record.id, exc.reason)
            metrics.reminder_outcome("failed")
            await self._write(
                self.store.mark_failed, record.id, self.worker_id, attempts=attempts, error=exc.reason
            )
            return 0
        except TransientDeliveryError as exc:
            await self._retry_or_fail(record, now, attempts, exc.reason, exc.retry_after)
            return 0
        except Exception as exc:  # a sender bug must not lose the reminder: retry like a transient failure
            log.exception("sender for %s raised while delivering reminder %d", record.platform, record.id)
            await self._retry_or_fail(record, now, attempts, f"unexpected {type(exc).__name__}", None)
            return 0
        # The one double-delivery window: sent, not yet marked. If the mark never lands, the lease expires
        # and another worker delivers the reminder again.
        next_due = next_occurrence(record, now, zone) if record.recurrence else None
        await marks.add(record.id, next_due)
        metrics.reminder_outcome("delivered")
        self.tick_lag = max(self.tick_lag, (now - record.due_at).total_seconds())
        return 1

    async def _retry_or_fail(
        self, record: ReminderRecord, now: datetime, attempts: int, reason: str, retry_after: float | None
    ) -> None:
        if attempts >= self.max_attempts:
            log.info("reminder %d failed after %d attempts: %s", record.id, attempts, reason)
            metrics.reminder_outcome("failed")
            await self._write(
                self.store.mark_failed,
                record.id,
                self.worker_id,
                attempts=attempts,
                error=f"gave up after {attempts} attempts: {reason}",
            )
            return
        metrics.reminder_outcome("retried")
        backoff = min(self.max_backoff, self.base_backoff * 2 ** (attempts - 1))
        if retry_after is not None:
            backoff = max(backoff, timedelta(seconds=retry_after))
        await self._write(
            self.store.mark_retry,
            record.id,
            self.worker_id,
            due_at=now + backoff,
            attempts=attempts,
            error=reason,
        )

    async def _write(self, operation: Callable[..., T], *args: object, **kwargs: object) -> T:
        """A store write off the event loop, retried a few times while SQLite reports it is locked."""
        delay = 0.05
        for attempt in range(5):
            try:
                return await asyncio.to_thread(operation, *args, **kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc).lower() or attempt == 4:
                    raise
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200]


class _DeliveredMarks:
    """Group commit of "delivered" marks for one tick (see the module docstring)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._waiting: list[tuple[int, datetime | None]] = []
        self._writing: asyncio.Task[None] | None = None
        self._in_flight = 0  # marks the running write carries: sent, not recorded yet either

    async def add(self, reminder_id: int, next_due: datetime | None) -> None:
        self._waiting.append((reminder_id, next_due))
        if self._writing is not None and not self._writing.done():
            # Everything sent and not yet recorded counts, the running write's marks too: a crash now
            # would send all of them again, so together they stay within MAX_UNMARKED.
            if self._in_flight + len(self._waiting) < MAX_UNMARKED:
                # The running write's successor takes this one. Yielding lets a finished write report back
                # even when the sender never awaits anything (the console), so the next write starts soon.
                await asyncio.sleep(0)
                return
            await self._writing
        self._writing = asyncio.create_task(self._write(self._take()))
        await asyncio.sleep(0)  # let the write begin now, so few reminders wait unmarked

    async def drain(self) -> None:
        if self._writing is not None:
            await self._writing
            self._writing = None
        if self._waiting:
            await self._write(self._take())

    def _take(self) -> list[tuple[int, datetime | None]]:
        taken, self._waiting = self._waiting, []
        self._in_flight = len(taken)
        return taken

    async def _write(self, items: list[tuple[int, datetime | None]]) -> None:
        scheduler = self._scheduler
        try:
            marked = await scheduler._write(scheduler.store.mark_delivered_many, scheduler.worker_id, items)
        except Exception as exc:  # they stay claimed: after the lease another worker sends them again
            self._in_flight = 0
            log.error(
                "could not record %d delivered reminders (%s); they may be sent twice",
                len(items),
                _short(exc),
            )
            return
        self._in_flight = 0
        if marked != len(items):
            log.warning(
                "%d delivered reminders had lost their claim (lease ran out); they may be sent twice",
                len(items) - marked,
            )
