"""Shared helpers for the photo tests: the manifest, cached analyses and degraded variants."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from bot.photo.faces import Face
from bot.photo.review import PhotoResult, analyze_bytes
from bot.photo.work import photo_work
from tests.conftest import data_path

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@functools.cache
def manifest() -> list[dict[str, Any]]:
    images: list[dict[str, Any]] = json.loads(data_path("photos", "manifest.json").read_text())["images"]
    return images


def photo_bytes(name: str) -> bytes:
    return data_path("photos", name).read_bytes()


@functools.cache
def large_jpeg(width: int = 6000, height: int = 4000) -> bytes:
    """A 24 MP camera-sized JPEG, made from a real portrait (a 24 MP original would weigh on the clone)."""
    with Image.open(data_path("photos", "interfaces_047_man_white_background.jpg")) as source:
        image = source.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    # Sensor-like grain, so the file weighs what a camera's does (an upscale alone compresses to little).
    grain = np.random.default_rng(24).integers(-12, 13, (height, width, 3), dtype=np.int16)
    noisy = np.clip(np.asarray(image, dtype=np.int16) + grain, 0, 255).astype(np.uint8)
    return _jpeg(Image.fromarray(noisy), quality=90)


@functools.cache
def analyzed(name: str) -> PhotoResult:
    return analyze_bytes(photo_bytes(name), filename=name, platform="generic", now=NOW)


def flagged(result: PhotoResult) -> set[str]:
    assert result.analysis is not None, result.error
    return {check.id for check in result.analysis.checks if check.status in ("warn", "fail")}


def good_headshots() -> list[str]:
    return [entry["file"] for entry in manifest() if entry.get("good_headshot")]


def _jpeg(image: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


DEGRADATIONS: dict[str, tuple[Callable[[Image.Image], bytes], str]] = {
    "blurred": (lambda im: _jpeg(im.filter(ImageFilter.GaussianBlur(im.width / 100))), "sharpness"),
    "underexposed": (lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(0.3)), "exposure"),
    "overexposed": (lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(2.2)), "exposure"),
    "jpeg_q5": (lambda im: _jpeg(im, quality=5), "compression"),
    "tiny": (lambda im: _jpeg(im.resize((150, round(150 * im.height / im.width)))), "resolution"),
    "rotated_90": (lambda im: _jpeg(im.rotate(90, expand=True)), "tilt"),
    "cut_at_side": (lambda im: _jpeg(im.crop((round(im.width * 0.4), 0, im.width, im.height))), "framing"),
    "tilted_25": (lambda im: _jpeg(_turned(im, 25)), "tilt"),
    "upside_down": (lambda im: _jpeg(im.rotate(180)), "tilt"),
}


def _turned(image: Image.Image, angle: float) -> Image.Image:
    """Turned by `angle` degrees and cropped to the middle, so no empty corners give it away."""
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC)
    margin = round(min(image.size) * 0.18)
    return turned.crop((margin, margin, image.width - margin, image.height - margin))


def degraded(name: str, kind: str) -> PhotoResult:
    make, _ = DEGRADATIONS[kind]
    with Image.open(data_path("photos", name)) as source:
        image = source.convert("RGB")
    return analyze_bytes(make(image), filename=f"{kind}-{name}", platform="generic", now=NOW)


def main_face(image: Image.Image) -> Face:
    """The largest face in a picture, from the real detector (to place degradations on the face)."""
    with photo_work().slot() as detector:
        faces = detector.detect(np.asarray(image.convert("RGB")))
    assert faces, "the source photo must show a face"
    return faces[0]


def draw_sunglasses(image: Image.Image, face: Face, shape: str = "ellipse", shade: int = 20) -> Image.Image:
    """Dark sunglasses drawn over the eyes, placed from the landmarks (lens about 0.85 eye distances wide)."""
    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    ied = face.eye_distance
    for x, y in (face.left_eye, face.right_eye):
        box = (x - 0.43 * ied, y - 0.3 * ied, x + 0.43 * ied, y + 0.3 * ied)
        if shape == "ellipse":
            draw.ellipse(box, fill=(shade, shade, shade + 4))
        else:
            draw.rounded_rectangle(
                box, radius=max(1, int(0.1 * ied)), fill=(shade + 20, shade + 15, shade + 12)
            )
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    draw.line((lx + 0.4 * ied, ly, rx - 0.4 * ied, ry), fill=(15, 15, 15), width=max(2, int(0.06 * ied)))
    return out


def forehead_cut(
    image: Image.Image, face: Face, *, centre_at: float, top_above_eyes: float = 0.8
) -> Image.Image:
    """A crop whose top edge runs through the forehead (`top_above_eyes` eye-to-mouth distances above the
    eye line) with the face centre at `centre_at` of the width (0.5 = centred)."""
    unit = face.eye_to_mouth
    top = face.eye_mid[1] - top_above_eyes * unit
    width = min(image.width, 2.2 * face.w)
    cx = face.x + face.w / 2
    left = min(max(0.0, cx - centre_at * width), image.width - width)
    return image.crop((round(left), round(max(0.0, top)), round(left + width), image.height))


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    return _jpeg(image, quality)


def analyzed_image(image: Image.Image, name: str = "variant.jpg", platform: str = "generic") -> PhotoResult:
    return analyze_bytes(_jpeg(image), filename=name, platform=platform, now=NOW)
