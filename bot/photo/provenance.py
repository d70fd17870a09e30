"""AI-generation signals embedded in a file. All are positive-only: a re-encode strips them."""

from __future__ import annotations

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


def ai_signals(data: bytes, info: dict[str, object], software: str | None) -> list[str]:
    """Human-readable descriptions of every AI-generation marker found."""
    signals: list[str] = []
    if b"trainedAlgorithmicMedia" in data or b"compositeWithTrainedAlgorithmicMedia" in data:
        signals.append("IPTC DigitalSourceType says the image was made by a generative AI model")
    elif b"c2pa" in data and b"jumb" in data:
        signals.append("Content Credentials (C2PA) manifest present")
    for key in ("parameters", "prompt", "workflow", "Dream", "sd-metadata"):
        if key in info and isinstance(info[key], str | bytes):
            signals.append(f"PNG text '{key}' holds image-generator settings")
    if software and any(word in software.lower() for word in GENERATOR_WORDS):
        signals.append(f"EXIF Software names an image generator ({software.strip()[:40]})")
    return signals


def is_ai_claim(signal: str) -> bool:
    return not signal.startswith("Content Credentials")
