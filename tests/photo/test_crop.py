"""Crops: a tilted head is straightened with no empty corners; a group photo is cropped to its most
prominent face and the reply says so."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bot.messages import Fixes, Status
from bot.photo.review import review_attachment
from tests.conftest import data_path
from tests.photo.helpers import NOW, jpeg, photo_bytes


def _tilted(angle: float) -> bytes:
    with Image.open(data_path("photos", "interfaces_047_man_white_background.jpg")) as image:
        # A camera held crooked: the whole frame is turned, then cut back to a full rectangle.
        turned = image.convert("RGB").rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0)
        )
        margin = round(turned.width * 0.22)
        return jpeg(turned.crop((margin, margin, turned.width - margin, turned.height - margin)))


def test_a_tilted_photo_is_straightened_before_cropping_without_empty_corners() -> None:
    [reply] = review_attachment(
        _tilted(18), filename="tilted.jpg", platform="slack", now=NOW, cite=lambda t: None
    )
    tilt = next(line for line in reply.checks if line.id == "tilt")
    assert tilt.status is Status.WARN and "straightens" in tilt.message
    crop = reply.images[0]
    with Image.open(io.BytesIO(crop.data)) as picture:
        pixels = np.asarray(picture.convert("RGB")).astype(int)
    corner = 6
    for patch in (
        pixels[:corner, :corner],
        pixels[:corner, -corner:],
        pixels[-corner:, :corner],
        pixels[-corner:, -corner:],
    ):
        assert patch.mean() > 60, "an empty (black) corner in the crop"
    # The eyes are level in the crop: the same picture checked again reads as level.
    [again] = review_attachment(
        crop.data, filename="crop.jpg", platform="slack", now=NOW, cite=lambda t: None
    )
    assert next(line for line in again.checks if line.id == "tilt").status is Status.PASS


def test_a_group_photo_is_cropped_to_the_most_prominent_face_and_says_so() -> None:
    [reply] = review_attachment(
        photo_bytes("office_meeting_group.jpg"),
        filename="team.jpg",
        platform="generic",
        now=NOW,
        cite=lambda t: None,
    )
    faces = next(line for line in reply.checks if line.id == "face_count")
    assert faces.status in (Status.WARN, Status.FAIL)
    assert "most prominent" in faces.message and reply.images
    fixes = reply.first(Fixes)
    assert fixes is not None and any("solo photo" in fix for fix in fixes.items)
