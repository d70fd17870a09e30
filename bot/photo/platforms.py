"""Profile-picture sizes per platform (sources in README, "Platforms")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    label: str
    minimum: int  # shortest side below which the platform rejects or visibly blurs the picture
    recommended: int  # side of the square crop we produce
    circular: bool


PLATFORMS: dict[str, PlatformSpec] = {
    "linkedin": PlatformSpec("linkedin", "LinkedIn", 400, 400, True),
    "slack": PlatformSpec("slack", "Slack", 512, 1024, False),
    "discord": PlatformSpec("discord", "Discord", 128, 512, True),
    "github": PlatformSpec("github", "GitHub", 400, 500, True),
    "generic": PlatformSpec("generic", "most platforms", 400, 1024, True),
}


def platform_spec(name: str) -> PlatformSpec:
    return PLATFORMS.get(name, PLATFORMS["generic"])
