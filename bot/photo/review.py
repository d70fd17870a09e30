"""Turns a photo into the replies a user sees."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.messages import (
    Action,
    ActionId,
    Buttons,
    CheckLine,
    Checks,
    Citation,
    Fixes,
    Image,
    Images,
    Part,
    Quote,
    Reply,
    ReplyKind,
    Score,
    Status,
    Title,
)
from bot.photo.analysis import Analysis, analyze
from bot.photo.crop import render_crop
from bot.photo.limits import MAX_UPLOAD_BYTES
from bot.photo.loading import PhotoError, load_photo
from bot.photo.platforms import PlatformSpec, platform_spec

log = logging.getLogger("headshot.photo")

AGE_QUESTION = "how often should I update my headshot"
AI_QUESTION = "should I disclose an AI-generated headshot"


@dataclass
class PhotoResult:
    """One analyzed photo (or the reason it could not be analyzed)."""

    filename: str
    platform: PlatformSpec
    analysis: Analysis | None = None
    error: str | None = None
    original_size: tuple[int, int] = (0, 0)


def analyze_bytes(data: bytes, *, filename: str, platform: str, now: datetime) -> PhotoResult:
    spec = platform_spec(platform)
    started = time.perf_counter()
    try:
        loaded = load_photo(data, max_bytes=MAX_UPLOAD_BYTES)
    except PhotoError as problem:
        return PhotoResult(filename, spec, error=str(problem))
    try:
        analysis = analyze(loaded, data, platform=spec, now=now)
    except Exception:  # a decoder or detector surprise must not reach the user as a traceback
        log.exception("photo analysis failed", extra={"platform": spec.name, "event": "photo_check_error"})
        return PhotoResult(
            filename, spec, error="Something went wrong while analyzing this photo. Please try another copy."
        )
    log.debug(
        "photo analyzed",
        extra={
            "platform": spec.name,
            "event": "photo_check",
            "latency_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return PhotoResult(filename, spec, analysis=analysis, original_size=loaded.original_size)


def crop_images(data: bytes, result: PhotoResult) -> tuple[bytes, bytes] | None:
    if result.analysis is None or result.analysis.crop is None:
        return None
    try:
        return render_crop(
            data,
            result.analysis.crop,
            result.analysis.rotation,
            result.platform,
            original_longest=max(result.original_size),
            max_bytes=MAX_UPLOAD_BYTES,
        )
    except PhotoError:
        return None


def review_attachment(
    data: bytes,
    *,
    filename: str,
    platform: str,
    now: datetime,
    cite: Callable[[str], Citation | None],
) -> list[Reply]:
    result = analyze_bytes(data, filename=filename, platform=platform, now=now)
    if result.analysis is None:
        return [Reply.plain(f"I couldn't check {filename}: {result.error}", ReplyKind.ERROR, private=True)]
    analysis = result.analysis
    checks = tuple(CheckLine(c.id, c.status, c.message) for c in analysis.checks)
    fixes = tuple(analysis.fixes())
    citations: list[Citation] = []
    flagged = {c.id for c in analysis.checks if c.status in (Status.WARN, Status.FAIL)}
    if "photo_age" in flagged or analysis.taken_at is not None:
        found = cite(AGE_QUESTION)
        if found is not None:
            citations.append(found)
    if "ai_provenance" in flagged:
        found = cite(AI_QUESTION)
        if found is not None:
            citations.append(found)
    images: list[Image] = []
    rendered = crop_images(data, result)
    stem = filename.rsplit(".", 1)[0] or "photo"
    if rendered is not None:
        crop_jpeg, preview_png = rendered
        images.append(
            Image(f"{stem}-{result.platform.name}-crop.jpg", crop_jpeg, "image/jpeg", "Suggested square crop")
        )
        images.append(
            Image(f"{stem}-round-preview.png", preview_png, "image/png", "How it looks as a round avatar")
        )
    title = f"Photo check for {result.platform.label}: {analysis.score}/100"
    parts: list[Part] = [Title(title), Score(analysis.score), Checks(checks)]
    if fixes:
        parts.append(Fixes(fixes))
    parts.extend(Quote(citation.quote, citation) for citation in citations)
    if images:
        parts.append(Images(tuple(images)))
    if analysis.faces:  # a refresh reminder only makes sense for a photo of someone
        parts.append(Buttons((Action("Remind me in a year", ActionId.REMIND_IN_A_YEAR, value="12 months"),)))
    return [Reply(ReplyKind.CHECK, tuple(parts))]
