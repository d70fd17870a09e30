"""AI-generation and provenance markers embedded in a file. All are positive-only: a re-encode strips them.

Content Credentials (C2PA) are read and validated with c2pa-python, the Content Authenticity Initiative's
own bindings, imported only when the file carries a C2PA box (its native library costs ~90 ms to load).
Remote manifests are never fetched: the review is offline.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("headshot.photo")

GENERATOR_WORDS = (
    "midjourney",
    "dall-e",
    "dall·e",
    "stable diffusion",
    "stablediffusion",
    "firefly",
    "imagen",
    "comfyui",
    "automatic1111",
    "novelai",
    "leonardo.ai",
    "flux",
    "gpt-4o",
)
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic",
              "AVIF": "image/avif", "TIFF": "image/tiff", "GIF": "image/gif"}  # fmt: skip


@dataclass(frozen=True)
class Credentials:
    """What a C2PA manifest says, once validated."""

    valid: bool
    signer: str | None
    generator: str | None  # the claim generator (the app that wrote the manifest)
    ai_generated: bool
    problems: tuple[str, ...] = ()  # validation failures other than the offline trust list


@dataclass(frozen=True)
class Provenance:
    signals: list[str] = field(default_factory=list)  # every marker found, in words
    ai_claims: list[str] = field(default_factory=list)  # the markers that say "made by AI"
    credentials: Credentials | None = None
    remote_credentials: bool = False

    @property
    def manifest_invalid(self) -> bool:
        return self.credentials is not None and not self.credentials.valid

    @property
    def summary(self) -> str | None:
        creds = self.credentials
        if creds is None:
            if self.remote_credentials:
                return "The file points to Content Credentials stored online; I can't check them offline."
            return None
        who = f"signed by {creds.signer}" if creds.signer else "signed by an unnamed signer"
        if not creds.valid:
            return f"Its Content Credentials ({who}) fail validation: {'; '.join(creds.problems)}."
        made_by = f", written by {creds.generator}" if creds.generator else ""
        return f"Content Credentials (C2PA) present and valid, {who}{made_by}; no AI-generation claim."


def read_provenance(data: bytes, info: dict[str, object], software: str | None, fmt: str = "") -> Provenance:
    signals: list[str] = []
    claims: list[str] = []
    credentials = _credentials(data, fmt) if b"c2pa" in data and b"jumb" in data else None
    if credentials is not None:
        if credentials.ai_generated:
            claim = "its Content Credentials (C2PA) declare it was made by generative AI"
            signals.append(claim)
            claims.append(claim)
        elif credentials.valid:
            signals.append(f"Content Credentials (C2PA) manifest present, signed by {credentials.signer}")
        else:
            signals.append("Content Credentials (C2PA) manifest present but failing validation")
    xmp = info.get("xmp")
    xmp_bytes = xmp if isinstance(xmp, bytes) else xmp.encode() if isinstance(xmp, str) else b""
    if any(kind.encode() in xmp_bytes for kind in AI_SOURCE_TYPES):
        claim = "IPTC DigitalSourceType says the image was made by a generative AI model"
        signals.append(claim)
        claims.append(claim)
    remote = b"dcterms:provenance" in xmp_bytes and credentials is None
    for key in ("parameters", "prompt", "workflow", "Dream", "sd-metadata", "invokeai_metadata"):
        if key in info and isinstance(info[key], str | bytes):
            claim = f"PNG text '{key}' holds image-generator settings"
            signals.append(claim)
            claims.append(claim)
    if software and any(word in software.lower() for word in GENERATOR_WORDS):
        claim = f"EXIF Software names an image generator ({software.strip()[:40]})"
        signals.append(claim)
        claims.append(claim)
    return Provenance(signals, claims, credentials, remote)


def _credentials(data: bytes, fmt: str) -> Credentials | None:
    try:
        import c2pa  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - the dependency is declared; a broken install must not crash
        log.warning("c2pa-python is not installed; Content Credentials are not read")
        return None
    try:
        settings = c2pa.Settings.from_dict({"verify": {"remote_manifest_fetch": False}})
        reader = c2pa.Reader.try_create(
            MIME_TYPES.get(fmt, "image/jpeg"), io.BytesIO(data), context=c2pa.Context(settings)
        )
        if reader is None:
            return None
        report: dict[str, Any] = json.loads(reader.json())
    except Exception as problem:  # a damaged manifest is reported as such, never a traceback
        log.info("unreadable Content Credentials", extra={"error_type": type(problem).__name__})
        return Credentials(False, None, None, False, ("the manifest cannot be read",))
    return _summarise(report)


def _summarise(report: dict[str, Any]) -> Credentials:
    manifests: dict[str, Any] = report.get("manifests") or {}
    active = manifests.get(report.get("active_manifest") or "") or {}
    signature = active.get("signature_info") or {}
    signer = signature.get("issuer") or signature.get("common_name")
    ai = False
    for manifest in manifests.values():
        for assertion in manifest.get("assertions") or ():
            if not str(assertion.get("label", "")).startswith("c2pa.actions"):
                continue
            for action in (assertion.get("data") or {}).get("actions") or ():
                source = str(action.get("digitalSourceType", ""))
                agent = json.dumps(action.get("softwareAgent", "")).lower()
                if source.endswith(AI_SOURCE_TYPES) or (
                    action.get("action") == "c2pa.created" and any(w in agent for w in GENERATOR_WORDS)
                ):
                    ai = True
    failures = ((report.get("validation_results") or {}).get("activeManifest") or {}).get("failure") or []
    # Offline there is no trust list: every signer is "untrusted", which says nothing about tampering.
    problems = tuple(
        str(item.get("explanation") or item.get("code"))
        for item in failures
        if item.get("code") != "signingCredential.untrusted"
    )
    valid = report.get("validation_state") in ("Valid", "Trusted") and not problems
    return Credentials(valid, signer, active.get("claim_generator"), ai, problems)
