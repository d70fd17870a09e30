"""The console adapter end to end: lines in, rendered replies out, through the real brain."""

from __future__ import annotations

import io
from pathlib import Path

from bot.brain import Brain
from bot.config import Config
from handlers.console import run_console
from tests.conftest import data_path


def chat(config: Config, *lines: str) -> str:
    stdout = io.StringIO()
    code = run_console(Brain(config), user="alice", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=stdout)
    assert code == 0
    return stdout.getvalue()


def test_a_question_is_answered_with_its_sources(config: Config) -> None:
    out = chat(config, "how much do these ai pic things cost")
    assert "under $50" in out
    assert "Sources:" in out


def test_a_photo_review_lists_each_check_once_with_score_and_crop(config: Config) -> None:
    photo = data_path("photos", "biden_official_portrait.jpg")
    out = chat(config, f"check {photo}")
    assert out.count("Score: ") == 1
    assert out.count("face count:") == 1
    assert "-generic-crop.jpg" in out
    assert "Remind me in a year" in out


def test_a_picture_without_a_face_offers_no_refresh_reminder(config: Config) -> None:
    out = chat(config, f"check {data_path('photos', 'sand_dunes.jpg')}")
    assert "couldn't find a face" in out
    assert "Remind me in a year" not in out


def test_bad_input_gets_friendly_replies_and_the_chat_goes_on(config: Config, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture at all")
    out = chat(
        config,
        "",
        "check /no/such/photo.jpg",
        f"check {notes}",
        "remind me on flurbsday",
        "x" * 10_000,
        "help",
    )
    assert "Traceback" not in out
    assert "there is no file at /no/such/photo.jpg" in out
    assert "not an image" in out
    assert "flurbsday" in out
    assert "How I can help" in out  # the last line was still answered
