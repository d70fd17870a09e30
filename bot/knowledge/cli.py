"""`headshot ask` and `headshot kb`."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import Runtime
from bot.render_text import render_text


def register_ask(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ask", help="answer one question from the knowledge base")
    parser.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    parser.add_argument("--json", action="store_true", help="print a JSON object per question")
    parser.set_defaults(func=run_ask)


def register_kb(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kb", help="build or describe the knowledge index")
    kb_sub = parser.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    kb_sub.add_parser("build", help="(re)build the index from the knowledge folder").set_defaults(
        func=run_kb_build
    )
    kb_sub.add_parser("stats", help="describe the documents and passages").set_defaults(func=run_kb_stats)


def run_ask(args: argparse.Namespace, runtime: Runtime) -> int:
    kb = runtime.brain.knowledge
    questions = (line.rstrip("\n") for line in sys.stdin) if args.question == "-" else iter([args.question])
    for question in questions:
        answer = kb.ask(question)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_text(kb.reply_for(answer)), flush=True)
    return 0


def run_kb_build(args: argparse.Namespace, runtime: Runtime) -> int:
    kb = runtime.brain.knowledge
    print(f"indexed {len(kb.passages)} passages from {runtime.config.knowledge_dir}")
    return 0


def run_kb_stats(args: argparse.Namespace, runtime: Runtime) -> int:
    return run_kb_build(args, runtime)
