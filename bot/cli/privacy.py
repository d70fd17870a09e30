"""`headshot privacy export|forget`: the operator's answer to "what do you keep about me?" and "delete it".

Exit codes: 0 done, 1 the store could not do it, 2 bad input (forget without --yes).
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("privacy", help="export or delete everything stored about one user")
    sub = parser.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    # Descriptions and examples of every command are in bot/cli/help.toml.
    export = sub.add_parser("export", help="everything stored about one user")
    _who(export)
    export.add_argument("--json", action="store_true", help="print the export as one JSON object")
    export.set_defaults(func=run_export)

    forget = sub.add_parser("forget", help="delete everything stored about one user (needs --yes)")
    _who(forget)
    forget.add_argument("--yes", action="store_true", help="really delete it (nothing is deleted without)")
    forget.set_defaults(func=run_forget)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, help="slack, discord or console")
    parser.add_argument(
        "--workspace", required=True, help="Slack team id, Discord server id, 'local' on the console"
    )
    parser.add_argument("--user", required=True, help="the user's id on that platform")


def _store_failed(exc: Exception) -> int:
    message = str(exc).splitlines()[0][:300]
    print(f"headshot privacy: the store failed: {message}", file=sys.stderr)
    return EXIT_FAILED


def run_export(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders import privacy
    from bot.reminders.store import ReminderStore

    try:
        store = ReminderStore(runtime.config.database_url)
        try:
            data = privacy.export_user(
                store.engine, args.platform, args.workspace, args.user, now=runtime.clock()
            )
        finally:
            store.close()
    except SQLAlchemyError as exc:
        return _store_failed(exc)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return EXIT_OK
    print(f"{args.platform} / {args.workspace} / {args.user}:")
    for table, rows in data["tables"].items():
        wide = " (platform-wide)" if table in data["platform_wide_tables"] else ""
        print(f"  {table}{wide}: {len(rows)}")
        for row in rows:
            print("    " + json.dumps(row, ensure_ascii=False))
    return EXIT_OK


def run_forget(args: argparse.Namespace, runtime: Runtime) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.reminders import privacy
    from bot.reminders.store import ReminderStore

    if not args.yes:
        print(
            "headshot privacy forget: this deletes everything stored about the user and cannot be undone; "
            "add --yes to do it (`headshot privacy export` shows what would go)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        store = ReminderStore(runtime.config.database_url)
        try:
            deleted = privacy.forget_user(store.engine, args.platform, args.workspace, args.user)
        finally:
            store.close()
    except SQLAlchemyError as exc:
        return _store_failed(exc)
    summary = ", ".join(f"{count} {table}" for table, count in deleted.items() if count) or "nothing stored"
    print(f"forgot {args.user} on {args.platform} / {args.workspace}: {summary}")
    return EXIT_OK
