"""Answer quality and speed of the knowledge base on the shared question set, beside the naive ways.

    .venv/bin/python -m benchmarks.kb_eval [--questions PATH] [--knowledge DIR] [--misses]

Prints hit@1, hit@3, MRR@10, both@3, the decline rate D, the false-decline rate FD, A and the combined
score (the metrics of ../shared/eval/README.md, scored with its reference rules), hit@3 per kind,
per-question latency (median, p95) and load time. The same metrics follow for two baselines on the
same passages: plain keyword overlap (the placeholder this replaced) and plain BM25 without stemming or
vocabulary; each baseline declines below a score threshold picked *on this set* to maximise its
combined score, which flatters the baselines, not the knowledge base.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import BUNDLED_KNOWLEDGE_DIR
from bot.knowledge import KnowledgeBase, Passage

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
DEFAULT_QUESTIONS = SHARED / "eval" / "questions.jsonl"
PROBES = Path(__file__).resolve().parent.parent / "tests" / "knowledge"

Response = dict[str, Any]  # {"answered": bool, "passages": [{"text": ..., "doc": ...}, ...]}


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def first_hit(q: dict[str, Any], passages: list[dict[str, Any]], k: int) -> int | None:
    expected = [norm(e) for e in q["expected"]]
    for rank, p in enumerate(passages[:k], 1):
        t = norm(p["text"])
        if len(t) <= 1200 and any(e in t for e in expected):
            return rank
    return None


def both_at_3(q: dict[str, Any], passages: list[dict[str, Any]], sources: dict[str, str]) -> bool:
    """Document ids (000/001) of the expected strings hit in the first three passages."""
    found: set[str] = set()
    for p in passages[:3]:
        t = norm(p["text"])
        if len(t) > 1200:
            continue
        for e in q["expected"]:
            if norm(e) in t:
                found.add(sources[e])
    return {"000", "001"} <= found


def score(
    questions: list[dict[str, Any]], responses: dict[str, Response], sources: dict[str, str]
) -> dict[str, Any]:
    ans = [q for q in questions if q["answerable"]]
    una = [q for q in questions if not q["answerable"]]
    ranks = [first_hit(q, responses[q["id"]]["passages"], 10) for q in ans]
    both = [q for q in ans if q["doc"] == "both"]
    a_share = sum(
        responses[q["id"]]["answered"] and r is not None and r <= 3 for q, r in zip(ans, ranks, strict=True)
    ) / len(ans)
    d = sum(not responses[q["id"]]["answered"] for q in una) / len(una) if una else 0.0
    kinds: dict[str, list[bool]] = {}
    for q, r in zip(ans, ranks, strict=True):
        kinds.setdefault(q["kind"], []).append(r is not None and r <= 3)
    for q in una:
        kinds.setdefault(q["kind"] + " (declined)", []).append(not responses[q["id"]]["answered"])
    return {
        "hit@1": sum(r == 1 for r in ranks) / len(ans),
        "hit@3": sum(r is not None and r <= 3 for r in ranks) / len(ans),
        "mrr@10": sum(1 / r for r in ranks if r) / len(ans),
        "both@3": sum(both_at_3(q, responses[q["id"]]["passages"], sources) for q in both) / len(both)
        if both
        else 0.0,
        "D": d,
        "FD": sum(not responses[q["id"]]["answered"] for q in ans) / len(ans),
        "A": a_share,
        "combined": 2 * a_share * d / (a_share + d) if a_share + d else 0.0,
        "kinds": {k: sum(v) / len(v) for k, v in kinds.items()},
        "kind_counts": {k: len(v) for k, v in kinds.items()},
    }


# --- baselines -----------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def _plain_tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def keyword_overlap(passages: list[Passage]) -> Callable[[str], list[tuple[Passage, float]]]:
    sets = [set(_plain_tokens(p.text)) for p in passages]

    def rank(question: str) -> list[tuple[Passage, float]]:
        asked = set(_plain_tokens(question))
        scored = [(p, float(len(asked & s))) for p, s in zip(passages, sets, strict=True)]
        return sorted(scored, key=lambda pair: -pair[1])[:10]

    return rank


def plain_bm25(
    passages: list[Passage], k1: float = 1.5, b: float = 0.75
) -> Callable[[str], list[tuple[Passage, float]]]:
    docs = [Counter(_plain_tokens(p.text)) for p in passages]
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / len(lengths)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def rank(question: str) -> list[tuple[Passage, float]]:
        terms = set(_plain_tokens(question))
        scored = []
        for p, d, length in zip(passages, docs, lengths, strict=True):
            s = 0.0
            for t in terms:
                f = d.get(t, 0)
                if f:
                    s += idf[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * length / average))
            scored.append((p, s))
        return sorted(scored, key=lambda pair: -pair[1])[:10]

    return rank


def baseline_responses(
    questions: list[dict[str, Any]],
    rank: Callable[[str], list[tuple[Passage, float]]],
    sources: dict[str, str],
) -> tuple[dict[str, Any], float]:
    ranked = {q["id"]: rank(q["question"]) for q in questions}
    best: tuple[float, dict[str, Any], float] | None = None
    thresholds = sorted({s for r in ranked.values() for _, s in r[:1]} | {0.0})
    for threshold in thresholds:
        responses = {
            qid: {
                "answered": bool(r) and r[0][1] > threshold,
                "passages": [{"text": p.text, "doc": p.doc} for p, _ in r],
            }
            for qid, r in ranked.items()
        }
        result = score(questions, responses, sources)
        if best is None or result["combined"] > best[0]:
            best = (result["combined"], result, threshold)
    assert best is not None
    return best[1], best[2]


# --- report ---------------------------------------------------------------------------------------------


def expected_sources(questions: list[dict[str, Any]], kb: KnowledgeBase) -> dict[str, str]:
    sources: dict[str, str] = {}
    for q in questions:
        for e in q["expected"]:
            for d in kb.documents:
                if norm(e) in norm(d.text):
                    sources[e] = d.id[:3]
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--knowledge", type=Path, default=BUNDLED_KNOWLEDGE_DIR)
    parser.add_argument("--misses", action="store_true", help="list the questions each metric misses")
    parser.add_argument(
        "--probes", action="store_true", help="also summarise the project's own probe sets (tests/knowledge)"
    )
    args = parser.parse_args()

    questions = [
        json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    started = time.perf_counter()
    kb = KnowledgeBase.load(args.knowledge)
    load_ms = (time.perf_counter() - started) * 1000
    sources = expected_sources(questions, kb)

    responses: dict[str, Response] = {}
    latencies: list[float] = []
    for q in questions:
        started = time.perf_counter()
        answer = kb.ask(q["question"])
        latencies.append((time.perf_counter() - started) * 1000)
        responses[q["id"]] = json.loads(json.dumps(answer.to_json()))  # exactly what `ask --json` prints
    ours = score(questions, responses, sources)
    overlap, overlap_t = baseline_responses(questions, keyword_overlap(kb.passages), sources)
    bm25, bm25_t = baseline_responses(questions, plain_bm25(kb.passages), sources)

    print(f"questions: {args.questions} ({len(questions)})  passages: {len(kb.passages)}")
    print(f"load (read + split + index): {load_ms:.1f} ms")
    print(
        f"ask latency: median {statistics.median(latencies):.2f} ms, "
        f"p95 {sorted(latencies)[max(0, math.ceil(0.95 * len(latencies)) - 1)]:.2f} ms, "
        f"max {max(latencies):.2f} ms"
    )
    print()
    columns = ("knowledge base", f"keyword overlap (t>{overlap_t:g})", f"plain BM25 (t>{bm25_t:.2f})")
    print(f"{'metric':<22}" + "".join(f"{c:>28}" for c in columns))
    for metric in ("hit@1", "hit@3", "mrr@10", "both@3", "D", "FD", "A", "combined"):
        print(f"{metric:<22}" + "".join(f"{r[metric]:>28.3f}" for r in (ours, overlap, bm25)))
    print()
    print(f"{'hit@3 / decline by kind':<30}" + "".join(f"{c:>28}" for c in columns))
    for kind in ours["kinds"]:
        label = f"{kind} (n={ours['kind_counts'][kind]})"
        print(f"{label:<30}" + "".join(f"{r['kinds'].get(kind, 0.0):>28.3f}" for r in (ours, overlap, bm25)))

    if args.misses:
        print()
        for q in questions:
            r = responses[q["id"]]
            rank = first_hit(q, r["passages"], 10) if q["answerable"] else None
            wrong_decision = r["answered"] != q["answerable"]
            if (q["answerable"] and rank != 1) or wrong_decision:
                print(
                    f"{q['id']} {q['kind']:<12} answered={r['answered']} rank={rank}  {q['question'][:90]!r}"
                )
                if q["answerable"] and rank != 1:
                    print(f"    top: {norm(r['passages'][0]['text'])[:110]!r}")

    if args.probes:
        print()
        print("own probe sets (written for this project, apart from the dev set):")
        for path in sorted(PROBES.glob("probe_questions*.jsonl")):
            probe = [
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
            result = score(
                probe,
                {q["id"]: json.loads(json.dumps(kb.ask(q["question"]).to_json())) for q in probe},
                expected_sources(probe, kb),
            )
            figures = "  ".join(
                f"{m} {result[m]:.3f}" for m in ("hit@1", "hit@3", "mrr@10", "D", "FD", "combined")
            )
            print(f"  {path.name} ({len(probe)}): {figures}")


if __name__ == "__main__":
    main()
