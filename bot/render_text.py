"""Plain-text rendering of a reply (the console, the command line), and the text layout every adapter
needs to fit a platform's length limits."""

from __future__ import annotations

from bot.messages import Reply, Status

STATUS_MARKS = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "–"}


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(reply.title)
    if reply.sections:
        for section in reply.sections:
            if section.heading:
                lines.append(section.heading)
            if section.label:
                lines.append(f"[{section.label}]")
            lines.append(section.body)
    elif not reply.checks and reply.score is None:
        # A photo review's text repeats its checks; the structured parts below say it once.
        lines.append(reply.text)
    if reply.score is not None:
        lines.append(f"Score: {reply.score}/100")
    for check in reply.checks:
        lines.append(f"  {STATUS_MARKS[check.status]} {check.id}: {check.message}")
    if reply.fixes:
        lines.append("Top fixes:")
        lines.extend(f"  {n}. {fix}" for n, fix in enumerate(reply.fixes, 1))
    if reply.citations:
        lines.append("Sources:")
        lines.extend(
            f"  — {c.title}" + (f" ({c.perspective})" if c.perspective else "") for c in reply.citations
        )
    for image in reply.images:
        lines.append(f"[image: {image.filename}]")
    if reply.actions:
        lines.append("Options: " + " · ".join(a.label for a in reply.actions))
    return "\n".join(lines)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or a space when there is one; no word
    is lost."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
