"""Scores that mean something: a failing check caps the score, a picture without a face is not scored as a
headshot and gets no advice that assumes a person."""

from __future__ import annotations

import pytest
from PIL import Image

from bot.messages import Citation, Status
from bot.photo.analysis import registry
from bot.photo.checks import FAIL_CAP, NO_FACE_CAP, Check, check, score
from bot.photo.review import review_attachment
from tests.photo.helpers import NOW, analyzed, analyzed_image, degraded, good_headshots, photo_bytes


@pytest.mark.parametrize("kind", ["blurred", "rotated_90", "tilted_25", "upside_down"])
def test_an_unusable_photo_never_scores_above_60(kind: str) -> None:
    for name in good_headshots():
        analysis = degraded(name, kind).analysis
        assert analysis is not None
        if any(c.status is Status.FAIL for c in analysis.checks):
            assert analysis.score <= FAIL_CAP, (name, kind, analysis.score)
    failing = [degraded(n, kind).analysis for n in good_headshots()]
    assert sum(a is not None and a.score <= FAIL_CAP for a in failing) >= 0.9 * len(failing), kind


@pytest.mark.parametrize(
    "name",
    ["cat_on_armchair_phone.jpg", "density_plot_not_a_photo.png", "iphone_camera_rig.heic", "sand_dunes.jpg"],
)
def test_a_picture_without_a_face_leads_with_it_and_gets_no_person_advice(name: str) -> None:
    asked: list[str] = []

    def cite(topic: str) -> Citation | None:
        asked.append(topic)
        return Citation("t", "doc", "quote")

    [reply] = review_attachment(photo_bytes(name), filename=name, platform="linkedin", now=NOW, cite=cite)
    assert reply.score is not None and reply.score <= NO_FACE_CAP
    assert reply.title is not None and reply.title.startswith("I couldn't find a face")
    assert "recognise you in person" not in reply.text
    assert asked == [] and not reply.citations and not reply.actions and not reply.images
    age = next(line for line in reply.checks if line.id == "photo_age")
    assert age.status is Status.SKIP


def test_an_overexposed_headshot_is_called_overexposed() -> None:
    result = degraded("woman_plain_background.jpg", "overexposed")
    assert result.analysis is not None
    assert result.analysis.status_of("exposure") in (Status.WARN, Status.FAIL)


def test_a_washed_out_frame_without_a_face_is_judged_on_the_whole_frame() -> None:
    white = Image.new("RGB", (600, 600), (252, 252, 252))
    analysis = analyzed_image(white).analysis
    assert analysis is not None and not analysis.faces
    assert analysis.status_of("exposure") is Status.FAIL


def test_good_headshots_still_score_high() -> None:
    for name in good_headshots():
        analysis = analyzed(name).analysis
        assert analysis is not None and analysis.score >= 80, name


def test_the_score_is_100_minus_weights_capped() -> None:
    weights = {spec.id: spec.weight for spec in registry()}
    warn = [Check("background", Status.WARN, None, "")]
    assert score(warn, has_face=True) == 100 - weights["background"]
    fail = [Check("background", Status.FAIL, None, "")]
    assert score(fail, has_face=True) == min(FAIL_CAP, 100 - 2 * weights["background"])
    assert score([], has_face=False) == NO_FACE_CAP


def test_every_check_is_declared_once_in_one_registry() -> None:
    ids = [spec.id for spec in registry()]
    assert len(ids) == len(set(ids))
    assert {
        "face_count",
        "resolution",
        "face_size",
        "framing",
        "eyes",
        "pose",
        "sharpness",
        "exposure",
    } <= set(ids)
    assert {"lighting", "background", "tilt", "photo_age", "ai_provenance"} <= set(ids)
    with pytest.raises(ValueError, match="declared twice"):
        check("eyes", weight=1, needs_face=True, summary="again")(
            lambda context: Check("eyes", Status.PASS, 0, "")
        )
    result = analyzed("interfaces_047_man_white_background.jpg")
    assert result.analysis is not None
    assert [c.id for c in result.analysis.checks] == ids
