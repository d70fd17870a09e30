"""The `headshot` command line: parses arguments and runs the core's commands (ask, check, reminders, kb).

Each area registers its own subcommands (`bot/cli/ask.py`, `check.py`, `reminders.py`); the adapter
commands (serve, chat, doctor) are added by `handlers/cli.py`, because the core never imports the
adapters. What a command works with is built in `bot/runtime.py`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from bot.config import Config, ConfigError, load_config
from bot.logs import configure_logging
from bot.reminders.delivery import SenderRegistry
from bot.runtime import Runtime


class Command(Protocol):
    def __call__(self, args: argparse.Namespace, runtime: Runtime) -> int: ...


Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def build_parser(extra: Sequence[Registrar] = ()) -> argparse.ArgumentParser:
    from bot.cli import ask as knowledge_cli
    from bot.cli import check as photo_cli
    from bot.cli import privacy as privacy_cli
    from bot.cli import reminders as reminders_cli

    parser = argparse.ArgumentParser(prog="headshot")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in (
        *extra,
        knowledge_cli.register_ask,
        photo_cli.register,
        reminders_cli.register,
        privacy_cli.register,
        knowledge_cli.register_kb,
    ):
        register(subparsers)
    describe(parser)
    return parser


HELP_FILE = Path(__file__).with_name("help.toml")


def describe(parser: argparse.ArgumentParser) -> None:
    """Gives every command's `--help` its description and examples from help.toml, one place for all."""
    with HELP_FILE.open("rb") as source:
        texts = tomllib.load(source)
    for path, command in commands_of(parser):
        entry = texts.get(path or "headshot")
        if entry is None:
            continue  # tests/test_docs.py fails for a command without an entry
        command.description = textwrap.fill(entry["description"], 100)
        command.epilog = "examples:\n" + "\n".join(f"  {example}" for example in entry["examples"])
        command.formatter_class = argparse.RawDescriptionHelpFormatter


def commands_of(parser: argparse.ArgumentParser, path: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    """The parser and every subcommand's, keyed by the command path ("kb build")."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += commands_of(child, f"{path} {name}".strip())
    return found


def main(
    argv: Sequence[str] | None = None,
    *,
    extra: Sequence[Registrar] = (),
    senders: SenderRegistry | None = None,
    secrets_of: Callable[[Config], Sequence[str]] = lambda config: (),
) -> int:
    """Runs one command. `extra` adds the adapters' commands, `senders` their reminder senders and
    `secrets_of` the secrets their settings hold, which no log line may show."""
    parser = build_parser(extra)
    args = parser.parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"headshot: {exc}", file=sys.stderr)
        return 2
    if not logging.getLogger().handlers:
        configure_logging(
            level=config.log_level,
            fmt=config.log_format,
            secrets=secrets_of(config),
        )
    runtime = Runtime(config=config, senders=senders or SenderRegistry())
    command: Command = args.func
    try:
        return command(args, runtime)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        runtime.close()
