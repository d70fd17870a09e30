"""`headshot check`."""

from __future__ import annotations

import argparse

from bot.cli import Runtime


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("check", help="analyze one or more photos")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--platform", default="generic", choices=["linkedin", "slack", "discord", "github", "generic"]
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per photo")
    parser.add_argument("--crop-out", metavar="DIR", help="write the suggested crop and a round preview here")
    parser.set_defaults(func=run_check)


def run_check(args: argparse.Namespace, runtime: Runtime) -> int:
    print("headshot check: not available yet")
    return 1
