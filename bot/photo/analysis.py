"""Measures a loaded photo and turns the measures into checks a non-photographer understands.

Each check is declared once below with `@check` (id, weight, needs a face); the declaration order is the
report's order. docs/photo.md explains every measure and threshold.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.messages import Status
from bot.photo.checks import REGISTRY, Check, CheckSpec, check, score, top_fixes
from bot.photo.faces import Face, FaceDetector
from bot.photo.loading import LoadedPhoto
from bot.photo.platforms import PlatformSpec
from bot.photo.provenance import Provenance, read_provenance

BUSY_BACKGROUND = 62.0
"""Mean edge strength (Sobel, 400-px image) around the person; plain walls 4-15, wood or foliage ~55-60."""
COLOURFUL_BACKGROUND = 30.0
"""Spread of colour (Lab a/b standard deviation) around the person above which the background is colourful."""
TEXTURED_BACKGROUND = 22.0
"""Edge strength that, with a colourful background, makes it a distracting pattern rather than soft bokeh."""

# Framing, in units of the eye-to-mouth distance (d) or of the picture's size.
FOREHEAD_CUT = 1.35
"""Top edge closer than this many d above the eye line runs through the forehead (good headshots: 1.9-2.8,
a cut through the hair 1.7)."""
EYEBROW_CUT = 0.55
"""Closer than this, the edge runs through the eyebrows: most of the head is missing."""
CROWN_ABOVE_EYES = 1.8
"""Estimated top of the head above the eye line (in d): the skull's top sits about as far above the eyes as
the chin sits below them."""
HEADROOM_SHARE = 0.30
"""Empty space above the estimated top of the head, as a share of the height, that is far too much."""
OFF_CENTRE = 0.15
"""Face centre further than this share of the width from the middle: clearly off to one side."""

# Pose, from the five landmarks.
TURNED_YAW = 0.33
"""Nose offset from the eyes' midpoint (in eye distances) of a head clearly turned away (good headshots
-0.23..+0.15, a three-quarter turn over the shoulder -0.39, a profile -0.7)."""
PROFILE_YAW = 0.55
NOSE_HIGH = 0.22
"""Nose tip this close to the eye line (share of the eye-to-mouth height): chin far up. The five landmarks
place the nose poorly under pitch (good headshots 0.44-0.83, a man looking down 0.30), so only extreme
values are called out."""
NOSE_LOW = 0.92
"""Nose tip this close to the mouth: chin far down."""

# Eyes: a lens replaces the eyelids and the skin around an eye with one dark or coloured surface.
EYE_SKIN_DISTANCE = 35.0
"""Colour distance (OpenCV 8-bit Lab) within which a pixel counts as the same skin as the cheeks."""
EYE_DARK_LENS = -0.55
"""Eye area's lightness this far below the skin's (share of it): a dark lens..."""
EYE_DARK_SKIN_SHARE = 0.12
"""...when under this share of the area still looks like skin (shadowed open eyes keep their eyelids)."""
EYE_COLOUR_GAP = 18.0
"""Eye area's colour this far from the skin's (Lab a/b): a coloured or mirrored lens..."""
EYE_COLOUR_SKIN_SHARE = 0.35
"""...when under this share of the area looks like skin."""
"""Eye areas darker than this share of the cheeks' brightness: dark lenses."""


@dataclass
class Analysis:
    faces: list[Face]
    checks: list[Check]
    crop: tuple[int, int, int, int] | None  # x, y, w, h in original (displayed) pixels, before straightening
    taken_at: datetime | None
    ai_signals: list[str]
    rotation: int = 0  # degrees the picture must be turned (counter-clockwise) to stand upright
    straighten: float = 0.0  # degrees the crop is turned (counter-clockwise) to level the eyes
    provenance: Provenance | None = None
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return score(self.checks, has_face=bool(self.faces))

    def fixes(self, limit: int = 3) -> list[str]:
        return top_fixes(self.checks, limit)

    def status_of(self, check_id: str) -> Status | None:
        return next((c.status for c in self.checks if c.id == check_id), None)


@dataclass
class Context:
    """What every check reads: the upright analysis picture, its faces and the file's facts."""

    loaded: LoadedPhoto
    array: NDArray[np.uint8]
    faces: list[Face]
    rotation: int
    platform: PlatformSpec
    now: datetime
    provenance: Provenance
    original_size: tuple[int, int]  # of the upright picture, in the file's pixels
    found_after_correction: bool = False

    @property
    def face(self) -> Face:
        return self.faces[0]  # largest first: the most prominent person

    @property
    def height(self) -> int:
        return int(self.array.shape[0])

    @property
    def width(self) -> int:
        return int(self.array.shape[1])

    @functools.cached_property
    def luma(self) -> NDArray[np.float32]:
        return _luma(self.array)


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


def _roll(face: Face) -> float:
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    return math.degrees(math.atan2(ry - ly, rx - lx))


def _exposure_problem(array: NDArray[np.uint8]) -> bool:
    luma = _luma(array[::4, ::4])
    return bool(luma.mean() > 200 or luma.mean() < 45 or (array[::4, ::4].min(axis=2) >= 250).mean() > 0.3)


def _corrected(image: Image.Image) -> Image.Image:
    """A copy with the histogram stretched: a blown-out or very dark face becomes findable again."""
    from PIL import ImageOps

    return ImageOps.equalize(image)


def _find_faces(image: Image.Image, detector: FaceDetector) -> tuple[Image.Image, list[Face], int, bool]:
    """Detect upright; a washed-out or nearly black picture is tried again with its contrast restored;
    then the picture turned a quarter each way (a sideways photo) and upside down."""
    array = np.asarray(image)
    faces = detector.detect(array)
    turn = detector.turn_to_upright(array, faces[0]) if faces else 0
    if turn:
        turned = image.rotate(turn, expand=True)
        again = detector.detect(np.asarray(turned))
        if again:
            return turned, again, turn, False
    if faces:
        return image, faces, 0, False
    if _exposure_problem(array):
        faces = detector.detect(np.asarray(_corrected(image)))
        if faces and faces[0].confidence >= 0.97:
            return image, faces, 0, True
    for angle in (90, 270, 180):
        turned = image.rotate(angle, expand=True)
        faces = detector.detect(np.asarray(turned), big_faces_only=True)
        if faces and faces[0].confidence >= 0.97:
            return turned, faces, angle, False
    return image, [], 0, False


def analyze(
    loaded: LoadedPhoto, data: bytes, *, platform: PlatformSpec, now: datetime, detector: FaceDetector
) -> Analysis:
    image, faces, rotation, corrected = _find_faces(loaded.image, detector)
    original_w, original_h = loaded.original_size
    if rotation in (90, 270):
        original_w, original_h = original_h, original_w
    context = Context(
        loaded=loaded,
        array=np.asarray(image),
        faces=faces,
        rotation=rotation,
        platform=platform,
        now=now,
        provenance=read_provenance(data, loaded.metadata, loaded.software, loaded.format),
        original_size=(original_w, original_h),
        found_after_correction=corrected,
    )
    checks = [_run(spec.id, spec.measure, spec.needs_face, context) for spec in REGISTRY]
    crop, straighten = _crop_box(context) if faces else (None, 0.0)
    return Analysis(
        faces,
        checks,
        crop,
        loaded.taken_at,
        context.provenance.signals,
        rotation,
        straighten,
        context.provenance,
    )


def _run(check_id: str, measure: Any, needs_face: bool, context: Context) -> Check:
    if needs_face and not context.faces:
        return Check(check_id, Status.SKIP, None, "Needs a visible face.")
    result: Check = measure(context)
    return result


# --- the checks, in the order users see them ------------------------------------------------------


@check("face_count", weight=30, needs_face=False, summary="faces found (MTCNN)")
def _face_count(context: Context) -> Check:
    faces = context.faces
    if not faces:
        return Check(
            "face_count",
            Status.FAIL,
            0,
            "I couldn't find a face.",
            "Use a photo where your face is clearly visible, looking at the camera.",
        )
    if len(faces) == 1:
        return Check("face_count", Status.PASS, 1, "One face — just you.")
    others = len(faces) - 1
    return Check(
        "face_count",
        Status.FAIL if faces[1].area > 0.3 * faces[0].area else Status.WARN,
        len(faces),
        f"I see {len(faces)} faces; a profile photo should show only you. I reviewed and cropped the most "
        "prominent one (the largest).",
        f"Use a solo photo of just you ({others} other {'person' if others == 1 else 'people'} in this one).",
    )


@check("resolution", weight=12, needs_face=False, summary="shortest side of the photo vs the platform")
def _resolution(context: Context) -> Check:
    w, h = context.original_size
    platform = context.platform
    side = min(w, h)
    minimum, recommended, label = platform.minimum, platform.recommended, platform.label
    size = f"{w}×{h} pixels"
    if side >= recommended:
        return Check("resolution", Status.PASS, side, f"{size}: enough for a sharp {label} picture.")
    if side >= minimum:
        return Check(
            "resolution",
            Status.PASS,
            side,
            f"{size} meets {label}'s minimum ({minimum}×{minimum}); {recommended}×{recommended} or more "
            "would be a little crisper.",
        )
    fix = "Use the original, full-size photo instead of a thumbnail or a screenshot."
    short = minimum - side
    if side >= 0.9 * minimum:
        return Check(
            "resolution",
            Status.WARN,
            side,
            f"{size} is just under {label}'s minimum of {minimum}×{minimum} ({short} px short); it may be "
            "scaled up slightly and look a touch soft.",
            fix,
        )
    if side >= 0.6 * minimum:
        return Check(
            "resolution",
            Status.WARN,
            side,
            f"{size} is below {label}'s minimum of {minimum}×{minimum}; it will look blurry when shown.",
            fix,
        )
    return Check(
        "resolution",
        Status.FAIL,
        side,
        f"{size} is far below {label}'s minimum of {minimum}×{minimum}; it will look blurry or be refused.",
        fix,
    )


@check("face_size", weight=10, needs_face=True, summary="face height as a share of the picture height")
def _face_size(context: Context) -> Check:
    share = context.face.h / context.height
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


@dataclass(frozen=True)
class HeadGeometry:
    """Where the head sits, from the face box and the landmarks (units: eye-to-mouth distance `unit`)."""

    eyes_below_top: float  # eye line's distance from the top edge, in units
    headroom: float  # space above the estimated top of the head, share of the height
    centre: float  # head centre, share of the width
    unit: float


def head_geometry(face: Face, width: int, height: int) -> HeadGeometry:
    ey = face.eye_mid[1]
    # The vertical eye-to-mouth distance would shrink for a raised chin; the box height bounds it.
    unit = max(face.eye_to_mouth, 0.28 * face.h, 1.0)
    crown = ey - CROWN_ABOVE_EYES * unit
    centre = (face.x + face.w / 2) / width
    return HeadGeometry(ey / unit, max(0.0, crown) / height, centre, unit)


@check("framing", weight=10, needs_face=True, summary="top of the head, headroom and side-to-side position")
def _framing(context: Context) -> Check:
    face, width, height = context.face, context.width, context.height
    head = head_geometry(face, width, height)
    value = round(head.centre, 3)
    margin_left = face.x / width
    margin_right = (width - face.x - face.w) / width
    if min(margin_left, margin_right) < 0.01:
        return Check(
            "framing",
            Status.FAIL,
            value,
            "Your face touches the side of the picture.",
            "Recentre the shot so your whole head is inside the frame with some space around it.",
        )
    if head.eyes_below_top < EYEBROW_CUT:
        return Check(
            "framing",
            Status.FAIL,
            value,
            "The top of the picture cuts through your eyebrows: most of your head is missing.",
            "Step back or hold the camera higher so your whole head, hair included, fits in the frame.",
        )
    problems: list[str] = []
    fixes: list[str] = []
    if head.eyes_below_top < FOREHEAD_CUT:
        problems.append("the top edge runs through your forehead, so the top of your head is cut off")
        fixes.append("leave a little space above your hair (step back or tilt the camera up slightly)")
    elif head.headroom > HEADROOM_SHARE and face.h / height >= 0.2:
        problems.append("there is a lot of empty space above your head")
        fixes.append("crop off some of the space above your head (the suggested crop does)")
    offset = head.centre - 0.5
    if abs(offset) > OFF_CENTRE and len(context.faces) == 1:
        side = "left" if offset < 0 else "right"
        problems.append(f"your face is off to the {side}, not in the middle")
        fixes.append("centre your face in the frame (or use the suggested crop)")
    if problems:
        message = "; ".join(problems)
        fix = "; ".join(fixes)
        return Check(
            "framing",
            Status.WARN,
            value,
            message[0].upper() + message[1:] + ".",
            fix[0].upper() + fix[1:] + ".",
        )
    return Check("framing", Status.PASS, value, "Well framed: head inside the picture, face near the middle.")


def _patch(array: NDArray[Any], cx: float, cy: float, half_w: float, half_h: float) -> NDArray[Any]:
    height, width = array.shape[:2]
    x0, x1 = max(0, int(cx - half_w)), min(width, int(cx + half_w) + 1)
    y0, y1 = max(0, int(cy - half_h)), min(height, int(cy + half_h) + 1)
    return array[y0:y1, x0:x1]


@dataclass(frozen=True)
class EyeArea:
    """One eye's area (where a lens would sit) compared with the cheek skin below it."""

    darkness: float  # (eye area's median lightness - skin's) / skin's: -1 black, 0 as light as the skin
    colour_gap: float  # distance of the eye area's median colour from the skin's (Lab a/b; 0 in greyscale)
    skin_share: float  # share of the eye area within a small colour distance of the skin

    @property
    def covered(self) -> bool:
        dark_lens = self.darkness < EYE_DARK_LENS and self.skin_share < EYE_DARK_SKIN_SHARE
        # A coloured or mirrored lens: a colour that is not skin over most of the area, not lighter
        # than the skin (face paint around an open eye is lighter and stays "visible").
        coloured_lens = (
            self.colour_gap > EYE_COLOUR_GAP and self.skin_share < EYE_COLOUR_SKIN_SHARE and self.darkness < 0
        )
        return dark_lens or coloured_lens


def _shifted(face: Face, dx: float, dy: float) -> Face:
    def move(point: tuple[float, float]) -> tuple[float, float]:
        return point[0] + dx, point[1] + dy

    return Face(
        face.x + dx,
        face.y + dy,
        face.w,
        face.h,
        face.confidence,
        move(face.left_eye),
        move(face.right_eye),
        move(face.nose),
        move(face.mouth_left),
        move(face.mouth_right),
    )


def eye_areas(array: NDArray[np.uint8], face: Face) -> list[EyeArea] | None:
    """Both eye areas, or None when the eyes are too small or outside the picture."""
    import cv2

    ied = face.eye_distance
    if ied < 8:
        return None
    # Only the face is converted to Lab: the whole picture took longer than the rest of the check.
    height, width = array.shape[:2]
    x0, y0 = max(0, int(face.x - 0.2 * face.w)), max(0, int(face.y - 0.2 * face.h))
    x1, y1 = min(width, int(face.x + 1.2 * face.w) + 1), min(height, int(face.y + 1.2 * face.h) + 1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    region = np.ascontiguousarray(array[y0:y1, x0:x1, :3])
    lab = cv2.cvtColor(region, cv2.COLOR_RGB2LAB).astype(np.float32)
    face = _shifted(face, -x0, -y0)
    drop = 0.5 * (face.mouth_mid[1] - face.eye_mid[1])
    cheeks = [
        _patch(lab, (e[0] + m[0]) / 2, e[1] + drop, 0.13 * ied, 0.1 * ied)
        for e, m in ((face.left_eye, face.mouth_left), (face.right_eye, face.mouth_right))
    ]
    eyes = [_patch(lab, x, y, 0.28 * ied, 0.2 * ied) for x, y in (face.left_eye, face.right_eye)]
    if any(p.size == 0 for p in (*eyes, *cheeks)):
        return None
    skin = np.median(np.concatenate([c.reshape(-1, 3) for c in cheeks]), axis=0)
    areas = []
    for eye in eyes:
        pixels = eye.reshape(-1, 3)
        median = np.median(pixels, axis=0)
        distance = np.sqrt(((pixels - skin) ** 2).sum(axis=1))
        areas.append(
            EyeArea(
                darkness=float((median[0] - skin[0]) / max(1.0, float(skin[0]))),
                colour_gap=float(np.hypot(median[1] - skin[1], median[2] - skin[2])),
                skin_share=float((distance < EYE_SKIN_DISTANCE).mean()),
            )
        )
    return areas


@check("eyes", weight=12, needs_face=True, summary="eyes visible: no sunglasses or cover")
def _eyes(context: Context) -> Check:
    areas = eye_areas(context.array, context.face)
    if areas is None:
        return Check("eyes", Status.SKIP, None, "Your eyes are too small in the picture to judge.")
    value = round(min(1.0 + area.darkness for area in areas), 3)
    if all(area.covered for area in areas):
        return Check(
            "eyes",
            Status.WARN,
            value,
            "Your eyes are hidden (sunglasses or something in front of them); people want to see your eyes.",
            "Take off the sunglasses (or move what covers your eyes) so people can see your eyes.",
        )
    return Check("eyes", Status.PASS, value, "Your eyes are visible.")


def pose_measures(face: Face) -> tuple[float, float]:
    """(yaw: nose offset from the eyes' midpoint in eye distances, pitch: nose height between the eye line
    and the mouth, 0 at the eyes, 1 at the mouth), both measured along the face's own axes (roll removed)."""
    (ex, ey), (mx, my), (nx, ny) = face.eye_mid, face.mouth_mid, face.nose
    angle = math.atan2(face.right_eye[1] - face.left_eye[1], face.right_eye[0] - face.left_eye[0])
    cos, sin = math.cos(-angle), math.sin(-angle)

    def level(x: float, y: float) -> tuple[float, float]:
        return (x - ex) * cos - (y - ey) * sin, (x - ex) * sin + (y - ey) * cos

    nose_x, nose_y = level(nx, ny)
    _, mouth_y = level(mx, my)
    ied = max(face.eye_distance, 1.0)
    # A turned head also brings the eyes closer together; the face box width is the steadier scale.
    scale = max(ied, 0.35 * face.w)
    yaw = nose_x / scale
    pitch = nose_y / mouth_y if mouth_y > 1 else 0.5
    return yaw, pitch


@check("pose", weight=10, needs_face=True, summary="head turned away, chin up or down (landmarks)")
def _pose(context: Context) -> Check:
    yaw, pitch = pose_measures(context.face)
    value = round(yaw, 3)
    fix = "Face the camera: turn your head and shoulders toward it and keep your chin level."
    if abs(yaw) > PROFILE_YAW:
        return Check("pose", Status.WARN, value, "Your head is turned to the side (a profile).", fix)
    if abs(yaw) > TURNED_YAW:
        return Check("pose", Status.WARN, value, "Your head is turned away from the camera.", fix)
    if pitch < NOSE_HIGH:
        return Check(
            "pose", Status.WARN, value, "Your chin is raised: you are looking up, past the camera.", fix
        )
    if pitch > NOSE_LOW:
        return Check(
            "pose", Status.WARN, value, "Your chin is down: you are looking down, not at the camera.", fix
        )
    return Check("pose", Status.PASS, value, "You are facing the camera.")


SOFT_FACE = 25.0
"""Laplacian variance under which a face looks slightly soft (good headshots 47-531; smooth skin with a
shallow depth of field reaches the 20s; the 1%-of-width blur gives 3-4, under the 15 of a blurry face)."""


@check("sharpness", weight=14, needs_face=True, summary="Laplacian variance on the face, 200 px wide")
def _sharpness(context: Context) -> Check:
    import cv2

    region = _face_region(context.luma.astype(np.uint8), context.face, shrink=0.1)
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
            "Your face is blurry: the photo is not usable as a headshot.",
            "Hold the camera steady, tap to focus on your eyes.",
        )
    if variance < SOFT_FACE:
        return Check(
            "sharpness",
            Status.WARN,
            value,
            "Your face looks slightly soft.",
            "Tap to focus on your eyes and use more light so the camera can use a faster shutter.",
        )
    return Check("sharpness", Status.PASS, value, "Your face is sharp.")


@check(
    "exposure", weight=12, needs_face=False, summary="brightness of the face (of the whole frame without one)"
)
def _exposure(context: Context) -> Check:
    if not context.faces:
        return _whole_frame_exposure(context.array, context.luma)
    face = context.face
    region = _face_region(context.luma, face)
    mean = float(region.mean())
    # Dark skin has a low mean but keeps its highlights; an underexposed face loses them too.
    highlights = float(np.percentile(region, 95))
    rgb = _face_region(context.array, face)
    clipped = float((rgb.min(axis=2) >= 250).mean())
    value = round(mean, 1)
    if mean < 45 and highlights < DARK_HIGHLIGHTS_FAIL:
        return Check(
            "exposure",
            Status.FAIL,
            value,
            "Your face is too dark.",
            "Face a window or add light in front of you.",
        )
    if mean < 70 and highlights < DARK_HIGHLIGHTS:
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


DARK_HIGHLIGHTS = 100.0
"""Brightest 5% of the face under this: the face is underexposed, not just dark-skinned (lit faces 130-252,
the same faces at 30% brightness 38-75)."""
DARK_HIGHLIGHTS_FAIL = 80.0
WHOLE_FRAME_BRIGHT = 200.0
WHOLE_FRAME_CLIPPED = 0.30
WHOLE_FRAME_DARK = 40.0


def _whole_frame_exposure(array: NDArray[np.uint8], luma: NDArray[np.float32]) -> Check:
    """Without a face the whole frame is judged: blown-out or nearly black pictures are called out."""
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
    if clipped > WHOLE_FRAME_CLIPPED or mean > WHOLE_FRAME_BRIGHT:
        return Check(
            "exposure",
            Status.WARN,
            value,
            "The picture is very bright, with blown-out areas.",
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
    if mean < WHOLE_FRAME_DARK:
        return Check(
            "exposure",
            Status.WARN,
            value,
            "The picture is very dark.",
            "Face a window or add light in front of you.",
        )
    return Check("exposure", Status.PASS, value, "The picture's overall brightness is fine.")


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


@check("lighting", weight=8, needs_face=True, summary="left vs right side of the face")
def _lighting(context: Context) -> Check:
    luma, face = context.luma, context.face
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


@check("background", weight=8, needs_face=True, summary="edge strength and colour spread around the person")
def _background(context: Context) -> Check:
    import cv2

    rgb, luma, face = context.array, context.luma, context.face
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


TILT_WARN = 12.0
"""Head roll (degrees) above which the tilt is called out; a slight natural tilt of up to ~12° is common in
portraits (good headshots measured up to 8°, casual ones up to 11°)."""


@check("tilt", weight=8, needs_face=True, summary="angle of the eye line (roll); a photo on its side")
def _tilt(context: Context) -> Check:
    if context.rotation:
        return Check(
            "tilt",
            Status.FAIL,
            context.rotation,
            "The photo is upside down." if context.rotation == 180 else "The photo is on its side.",
            "Rotate the photo so you are upright before uploading.",
        )
    angle = _roll(context.face)
    value = round(angle, 1)
    if abs(angle) > 20:
        return Check(
            "tilt",
            Status.FAIL,
            value,
            f"Your head is strongly tilted (about {abs(angle):.0f}°); the suggested crop straightens it.",
            "Keep your head level and the camera straight (or use the straightened crop).",
        )
    if abs(angle) > TILT_WARN:
        return Check(
            "tilt",
            Status.WARN,
            value,
            f"Your head is tilted about {abs(angle):.0f}°; the suggested crop straightens it.",
            "Keep your head level; hold the camera straight (or use the straightened crop).",
        )
    return Check("tilt", Status.PASS, value, "Your head is level.")


@check("compression", weight=6, needs_face=False, summary="JPEG quality from the quantisation table")
def _compression(context: Context) -> Check:
    quality = context.loaded.jpeg_quality
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


@check("photo_age", weight=6, needs_face=True, summary="EXIF capture date")
def _photo_age(context: Context) -> Check:
    taken_at = context.loaded.taken_at
    if taken_at is None:
        return Check("photo_age", Status.SKIP, None, "No capture date in the file.")
    reference = context.now.replace(tzinfo=None)
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


@check(
    "ai_provenance", weight=4, needs_face=False, summary="Content Credentials (C2PA), IPTC, PNG text, EXIF"
)
def _provenance(context: Context) -> Check:
    provenance = context.provenance
    claims = provenance.ai_claims
    if claims:
        return Check(
            "ai_provenance",
            Status.WARN,
            len(claims),
            "This file says it was made or edited by AI: " + "; ".join(claims) + ".",
            "If you use an AI-generated headshot, say so where the platform expects it, or use a real photo.",
        )
    if provenance.manifest_invalid:
        return Check(
            "ai_provenance",
            Status.WARN,
            0,
            (provenance.summary or "Its Content Credentials fail validation.")
            + " The picture was probably changed after it was signed.",
            "Export the photo again from its original source so its credentials match.",
        )
    if provenance.summary:
        return Check("ai_provenance", Status.PASS, 0, provenance.summary)
    return Check("ai_provenance", Status.PASS, 0, "No AI-generation markers in the file.")


# --- the suggested crop ------------------------------------------------------------------------------

CROP_FACE_SHARE = 0.45
"""Face box height as a share of the crop's side (head and shoulders)."""
CROP_EYE_LINE = 0.40
"""Eye line, as a share of the crop's side from its top."""
STRAIGHTEN_FROM = 3.0
"""Tilts smaller than this (degrees) are left alone."""


def _crop_box(context: Context) -> tuple[tuple[int, int, int, int], float]:
    """A square head-and-shoulders crop around the most prominent face, straightened when the head is
    tilted: the square is turned about its centre and shrunk until all of it lies inside the picture (no
    empty corners). Returns the square in the upright picture's pixels and the angle to turn it by."""
    face, width, height = context.face, context.width, context.height
    to_original = context.original_size[0] / width
    angle = 0.0 if context.rotation else _roll(face)
    if abs(angle) < STRAIGHTEN_FROM:
        angle = 0.0
    side = min(face.h / CROP_FACE_SHARE, width, height)
    ey = face.eye_mid[1]
    cx = face.x + face.w / 2
    cy = ey + side * (0.5 - CROP_EYE_LINE)
    theta = math.radians(angle)
    # A square of side s turned by theta spans s(|cos|+|sin|); it must fit around its centre.
    spread = abs(math.cos(theta)) + abs(math.sin(theta))
    side = min(side, width / spread, height / spread)
    half_span = side * spread / 2
    cx = min(max(cx, half_span), width - half_span)
    cy = min(max(cy, half_span), height - half_span)
    x, y = cx - side / 2, cy - side / 2
    return (
        (
            round(x * to_original),
            round(y * to_original),
            round(side * to_original),
            round(side * to_original),
        ),
        angle,
    )


def registry() -> list[CheckSpec]:
    """Every check, in report order (each declared itself above with `@check`)."""
    return REGISTRY


def spec_of(check_id: str) -> CheckSpec:
    return next(spec for spec in REGISTRY if spec.id == check_id)


def check_ids() -> tuple[str, ...]:
    return tuple(spec.id for spec in REGISTRY)
