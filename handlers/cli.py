"""The `headshot` entry point: the core's commands plus the adapter commands (serve, chat, doctor)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bot import cli as core_cli
from bot.reminders.delivery import SenderRegistry
from bot.runtime import Runtime
from handlers import doctor
from handlers.console import ConsoleSender, default_user
from handlers.registry import secrets_of


def _register_chat(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("chat", help="chat with the bot on this terminal (or through a pipe)")
    parser.add_argument("--user", default=None, help="who you are in this chat (default: your login name)")
    parser.set_defaults(func=_run_chat)


def _register_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run every configured adapter and the reminder scheduler (console chat if none)"
    )
    parser.add_argument("--user", default=None, help="console user when no platform is configured")
    parser.set_defaults(func=_run_serve)


def _run_chat(args: argparse.Namespace, runtime: Runtime) -> int:
    from handlers.serve import serve

    # The console alone, whatever platforms are configured, with the scheduler so reminders arrive here.
    return serve(runtime, console_user=args.user or default_user(), adapters=[])


def _run_serve(args: argparse.Namespace, runtime: Runtime) -> int:
    from handlers.serve import serve

    return serve(runtime, console_user=args.user or default_user())


def main(argv: Sequence[str] | None = None) -> int:
    senders = SenderRegistry()
    senders.register("console", ConsoleSender())
    return core_cli.main(
        argv,
        extra=(_register_serve, _register_chat, doctor.register),
        senders=senders,
        secrets_of=lambda config: secrets_of(config.environ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
