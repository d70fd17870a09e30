"""`headshot reminders list|add|run-due`."""

from __future__ import annotations

import argparse

from bot.cli import Runtime


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("reminders", help="operator views of the reminder store")
    sub = parser.add_subparsers(dest="reminders_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="list reminders")
    listing.add_argument("--user")
    listing.set_defaults(func=run_placeholder)
    add = sub.add_parser("add", help="schedule refresh reminders for one or many people")
    add.add_argument("--user", action="append", required=True)
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--in", dest="in_")
    when.add_argument("--at")
    add.set_defaults(func=run_placeholder)
    due = sub.add_parser("run-due", help="deliver what is due once and exit")
    due.add_argument("--now")
    due.set_defaults(func=run_placeholder)


def run_placeholder(args: argparse.Namespace, runtime: Runtime) -> int:
    print("headshot reminders: not available yet")
    return 1
