"""Shared test fixtures: where the shared data lives, and a fresh configuration per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE_DIR, Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file from ../shared; a missing one fails the test loudly instead of skipping it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared test data missing: {path} (the checkout needs ../shared beside it)")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(database_url=f"sqlite:///{tmp_path / 'headshot.db'}", knowledge_dir=BUNDLED_KNOWLEDGE_DIR)
