"""`headshot ask` and `headshot kb`.

`ask --json -` reads one question per line from stdin and prints exactly one JSON object per line,
in order, from one process (how the eval harness runs many questions). Each line is asked on its own:
follow-up context belongs to chat conversations, not to a batch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable

from bot.knowledge.documents import KnowledgeError, metadata_problems
from bot.knowledge.passages import MAX_PASSAGE_CHARS
from bot.render_text import render_text
from bot.runtime import Runtime


def register_ask(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ask", help="answer one question from the knowledge base")
    parser.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    parser.add_argument("--json", action="store_true", help="print a JSON object per question")
    parser.set_defaults(func=run_ask)


def register_kb(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kb", help="build or describe the knowledge index")
    kb_sub = parser.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    kb_sub.add_parser(
        "build", help="read the knowledge folder, check it and build the index (reports problems)"
    ).set_defaults(func=run_kb_build)
    kb_sub.add_parser("stats", help="documents, titles, perspectives and passage counts").set_defaults(
        func=run_kb_stats
    )


def run_ask(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        kb = runtime.brain.knowledge
    except KnowledgeError as exc:
        print(f"headshot: {exc}", file=sys.stderr)
        return 2
    questions: Iterable[str] = (
        (line.rstrip("\r\n") for line in sys.stdin) if args.question == "-" else [args.question]
    )
    for question in questions:
        answer = kb.ask(question)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_text(kb.reply_for(answer)), flush=True)
            if args.question == "-":
                print(flush=True)
    return 0


def run_kb_build(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.knowledge import KnowledgeBase

    directory = runtime.config.knowledge_dir
    started = time.perf_counter()
    try:
        kb = KnowledgeBase.load(directory)
    except KnowledgeError as exc:
        print(f"headshot: {exc}", file=sys.stderr)
        return 2
    elapsed_ms = (time.perf_counter() - started) * 1000
    problems = metadata_problems(directory, kb.documents)
    by_id = {d.id: d for d in kb.documents}
    for passage in kb.passages:
        if passage.text not in by_id[passage.doc].text:
            problems.append(f"{passage.doc}: passage {passage.position} is not verbatim")
        if len(passage.text) > MAX_PASSAGE_CHARS:
            problems.append(f"{passage.doc}: passage {passage.position} is longer than {MAX_PASSAGE_CHARS}")
    if not kb.documents:
        problems.append("no .md or .txt documents found")
    print(
        f"indexed {len(kb.passages)} passages from {len(kb.documents)} documents in {directory} "
        f"({elapsed_ms:.0f} ms; the index is rebuilt in memory at each start)"
    )
    for problem in problems:
        print(f"warning: {problem}")
    return 1 if not kb.documents else 0


def run_kb_stats(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        kb = runtime.brain.knowledge
    except KnowledgeError as exc:
        print(f"headshot: {exc}", file=sys.stderr)
        return 2
    print(f"knowledge folder: {runtime.config.knowledge_dir}")
    print(
        f"documents: {len(kb.documents)}  passages: {len(kb.passages)}  "
        f"vocabulary: {len(kb.index.vocabulary)} stems"
    )
    for document in kb.documents:
        count = sum(1 for p in kb.passages if p.doc == document.id)
        print(f"- {document.id} ({document.path.name}): {count} passages")
        print(f"    title: {document.title}")
        print(f"    perspective: {document.perspective}")
    return 0
