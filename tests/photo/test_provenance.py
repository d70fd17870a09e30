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


def test_content_credentials_are_validated_and_the_signer_named() -> None:
    result = analyzed("c2pa_content_credentials_ribbons.jpg")
    assert result.analysis is not None and result.analysis.provenance is not None
    credentials = result.analysis.provenance.credentials
    assert credentials is not None and credentials.valid and not credentials.ai_generated
    assert credentials.signer == "C2PA Test Signing Cert"
    check = next(c for c in result.analysis.checks if c.id == "ai_provenance")
    assert check.status == "pass" and "valid" in check.message and "C2PA Test Signing Cert" in check.message


def test_a_manifest_that_fails_validation_is_reported_as_such() -> None:
    tampered = bytearray(photo_bytes("c2pa_content_credentials_ribbons.jpg"))
    tampered[-5000] ^= 0xFF  # one byte of the picture changed after signing
    result = analyze_bytes(bytes(tampered), filename="x.jpg", platform="generic", now=NOW)
    assert result.analysis is not None and result.analysis.provenance is not None
    assert result.analysis.provenance.manifest_invalid
    check = next(c for c in result.analysis.checks if c.id == "ai_provenance")
    assert check.status == "warn" and "fail validation" in check.message


def test_c2pa_is_imported_only_for_files_that_carry_a_manifest() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from datetime import datetime, UTC\n"
        "from pathlib import Path\n"
        "from bot.photo.review import analyze_bytes\n"
        "data = Path(sys.argv[1]).read_bytes()\n"
        "analyze_bytes(data, filename='x', platform='generic', now=datetime.now(UTC))\n"
        "print('c2pa' in sys.modules)\n"
    )
    from tests.conftest import data_path

    for name, expected in (
        ("biden_official_portrait.jpg", "False"),
        ("c2pa_content_credentials_ribbons.jpg", "True"),
    ):
        out = subprocess.run(
            [sys.executable, "-c", code, str(data_path("photos", name))],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip().splitlines()[-1] == expected, name


def _signed(picture: bytes, source_type: str) -> bytes:
    """The picture with Content Credentials signed by a throwaway certificate chain made here (offline)."""
    import datetime
    import json

    import c2pa  # type: ignore[import-untyped]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = datetime.datetime.now(datetime.UTC)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def certificate(subject: str, public: ec.EllipticCurvePublicKey, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name("Test Root"))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(not ca, False, False, False, False, ca, ca, False, False), critical=True
            )
        )
        if not ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
            )
        return builder.sign(root_key, hashes.SHA256())

    chain = b"".join(
        c.public_bytes(serialization.Encoding.PEM)
        for c in (
            certificate("Test Generator", key.public_key(), ca=False),
            certificate("Test Root", root_key.public_key(), ca=True),
        )
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(alg=b"es256", sign_cert=chain, private_key=private, ta_url=None)
    )
    manifest = {
        "claim_generator_info": [{"name": "test-generator", "version": "1.0"}],
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": source_type}]},
            }
        ],
    }
    out = io.BytesIO()
    c2pa.Builder(json.dumps(manifest)).sign(signer, "image/jpeg", io.BytesIO(picture), out)
    return out.getvalue()


def test_content_credentials_that_declare_generative_ai_warn() -> None:
    base = photo_bytes("interfaces_047_man_white_background.jpg")
    made = _signed(base, "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")
    result = analyze_bytes(made, filename="x.jpg", platform="generic", now=NOW)
    assert result.analysis is not None and result.analysis.provenance is not None
    credentials = result.analysis.provenance.credentials
    assert credentials is not None and credentials.valid and credentials.ai_generated
    assert credentials.signer == "Test Generator"
    check = next(c for c in result.analysis.checks if c.id == "ai_provenance")
    assert check.status == "warn" and "generative AI" in check.message
    camera = _signed(base, "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture")
    status, _ = _status(camera)
    assert status == "pass"
