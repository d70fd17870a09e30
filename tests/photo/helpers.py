"""Shared helpers for the photo tests: the manifest, cached analyses and degraded variants."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from bot.photo.review import PhotoResult, analyze_bytes
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
}


def degraded(name: str, kind: str) -> PhotoResult:
    make, _ = DEGRADATIONS[kind]
    with Image.open(data_path("photos", name)) as source:
        image = source.convert("RGB")
    return analyze_bytes(make(image), filename=f"{kind}-{name}", platform="generic", now=NOW)
