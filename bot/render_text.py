"""Plain-text rendering of a reply, for the console and the command line."""

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
