"""A fresh probe of the photo checks: degradations made with other parameters than the tests use.

Run: .venv/bin/python -m benchmarks.photo_probe

The tests (tests/photo) and `check_bench.py` degrade the good headshots in fixed ways, and the checks were
tuned while watching them. This probe degrades the same good headshots from ../shared/photos in ways no
threshold was set on (other blur radii, brightness, angles, crop positions, lens shapes and shades), so
its rates are an estimate of how the checks do on photos they have not seen. It was written before any
tuning on it and is meant to be run once per change of method, not tuned against.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.shared_data import shared_path  # noqa: E402
from bot.photo.faces import Face  # noqa: E402
from bot.photo.review import PhotoResult, analyze_bytes  # noqa: E402
from bot.photo.work import photo_work  # noqa: E402

NOW = datetime(2026, 12, 2, tzinfo=UTC)
Degrade = Callable[[Image.Image, Face], Image.Image]


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _tilted(image: Image.Image, angle: float) -> Image.Image:
    turned = image.rotate(angle, resample=Image.Resampling.BILINEAR)
    margin = round(min(image.size) * 0.2)
    return turned.crop((margin, margin, image.width - margin, image.height - margin))


def _head_cut(image: Image.Image, face: Face, top_share: float, centre_at: float) -> Image.Image:
    """Top edge `top_share` of the face box below its top; face centre at `centre_at` of the width."""
    top = face.y + top_share * face.h
    width = min(image.width, 2.6 * face.w)
    cx = face.x + face.w / 2
    left = min(max(0.0, cx - centre_at * width), image.width - width)
    return image.crop((round(left), round(top), round(left + width), image.height))


def _shades(image: Image.Image, face: Face, colour: tuple[int, int, int], aviator: bool) -> Image.Image:
    """Lenses as wide as 0.9 eye distances, as trapezoids (aviators) or rectangles, in a given tint."""
    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    d = face.eye_distance
    for x, y in (face.left_eye, face.right_eye):
        if aviator:
            draw.polygon(
                [
                    (x - 0.45 * d, y - 0.25 * d),
                    (x + 0.45 * d, y - 0.25 * d),
                    (x + 0.35 * d, y + 0.35 * d),
                    (x - 0.3 * d, y + 0.3 * d),
                ],
                fill=colour,
            )
        else:
            draw.rectangle((x - 0.45 * d, y - 0.22 * d, x + 0.45 * d, y + 0.26 * d), fill=colour)
    return out


# kind -> (the check that must flag it, how the photo is degraded)
PROBES: dict[str, tuple[str, Degrade]] = {
    "blur_sigma_w/70": ("sharpness", lambda im, f: im.filter(ImageFilter.GaussianBlur(im.width / 70))),
    "box_blur_w/90": ("sharpness", lambda im, f: im.filter(ImageFilter.BoxBlur(im.width / 90))),
    "dark_0.38": ("exposure", lambda im, f: ImageEnhance.Brightness(im).enhance(0.38)),
    "bright_1.9": ("exposure", lambda im, f: ImageEnhance.Brightness(im).enhance(1.9)),
    "tiny_170px": ("resolution", lambda im, f: im.resize((170, round(170 * im.height / im.width)))),
    "rotated_270": ("tilt", lambda im, f: im.rotate(270, expand=True)),
    "tilted_-19": ("tilt", lambda im, f: _tilted(im, -19)),
    "tilted_30": ("tilt", lambda im, f: _tilted(im, 30)),
    "head_cut_0.15_centre_0.32": ("framing", lambda im, f: _head_cut(im, f, 0.15, 0.32)),
    "head_cut_0.2_centre_0.5": ("framing", lambda im, f: _head_cut(im, f, 0.2, 0.5)),
    "head_cut_0.1_centre_0.68": ("framing", lambda im, f: _head_cut(im, f, 0.1, 0.68)),
    "aviators_brown": ("eyes", lambda im, f: _shades(im, f, (52, 38, 30), aviator=True)),
    "rect_shades_grey": ("eyes", lambda im, f: _shades(im, f, (40, 42, 45), aviator=False)),
}


def good_headshots() -> list[str]:
    images = json.loads(shared_path("photos", "manifest.json").read_text())["images"]
    return [entry["file"] for entry in images if entry.get("good_headshot")]


def flagged(result: PhotoResult) -> set[str]:
    if result.analysis is None:
        return set()
    return {check.id for check in result.analysis.checks if check.status in ("warn", "fail")}


def main() -> None:
    names = good_headshots()
    hits: dict[str, int] = dict.fromkeys(PROBES, 0)
    false_warnings: dict[str, int] = {}
    for name in names:
        with Image.open(shared_path("photos", name)) as source:
            image = source.convert("RGB")
        with photo_work().slot() as detector:
            faces = detector.detect(np.asarray(image))
        if not faces:
            raise SystemExit(f"{name}: no face in a good headshot; the probe cannot place its changes")
        for check in flagged(analyze_bytes(_jpeg(image), filename=name, platform="generic", now=NOW)):
            false_warnings[check] = false_warnings.get(check, 0) + 1
        for kind, (check, degrade) in PROBES.items():
            result = analyze_bytes(
                _jpeg(degrade(image, faces[0])), filename=f"{kind}-{name}", platform="generic", now=NOW
            )
            hits[kind] += check in flagged(result)
    print(f"photo probe: {len(names)} good headshots from ../shared/photos, {len(PROBES)} fresh degradations")
    print(f"{'degradation':<28} {'check':<11} flagged")
    total = 0
    for kind, (check, _) in PROBES.items():
        total += hits[kind]
        print(f"{kind:<28} {check:<11} {hits[kind]}/{len(names)}")
    print(f"all together: {total}/{len(names) * len(PROBES)} = {total / (len(names) * len(PROBES)):.2f}")
    print(f"warnings on the untouched good headshots: {false_warnings or 'none'}")


if __name__ == "__main__":
    main()
