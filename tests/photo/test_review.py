"""The Reply a chat user sees, and the human-readable CLI report."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main as cli_main
from bot.messages import ActionId, Citation, Fixes, ReplyKind, Status
from bot.photo.analysis import check_ids
from bot.photo.review import AGE_QUESTION, review_attachment
from tests.photo.helpers import NOW, photo_bytes


def test_review_of_a_dated_photo_has_checks_fixes_crop_citation_and_reminder() -> None:
    asked: list[str] = []

    def cite(question: str) -> Citation | None:
        asked.append(question)
        return Citation(title="Keeping it current", doc="guide", quote="Update every year or two.")

    [reply] = review_attachment(
        photo_bytes("obama_official_portrait_2012.jpg"),
        filename="obama.jpg",
        platform="linkedin",
        now=NOW,
        cite=cite,
    )
    assert reply.kind is ReplyKind.CHECK and reply.score is not None and 0 <= reply.score <= 100
    assert [line.id for line in reply.checks] == list(check_ids())
    age = next(line for line in reply.checks if line.id == "photo_age")
    assert age.status is Status.WARN and "2012" in age.message
    fixes = reply.first(Fixes)
    assert (
        fixes is not None and 1 <= len(fixes.items) <= 3 and any("fresh photo" in fix for fix in fixes.items)
    )
    assert AGE_QUESTION in asked and reply.citations
    assert reply.actions[0].action_id is ActionId.REMIND_IN_A_YEAR and reply.actions[0].value == "12 months"
    crop, preview = reply.images
    with Image.open(io.BytesIO(crop.data)) as picture:
        assert picture.format == "JPEG" and picture.size == (400, 400)
    with Image.open(io.BytesIO(preview.data)) as picture:
        assert picture.format == "PNG" and picture.mode == "RGBA"
        corner = picture.getpixel((0, 0))
        assert isinstance(corner, tuple) and corner[3] == 0  # outside the circle is transparent
    assert "photo age" in reply.text and "Top fixes" in reply.text


def test_unreadable_upload_is_one_private_friendly_error() -> None:
    [reply] = review_attachment(
        b"GIF89a broken", filename="x.gif", platform="slack", now=NOW, cite=lambda q: None
    )
    assert reply.kind is ReplyKind.ERROR and reply.private
    assert "x.gif" in reply.text and "Traceback" not in reply.text


def test_cli_text_report_and_crop_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "me.jpg"
    photo.write_bytes(photo_bytes("interfaces_006_man_graffiti_background.jpg"))
    code = cli_main(["check", str(photo), "--platform", "github", "--crop-out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "/100 for GitHub" in out and "✓ face count" in out and "\033[" not in out
    with Image.open(tmp_path / "out" / "me-github-crop.jpg") as crop:
        assert crop.size == (500, 500)
    assert (tmp_path / "out" / "me-github-round-preview.png").exists()


def test_cli_json_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    photo = tmp_path / "old.jpg"
    photo.write_bytes(photo_bytes("obama_podium_speech_2009.jpg"))
    assert cli_main(["check", "--json", str(photo)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    result = json.loads(line)
    assert set(result) == {
        "path",
        "ok",
        "error",
        "faces",
        "score",
        "checks",
        "crop",
        "taken_at",
        "ai_signals",
    }
    assert result["ok"] is True and result["faces"] == 1 and result["taken_at"].startswith("2009")
    assert {check["id"] for check in result["checks"]} >= set(check_ids())
    assert set(result["crop"]) == {"x", "y", "w", "h"}
