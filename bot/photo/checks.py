"""The registry of photo checks: each check is declared once, with its id, weight and whether it needs a face.

The order of declaration (in `bot.photo.analysis`, which also offers `registry()`, `check_ids()` and
`spec_of()` once every check has declared itself) is the order users see. Adding a check is one decorated
function there and a test; the score, the skip lines and the JSON all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.messages import Status

FAIL_CAP = 60
"""A photo with any failing check never scores above this: it is not usable as it is."""
NO_FACE_CAP = 10
"""Without a face there is no headshot to score; the number only says "not a headshot"."""


@dataclass(frozen=True)
class Check:
    id: str
    status: Status
    value: float | None
    message: str
    fix: str | None = None  # what to do, when not passing


@dataclass(frozen=True)
class CheckSpec:
    id: str
    weight: int  # what a warning costs the score; a failure costs twice as much
    needs_face: bool
    measure: Callable[[Any], Check]
    summary: str  # what it looks at, in a few words (help text, docs)


REGISTRY: list[CheckSpec] = []


def check(
    check_id: str, *, weight: int, needs_face: bool, summary: str
) -> Callable[[Callable[[Any], Check]], Callable[[Any], Check]]:
    """Declares a check; its place in the report is the order of declaration."""

    def register(measure: Callable[[Any], Check]) -> Callable[[Any], Check]:
        if any(spec.id == check_id for spec in REGISTRY):
            raise ValueError(f"check {check_id!r} is declared twice")
        REGISTRY.append(CheckSpec(check_id, weight, needs_face, measure, summary))
        return measure

    return register


def score(checks: list[Check], *, has_face: bool) -> int:
    """100 minus each check's weight for a warning (twice it for a failure), capped when a check failed
    (the photo is not usable as it is) and when there is no face (not a headshot at all)."""
    weights = {spec.id: spec.weight for spec in REGISTRY}
    penalty = 0
    for item in checks:
        weight = weights.get(item.id, 5)
        penalty += weight if item.status is Status.WARN else 2 * weight if item.status is Status.FAIL else 0
    value = max(0, min(100, 100 - penalty))
    if any(item.status is Status.FAIL for item in checks):
        value = min(value, FAIL_CAP)
    if not has_face:
        value = min(value, NO_FACE_CAP)
    return value


def top_fixes(checks: list[Check], limit: int = 3) -> list[str]:
    """The failing checks first, then the heaviest warnings."""
    weights = {spec.id: spec.weight for spec in REGISTRY}
    ranked = sorted(
        (c for c in checks if c.fix and c.status in (Status.WARN, Status.FAIL)),
        key=lambda c: (c.status is not Status.FAIL, -weights.get(c.id, 5)),
    )
    fixes: list[str] = []
    for item in ranked:
        if item.fix and item.fix not in fixes:
            fixes.append(item.fix)
    return fixes[:limit]
