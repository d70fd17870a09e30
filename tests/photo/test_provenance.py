"""AI-generation markers embedded in files."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

from bot.photo.review import analyze_bytes
from tests.photo.helpers import NOW, analyzed, photo_bytes

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _portrait() -> Image.Image:
    return Image.open(io.BytesIO(photo_bytes("interfaces_047_man_white_background.jpg"))).convert("RGB")


def _status(data: bytes) -> tuple[str, list[str]]:
    result = analyze_bytes(data, filename="x", platform="generic", now=NOW)
    assert result.analysis is not None
    check = next(c for c in result.analysis.checks if c.id == "ai_provenance")
    return str(check.status), result.analysis.ai_signals


def test_png_generator_parameters_are_reported() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("parameters", "professional headshot, Steps: 30, Sampler: Euler a")
    out = io.BytesIO()
    _portrait().save(out, "PNG", pnginfo=text)
    status, signals = _status(out.getvalue())
    assert status == "warn" and any("parameters" in signal for signal in signals)


def test_iptc_trained_algorithmic_media_in_xmp_is_reported() -> None:
    out = io.BytesIO()
    _portrait().save(out, "JPEG", xmp=XMP)
    status, signals = _status(out.getvalue())
    assert status == "warn" and any("IPTC" in signal for signal in signals)


def test_plain_camera_photo_and_c2pa_without_ai_claim_pass() -> None:
    assert _status(photo_bytes("obama_podium_speech_2009.jpg")) == ("pass", [])
    result = analyzed("c2pa_content_credentials_ribbons.jpg")
    assert result.analysis is not None
    assert any("C2PA" in signal for signal in result.analysis.ai_signals)
    assert next(c for c in result.analysis.checks if c.id == "ai_provenance").status == "pass"
