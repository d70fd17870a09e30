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
from datetime import timedelta
from pathlib import Path

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
    misses = kb_sub.add_parser(
        "misses",
        help="the logged questions the bot declined, was unsure about or got a 👎 for, and 👍/👎 per passage",
    )
    misses.add_argument("--json", action="store_true", help="print one JSON object")
    misses.add_argument(
        "--days", type=_days, default=None, metavar="N", help="only the last N days (default: all kept)"
    )
    misses.set_defaults(func=run_kb_misses)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--days takes a whole number of days, not {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError("--days must be at least 1")
    return days


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


def run_kb_misses(args: argparse.Namespace, runtime: Runtime) -> int:
    """Deletes what is past HEADSHOT_KB_LOG_DAYS, then lists the rest and the vote counts."""
    config = runtime.config
    now = runtime.clock()
    try:
        store = runtime.brain.reminders.store.feedback
        purged = store.purge_log(before=now - timedelta(days=config.kb_log_days))
        questions = store.logged(since=now - timedelta(days=args.days or config.kb_log_days))
        votes = store.passage_votes()
    except Exception as exc:  # an unreachable store: one line, never a traceback
        print(f"headshot: the store cannot be read ({type(exc).__name__}: {str(exc)[:200]})", file=sys.stderr)
        return 2
    starts = _passage_starts(config.knowledge_dir)
    if args.json:
        print(
            json.dumps(
                {
                    "logging": config.kb_log_questions,
                    "retention_days": config.kb_log_days,
                    "deleted": purged,
                    "questions": [
                        {
                            "question": q.question,
                            "reason": q.reason,
                            "top_passage": q.top_passage,
                            "score": None if q.score is None else round(q.score, 4),
                            "count": q.count,
                            "last_seen": q.last_seen.isoformat(),
                        }
                        for q in questions
                    ],
                    "passages": [
                        {"passage": v.passage, "start": starts.get(v.passage, ""), "up": v.up, "down": v.down}
                        for v in votes
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    state = "on" if config.kb_log_questions else "off (set HEADSHOT_KB_LOG_QUESTIONS=on to keep them)"
    print(f"question log: {state}; kept {config.kb_log_days} days; {purged} older deleted now")
    print(f"logged questions ({len(questions)}):" if questions else "logged questions: none")
    for q in questions:
        score = "-" if q.score is None else f"{q.score:.2f}"
        print(f"  {q.count:>3}× {q.reason:<10} score {score:<5} {q.top_passage or '-'}  {q.question}")
    print(f"votes per passage ({len(votes)}):" if votes else "votes per passage: none yet")
    for v in votes:
        print(f"  👍 {v.up:>3}  👎 {v.down:>3}  {v.passage}  {starts.get(v.passage, '')}")
    return 0


def _passage_starts(directory: Path) -> dict[str, str]:
    """Each passage's first words, so an operator sees which passage an id is (no model is loaded)."""
    from bot.knowledge.documents import load_documents
    from bot.knowledge.passages import passages_of

    try:
        documents = load_documents(directory)
    except KnowledgeError:
        return {}
    starts: dict[str, str] = {}
    for document in documents:
        for passage in passages_of(document):
            text = " ".join(passage.text.split())
            starts[passage.id] = text if len(text) <= 60 else text[:59] + "…"
    return starts
