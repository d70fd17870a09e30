"""Shared test fixtures: where the test data lives, and a fresh configuration per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE_DIR, Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


def data_path(*parts: str) -> Path:
    """A file from tests/data (its origin and licence are in tests/data/README.md); a missing one fails
    the test loudly instead of skipping it."""
    path = TEST_DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"test data missing: {path}")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(database_url=f"sqlite:///{tmp_path / 'headshot.db'}", knowledge_dir=BUNDLED_KNOWLEDGE_DIR)
