"""Safe decoding of untrusted photo bytes: everything goes through Pillow with explicit limits.

Before any pixel is decoded, the memory the decode will take is worked out from the header and reserved
from the shared budget (`bot.photo.work`); a picture that could never fit is refused with a friendly
message. JPEGs are decoded at reduced scale (draft mode), so a camera photo reserves little; other
formats decode at full size and are shrunk right after, in their own mode, before anything else runs.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from bot.photo.work import TooLargeToDecode, Waiting, photo_work

MAX_PIXELS = 60_000_000
"""Refuse images above this many pixels (decompression bombs); a 24 MP camera photo passes easily."""
ANALYSIS_SIDE = 1024
"""Longest side the analysis works on; big JPEGs are decoded at reduced scale (draft mode)."""

STORED_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
"""What Pillow allocates per pixel by mode; every other mode (RGB included) is stored in 4 bytes."""
DECODER_OVERHEAD = {"WEBP": 4.0, "AVIF": 2.3, "HEIF": 1.8}
"""Peak memory of a full decode, as a multiple of the decoded picture (measured with
benchmarks/photo_memory_bench.py: libwebp, libavif and libheif decode into buffers of their own that
Pillow then copies). Other formats decode straight into the picture."""
OTHER_DECODER_OVERHEAD = 1.1


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


def decode_cost(image: Image.Image, stored_size: tuple[int, int]) -> int:
    """Bytes the decode of an opened (not yet loaded) picture will take at its peak.

    `image.size` is the size it will decode at (after a JPEG draft); `stored_size` the size in the file.
    """
    width, height = image.size
    picture = width * height * STORED_BYTES_PER_PIXEL.get(image.mode, 4)
    fmt = image.format or ""
    cost = picture * DECODER_OVERHEAD.get(fmt, OTHER_DECODER_OVERHEAD)
    if image.mode in ("RGBA", "LA", "PA"):
        # Shrinking a picture with alpha goes band by band (see `_shrink`): one full-size band is copied.
        cost += width * height
    if fmt == "JPEG" and (image.info.get("progressive") or image.info.get("progression")):
        # A progressive JPEG keeps every DCT coefficient (2 bytes a sample) of the whole picture in
        # memory until the last scan, however small the draft scale.
        bands = len(image.getbands()) if image.mode != "L" else 1
        cost += stored_size[0] * stored_size[1] * bands * 2
    return int(cost)


def _too_large_message(needed: int) -> str:
    megabytes = max(1, round(needed / 2**20))
    return (
        f"This picture is too large for me to open safely (decoding it would take about {megabytes} MB). "
        "Please send a smaller copy, for example a JPEG of at most 4000 pixels on the long side."
    )


def load_photo(
    data: bytes,
    *,
    max_bytes: int,
    max_side: int = ANALYSIS_SIDE,
    min_side: int | None = None,
    waiting: Waiting | None = None,
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
            if fmt == "JPEG" and isinstance(image, JpegImagePlugin.JpegImageFile):
                # The decoder scales by 1/2, 1/4 or 1/8 and keeps every side at least the requested one;
                # accepting 3/4 of the working size lets a 12 MP photo decode at 1/4 (1000 px) instead
                # of 1/2 and a resize, which is where most of the decode time went.
                floor = min_side if min_side is not None else max_side * 3 // 4
                longest = max(width, height)
                image.draft("RGB", (max(1, width * floor // longest), max(1, height * floor // longest)))
            with photo_work().memory(decode_cost(image, (width, height)), waiting):
                image.seek(0)
                image.load()
                metadata = _metadata(image, fmt)
                image = _shrink(image, max_side)
    except PhotoError:
        raise
    except TooLargeToDecode as refused:
        raise PhotoError(_too_large_message(refused.needed)) from None
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
    taken_at, orientation, info, software, quality = metadata
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    image = _upright_rgb(image, orientation)
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
        software=software,
        jpeg_quality=quality,
    )


def _metadata(
    image: Image.Image, fmt: str
) -> tuple[datetime | None, int, dict[str, object], str | None, int | None]:
    # Read after the decode: for a PNG, Pillow's getexif() decodes the whole picture.
    exif = image.getexif()
    info: dict[str, object] = {str(key): value for key, value in image.info.items()}
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if xmp is not None:
        info["xmp"] = xmp
    software = exif.get(0x0131)
    orientation = exif.get(0x0112, 1)
    return (
        _taken_at(image),
        orientation if isinstance(orientation, int) else 1,
        info,
        software if isinstance(software, str) else None,
        _jpeg_quality(image) if fmt == "JPEG" else None,
    )


def _shrink(image: Image.Image, max_side: int) -> Image.Image:
    """Brings a full-size decode down near the working size in its own mode, so the big picture can go
    before any conversion copies it."""
    longest = max(image.size)
    if longest <= 2 * max_side:
        return image
    if image.mode in ("P", "PA", "1", "I;16", "I;16L", "I;16B", "I;16N"):
        # These modes cannot be averaged down; keep twice the working size so the final smooth resize
        # (after conversion) still averages neighbours.
        scale = 2 * max_side / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        return image.resize(size, Image.Resampling.NEAREST)
    factor = max(1, longest // max_side)
    if image.mode in ("RGBA", "LA"):
        # Pillow premultiplies a whole-picture copy to reduce a picture with alpha; band by band, only
        # one band's worth of full-size memory is added.
        return Image.merge(image.mode, [image.getchannel(band).reduce(factor) for band in image.getbands()])
    return image.reduce(factor)


def _upright_rgb(image: Image.Image, orientation: int) -> Image.Image:
    if orientation != 1:
        image.getexif()[0x0112] = orientation  # exif_transpose reads the tag from the (shrunk) copy
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I;16") or image.mode == "I":
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")
