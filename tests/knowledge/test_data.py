"""The knowledge folder's data files: validated with the file and line of each problem, a bad entry
skipped rather than fatal, passages without bank questions listed, generic files taken from the
bundled folder when an operator's folder lacks them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE_DIR
from bot.knowledge.data import load_data
from bot.knowledge.documents import load_documents
from bot.knowledge.passages import passages_of
from handlers.cli import main
from tests.knowledge.conftest import GUIDE, STUDIO


def _data(folder: Path):  # type: ignore[no-untyped-def]
    documents = load_documents(folder)
    passages = [p for d in documents for p in passages_of(d)]
    return load_data(folder, documents, passages), passages


def test_the_bundled_data_is_clean_and_every_passage_has_bank_questions() -> None:
    data, passages = _data(BUNDLED_KNOWLEDGE_DIR)
    assert [str(p) for p in data.problems] == []
    labels = {e.label for e in data.examples}
    assert {p.id for p in passages if not p.promotional} <= labels
    assert {"decline:camera-settings", "intent:platform-sizes", "intent:photo-request"} <= labels
    assert data.vocabulary is not None and data.vocabulary.injection


def test_a_bad_bank_entry_is_reported_with_its_file_and_line(knowledge_copy: Path) -> None:
    bank = knowledge_copy / "questions" / f"{GUIDE}.toml"
    text = bank.read_text(encoding="utf-8")
    text += '\n[[passage]]\nanchor = "a sentence the guide never wrote"\nquestions = ["is this found?"]\n'
    text += '\n[[passage]]\nanchor = "AI headshots"\nquestions = ["which one?"]\n'
    text += '\n[[passage]]\nanchor = "Revisit your AI portrait every"\nquestions = []\n'
    bank.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    data, _ = _data(knowledge_copy)
    found = {p.message.split(":")[0]: p for p in data.problems if p.fatal}
    missing = next(p for p in data.problems if "never wrote" in p.message)
    assert missing.file == f"questions/{GUIDE}.toml"
    assert missing.line is not None and "a sentence the guide never wrote" in lines[missing.line - 1]
    ambiguous = next(p for p in data.problems if "several passages" in p.message)
    assert "quote more of it" in ambiguous.message and ambiguous.line is not None
    empty = next(p for p in data.problems if "non-empty `questions`" in p.message)
    assert empty.line is not None and str(empty).startswith(f"questions/{GUIDE}.toml:")
    assert len(found) >= 1
    # the good entries still count; the bad ones are skipped
    assert "is this found?" not in {e.text for e in data.examples}
    assert "how often should i update my headshot" in {e.text for e in data.examples}


def test_invalid_toml_names_its_line(knowledge_copy: Path) -> None:
    (knowledge_copy / "decline.toml").write_text('[[decline]]\nname = "x"\ntopic = \n', encoding="utf-8")
    data, _ = _data(knowledge_copy)
    problem = next(p for p in data.problems if p.file == "decline.toml")
    assert "not valid TOML" in problem.message and problem.line == 3


def test_kb_build_prints_the_problems_and_fails(
    knowledge_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bank = knowledge_copy / "questions" / f"{STUDIO}.toml"
    bank.write_text(
        bank.read_text(encoding="utf-8")
        + '\n[[passage]]\nanchor = "not in the studio text"\nquestions = ["q"]\n',
        encoding="utf-8",
    )
    intents = knowledge_copy / "intents.toml"
    intents.write_text(intents.read_text(encoding="utf-8").replace('reply = "photo_request"', 'reply = "x"'))
    monkeypatch.setenv("HEADSHOT_KNOWLEDGE_DIR", str(knowledge_copy))
    assert main(["kb", "build"]) == 1
    out = capsys.readouterr().out
    assert (
        f"error: questions/{STUDIO}.toml:" in out and "'not in the studio text' is not in any passage" in out
    )
    assert "error: intents.toml:" in out and "needs `name` and `reply`" in out


def test_an_operators_folder_with_documents_only_uses_the_bundled_generic_files(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(BUNDLED_KNOWLEDGE_DIR / f"{GUIDE}.txt", folder)
    (folder / "team-policy.md").write_text(
        "# Team photo policy\n\nThe marketing department pays for a studio session once a year.\n\n"
        "Everyone refreshes their Slack photo every spring.\n",
        encoding="utf-8",
    )
    data, passages = _data(folder)
    assert data.vocabulary is not None and data.declines and data.intents and data.replies
    assert not data.examples or all(not e.label.startswith(GUIDE) for e in data.examples)
    warnings = [str(p) for p in data.problems if not p.fatal]
    assert any("team-policy has no bank questions" in w for w in warnings)
    assert any(f"{GUIDE} has no bank questions" in w for w in warnings)
    assert not [p for p in data.problems if p.fatal]
    assert len(passages) > 30


def test_kb_build_lists_passages_without_questions(
    knowledge_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bank = knowledge_copy / "questions" / f"{GUIDE}.toml"
    text = bank.read_text(encoding="utf-8")
    start = text.index('[[passage]]\nanchor = "Select AI services')
    end = text.index("[[passage]]", start + 10)
    second = text.index('[[passage]]\nanchor = "Select AI services', end)
    second_end = text.index("[[passage]]", second + 10)
    bank.write_text(text[:start] + text[end:second] + text[second_end:], encoding="utf-8")
    monkeypatch.setenv("HEADSHOT_KNOWLEDGE_DIR", str(knowledge_copy))
    assert main(["kb", "build"]) == 0
    out = capsys.readouterr().out
    assert f"warning: questions/{GUIDE}.toml: no bank questions for {GUIDE}#31: Select AI services" in out
