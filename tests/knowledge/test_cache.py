"""The index cache: loaded when the knowledge folder is unchanged, rebuilt with one log line when a
document or a data file changes, and never a reason for the bot not to start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.index import SHIPPED_INDEX, folder_indexes, load_index
from tests.knowledge.conftest import GUIDE

REBUILT = "knowledge index"


def _rebuild_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(REBUILT)]


def test_an_edited_document_rebuilds_the_index_once_with_one_log_line(
    knowledge_copy: Path, cache_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.knowledge")
    document = knowledge_copy / f"{GUIDE}.txt"
    original = document.read_text(encoding="utf-8")
    document.write_text(original + "\nA portrait is best refreshed before a job search.\n", encoding="utf-8")
    KnowledgeBase.load(knowledge_copy)  # not the bundled content: the shipped index does not apply
    assert len(_rebuild_lines(caplog)) == 1 and "missing" in _rebuild_lines(caplog)[0]
    first = folder_indexes(cache_env, knowledge_copy)
    assert len(first) == 1

    caplog.clear()
    KnowledgeBase.load(knowledge_copy)  # unchanged: straight from the cache
    assert _rebuild_lines(caplog) == []

    document = knowledge_copy / f"{GUIDE}.txt"
    document.write_text(
        document.read_text(encoding="utf-8")
        + "\nA team photo day each spring keeps every portrait current.\n",
        encoding="utf-8",
    )
    caplog.clear()
    kb = KnowledgeBase.load(knowledge_copy)
    lines = _rebuild_lines(caplog)
    assert len(lines) == 1 and "stale" in lines[0] and "rebuilt" in lines[0]
    after = folder_indexes(cache_env, knowledge_copy)
    assert len(after) == 1 and after != first  # the stale file is gone, the new one is keyed anew
    assert any("team photo day" in p.text for p in kb.passages)
    answer = kb.ask("team photo day each spring")
    assert "team photo day" in answer.passages[0].passage.text


def test_a_changed_bank_file_is_a_changed_index(
    knowledge_copy: Path, cache_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bank = knowledge_copy / "questions" / f"{GUIDE}.toml"
    bank.write_text(bank.read_text(encoding="utf-8").replace("ai headshot pricing", "ai headshot prices"))
    caplog.set_level(logging.INFO, logger="bot.knowledge")
    KnowledgeBase.load(knowledge_copy)
    assert len(_rebuild_lines(caplog)) == 1


def test_an_unwritable_cache_still_starts_the_bot(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "refresh.md").write_text(
        "# When to refresh\n\nRefresh your profile photo every two years, or after a big change in looks.\n",
        encoding="utf-8",
    )
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="bot.knowledge")
    kb = KnowledgeBase.load(folder, cache_dir=blocked)
    answer = kb.ask("how often should i refresh my profile photo")
    assert answer.answered and "every two years" in answer.quotes[0].text
    assert any("not saved" in line for line in _rebuild_lines(caplog))


def test_the_shipped_index_is_current_for_the_bundled_folder(kb: KnowledgeBase) -> None:
    # a fresh install answers without a build because this file matches knowledge/; after editing
    # knowledge/, run `headshot kb build --ship` (the bot would otherwise rebuild at its first start)
    assert kb.index_key and SHIPPED_INDEX.is_file()
    assert load_index(SHIPPED_INDEX, kb.index_key) is not None
