"""The research material in ../shared (photos, the public question set), which the benchmarks read.

It sits beside the project in every checkout and in CI, but not in a plain clone: a benchmark that needs
it then stops with a message saying so (the tests carry their own copy under tests/data/).
"""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise SystemExit(
            f"this benchmark reads {path}, which is missing: it needs ../shared beside the project"
        )
    return path
