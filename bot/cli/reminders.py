"""`headshot reminders list|add|run-due|when`: the operator's views of the reminder store.

Exit codes: 0 done, 1 the store could not do it (busy, unreachable), 2 bad input (or a "when" the bot
refuses). A time without an offset is read in the command's `--tz` (default UTC).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from bot.runtime import Runtime

# SQLAlchemy and the "when" vocabulary are loaded where used: `headshot ask` builds this parser too.
if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders.service import ReminderService
    from bot.reminders.store import ReminderRecord

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("reminders", help="operator views of the reminder store")
    sub = parser.add_subparsers(dest="reminders_command", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="list reminders (all, or one user's), with their full text")
    listing.add_argument("--user", help="only this user's reminders")
    listing.add_argument("--json", action="store_true", help="one JSON array of reminder objects")
    listing.set_defaults(func=run_list)

    # Descriptions and examples of every command are in bot/cli/help.toml.
    add = sub.add_parser("add", help="schedule refresh reminders for one or many people")
    add.add_argument("--user", action="append", required=True, help="user id; repeat for several people")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--in",
        dest="in_",
        metavar="WHEN",
        help="a duration or any phrase `reminders when` reads: '18 months', 'next spring', 'every year'",
    )
    when.add_argument(
        "--at",
        metavar="ISO8601",
        help="a date (2027-03-01: 09:00 in --tz) or a time (2027-03-01T15:30, with or without an offset)",
    )
    add.add_argument(
        "--tz", default="UTC", metavar="ZONE", help="the zone --at and --in are read in (default UTC)"
    )
    add.add_argument("--platform", default="console", help="slack, discord or console (default: console)")
    add.add_argument("--workspace", default=None, help="Slack team id / Discord guild id")
    add.add_argument("--channel", default="", help="where to deliver; empty asks for a direct message")
    add.add_argument("--text", default=None, help="the reminder text (default: refresh your headshot)")
    add.set_defaults(func=run_add)

    due = sub.add_parser(
        "run-due", help="deliver what is due once and exit (--now: a dry run at a pretend moment)"
    )
    due.add_argument("--now", metavar="ISO8601", help="pretend it is this moment (implies --dry-run)")
    due.add_argument("--dry-run", action="store_true", help="show what would be delivered; change nothing")
    due.set_defaults(func=run_run_due)

    reading = sub.add_parser("when", help="how the bot reads a 'when' phrase (nothing is stored)")
    reading.add_argument("phrase", metavar="PHRASE", help="e.g. 'tomorrow at 10am', 'every year on March 1'")
    reading.add_argument("--now", metavar="ISO8601", help="pretend it is this moment (default: now)")
    reading.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="the user's zone: IANA, city or abbreviation (default UTC)",
    )
    reading.add_argument("--locale", default=None, help="the user's locale, e.g. en_US (decides 3/1/2027)")
    reading.add_argument("--json", action="store_true", help="print one JSON object (see above)")
    reading.set_defaults(func=run_when)


def _parse_instant(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO 8601 moment; without an offset it is a wall-clock time in `zone`."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return value.replace(tzinfo=zone).astimezone(UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_at(text: str, zone: tzinfo) -> datetime:
    """`--at`: a bare date is 09:00 in `zone` (as a date in chat is), a time is taken as given."""
    from bot.reminders.when import DAY_START

    stripped = text.strip()
    if "T" not in stripped.upper() and " " not in stripped and len(stripped) <= 10:
        day = datetime.fromisoformat(stripped).date()
        return datetime.combine(day, time(DAY_START.hour, DAY_START.minute), tzinfo=zone).astimezone(UTC)
    return _parse_instant(stripped, zone)


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


def _zone_option(command: str, typed: str) -> tzinfo | None:
    from bot.reminders.when import WhenError, resolve_typed_zone

    try:
        return resolve_typed_zone(typed)
    except WhenError as exc:
        print(f"headshot reminders {command}: --tz {typed!r}: {exc}", file=sys.stderr)
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _record_json(record: ReminderRecord) -> dict[str, Any]:
    from bot.reminders.when import iso_duration

    return {
        "id": record.id,
        "status": record.status,
        "due": record.due_at.isoformat(),
        "platform": record.platform,
        "workspace": record.workspace,
        "channel": record.channel,
        "user": record.user,
        "kind": record.kind,
        "repeat": iso_duration(record.recurrence) if record.recurrence else None,
        "attempts": record.attempts,
        "text": record.text,
        "last_error": record.last_error,
        "created_at": record.created_at.isoformat(),
    }


def run_list(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders.when import iso_duration

    try:
        service = _service(runtime)
        try:
            records = service.store.list_all(user=args.user)
        finally:
            service.close()
    except SQLAlchemyError as exc:
        return _store_error(exc)
    if args.json:
        print(json.dumps([_record_json(r) for r in records], ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("no reminders" + (f" for {args.user}" if args.user else ""))
        return EXIT_OK
    # Tab-separated for scripts; the text comes last and whole, so a terminal wraps it instead of losing it.
    print("ID\tSTATUS\tDUE (UTC)\tPLATFORM\tWORKSPACE\tUSER\tKIND\tREPEAT\tATTEMPTS\tLAST ERROR\tTEXT")
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
                    iso_duration(r.recurrence) if r.recurrence else "-",
                    str(r.attempts),
                    _one_line(r.last_error or "-")[:200],
                    _one_line(r.text),
                ]
            )
        )
    return EXIT_OK


def run_add(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders.service import clean_text
    from bot.reminders.store import NewReminder
    from bot.reminders.when import WhenError, parse_when

    now = runtime.clock()
    users = [u.strip() for u in args.user if u.strip()]
    if not users:
        print("headshot reminders add: give at least one --user", file=sys.stderr)
        return EXIT_USAGE
    zone = _zone_option("add", args.tz)
    if zone is None:
        return EXIT_USAGE
    recurrence: str | None = None
    if args.at is not None:
        try:
            due_at = _parse_at(args.at, zone)
        except ValueError:
            print(
                f"headshot reminders add: --at {args.at!r} is not an ISO 8601 date or time", file=sys.stderr
            )
            return EXIT_USAGE
        if due_at <= now:
            print(f"headshot reminders add: --at {args.at} is in the past", file=sys.stderr)
            return EXIT_USAGE
    else:
        try:
            when = parse_when(args.in_, now=now, zone=zone)
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
            if now is not None or args.dry_run:
                return _dry_run(service, runtime, now or service.clock())
            delivered = asyncio.run(Scheduler(service, runtime.senders).run_due())
        finally:
            service.close()
    except SQLAlchemyError as exc:
        return _store_error(exc)
    platforms = ", ".join(runtime.senders.platforms()) or "none"
    print(f"run-due: delivered {delivered} reminder(s) (senders: {platforms})", file=sys.stderr)
    return EXIT_OK


def _dry_run(service: ReminderService, runtime: Runtime, now: datetime) -> int:
    """What a tick at `now` would do, read from the store without writing to it."""
    from bot.reminders.daytime import delivery_time
    from bot.reminders.store import PENDING
    from bot.reminders.when import find_zone, resolve_zone

    platforms = set(runtime.senders.platforms())
    due = [r for r in service.store.list_all() if r.status == PENDING and r.due_at <= now]
    zones = service.store.timezones({(r.platform, r.user) for r in due})
    delivering = holding = 0
    for record in due:
        if record.platform not in platforms:
            print(f"would leave reminder {record.id} for {record.user}: no {record.platform} sender here")
            continue
        name = zones.get((record.platform, record.user))
        zone = resolve_zone(find_zone(name)) if name and find_zone(name) else None
        moment = delivery_time(now, zone, exact_time=record.exact_time)
        if moment > now and zone is not None:
            holding += 1
            local = moment.astimezone(zone)
            print(
                f"would hold reminder {record.id} for {record.user} until {local:%Y-%m-%dT%H:%M%z} "
                f"(outside the daytime in {zone})"
            )
        else:
            delivering += 1
            print(f"would deliver reminder {record.id} to {record.user}")
    print(
        f"run-due: dry run at {now:%Y-%m-%dT%H:%MZ} — nothing was delivered or changed; {delivering} would "
        f"be delivered, {holding} held for the daytime (senders: {', '.join(sorted(platforms)) or 'none'})",
        file=sys.stderr,
    )
    return EXIT_OK


def run_when(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.reminders.when import WhenError, describe_recurrence, parse_when, resolve_typed_zone

    try:
        zone = resolve_typed_zone(args.tz)
        now = _parse_now(args.now, zone)
        when = parse_when(args.phrase, now=now, zone=zone, locale=args.locale)
    except WhenError as exc:
        if args.json:
            print(
                json.dumps({"ok": False, "due": None, "repeat": None, "error": str(exc)}, ensure_ascii=False)
            )
        else:
            print(f"headshot reminders when: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        result = {"ok": True, "due": when.local.isoformat(), "repeat": when.repeat, "error": None}
        print(json.dumps(result, ensure_ascii=False))
        return EXIT_OK
    repeat = f", then {describe_recurrence(when.recurrence)} ({when.repeat})" if when.recurrence else ""
    print(f"{when.local:%a %d %b %Y at %H:%M} ({when.local.tzinfo}){repeat}")
    print(f"due {when.local.isoformat()}" + ("" if when.time_given else " (no time given: 09:00)"))
    return EXIT_OK


def _parse_now(text: str | None, zone: tzinfo) -> datetime:
    from bot.reminders.when import WhenError

    if not text:
        return datetime.now(UTC)
    try:
        return _parse_instant(text, zone)
    except ValueError as exc:
        raise WhenError(f"--now {text!r} is not an ISO 8601 time (e.g. 2026-11-22T12:00:00Z)") from exc
