"""Untrusted bytes: each bad file gets a clear message; the other photos in the call are still analyzed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.cli import main as cli_main
from bot.photo.limits import MAX_UPLOAD_BYTES
from bot.photo.loading import PhotoError, load_photo
from bot.photo.review import analyze_bytes
from tests.photo.helpers import NOW, large_jpeg, photo_bytes

GOOD = "interfaces_047_man_white_background.jpg"


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _portrait() -> Image.Image:
    return Image.open(io.BytesIO(photo_bytes(GOOD))).convert("RGB")


def _bomb() -> bytes:
    # A PNG header that promises far more pixels than allowed; Pillow must refuse before decoding.
    return _encoded(Image.new("1", (12_000, 12_000)), "PNG", optimize=True)


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.jpg": (b"", "empty"),
    "notes.jpg": (b"%PDF-1.7 this is not a picture at all" * 20, "not an image"),
    "truncated.jpg": (photo_bytes(GOOD)[: len(photo_bytes(GOOD)) // 2], "damaged or incomplete"),
    "bomb.png": (_bomb(), "too large in pixels"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_get_a_friendly_message(name: str) -> None:
    data, words = BAD_FILES[name]
    with pytest.raises(PhotoError, match=words):
        load_photo(data, max_bytes=MAX_UPLOAD_BYTES)


def test_files_over_the_byte_limit_are_refused_before_decoding() -> None:
    data = large_jpeg()
    assert len(data) > 1024 * 1024
    with pytest.raises(PhotoError, match="larger than 1 MB"):
        load_photo(data, max_bytes=1024 * 1024)


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [
        ("PNG", "RGBA"),
        ("PNG", "P"),
        ("WEBP", "RGB"),
        ("GIF", "P"),
        ("BMP", "RGB"),
        ("TIFF", "CMYK"),
        ("PNG", "I;16"),
    ],
)
def test_formats_and_modes_load_as_rgb(fmt: str, mode: str) -> None:
    source = _portrait()
    if mode == "I;16":
        # Real 16-bit pictures use the whole 0-65535 range.
        image = Image.fromarray(np.asarray(source.convert("L")).astype(np.uint16) * 257)
    else:
        image = source.convert(mode)
    loaded = load_photo(_encoded(image, fmt), max_bytes=MAX_UPLOAD_BYTES)
    assert loaded.image.mode == "RGB"
    assert loaded.original_size == source.size
    # The picture survives the conversion (not a blank frame).
    assert np.asarray(loaded.image).std() > 20


def test_heic_and_exif_orientation() -> None:
    heic = load_photo(photo_bytes("iphone_camera_rig.heic"), max_bytes=MAX_UPLOAD_BYTES)
    assert heic.format == "HEIF" and heic.original_size == (4032, 3024)
    turned = load_photo(photo_bytes("curies_laboratory_orientation6.jpg"), max_bytes=MAX_UPLOAD_BYTES)
    assert turned.original_size == (840, 700)
    assert turned.image.width > turned.image.height


def test_big_jpeg_is_decoded_at_reduced_scale() -> None:
    loaded = load_photo(large_jpeg(), max_bytes=MAX_UPLOAD_BYTES)
    assert loaded.original_size == (6000, 4000)
    assert max(loaded.image.size) <= 1024


def test_cli_reports_bad_files_and_still_analyzes_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for name, (data, _) in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    good = tmp_path / GOOD
    good.write_bytes(photo_bytes(GOOD))
    paths.insert(2, str(good))
    code = cli_main(["check", "--json", *paths])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [line["path"] for line in lines] == paths
    by_path = {line["path"]: line for line in lines}
    assert by_path[str(good)]["ok"] is True and by_path[str(good)]["faces"] == 1
    for name, (_, words) in BAD_FILES.items():
        line = by_path[str(tmp_path / name)]
        assert line["ok"] is False and words in line["error"] and "Traceback" not in line["error"]


@pytest.mark.parametrize("size", [(1, 1), (3, 1000), (1000, 3)])
def test_degenerate_pictures_are_analyzed_not_crashed(size: tuple[int, int]) -> None:
    result = analyze_bytes(
        _encoded(Image.new("RGB", size, (120, 100, 90)), "PNG"), filename="x", platform="slack", now=NOW
    )
    assert result.analysis is not None
    statuses = {check.id: check.status for check in result.analysis.checks}
    assert statuses["face_count"] == "fail" and statuses["resolution"] == "fail"
