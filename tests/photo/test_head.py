"""Framing that knows the head, eyes that must be visible, a head that faces the camera: on real photos and
on good headshots degraded from their own landmarks."""

from __future__ import annotations

import functools

import pytest
from PIL import Image

from bot.messages import Status
from bot.photo.review import PhotoResult
from tests.conftest import data_path
from tests.photo.helpers import (
    analyzed,
    analyzed_image,
    draw_sunglasses,
    flagged,
    forehead_cut,
    good_headshots,
    main_face,
)


@functools.cache
def _source(name: str) -> Image.Image:
    with Image.open(data_path("photos", name)) as image:
        return image.convert("RGB")


def _status(result: PhotoResult, check_id: str) -> Status:
    analysis = result.analysis
    assert analysis is not None
    status = analysis.status_of(check_id)
    assert status is not None
    return status


@pytest.mark.parametrize("centre_at", [0.3, 0.7])
def test_a_forehead_cut_off_centre_crop_is_flagged_with_a_fix(centre_at: float) -> None:
    hits = 0
    for name in good_headshots():
        image = _source(name)
        result = analyzed_image(forehead_cut(image, main_face(image), centre_at=centre_at))
        assert result.analysis is not None
        framing = next(c for c in result.analysis.checks if c.id == "framing")
        if framing.status is not Status.PASS:
            hits += 1
            assert framing.fix and ("space above" in framing.fix or "centre" in framing.fix)
    assert hits >= 0.9 * len(good_headshots()), hits


def test_a_centred_crop_through_the_forehead_says_the_head_is_cut() -> None:
    image = _source("interfaces_047_man_white_background.jpg")
    result = analyzed_image(forehead_cut(image, main_face(image), centre_at=0.5, top_above_eyes=0.9))
    assert result.analysis is not None
    framing = next(c for c in result.analysis.checks if c.id == "framing")
    assert framing.status is Status.WARN and "forehead" in framing.message


def test_far_too_much_headroom_is_flagged() -> None:
    image = _source("woman_smiling_closeup.png")
    tall = Image.new("RGB", (image.width, image.height * 2), image.getpixel((5, 5)))
    tall.paste(image, (0, image.height))
    result = analyzed_image(tall)
    assert result.analysis is not None
    framing = next(c for c in result.analysis.checks if c.id == "framing")
    assert framing.status is Status.WARN and "space above your head" in framing.message


@pytest.mark.parametrize("shape", ["ellipse", "rounded"])
def test_dark_sunglasses_drawn_over_the_eyes_are_flagged(shape: str) -> None:
    hits = [
        _status(analyzed_image(draw_sunglasses(_source(n), main_face(_source(n)), shape)), "eyes")
        is Status.WARN
        for n in good_headshots()
    ]
    assert sum(hits) >= 0.9 * len(hits), hits


def test_real_sunglasses_are_flagged_and_clear_glasses_are_not() -> None:
    for name in (
        "interfaces_004_man_sunglasses_tilted.jpg",
        "interfaces_015_woman_peace_sign_casual.jpg",
        "interfaces_032_man_sunglasses_selfie_dark.jpg",
        "interfaces_053_man_car_selfie_mirrored_sunglasses.jpg",
    ):
        assert "eyes" in flagged(analyzed(name)), name
    for name in ("interfaces_016_man_glasses_beard.jpg", "interfaces_050_man_glasses_grey_background.jpg"):
        assert "eyes" not in flagged(analyzed(name)), name


def test_a_turned_head_is_told_to_face_the_camera_not_to_level_it() -> None:
    for name in (
        "interfaces_008_man_profile_glasses_bowtie.jpg",
        "interfaces_018_young_man_looking_up_side.jpg",
    ):
        result = analyzed(name)
        assert result.analysis is not None
        pose = next(c for c in result.analysis.checks if c.id == "pose")
        assert pose.status is Status.WARN and pose.fix is not None and "Face the camera" in pose.fix
        tilt = next(c for c in result.analysis.checks if c.id == "tilt")
        assert "level" not in pose.message and "turned" not in tilt.message


def test_no_new_check_warns_on_the_good_headshots() -> None:
    for name in good_headshots():
        assert not flagged(analyzed(name)) & {"framing", "eyes", "pose"}, name
