"""Fixtures for the knowledge tests: the bundled knowledge base with its index cache kept between runs
(in pytest's cache folder, so only the first run pays the ~15 s build), and copies of the folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE_DIR
from bot.knowledge import KnowledgeBase
from bot.knowledge.index import CACHE_ENV, folder_indexes
from bot.photo.platforms import PLATFORMS

STUDIO = "000_3167d08d3960b67c"
GUIDE = "001_a0b1ea636eeea8d7"


@pytest.fixture(scope="session")
def index_cache(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("headshot-knowledge-index"))


@pytest.fixture(scope="session")
def kb(index_cache: Path) -> KnowledgeBase:
    return KnowledgeBase.load(BUNDLED_KNOWLEDGE_DIR, cache_dir=index_cache, platforms=PLATFORMS)


@pytest.fixture
def fresh_kb(index_cache: Path) -> KnowledgeBase:
    """Its own follow-up memory, for tests that talk to it in conversations."""
    return KnowledgeBase.load(BUNDLED_KNOWLEDGE_DIR, cache_dir=index_cache, platforms=PLATFORMS)


@pytest.fixture
def cache_env(index_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shared index cache for code that finds it through HEADSHOT_CACHE_DIR (the brain, the CLI)."""
    monkeypatch.setenv(CACHE_ENV, str(index_cache))
    yield index_cache


@pytest.fixture
def knowledge_copy(tmp_path: Path, cache_env: Path) -> Iterator[Path]:
    """A writable copy of the bundled knowledge folder, indexed in the shared cache (its texts' vectors are
    already there, so a build only retrains) and its index removed afterwards."""
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    yield target
    for path in folder_indexes(cache_env, target):
        path.unlink(missing_ok=True)
