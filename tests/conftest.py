"""Shared test fixtures: where the test data lives, and a fresh configuration per test."""

from __future__ import annotations

from dataclasses import replace
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


def with_settings(config: Config, **environ: str | None) -> Config:
    """`config` with these environment variables set (None unsets one), as an operator's `.env` would."""
    merged = {**config.environ, **environ}
    return replace(config, environ={k: v for k, v in merged.items() if v is not None})
