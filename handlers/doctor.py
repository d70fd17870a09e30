"""`headshot doctor`: checks the configuration without changing anything, and says how to fix it.

What it checks: which adapters `serve` will start and in which mode (every adapter in `handlers/registry.py`),
each configured adapter's own checks (Slack's `auth.test`, Discord's `GET /users/@me`, with a short timeout),
and the core's (`bot/doctor.py`: the store, the knowledge base, the scheduler, the logs). It prints one table
row per check and exits 0 when every required check passes, 1 otherwise. Secrets are shown as their last 4
characters at most.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TextIO

from bot.adapters import FAIL, OK, WARN, Adapter, DoctorCheck
from bot.config import Config
from bot.doctor import core_steps
from bot.logs import redact
from bot.runtime import Runtime
from handlers.registry import create_adapters, secret_problems

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_TIMEOUT_SECONDS = 60.0  # longer is a hang to whoever runs doctor; sockets take no infinite or NaN wait


def check_adapters(adapters: Sequence[Adapter]) -> list[DoctorCheck]:
    rows: list[DoctorCheck] = []
    for adapter in adapters:
        if adapter.configured:
            rows.append(DoctorCheck(f"{adapter.name} adapter", OK, adapter.describe()))
        for problem in adapter.problems():
            rows.append(
                DoctorCheck(
                    f"{adapter.name} adapter",
                    FAIL,
                    problem,
                    f"Fix or unset the {adapter.name.title()} variables (README: Configuration)",
                )
            )
    if not any(adapter.configured for adapter in adapters):
        rows.append(
            DoctorCheck(
                "adapters",
                WARN,
                "no platform configured: `headshot serve` opens the console chat",
                "Set the credentials of a platform: README, “Slack in 10 minutes” or “Discord in 10 minutes”",
            )
        )
    return rows


def check_secrets(config: Config) -> list[DoctorCheck]:
    """Tokens and secrets with a line break or space in them (a bad copy) fail: no platform issues those,
    and no request may carry one. Very short ones are flagged: they cannot be hidden in the output."""
    return [
        DoctorCheck("secrets", status, problem, fix)
        for status, problem, fix in secret_problems(config.environ)
    ]


def run_checks(config: Config, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> list[DoctorCheck]:
    if not 0 < timeout <= MAX_TIMEOUT_SECONDS:  # also NaN
        raise ValueError(f"timeout must be between 0 and {MAX_TIMEOUT_SECONDS:g} seconds, not {timeout!r}")
    adapters = create_adapters(config.environ)
    secrets = [secret for adapter in adapters for secret in adapter.secrets()]
    rows: list[DoctorCheck] = [DoctorCheck("configuration", OK, "read from the environment and .env")]
    steps: list[Callable[[], list[DoctorCheck]]] = [
        lambda: check_adapters(adapters),
        lambda: check_secrets(config),
    ]
    steps += [functools.partial(adapter.doctor_checks, timeout) for adapter in adapters if adapter.configured]
    steps += core_steps(config, timeout)
    for step in steps:
        try:
            rows.extend(step())
        except Exception as exc:  # one broken check must not hide the others
            rows.append(
                DoctorCheck(
                    "doctor",
                    FAIL,
                    redact(f"a check crashed: {type(exc).__name__}: {exc}", secrets),
                    "Please report this",
                )
            )
    return [DoctorCheck(r.check, r.status, redact(r.detail, secrets), redact(r.fix, secrets)) for r in rows]


def format_table(rows: Sequence[DoctorCheck], width: int) -> str:
    headers = ("CHECK", "STATUS", "DETAIL", "FIX")
    check_w = max(len(headers[0]), *(len(r.check) for r in rows))
    status_w = max(len(headers[1]), *(len(r.status) for r in rows))
    rest = max(40, width - check_w - status_w - 6)
    detail_w = max(20, rest * 11 // 20)
    fix_w = max(20, rest - detail_w - 2)
    lines = [f"{headers[0]:<{check_w}}  {headers[1]:<{status_w}}  {headers[2]:<{detail_w}}  {headers[3]}"]
    for row in rows:
        detail = textwrap.wrap(row.detail, detail_w) or [""]
        fix = textwrap.wrap(row.fix, fix_w) or [""]
        for index in range(max(len(detail), len(fix))):
            first = index == 0
            lines.append(
                f"{(row.check if first else ''):<{check_w}}  {(row.status if first else ''):<{status_w}}  "
                f"{(detail[index] if index < len(detail) else ''):<{detail_w}}  "
                f"{fix[index] if index < len(fix) else ''}".rstrip()
            )
    return "\n".join(lines)


def doctor(config: Config, *, out: TextIO, timeout: float, as_json: bool = False) -> int:
    rows = run_checks(config, timeout=timeout)
    failed = [row for row in rows if row.status == FAIL]
    if as_json:
        print(json.dumps({"ok": not failed, "checks": [asdict(row) for row in rows]}), file=out)
    else:
        print(format_table(rows, shutil.get_terminal_size((120, 24)).columns), file=out)
        print(file=out)
        print(f"{len(failed)} problem(s) to fix." if failed else "All required checks passed.", file=out)
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the configuration, tokens, store and knowledge base without changing anything"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds per network check, more than 0 and at most {MAX_TIMEOUT_SECONDS:g} (default 5)",
    )
    parser.set_defaults(func=_run)


def timeout_seconds(text: str) -> float:
    """--timeout's value: a number of seconds doctor can actually wait (not 0, negative, NaN or 1e9)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # NaN fails this too
        raise argparse.ArgumentTypeError(
            f"{text} is not a usable timeout: give seconds above 0 and at most {MAX_TIMEOUT_SECONDS:g}"
        )
    return value


def _run(args: argparse.Namespace, runtime: Runtime) -> int:
    return doctor(runtime.config, out=sys.stdout, timeout=args.timeout, as_json=args.json)
