"""The shared question set scored with the eval README's rules, and the `headshot ask` / `kb` contract."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmarks.kb_eval import expected_sources, score
from bot.config import BUNDLED_KNOWLEDGE_DIR
from bot.knowledge import KnowledgeBase
from handlers.cli import main
from tests.conftest import PROJECT_ROOT, data_path

GUIDE = "001_a0b1ea636eeea8d7"


def _questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _scored(path: Path) -> dict[str, Any]:
    kb = KnowledgeBase.load(BUNDLED_KNOWLEDGE_DIR)
    questions = _questions(path)
    responses = {q["id"]: json.loads(json.dumps(kb.ask(q["question"]).to_json())) for q in questions}
    return score(questions, responses, expected_sources(questions, kb))


def test_dev_set_meets_its_thresholds() -> None:
    # measured: hit@1 0.867, hit@3 1.000, MRR@10 0.917, D 1.00, FD 0.00 (benchmarks/kb_eval.py)
    result = _scored(data_path("eval", "questions.jsonl"))
    assert result["hit@1"] >= 0.83
    assert result["hit@3"] >= 0.96
    assert result["mrr@10"] >= 0.88
    assert result["D"] >= 0.9
    assert result["FD"] <= 0.04
    assert result["combined"] >= 0.95
    assert result["kinds"]["paraphrase"] >= 0.92


@pytest.mark.parametrize(
    ("name", "hit1", "hit3", "decline"),
    [
        # measured: hit@1 0.870, hit@3 0.957, D 1.00, FD 0.00
        ("probe_questions.jsonl", 0.8, 0.9, 0.88),
        # measured: hit@1 0.739, hit@3 1.000, D 1.00, FD 0.00
        ("probe_questions_2.jsonl", 0.68, 0.9, 0.88),
        # measured: hit@1 0.652, hit@3 0.957, D 0.91, FD 0.00
        ("probe_questions_3.jsonl", 0.6, 0.9, 0.85),
        # measured: hit@1 0.913, hit@3 0.957, D 1.00, FD 0.00
        ("probe_questions_4.jsonl", 0.85, 0.9, 0.88),
        # measured: hit@1 0.773, hit@3 0.955, D 1.00, FD 0.00 (first run, before its misses were
        # looked at: hit@1 0.636, hit@3 0.864, D 0.89, FD 0.09)
        ("probe_questions_5.jsonl", 0.72, 0.9, 0.88),
        # measured: hit@1 0.864, hit@3 1.000, D 1.00, FD 0.00 (first run: hit@1 0.682, hit@3 0.818,
        # D 0.56, FD 0.05)
        ("probe_questions_6.jsonl", 0.8, 0.9, 0.88),
        # measured: hit@1 0.773, hit@3 0.955, D 1.00, FD 0.00 (first run: hit@1 0.682, hit@3 0.773,
        # D 0.89, FD 0.05)
        ("probe_questions_7.jsonl", 0.72, 0.9, 0.88),
    ],
)
def test_own_probe_sets_written_apart_from_the_dev_set(
    name: str, hit1: float, hit3: float, decline: float
) -> None:
    result = _scored(PROJECT_ROOT / "tests" / "knowledge" / name)
    assert result["hit@1"] >= hit1
    assert result["hit@3"] >= hit3
    assert result["D"] >= decline
    assert result["FD"] <= 0.05


@pytest.fixture
def bundled_knowledge(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("HEADSHOT_KNOWLEDGE_DIR", raising=False)
    monkeypatch.setenv("HEADSHOT_DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")


@pytest.mark.usefixtures("bundled_knowledge")
def test_ask_json_prints_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "how much do these ai headshot things usually run you", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["answered"] is True and "often under $50" in payload["passages"][0]["text"]
    assert payload["passages"][0]["doc"] == GUIDE and len(payload["passages"]) >= 3


@pytest.mark.usefixtures("bundled_knowledge")
def test_ask_json_stdin_prints_one_object_per_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["should i use an ai pic on linkedin?", "", "best pizza near me", "🤖📸❓", "x" * 10_000]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["ask", "--json", "-"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(lines)
    payloads = [json.loads(line) for line in out]
    assert [p["answered"] for p in payloads] == [True, False, False, False, False]
    assert all(len(p["passages"]) >= 3 for p in payloads)


@pytest.mark.usefixtures("bundled_knowledge")
def test_ask_text_cites_titles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "is it bad to use ai headshot as a nurse"]) == 0
    out = capsys.readouterr().out
    assert "healthcare, legal practice" in out and "Using AI headshots for personal websites" in out
    assert "Traceback" not in out


@pytest.mark.usefixtures("bundled_knowledge")
def test_kb_build_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "build"]) == 0
    built = capsys.readouterr().out
    assert "passages from 2 documents" in built and "warning" not in built
    assert main(["kb", "stats"]) == 0
    stats = capsys.readouterr().out
    assert "AI-Generated Headshots vs. Professional Photography" in stats
    assert "argues for professional photography" in stats and "balanced guide" in stats
    assert "000_3167d08d3960b67c" in stats and "passages" in stats


def test_kb_commands_index_an_operators_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(data_path("seeds", f"{GUIDE}.txt"), folder)
    (folder / "notes.txt").write_text("Studio prices in Lisbon\n\nA studio headshot costs about 90 euros.\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEADSHOT_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("HEADSHOT_DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    assert main(["kb", "build"]) == 0
    built = capsys.readouterr().out
    assert "2 documents" in built and "notes.txt has no metadata entry" in built
    assert main(["kb", "stats"]) == 0
    stats = capsys.readouterr().out
    assert "title: Studio prices in Lisbon" in stats and "perspective: neutral" in stats


def test_missing_knowledge_folder_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEADSHOT_KNOWLEDGE_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("HEADSHOT_DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    assert main(["ask", "how much?", "--json"]) == 2
    assert "knowledge folder not found" in capsys.readouterr().err
