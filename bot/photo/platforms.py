"""Profile-picture sizes per platform, from bot/photo/data/platforms.toml: the bot's one platform list."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("data") / "platforms.toml"
GENERIC = "generic"


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    label: str
    minimum: int  # shortest side below which the platform rejects or visibly blurs the picture
    recommended: int  # side of the square crop we produce
    circular: bool
    advice_topic: str | None = None  # what to ask the knowledge base about this platform's norms
    sources: tuple[Source, ...] = ()


@functools.cache
def _platforms() -> dict[str, PlatformSpec]:
    table = tomllib.loads(DATA.read_text(encoding="utf-8"))["platforms"]
    return {
        name: PlatformSpec(
            name=name,
            label=entry["label"],
            minimum=int(entry["minimum"]),
            recommended=int(entry["recommended"]),
            circular=bool(entry["circular"]),
            advice_topic=entry.get("advice_topic"),
            sources=tuple(Source(s["title"], s["url"]) for s in entry.get("sources", ())),
        )
        for name, entry in table.items()
    }


class _Platforms(Mapping[str, PlatformSpec]):
    """Every platform by name, read from the data file on first use."""

    def __getitem__(self, name: str) -> PlatformSpec:
        return _platforms()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_platforms())

    def __len__(self) -> int:
        return len(_platforms())


PLATFORMS: Mapping[str, PlatformSpec] = _Platforms()


def platform_names() -> tuple[str, ...]:
    """Every platform name, `generic` last (for argument choices, help text and message parsing)."""
    names = [name for name in _platforms() if name != GENERIC]
    return (*names, GENERIC)


def named_platforms() -> tuple[str, ...]:
    """The real platforms a user can name ("for linkedin"), without `generic`."""
    return platform_names()[:-1]


def platform_spec(name: str) -> PlatformSpec:
    platforms = _platforms()
    return platforms.get(name.lower(), platforms[GENERIC])
