"""The documents of the knowledge folder and what is known about each one.

Documents stay verbatim on disk; their title, perspective and stance live beside them in
`metadata.json`, keyed by file stem. A `.md`/`.txt` an operator drops into the folder without an
entry is still indexed: its title comes from its first heading (or first line) and it gets a neutral
perspective, so no answer ever cites an untitled source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

METADATA_FILE = "metadata.json"
DOCUMENT_SUFFIXES = (".md", ".txt")
NEUTRAL_PERSPECTIVE = "neutral"
MAX_TITLE_CHARS = 120


class KnowledgeError(Exception):
    """The knowledge folder cannot be used (missing, unreadable, bad metadata)."""


@dataclass(frozen=True)
class Document:
    id: str  # the file stem: what `ask --json` reports as `doc`
    title: str
    perspective: str  # one line on whose view this is, shown with citations
    stance: str  # "pro-photographer", "balanced", "neutral", ... : lets answers show two sides
    label: str  # section label naming whose view a quote is
    text: str
    path: Path
    promotional_from: str | None = None  # where a closing sales pitch starts; never quoted as advice
    # how its text is cut into passages beyond blank lines (see passages.py): whole sections under a
    # heading, and where the paragraphs of a one-sentence-per-line document begin
    whole_sections: bool = False
    paragraph_starts: tuple[str, ...] = ()


def load_documents(directory: Path) -> list[Document]:
    if not directory.is_dir():
        raise KnowledgeError(f"knowledge folder not found: {directory}")
    metadata = _read_metadata(directory / METADATA_FILE)
    paths = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
    documents: list[Document] = []
    for path in paths:
        if path.name.lower() == "readme.md":
            continue  # an operator's notes about the folder, not advice
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeError(f"cannot read {path.name}: {exc}") from exc
        if not text.strip():
            continue
        meta = metadata.get(path.stem, {})
        title = meta.get("title") or title_from_text(text, path.stem)
        perspective = meta.get("perspective") or NEUTRAL_PERSPECTIVE
        stance = meta.get("stance") or NEUTRAL_PERSPECTIVE
        documents.append(
            Document(
                id=path.stem,
                title=title,
                perspective=perspective,
                stance=stance,
                label=meta.get("label") or title,
                text=text,
                path=path,
                promotional_from=meta.get("promotional_from"),
                whole_sections=meta.get("whole_sections") == "true",
                paragraph_starts=tuple(s for s in meta.get("paragraph_starts", "").split("\n") if s.strip()),
            )
        )
    return documents


def title_from_text(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            if len(line) > MAX_TITLE_CHARS:
                line = line[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
            return line
    return fallback


def _read_metadata(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"{path.name} is not valid JSON: {exc}") from exc
    entries = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise KnowledgeError(f'{path.name} needs a "documents" object keyed by file stem')
    cleaned: dict[str, dict[str, str]] = {}
    for stem, entry in entries.items():
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{path.name}: entry {stem!r} must be an object")
        cleaned[str(stem)] = {str(k): str(v) for k, v in entry.items() if isinstance(v, str)}
    return cleaned


def metadata_problems(directory: Path, documents: list[Document]) -> list[str]:
    """What `kb build` warns about: metadata for missing files, documents without metadata."""
    metadata = _read_metadata(directory / METADATA_FILE)
    present = {d.id for d in documents}
    problems = [
        f"metadata.json lists {stem!r} but no such document exists"
        for stem in metadata
        if stem not in present
    ]
    problems += [
        f"{d.path.name} has no metadata entry: titled {d.title!r}, perspective neutral"
        for d in documents
        if d.id not in metadata
    ]
    for d in documents:
        if d.promotional_from and d.promotional_from not in d.text:
            problems.append(f"{d.id}: promotional_from text not found in the document")
    return problems
