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
from collections import Counter
from collections.abc import Iterable

from bot.knowledge.data import fatal
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
    build = kb_sub.add_parser(
        "build",
        help="check the knowledge folder and its data files, and build the index cache (reports problems)",
    )
    build.add_argument(
        "--ship",
        action="store_true",
        help="also write the index into the package (bot/knowledge/model/bundled_index.npz)",
    )
    build.set_defaults(func=run_kb_build)
    kb_sub.add_parser(
        "stats", help="documents, passages, bank questions per document, decline topics, intents"
    ).set_defaults(func=run_kb_stats)


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
    """Exit 0: built (warnings may be listed); 1: built, but some data entries are wrong and were
    skipped (or there are no documents); 2: the folder or the model cannot be used."""
    from bot.knowledge import KnowledgeBase

    directory = runtime.config.knowledge_dir
    started = time.perf_counter()
    try:
        kb = KnowledgeBase.load(directory, cache_dir=runtime.config.cache_dir)
    except KnowledgeError as exc:
        print(f"headshot: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    problems = [str(p) for p in kb.data.problems if p.fatal]
    warnings = [str(p) for p in kb.data.problems if not p.fatal]
    warnings += metadata_problems(directory, kb.documents)
    by_id = {d.id: d for d in kb.documents}
    for passage in kb.passages:
        if passage.text not in by_id[passage.doc].text:
            problems.append(f"{passage.id}: passage is not verbatim")
        if len(passage.text) > MAX_PASSAGE_CHARS:
            problems.append(f"{passage.id}: passage is longer than {MAX_PASSAGE_CHARS} characters")
    if not kb.documents:
        problems.append("no .md or .txt documents found")
    counts = Counter(e.label.split(":")[0] if ":" in e.label else "passage" for e in kb.data.examples)
    print(
        f"indexed {len(kb.passages)} passages from {len(kb.documents)} documents in {directory}: "
        f"{counts['passage']} bank questions, {counts['decline']} to decline, {counts['intent']} for intents "
        f"({elapsed:.1f} s; index cache ready)"
    )
    if getattr(args, "ship", False) and kb.index is not None and kb.index_key:
        from bot.knowledge.index import SHIPPED_INDEX, save_index

        save_index(SHIPPED_INDEX, kb.index, kb.index_key)
        print(f"shipped index written: {SHIPPED_INDEX}")
    for warning in warnings:
        print(f"warning: {warning}")
    for problem in problems:
        print(f"error: {problem}")
    return 1 if problems or fatal(kb.data.problems) or not kb.documents else 0


def run_kb_stats(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        kb = runtime.brain.knowledge
    except KnowledgeError as exc:
        print(f"headshot: {exc}", file=sys.stderr)
        return 2
    per_passage = Counter(e.label for e in kb.data.examples)
    print(f"knowledge folder: {runtime.config.knowledge_dir}")
    print(
        f"documents: {len(kb.documents)}  passages: {len(kb.passages)}  retriever: {kb.retriever.name}  "
        f"decline topics: {len(kb.data.declines)}  intents: {len(kb.data.intents)}"
    )
    for document in kb.documents:
        passages = [p for p in kb.passages if p.doc == document.id]
        asked = sum(per_passage[p.id] for p in passages)
        without = sum(1 for p in passages if not per_passage[p.id] and not p.promotional)
        print(f"- {document.id} ({document.path.name}): {len(passages)} passages, {asked} bank questions")
        print(f"    title: {document.title}")
        print(f"    perspective: {document.perspective}")
        if without:
            print(f"    passages without bank questions: {without}")
    return 0
