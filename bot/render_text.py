"""Plain-text rendering of a reply (the console, the command line), and the text layout every adapter
needs to fit a platform's length limits."""

from __future__ import annotations

from collections.abc import Callable

from bot.messages import Quote, Reply, part_text


def render_text(reply: Reply) -> str:
    """The whole reply as plain text, every part in its reference rendering (the console prints this)."""
    return "\n".join(part_text(part) for part in reply.parts)


def markdown_quote(quote: Quote, *, escape: Callable[[str], str], emphasis: str) -> str:
    """A quote as Slack's mrkdwn and Discord's markdown both write it: "> " lines, then a byline with the
    source's title emphasised (`emphasis` is "_" for Slack, "*" for Discord)."""
    quoted = "\n".join(f"> {escape(line)}" for line in quote.text.splitlines() if line.strip())
    whose = f"{escape(quote.label)}: " if quote.label else ""
    return f"{quoted}\n— {whose}{emphasis}{escape(quote.source.title)}{emphasis}"


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
