"""Replies built from the bot's own facts rather than from the documents: the photo checker's platform
size table, and asking for the photo someone wants reviewed.

The table belongs to the photo checker (`bot.photo.platforms.PLATFORMS`); the capabilities stand alone,
so the brain hands it to the knowledge base (`KnowledgeBase.load(..., platforms=...)`) rather than this
module importing it. Anything with these fields will do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.knowledge.data import KnowledgeData
from bot.knowledge.reading import words
from bot.messages import Paragraph, Part


class PlatformSpec(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def minimum(self) -> int: ...
    @property
    def recommended(self) -> int: ...
    @property
    def circular(self) -> bool: ...


Platforms = Mapping[str, PlatformSpec]


def _line(data: KnowledgeData, spec: PlatformSpec) -> str:
    line = data.reply("platform_sizes", "line").format(
        label=spec.label,
        minimum=spec.minimum,
        recommended=spec.recommended,
        shape=data.reply("platform_sizes", "round") if spec.circular else "",
    )
    # the photo checker's table is gaining a source per platform; show it where there is one
    source = getattr(spec, "source", None)
    return f"{line} ({source})" if isinstance(source, str) and source else line


def platform_sizes(data: KnowledgeData, question: str, platforms: Platforms) -> tuple[str, str, list[Part]]:
    """(title, plain text, parts): the platforms the question names, else all of them."""
    asked = set(words(question))
    named = [spec for name, spec in platforms.items() if name != "generic" and name in asked]
    specs = named or [spec for name, spec in platforms.items() if name != "generic"]
    lines = [_line(data, spec) for spec in specs]
    generic = platforms.get("generic")
    if generic is not None and not named:
        lines.append(
            data.reply("platform_sizes", "generic").format(
                minimum=generic.minimum, recommended=generic.recommended
            )
        )
    intro = data.reply("platform_sizes", "intro")
    hint = data.reply("platform_sizes", "check_hint")
    text = "\n".join([intro, *(f"• {line}" for line in lines), hint])
    sections: list[Part] = [
        Paragraph(intro),
        Paragraph("\n".join(f"• {line}" for line in lines)),
        Paragraph(hint),
    ]
    return data.reply("platform_sizes", "title"), text, sections


def photo_request(data: KnowledgeData) -> tuple[str, str, list[Part]]:
    text = data.reply("photo_request", "text")
    return data.reply("photo_request", "title"), text, [Paragraph(text)]
