"""Measures a loaded photo and turns the measures into checks a non-photographer understands."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.messages import Status
from bot.photo.faces import Face, detect_faces
from bot.photo.loading import LoadedPhoto
from bot.photo.platforms import PlatformSpec
from bot.photo.provenance import ai_signals, is_ai_claim

CHECK_ORDER = (
    "face_count",
    "resolution",
    "face_size",
    "framing",
    "sharpness",
    "exposure",
    "lighting",
    "background",
    "tilt",
    "compression",
    "photo_age",
    "ai_provenance",
)

BUSY_BACKGROUND = 62.0
"""Mean edge strength (Sobel, 400-px image) around the person; plain walls 4-15, wood or foliage ~55-60."""
COLOURFUL_BACKGROUND = 30.0
"""Spread of colour (Lab a/b standard deviation) around the person above which the background is colourful."""
TEXTURED_BACKGROUND = 22.0
"""Edge strength that, with a colourful background, makes it a distracting pattern rather than soft bokeh."""

# How much each check costs the score when it warns; a fail costs twice as much.
WEIGHTS = {
    "face_count": 30,
    "resolution": 12,
    "face_size": 10,
    "framing": 10,
    "sharpness": 14,
    "exposure": 12,
    "lighting": 8,
    "background": 8,
    "tilt": 8,
    "compression": 6,
    "photo_age": 6,
    "ai_provenance": 4,
}


@dataclass(frozen=True)
class Check:
    id: str
    status: Status
    value: float | None
    message: str
    fix: str | None = None  # what to do, when not passing


@dataclass
class Analysis:
    faces: list[Face]
    checks: list[Check]
    crop: tuple[int, int, int, int] | None  # x, y, w, h in original (displayed) pixels
    taken_at: datetime | None
    ai_signals: list[str]
    rotation: int = 0  # degrees the picture must be turned (counter-clockwise) to stand upright
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> int:
        penalty = 0
        for check in self.checks:
            weight = WEIGHTS.get(check.id, 5)
            penalty += (
                weight if check.status is Status.WARN else 2 * weight if check.status is Status.FAIL else 0
            )
        return max(0, min(100, 100 - penalty))

    def fixes(self, limit: int = 3) -> list[str]:
        ranked = sorted(
            (c for c in self.checks if c.fix and c.status in (Status.WARN, Status.FAIL)),
            key=lambda c: (c.status is not Status.FAIL, -WEIGHTS.get(c.id, 5)),
        )
        return [c.fix for c in ranked[:limit] if c.fix]


def _luma(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.asarray(rgb[..., :3].astype(np.float32) @ weights, dtype=np.float32)


def _face_region(array: NDArray[Any], face: Face, shrink: float = 0.15) -> NDArray[Any]:
    height, width = array.shape[:2]
    x0 = int(max(0, face.x + face.w * shrink))
    x1 = int(min(width, face.x + face.w * (1 - shrink)))
    y0 = int(max(0, face.y + face.h * shrink))
    y1 = int(min(height, face.y + face.h * (1 - shrink)))
    return array[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]


def _find_faces(image: Image.Image) -> tuple[Image.Image, list[Face], int]:
    """Detect upright; when nothing is found try the picture turned a quarter each way (a sideways photo)."""
    faces = detect_faces(np.asarray(image))
    if faces:
        return image, faces, 0
    for angle in (90, 270):
        turned = image.rotate(angle, expand=True)
        faces = detect_faces(np.asarray(turned))
        if faces and faces[0].confidence >= 0.97:
            return turned, faces, angle
    return image, [], 0


def analyze(loaded: LoadedPhoto, data: bytes, *, platform: PlatformSpec, now: datetime) -> Analysis:
    image, faces, rotation = _find_faces(loaded.image)
    array = np.asarray(image)
    height, width = array.shape[:2]
    original_w, original_h = loaded.original_size
    if rotation in (90, 270):
        original_w, original_h = original_h, original_w
    to_original = original_w / width
    main = faces[0] if faces else None
    checks: list[Check] = [_face_count(faces)]
    checks.append(_resolution(original_w, original_h, main, to_original, platform))
    signals = ai_signals(data, loaded.metadata, loaded.software)
    if main is None:
        for check_id in ("face_size", "framing", "sharpness"):
            checks.append(Check(check_id, Status.SKIP, None, "Needs a visible face."))
        checks.append(_whole_frame_exposure(array))
        for check_id in ("lighting", "background", "tilt"):
            checks.append(Check(check_id, Status.SKIP, None, "Needs a visible face."))
    else:
        luma = _luma(array)
        checks.append(_face_size(main, height))
        checks.append(_framing(main, width, height))
        checks.append(_sharpness(luma, main))
        checks.append(_exposure(array, luma, main))
        checks.append(_lighting(luma, main))
        checks.append(_background(array, luma, main))
        checks.append(_tilt(main, rotation))
    checks.append(_compression(loaded.jpeg_quality))
    checks.append(_photo_age(loaded.taken_at, now))
    checks.append(_provenance(signals))
    crop = _crop_box(main, width, height, to_original) if main else None
    return Analysis(faces, checks, crop, loaded.taken_at, signals, rotation)


def _face_count(faces: list[Face]) -> Check:
    if not faces:
        return Check(
            "face_count",
            Status.FAIL,
            0,
            "I couldn't find a face.",
            "Use a photo where your face is clearly visible.",
        )
    if len(faces) == 1:
        return Check("face_count", Status.PASS, 1, "One face — just you.")
    others = len(faces) - 1
    return Check(
        "face_count",
        Status.FAIL if faces[1].area > 0.3 * faces[0].area else Status.WARN,
        len(faces),
        f"I see {len(faces)} faces; a profile photo should show only you.",
        f"Crop the photo to just your face ({others} other {'person' if others == 1 else 'people'} in it).",
    )


def _resolution(w: int, h: int, face: Face | None, scale: float, platform: PlatformSpec) -> Check:
    side = min(w, h)
    if side < platform.minimum * 0.6:
        status = Status.FAIL
    elif side < platform.minimum:
        status = Status.WARN
    else:
        status = Status.PASS
    if status is Status.PASS:
        message = f"{w}×{h} pixels is enough for {platform.label} ({platform.recommended} px square)."
        return Check("resolution", status, side, message)
    return Check(
        "resolution",
        status,
        side,
        f"{w}×{h} pixels is small for {platform.label}; it will look blurry (aim for at least "
        f"{platform.minimum}×{platform.minimum}).",
        "Use the original, full-size photo instead of a thumbnail or a screenshot.",
    )


def _face_size(face: Face, height: int) -> Check:
    share = face.h / height
    value = round(share, 3)
    if share < 0.10:
        return Check(
            "face_size",
            Status.FAIL,
            value,
            "Your face is tiny in the frame.",
            "Step closer or crop to head and shoulders.",
        )
    if share < 0.25:
        return Check(
            "face_size",
            Status.WARN,
            value,
            "Your face is small in the frame; in a small round avatar it will be hard to recognise.",
            "Crop tighter to head and shoulders.",
        )
    if share > 0.85:
        return Check(
            "face_size",
            Status.WARN,
            value,
            "The face fills the whole frame; it will be cut in a round avatar.",
            "Step back a little so your head and shoulders fit.",
        )
    return Check("face_size", Status.PASS, value, "Your face has a good size in the frame.")


def _framing(face: Face, width: int, height: int) -> Check:
    cx = (face.x + face.w / 2) / width
    margin_left = face.x / width
    margin_right = (width - face.x - face.w) / width
    margin_top = face.y / height
    cut = min(margin_left, margin_right, margin_top, (height - face.y - face.h) / height)
    value = round(cx, 3)
    if cut < 0.0 or min(margin_left, margin_right) < 0.01 or margin_top < -0.02:
        return Check(
            "framing",
            Status.FAIL,
            value,
            "Your face touches the edge of the picture.",
            "Recentre the shot so your whole head is inside the frame with some space around it.",
        )
    if cx < 0.22 or cx > 0.78:
        return Check(
            "framing",
            Status.WARN,
            value,
            "Your face is far off to one side.",
            "Centre yourself in the frame (or use the suggested crop).",
        )
    return Check("framing", Status.PASS, value, "Well framed.")


def _sharpness(luma: NDArray[np.float32], face: Face) -> Check:
    import cv2

    region = _face_region(luma.astype(np.uint8), face, shrink=0.1)
    if region.shape[1] < 8 or region.shape[0] < 8:
        return Check("sharpness", Status.SKIP, None, "The face is too small to judge sharpness.")
    # Fixed face width so the figure does not depend on how big the face is in the file.
    scale = 200 / region.shape[1]
    resized = cv2.resize(region, (200, max(8, round(region.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    variance = float(cv2.Laplacian(resized, cv2.CV_64F).var())
    value = round(variance, 1)
    if variance < 15:
        return Check(
            "sharpness",
            Status.FAIL,
            value,
            "Your face is blurry.",
            "Hold the camera steady, tap to focus on your eyes.",
        )
    if variance < 35:
        return Check(
            "sharpness",
            Status.WARN,
            value,
            "Your face looks slightly soft.",
            "Tap to focus on your eyes and use more light so the camera can use a faster shutter.",
        )
    return Check("sharpness", Status.PASS, value, "Your face is sharp.")


def _exposure(array: NDArray[np.uint8], luma: NDArray[np.float32], face: Face) -> Check:
    region = _face_region(luma, face)
    mean = float(region.mean())
    rgb = _face_region(array, face)
    clipped = float((rgb.min(axis=2) >= 250).mean())
    value = round(mean, 1)
    if mean < 45:
        return Check(
            "exposure",
            Status.FAIL,
            value,
            "Your face is too dark.",
            "Face a window or add light in front of you.",
        )
    if mean < 70:
        return Check("exposure", Status.WARN, value, "Your face is a bit dark.", "Face a window or a lamp.")
    if mean > 225 or clipped > 0.45:
        return Check(
            "exposure",
            Status.FAIL,
            value,
            "Your face is washed out (too bright).",
            "Move out of direct light or lower the exposure.",
        )
    if mean > 186 or clipped > 0.2:
        return Check(
            "exposure",
            Status.WARN,
            value,
            "Parts of your face are too bright (lost detail).",
            "Avoid direct sun or flash; use soft window light.",
        )
    return Check("exposure", Status.PASS, value, "Your face is well exposed.")


def _whole_frame_exposure(array: NDArray[np.uint8]) -> Check:
    """Without a face, only blown-out or near-black pictures can be called out."""
    luma = _luma(array)
    mean = float(luma.mean())
    clipped = float((array.min(axis=2) >= 250).mean())
    value = round(mean, 1)
    if clipped > 0.5 or mean > 225:
        return Check(
            "exposure",
            Status.FAIL,
            value,
            "The picture is washed out (too bright), which may be why I can't find a face.",
            "Move out of direct light or lower the exposure.",
        )
    if mean < 25:
        return Check(
            "exposure",
            Status.FAIL,
            value,
            "The picture is nearly black, which may be why I can't find a face.",
            "Face a window or add light in front of you.",
        )
    return Check("exposure", Status.SKIP, value, "No face to judge the exposure on.")


SIDE_LIGHT_RATIO = 0.55
"""Darker half of the face box below this share of the brighter half: one side is in shadow."""
LANDMARK_SIDE_LIGHT_RATIO = 0.52
"""The same, measured both on the cheeks and on either side of the nose; both must agree."""


def _landmark_side_light(luma: NDArray[np.float32], face: Face) -> tuple[float, bool] | None:
    """How much darker one side of the face is, split at the nose rather than the box centre (a turned
    head puts the box centre off the face's middle). Returns (ratio, left side darker) or None."""
    height, width = luma.shape[:2]
    radius = max(2, int(0.10 * face.w))

    def mean_around(x: float, y: float) -> float | None:
        x0, x1 = max(0, int(x) - radius), min(width, int(x) + radius)
        y0, y1 = max(0, int(y) - radius), min(height, int(y) + radius)
        return float(luma[y0:y1, x0:x1].mean()) if x1 > x0 and y1 > y0 else None

    drop = 0.05 * face.h
    left_cheek = mean_around(
        (face.left_eye[0] + face.mouth_left[0]) / 2, (face.left_eye[1] + face.mouth_left[1]) / 2 + drop
    )
    right_cheek = mean_around(
        (face.right_eye[0] + face.mouth_right[0]) / 2, (face.right_eye[1] + face.mouth_right[1]) / 2 + drop
    )
    top = int(max(0, min(face.left_eye[1], face.right_eye[1])))
    bottom = int(min(height, max(face.mouth_left[1], face.mouth_right[1])))
    nose_x = int(face.nose[0])
    x0, x1 = int(max(0, face.x)), int(min(width, face.x + face.w))
    if left_cheek is None or right_cheek is None or bottom <= top or not x0 < nose_x < x1:
        return None
    left_half = float(luma[top:bottom, x0:nose_x].mean())
    right_half = float(luma[top:bottom, nose_x:x1].mean())
    cheeks = min(left_cheek, right_cheek) / max(left_cheek, right_cheek, 1.0)
    halves = min(left_half, right_half) / max(left_half, right_half, 1.0)
    return max(cheeks, halves), left_half < right_half


def _lighting(luma: NDArray[np.float32], face: Face) -> Check:
    region = _face_region(luma, face, shrink=0.2)
    half = region.shape[1] // 2
    if half < 2:
        return Check("lighting", Status.SKIP, None, "The face is too small to judge the light.")
    left, right = float(region[:, :half].mean()), float(region[:, half:].mean())
    ratio = min(left, right) / max(left, right, 1.0)
    left_darker = left < right
    by_landmarks = _landmark_side_light(luma, face)
    shadowed = ratio < SIDE_LIGHT_RATIO
    if by_landmarks is not None and by_landmarks[0] < LANDMARK_SIDE_LIGHT_RATIO and not shadowed:
        shadowed, ratio, left_darker = True, by_landmarks[0], by_landmarks[1]
    value = round(ratio, 3)
    if shadowed:
        side = "left" if left_darker else "right"
        return Check(
            "lighting",
            Status.WARN,
            value,
            f"The {side} side of your face is much darker than the other.",
            "Turn toward the window so light falls evenly on your face.",
        )
    return Check("lighting", Status.PASS, value, "Even light on your face.")


def _background(rgb: NDArray[np.uint8], luma: NDArray[np.float32], face: Face) -> Check:
    import cv2

    height, width = luma.shape
    scale = 400 / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(luma, size, interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1)
    magnitude = np.hypot(gx, gy)
    mask = np.ones(small.shape, dtype=bool)
    # Leave out the person: an enlarged face box and the body below it.
    x0 = int(max(0, (face.x - face.w * 0.25) * scale))
    x1 = int(min(small.shape[1], (face.x + face.w * 1.25) * scale))
    y0 = int(max(0, (face.y - face.h * 0.35) * scale))
    mask[y0:, x0:x1] = False
    if mask.sum() < 0.04 * mask.size:
        return Check("background", Status.SKIP, None, "Too little background to judge.")
    busy = float(magnitude[mask].mean())
    value = round(busy, 1)
    small_rgb = cv2.resize(np.ascontiguousarray(rgb[..., :3]), size, interpolation=cv2.INTER_AREA)
    chroma = cv2.cvtColor(small_rgb, cv2.COLOR_RGB2LAB)[..., 1:][mask].astype(np.float32)
    colour_spread = float(np.sqrt(chroma[:, 0].var() + chroma[:, 1].var()))
    # Graffiti, posters, shop fronts: many colours in a pattern pull the eye even with softer edges.
    # Warm bokeh is colourful too but smooth, hence both conditions.
    colourful_pattern = colour_spread > COLOURFUL_BACKGROUND and busy > TEXTURED_BACKGROUND
    if busy > BUSY_BACKGROUND or colourful_pattern:
        return Check(
            "background",
            Status.WARN,
            value,
            "The background is busy and draws attention away from you.",
            "Step away from the busy wall: stand in front of a plain wall or open space.",
        )
    return Check("background", Status.PASS, value, "The background is calm.")


def _tilt(face: Face, rotation: int) -> Check:
    if rotation:
        return Check(
            "tilt",
            Status.FAIL,
            90,
            "The photo is on its side.",
            "Rotate the photo so you are upright before uploading.",
        )
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    angle = math.degrees(math.atan2(ry - ly, rx - lx))
    value = round(angle, 1)
    if abs(angle) > 20:
        return Check(
            "tilt",
            Status.FAIL,
            value,
            "Your head is strongly tilted.",
            "Keep your head level and the camera at eye level.",
        )
    if abs(angle) > 9:
        return Check(
            "tilt",
            Status.WARN,
            value,
            f"Your head is tilted about {abs(angle):.0f}°.",
            "Keep your head level; hold the camera at eye level.",
        )
    return Check("tilt", Status.PASS, value, "Your head is level.")


def _compression(quality: int | None) -> Check:
    if quality is None:
        return Check("compression", Status.SKIP, None, "Not a JPEG; no compression estimate.")
    if quality < 30:
        return Check(
            "compression",
            Status.WARN,
            quality,
            f"The photo was saved with heavy compression (quality about {quality}); expect blocky artefacts.",
            "Export the original photo again at high quality.",
        )
    return Check("compression", Status.PASS, quality, f"Compression quality about {quality} is fine.")


def _photo_age(taken_at: datetime | None, now: datetime) -> Check:
    if taken_at is None:
        return Check("photo_age", Status.SKIP, None, "No capture date in the file.")
    reference = now.replace(tzinfo=None)
    years = (reference - taken_at).days / 365.25
    value = round(years, 1)
    if years > 2:
        return Check(
            "photo_age",
            Status.WARN,
            value,
            f"Taken {taken_at:%B %Y}, over {int(years)} years ago; people should recognise you in person.",
            "Take a fresh photo (update it every 1–2 years or after a big change of look).",
        )
    if years > 1:
        return Check(
            "photo_age", Status.PASS, value, f"Taken {taken_at:%B %Y}; plan a fresh one within a year."
        )
    return Check("photo_age", Status.PASS, value, f"Taken {taken_at:%B %Y}; recent.")


def _provenance(signals: list[str]) -> Check:
    claims = [s for s in signals if is_ai_claim(s)]
    if claims:
        return Check(
            "ai_provenance",
            Status.WARN,
            len(claims),
            "This file says it was made or edited by AI: " + "; ".join(claims) + ".",
            "If you use an AI-generated headshot, say so where the platform expects it, or use a real photo.",
        )
    if signals:
        return Check("ai_provenance", Status.PASS, 0, "Content Credentials present; no AI-generation claim.")
    return Check("ai_provenance", Status.PASS, 0, "No AI-generation markers in the file.")


def _crop_box(face: Face, width: int, height: int, to_original: float) -> tuple[int, int, int, int]:
    """A square head-and-shoulders crop: face about 45% of the side, eyes about 40% from the top."""
    side = min(face.h / 0.45, width, height)
    eye_y = (face.left_eye[1] + face.right_eye[1]) / 2
    cx = face.x + face.w / 2
    x = min(max(0.0, cx - side / 2), width - side)
    y = min(max(0.0, eye_y - side * 0.4), height - side)
    return (
        round(x * to_original),
        round(y * to_original),
        round(side * to_original),
        round(side * to_original),
    )
