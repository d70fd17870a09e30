"""Several photos sent together: a brief review of each and which one is best, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.messages import ReplyKind
from bot.photo.review import review_attachments
from tests.photo.helpers import NOW, jpeg, photo_bytes

GOOD = "interfaces_047_man_white_background.jpg"


def _blurred() -> bytes:
    from PIL import Image, ImageFilter

    from tests.conftest import data_path

    with Image.open(data_path("photos", GOOD)) as image:
        return jpeg(image.convert("RGB").filter(ImageFilter.GaussianBlur(10)))


def test_the_comparison_comes_first_and_names_the_best_photo_and_why() -> None:
    photos = [
        ("blurry.jpg", _blurred()),
        ("good.jpg", photo_bytes(GOOD)),
        ("dunes.jpg", photo_bytes("sand_dunes.jpg")),
    ]
    replies = review_attachments(photos, platform="slack", now=NOW, cite=lambda topic: None)
    assert len(replies) == 4 and all(reply.kind is ReplyKind.CHECK for reply in replies)
    comparison, *each = replies
    assert comparison.title is not None and "good.jpg" in comparison.title
    assert "blurry" in comparison.text.lower() and "face" in comparison.text
    assert comparison.text.index("blurry.jpg") < comparison.text.index("dunes.jpg")  # ranked
    assert [
        reply.title is not None and name in reply.title for reply, (name, _) in zip(each, photos, strict=True)
    ]
    # Only the best photo gets its crop; the others list just what to fix.
    assert [bool(reply.images) for reply in each] == [False, True, False]
    assert all(line.status != "pass" for line in each[0].checks)


def test_cli_compare_json_adds_a_rank_to_each_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for name, data in (("b.jpg", _blurred()), ("a.jpg", photo_bytes(GOOD))):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    assert cli_main(["check", *paths, "--compare", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["path"] for line in lines] == paths
    assert [line["rank"] for line in lines] == [2, 1]
    assert {
        "path",
        "ok",
        "error",
        "faces",
        "score",
        "checks",
        "crop",
        "taken_at",
        "ai_signals",
        "rank",
    } == set(lines[0])


def test_cli_compare_text_says_which_is_best(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, group = tmp_path / "me.jpg", tmp_path / "team.jpg"
    good.write_bytes(photo_bytes(GOOD))
    group.write_bytes(photo_bytes("office_meeting_group.jpg"))
    assert cli_main(["check", str(group), str(good), "--compare"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Best of 2: me.jpg")
    assert "team.jpg: " in out and "faces" in out
