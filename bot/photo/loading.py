"""Safe decoding of untrusted photo bytes: everything goes through Pillow with explicit limits."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

MAX_PIXELS = 60_000_000
"""Refuse images above this many pixels (decompression bombs); a 24 MP camera photo passes easily."""
ANALYSIS_SIDE = 1024
"""Longest side the analysis works on; big JPEGs are decoded at reduced scale (draft mode)."""


class PhotoError(Exception):
    """A photo that cannot be analyzed; the message is safe to show to the person who sent it."""


@dataclass(frozen=True)
class LoadedPhoto:
    image: Image.Image  # RGB, orientation applied, longest side <= ANALYSIS_SIDE
    original_size: tuple[int, int]  # width, height as displayed (after EXIF orientation)
    format: str
    taken_at: datetime | None
    metadata: dict[str, object]
    software: str | None = None
    jpeg_quality: int | None = None  # estimated from the quantisation table


_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def _taken_at(image: Image.Image) -> datetime | None:
    exif = image.getexif()
    raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _jpeg_quality(image: Image.Image) -> int | None:
    """Approximate libjpeg quality from the luminance quantisation table (IJG scaling)."""
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    table = list(tables[0])
    scale = sum(table) / sum(_STANDARD_LUMA)
    # IJG: scale = 50/q for q < 50, (200 - 2q)/100 above.
    quality = 50 / scale if scale >= 1 else (200 - scale * 100) / 2
    return int(max(1, min(100, round(quality))))


_STANDARD_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip


def load_photo(
    data: bytes, *, max_bytes: int, max_side: int = ANALYSIS_SIDE, min_side: int | None = None
) -> LoadedPhoto:
    """Decode `data` into a small RGB analysis image, or raise PhotoError with a friendly message."""
    if not data:
        raise PhotoError("The file is empty (0 bytes). Please send the photo again.")
    if len(data) > max_bytes:
        raise PhotoError(
            f"The file is larger than {max_bytes // (1024 * 1024)} MB. Please send a smaller copy."
        )
    _register_heif()
    previous_limit = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError("The image is too large in pixels to analyze safely.")
            fmt = image.format or "unknown"
            taken_at = _taken_at(image)
            orientation = image.getexif().get(0x0112, 1)
            info: dict[str, object] = {str(key): value for key, value in image.info.items()}
            software = image.getexif().get(0x0131)
            quality = _jpeg_quality(image) if fmt == "JPEG" else None
            xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
            if xmp is not None:
                info["xmp"] = xmp
            if fmt == "JPEG" and isinstance(image, JpegImagePlugin.JpegImageFile):
                # The decoder scales by 1/2, 1/4 or 1/8 and keeps every side at least the requested one;
                # accepting 3/4 of the working size lets a 12 MP photo decode at 1/4 (1000 px) instead
                # of 1/2 and a resize, which is where most of the decode time went.
                floor = min_side if min_side is not None else max_side * 3 // 4
                stored_w, stored_h = image.size
                longest = max(stored_w, stored_h)
                image.draft("RGB", (max(1, stored_w * floor // longest), max(1, stored_h * floor // longest)))
            image.seek(0)
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("The image is too large in pixels to analyze safely.") from None
    except UnidentifiedImageError:
        raise PhotoError(
            "This file is not an image I can read (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC)."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError("The image file looks damaged or incomplete. Please export it again.") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode.startswith("I;16") or image.mode == "I":
        image = image.point(lambda value: value / 256).convert("L")
    image = image.convert("RGB")
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.BILINEAR,
        )
    return LoadedPhoto(
        image=image,
        original_size=(width, height),
        format=fmt,
        taken_at=taken_at,
        metadata=info,
        software=software if isinstance(software, str) else None,
        jpeg_quality=quality,
    )
