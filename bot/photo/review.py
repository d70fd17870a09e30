"""Turns one photo, or several sent together, into the replies a user sees."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
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
    Paragraph,
    Part,
    Quote,
    Reply,
    ReplyKind,
    Score,
    Status,
    Title,
)
from bot.photo.analysis import Analysis, analyze, spec_of
from bot.photo.crop import crop_file_names, render_crop
from bot.photo.limits import MAX_UPLOAD_BYTES
from bot.photo.loading import PhotoError, load_photo
from bot.photo.platforms import PlatformSpec, platform_spec
from bot.photo.work import Waiting, photo_work

log = logging.getLogger("headshot.photo")

AGE_QUESTION = "how often should I update my headshot"
AI_QUESTION = "should I disclose an AI-generated headshot"

Cite = Callable[[str], Citation | None]
OnQueued = Callable[[], None]


@dataclass
class PhotoResult:
    """One analyzed photo (or the reason it could not be analyzed)."""

    filename: str
    platform: PlatformSpec
    analysis: Analysis | None = None
    error: str | None = None
    original_size: tuple[int, int] = (0, 0)


def analyze_bytes(
    data: bytes, *, filename: str, platform: str, now: datetime, on_queued: OnQueued | None = None
) -> PhotoResult:
    """Analyzes one photo in one of the bounded photo slots (see `bot.photo.work`). `on_queued` is called
    once if the photo had to wait more than about two seconds for a slot or for decode memory."""
    return _analyze(
        data, filename=filename, spec=platform_spec(platform), now=now, waiting=Waiting(on_queued)
    )


def _analyze(
    data: bytes, *, filename: str, spec: PlatformSpec, now: datetime, waiting: Waiting
) -> PhotoResult:
    started = time.perf_counter()
    with photo_work().slot(waiting) as detector:
        try:
            loaded = load_photo(data, max_bytes=MAX_UPLOAD_BYTES, waiting=waiting)
        except PhotoError as problem:
            return PhotoResult(filename, spec, error=str(problem))
        try:
            analysis = analyze(loaded, data, platform=spec, now=now, detector=detector)
        except Exception:  # a decoder or detector surprise must not reach the user as a traceback
            log.exception(
                "photo analysis failed", extra={"platform": spec.name, "event": "photo_check_error"}
            )
            return PhotoResult(
                filename,
                spec,
                error="Something went wrong while analyzing this photo. Please try another copy.",
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


def crop_images(
    data: bytes, result: PhotoResult, waiting: Waiting | None = None
) -> tuple[bytes, bytes] | None:
    if result.analysis is None or result.analysis.crop is None:
        return None
    try:
        with photo_work().slot(waiting):
            return render_crop(
                data,
                result.analysis.crop,
                result.analysis.rotation,
                result.platform,
                original_longest=max(result.original_size),
                max_bytes=MAX_UPLOAD_BYTES,
                straighten=result.analysis.straighten,
                waiting=waiting,
            )
    except PhotoError:
        return None


def review_attachment(
    data: bytes,
    *,
    filename: str,
    platform: str,
    now: datetime,
    cite: Cite,
    on_queued: OnQueued | None = None,
) -> list[Reply]:
    return review_attachments([(filename, data)], platform=platform, now=now, cite=cite, on_queued=on_queued)


def review_attachments(
    photos: Sequence[tuple[str, bytes]],
    *,
    platform: str,
    now: datetime,
    cite: Cite,
    on_queued: OnQueued | None = None,
) -> list[Reply]:
    """One full review for a single photo; for several sent together, which one is best and why first,
    then a brief review of each (the crop only for the best)."""
    spec = platform_spec(platform)
    waiting = Waiting(on_queued)
    results = [_analyze(data, filename=name, spec=spec, now=now, waiting=waiting) for name, data in photos]
    if len(results) == 1:
        return [_photo_reply(results[0], photos[0][1], cite, brief=False, waiting=waiting)]
    order = rank(results)
    best = order[0]
    replies = [comparison_reply(results, order)]
    for index, (result, (_, data)) in enumerate(zip(results, photos, strict=True)):
        replies.append(_photo_reply(result, data, cite, brief=index != best, waiting=waiting))
    return replies


def rank(results: Sequence[PhotoResult]) -> list[int]:
    """Indexes of `results`, best first: a readable photo with a face, fewer failures, higher score."""

    def key(index: int) -> tuple[int, int, int, int]:
        analysis = results[index].analysis
        if analysis is None:
            return (1, 1, 0, 0)
        fails = sum(c.status is Status.FAIL for c in analysis.checks)
        return (0, 0 if analysis.faces else 1, fails, -analysis.score)

    return sorted(range(len(results)), key=key)


def _main_problem(analysis: Analysis) -> str | None:
    flagged = [c for c in analysis.checks if c.status in (Status.WARN, Status.FAIL)]
    if not flagged:
        return None
    worst = max(flagged, key=lambda c: (c.status is Status.FAIL, spec_of(c.id).weight))
    return worst.message.rstrip(".")


def comparison_reply(results: Sequence[PhotoResult], order: Sequence[int]) -> Reply:
    best = results[order[0]]
    lines: list[str] = []
    if best.analysis is None or not best.analysis.faces:
        title = f"None of these {len(results)} photos works as a headshot yet"
        lines.append("I couldn't find a face in any of them that I could review.")
    else:
        analysis = best.analysis
        title = f"Best of {len(results)}: {best.filename} ({analysis.score}/100)"
        strengths = [c.id.replace("_", " ") for c in analysis.checks if c.status is Status.PASS]
        problem = _main_problem(analysis)
        why = f"it passes {len(strengths)} of {len(analysis.checks)} checks"
        lines.append(
            f"{best.filename} is the best one: {why}"
            + (
                f"; still to fix: {problem[0].lower() + problem[1:]}."
                if problem
                else ", with nothing to fix."
            )
        )
    for place, index in enumerate(order[1:], start=2):
        other = results[index]
        if other.analysis is None:
            lines.append(f"{place}. {other.filename}: couldn't be read ({other.error})")
            continue
        reason = _main_problem(other.analysis) or "fine, just a lower score"
        lines.append(f"{place}. {other.filename}: {other.analysis.score}/100 — {reason}.")
    return Reply(ReplyKind.CHECK, (Title(title), *(Paragraph(line) for line in lines)))


def _photo_reply(result: PhotoResult, data: bytes, cite: Cite, *, brief: bool, waiting: Waiting) -> Reply:
    """The one place a photo review becomes a Reply (full, or brief inside a comparison)."""
    if result.analysis is None:
        return Reply.plain(
            f"I couldn't check {result.filename}: {result.error}", ReplyKind.ERROR, private=True
        )
    analysis = result.analysis
    has_face = bool(analysis.faces)
    shown = [c for c in analysis.checks if not brief or c.status in (Status.WARN, Status.FAIL)]
    checks = tuple(CheckLine(c.id, c.status, c.message) for c in shown)
    fixes = tuple(analysis.fixes())
    citations = _citations(analysis, result.platform, cite) if has_face and not brief else ()
    images: list[Image] = []
    rendered = None if brief else crop_images(data, result, waiting)
    if rendered is not None:
        crop_name, preview_name = crop_file_names(result.filename.rsplit(".", 1)[0], result.platform.name)
        images.append(Image(crop_name, rendered[0], "image/jpeg", "Suggested square crop"))
        images.append(Image(preview_name, rendered[1], "image/png", "How it looks as a round avatar"))
    if not has_face:
        title = f"I couldn't find a face in {result.filename}: {analysis.score}/100 as a headshot"
    elif brief:
        title = f"{result.filename}: {analysis.score}/100"
    else:
        title = f"Photo check for {result.platform.label}: {analysis.score}/100"
    parts: list[Part] = [Title(title), Score(analysis.score), Checks(checks)]
    if fixes:
        parts.append(Fixes(fixes))
    parts.extend(Quote(citation.quote, citation) for citation in citations)
    if images:
        parts.append(Images(tuple(images)))
    if has_face and not brief:  # a refresh reminder only makes sense for a photo of someone
        parts.append(Buttons((Action("Remind me in a year", ActionId.REMIND_IN_A_YEAR, value="12 months"),)))
    return Reply(ReplyKind.CHECK, tuple(parts))


def _citations(analysis: Analysis, platform: PlatformSpec, cite: Cite) -> tuple[Citation, ...]:
    topics: list[str] = []
    if platform.advice_topic:
        topics.append(platform.advice_topic)
    if analysis.status_of("photo_age") is Status.WARN or analysis.taken_at is not None:
        topics.append(AGE_QUESTION)
    if analysis.status_of("ai_provenance") is Status.WARN:
        topics.append(AI_QUESTION)
    found: list[Citation] = []
    for topic in topics:
        citation = cite(topic)
        if citation is not None and citation not in found:
            found.append(citation)
    return tuple(found)
