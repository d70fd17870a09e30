"""Plain-text rendering of a reply (the console, the command line), and the text layout every adapter
needs to fit a platform's length limits."""

from __future__ import annotations

from bot.messages import Reply, part_text


def render_text(reply: Reply) -> str:
    """The whole reply as plain text, every part in its reference rendering (the console prints this)."""
    return "\n".join(part_text(part) for part in reply.parts)


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
