"""The suggested square crop at the platform's size, and a round avatar preview."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from bot.photo.loading import LoadedPhoto, load_photo
from bot.photo.platforms import PlatformSpec
from bot.photo.work import Waiting

PREVIEW_SIDE = 256


def render_crop(
    data: bytes,
    box: tuple[int, int, int, int],
    rotation: int,
    platform: PlatformSpec,
    *,
    original_longest: int,
    max_bytes: int,
    straighten: float = 0.0,
    waiting: Waiting | None = None,
) -> tuple[bytes, bytes]:
    """JPEG of the crop at the platform's recommended size and a PNG circle preview (256 px).

    `box` is the square in the upright picture's pixels; with `straighten` the picture is first turned
    by that many degrees (counter-clockwise) about the square's centre, which levels the eyes. The
    analysis sized the square so that, turned, it still lies wholly inside the picture.
    """
    x, y, w, _ = box
    # Decode only as much as the crop needs: the whole picture at a scale where the crop reaches the target.
    needed = round(original_longest * min(1.0, platform.recommended / max(1, w)))
    decode_side = max(64, needed)
    loaded: LoadedPhoto = load_photo(
        data, max_bytes=max_bytes, max_side=decode_side, min_side=decode_side, waiting=waiting
    )
    picture = loaded.image.rotate(rotation, expand=True) if rotation else loaded.image
    original_w = loaded.original_size[1] if rotation in (90, 270) else loaded.original_size[0]
    scale = picture.width / original_w
    left, top, side = x * scale, y * scale, w * scale
    if straighten:
        # Turn only the neighbourhood of the square: its bounding box when turned, plus a margin.
        reach = side * (abs(math.cos(math.radians(straighten))) + abs(math.sin(math.radians(straighten)))) / 2
        cx, cy = left + side / 2, top + side / 2
        area = (
            max(0, math.floor(cx - reach) - 2),
            max(0, math.floor(cy - reach) - 2),
            min(picture.width, math.ceil(cx + reach) + 2),
            min(picture.height, math.ceil(cy + reach) + 2),
        )
        picture = picture.crop(area).rotate(
            straighten, resample=Image.Resampling.BICUBIC, center=(cx - area[0], cy - area[1])
        )
        left, top = left - area[0], top - area[1]
    region = picture.crop((round(left), round(top), round(left + side), round(top + side)))
    # Never upscale a small original: a blurry enlargement helps nobody.
    target = max(1, min(platform.recommended, region.width))
    square = region.resize((target, target), Image.Resampling.LANCZOS)
    jpeg = io.BytesIO()
    square.save(jpeg, "JPEG", quality=90, optimize=True)
    preview = square.resize((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS).convert("RGBA")
    mask = Image.new("L", (PREVIEW_SIDE, PREVIEW_SIDE), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, PREVIEW_SIDE - 1, PREVIEW_SIDE - 1), fill=255)
    preview.putalpha(mask)
    png = io.BytesIO()
    preview.save(png, "PNG", optimize=True)
    return jpeg.getvalue(), png.getvalue()


def crop_file_names(stem: str, platform: str) -> tuple[str, str]:
    """Both output files carry the platform, so checking for another platform never overwrites them."""
    stem = stem or "photo"
    return f"{stem}-{platform}-crop.jpg", f"{stem}-{platform}-round-preview.png"
