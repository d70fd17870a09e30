"""The suggested square crop at the platform's size, and a round avatar preview."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from bot.photo.loading import LoadedPhoto, load_photo
from bot.photo.platforms import PlatformSpec


def render_crop(
    data: bytes,
    box: tuple[int, int, int, int],
    rotation: int,
    platform: PlatformSpec,
    *,
    original_longest: int,
    max_bytes: int,
) -> tuple[bytes, bytes]:
    """JPEG of the crop at the platform's recommended size and a PNG circle preview (256 px)."""
    x, y, w, h = box
    # Decode only as much as the crop needs: the whole picture at a scale where the crop reaches the target.
    needed = round(original_longest * min(1.0, platform.recommended / max(1, w)))
    decode_side = max(64, needed)
    loaded: LoadedPhoto = load_photo(data, max_bytes=max_bytes, max_side=decode_side, min_side=decode_side)
    picture = loaded.image.rotate(rotation, expand=True) if rotation else loaded.image
    original_w = loaded.original_size[1] if rotation in (90, 270) else loaded.original_size[0]
    scale = picture.width / original_w
    region = picture.crop(
        (round(x * scale), round(y * scale), round((x + w) * scale), round((y + h) * scale))
    )
    # Never upscale a small original: a blurry enlargement helps nobody.
    side = max(1, min(platform.recommended, region.width))
    square = region.resize((side, side), Image.Resampling.LANCZOS)
    jpeg = io.BytesIO()
    square.save(jpeg, "JPEG", quality=90, optimize=True)
    preview_side = 256
    preview = square.resize((preview_side, preview_side), Image.Resampling.LANCZOS).convert("RGBA")
    mask = Image.new("L", (preview_side, preview_side), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, preview_side - 1, preview_side - 1), fill=255)
    preview.putalpha(mask)
    png = io.BytesIO()
    preview.save(png, "PNG", optimize=True)
    return jpeg.getvalue(), png.getvalue()
