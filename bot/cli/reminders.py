"""`headshot reminders list|add|run-due`: the operator's views of the reminder store.

Exit codes: 0 done, 1 the store could not do it (busy, unreachable), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.runtime import Runtime

# SQLAlchemy is imported where used: `headshot ask` builds this parser too and must not load it.
if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders.service import ReminderService

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("reminders", help="operator views of the reminder store")
    sub = parser.add_subparsers(dest="reminders_command", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="list reminders (all, or one user's)")
    listing.add_argument("--user", help="only this user's reminders")
    listing.set_defaults(func=run_list)

    add = sub.add_parser("add", help="schedule refresh reminders for one or many people")
    add.add_argument("--user", action="append", required=True, help="user id; repeat for several people")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--in", dest="in_", metavar="DURATION", help="e.g. '18 months', '2 years', '3 weeks'")
    when.add_argument("--at", metavar="ISO8601", help="e.g. 2027-03-01T09:00+01:00 (no offset means UTC)")
    add.add_argument("--platform", default="console", help="slack, discord or console (default: console)")
    add.add_argument("--workspace", default=None, help="Slack team id / Discord guild id")
    add.add_argument("--channel", default="", help="where to deliver; empty asks for a direct message")
    add.add_argument("--text", default=None, help="the reminder text (default: refresh your headshot)")
    add.set_defaults(func=run_add)

    due = sub.add_parser("run-due", help="deliver what is due once and exit")
    due.add_argument("--now", metavar="ISO8601", help="pretend it is this moment (default: now)")
    due.set_defaults(func=run_run_due)


def _parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _store_error(exc: SQLAlchemyError) -> int:
    message = str(exc).splitlines()[0]
    if "locked" in message.lower():
        print(
            "headshot reminders: the reminder store is busy (another process holds it); nothing was changed "
            "— try again in a moment",
            file=sys.stderr,
        )
    else:
        print(f"headshot reminders: the reminder store failed: {message[:300]}", file=sys.stderr)
    return EXIT_FAILED


def _service(runtime: Runtime) -> ReminderService:
    from bot.reminders.service import ReminderService

    return ReminderService(runtime.config.database_url, clock=runtime.clock)


def run_list(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        service = _service(runtime)
        try:
            records = service.store.list_all(user=args.user)
        finally:
            service.close()
    except SQLAlchemyError as exc:
        return _store_error(exc)
    if not records:
        print("no reminders" + (f" for {args.user}" if args.user else ""))
        return EXIT_OK
    print("ID\tSTATUS\tDUE (UTC)\tPLATFORM\tWORKSPACE\tUSER\tKIND\tREPEAT\tATTEMPTS\tTEXT\tLAST ERROR")
    for r in records:
        print(
            "\t".join(
                [
                    str(r.id),
                    r.status,
                    r.due_at.strftime("%Y-%m-%dT%H:%MZ"),
                    r.platform,
                    r.workspace or "-",
                    r.user,
                    r.kind,
                    r.recurrence or "-",
                    str(r.attempts),
                    r.text[:60].replace("\t", " ").replace("\n", " "),
                    (r.last_error or "-")[:80],
                ]
            )
        )
    return EXIT_OK


def run_add(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders.service import clean_text
    from bot.reminders.store import NewReminder
    from bot.reminders.when import WhenError, parse_when, resolve_zone

    now = runtime.clock()
    users = [u.strip() for u in args.user if u.strip()]
    if not users:
        print("headshot reminders add: give at least one --user", file=sys.stderr)
        return EXIT_USAGE
    recurrence: str | None = None
    if args.at is not None:
        try:
            due_at = _parse_instant(args.at)
        except ValueError:
            print(f"headshot reminders add: --at {args.at!r} is not an ISO 8601 time", file=sys.stderr)
            return EXIT_USAGE
        if due_at <= now:
            print(f"headshot reminders add: --at {args.at} is in the past", file=sys.stderr)
            return EXIT_USAGE
    else:
        phrase = args.in_.strip()
        if not phrase.lower().startswith(("in ", "every ")):
            phrase = f"in {phrase}"
        try:
            when = parse_when(phrase, now=now, zone=resolve_zone("UTC"))
        except WhenError as exc:
            print(f"headshot reminders add: --in {args.in_!r}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        due_at, recurrence = when.due_at, when.recurrence
    workspace = (
        args.workspace if args.workspace is not None else ("local" if args.platform == "console" else "")
    )
    items = [
        NewReminder(
            platform=args.platform,
            workspace=workspace,
            channel=args.channel,
            user=user,
            text=clean_text(args.text),
            due_at=due_at,
            recurrence=recurrence,
        )
        for user in dict.fromkeys(users)
    ]
    try:
        service = _service(runtime)
        try:
            records = service.store.add_many(items, now=now)
        finally:
            service.close()
    except SQLAlchemyError as exc:
        return _store_error(exc)
    for record in records:
        print(f"added reminder {record.id} for {record.user} due {record.due_at:%Y-%m-%dT%H:%M:%SZ}")
    return EXIT_OK


def run_run_due(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders.scheduler import Scheduler

    now = None
    if args.now:
        try:
            now = _parse_instant(args.now)
        except ValueError:
            print(f"headshot reminders run-due: --now {args.now!r} is not an ISO 8601 time", file=sys.stderr)
            return EXIT_USAGE
    try:
        service = _service(runtime)
        try:
            delivered = asyncio.run(Scheduler(service, runtime.senders).run_due(now))
        finally:
            service.close()
    except SQLAlchemyError as exc:
        return _store_error(exc)
    platforms = ", ".join(runtime.senders.platforms()) or "none"
    print(f"run-due: delivered {delivered} reminder(s) (senders: {platforms})", file=sys.stderr)
    return EXIT_OK
