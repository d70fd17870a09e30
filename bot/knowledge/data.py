"""The knowledge folder's data files: the question bank, the decline bank, the intents, the vocabulary and
the reply texts (TOML, read with the standard library's tomllib).

- `questions/<document id>.toml`: `[[passage]]` blocks, each naming its passage by `anchor` (a piece of
  the passage's own text, copied exactly, found in exactly one passage of that document) and listing
  `questions` people would type. A document without a bank file is still answered through its text.
- `decline.toml`: `[[decline]]` blocks (`name`, `topic`, `questions`): what the bot must decline.
- `intents.toml`: `[[intent]]` blocks (`name`, `reply`, `questions`): what the bot answers from its own
  facts (the platform size table, a request to post a photo).
- `vocabulary.toml`, `replies.toml`: how people type; what the bot says around the quotes.

An operator's folder (HEADSHOT_KNOWLEDGE_DIR) needs only its documents: a generic file it lacks
(`decline.toml`, `intents.toml`, `vocabulary.toml`, `replies.toml`) is taken from the bundled folder.
Every problem is reported with its file and line; a bad entry is skipped, never fatal at start-up.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge.documents import Document, KnowledgeError
from bot.knowledge.passages import Passage

BANK_FOLDER = "questions"
DECLINE_FILE = "decline.toml"
INTENTS_FILE = "intents.toml"
VOCABULARY_FILE = "vocabulary.toml"
REPLIES_FILE = "replies.toml"
GENERIC_FILES = (DECLINE_FILE, INTENTS_FILE, VOCABULARY_FILE, REPLIES_FILE)
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "knowledge"
INTENT_REPLIES = frozenset({"platform_sizes", "photo_request"})
"""The replies the code can build for an intent; `reply` in intents.toml must name one of them."""
MAX_QUESTION_CHARS = 300


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    fatal: bool = True  # False: a warning (e.g. a passage without bank questions)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Example:
    """One bank question and the class it teaches: a passage id, `decline:<name>` or `intent:<name>`."""

    text: str
    label: str


@dataclass(frozen=True)
class DeclineTopic:
    name: str
    topic: str


@dataclass(frozen=True)
class Intent:
    name: str
    reply: str


@dataclass(frozen=True)
class Vocabulary:
    slang: Mapping[str, str]
    stopwords: frozenset[str]
    gloss: Mapping[str, str]
    foreign_markers: frozenset[str]
    injection: tuple[re.Pattern[str], ...]
    greetings: frozenset[str]
    thanks: frozenset[str]
    follow_up_leads: tuple[str, ...]
    follow_up_references: frozenset[str]
    follow_up_max_words: int
    comparison_markers: frozenset[str]
    comparison_sides: tuple[frozenset[str], ...]


@dataclass
class KnowledgeData:
    examples: list[Example] = field(default_factory=list)
    declines: dict[str, DeclineTopic] = field(default_factory=dict)
    intents: dict[str, Intent] = field(default_factory=dict)
    vocabulary: Vocabulary | None = None
    replies: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every data file read (part of the cache key)

    def reply(self, *path: str) -> str:
        node: Any = self.replies
        for key in path:
            node = node[key]
        return str(node)


def _line_of(raw: str, needle: str) -> int | None:
    """Where a value sits in its file: tomllib gives no positions, so find its text."""
    for candidates in (f'"{needle}"', f"'{needle}'", needle):
        at = raw.find(candidates)
        if at >= 0:
            return raw.count("\n", 0, at) + 1
    return None


def _read_toml(path: Path, problems: list[Problem]) -> tuple[dict[str, Any], str] | None:
    try:
        raw = path.read_text(encoding="utf-8")
        return tomllib.loads(raw), raw
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, None, f"cannot read: {exc}"))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        problems.append(Problem(path.name, int(match.group(1)) if match else None, f"not valid TOML: {exc}"))
    return None


def _questions(
    entry: Mapping[str, Any], raw: str, where: str, problems: list[Problem], key: str
) -> list[str]:
    values = entry.get("questions")
    if not isinstance(values, list) or not values:
        problems.append(Problem(where, _line_of(raw, key), f"{key!r}: needs a non-empty `questions` list"))
        return []
    kept: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(where, _line_of(raw, key), f"{key!r}: every question must be a text"))
        elif len(value) > MAX_QUESTION_CHARS:
            problems.append(Problem(where, _line_of(raw, value[:40]), "question longer than 300 characters"))
        else:
            kept.append(value.strip())
    return kept


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def load_data(directory: Path, documents: list[Document], passages: list[Passage]) -> KnowledgeData:
    data = KnowledgeData()
    by_doc: dict[str, list[Passage]] = {}
    for passage in passages:
        by_doc.setdefault(passage.doc, []).append(passage)
    bank_dir = directory / BANK_FOLDER
    if bank_dir.is_dir():
        for path in sorted(bank_dir.glob("*.toml")):
            data.files.append(path)
            _load_bank(path, by_doc, data)
    for name in GENERIC_FILES:
        path = directory / name
        if not path.is_file():
            path = BUNDLED_DIR / name
        data.files.append(path)
        parsed = _read_toml(path, data.problems)
        if parsed is None:
            continue
        content, raw = parsed
        if name == DECLINE_FILE:
            _load_declines(path.name, content, raw, data)
        elif name == INTENTS_FILE:
            _load_intents(path.name, content, raw, data)
        elif name == VOCABULARY_FILE:
            data.vocabulary = _load_vocabulary(path.name, content, data.problems)
        else:
            data.replies = content
            _check_replies(path.name, content, data.problems)
    if data.vocabulary is None:
        raise KnowledgeError(f"{VOCABULARY_FILE} could not be read: " + "; ".join(map(str, data.problems)))
    covered = {e.label for e in data.examples}
    for doc, doc_passages in by_doc.items():
        missing = [p for p in doc_passages if p.id not in covered and not p.promotional]
        if missing and len(missing) < len(doc_passages):
            for p in missing:
                data.problems.append(
                    Problem(
                        f"{BANK_FOLDER}/{doc}.toml", None, f"no bank questions for {p.id}: {p.preview}", False
                    )
                )
        elif missing:
            data.problems.append(
                Problem(
                    f"{BANK_FOLDER}/{doc}.toml",
                    None,
                    f"{doc} has no bank questions: its {len(missing)} passages are answered "
                    "from their text only",
                    False,
                )
            )
    return data


def _load_bank(path: Path, by_doc: Mapping[str, list[Passage]], data: KnowledgeData) -> None:
    where = f"{BANK_FOLDER}/{path.name}"
    parsed = _read_toml(path, data.problems)
    if parsed is None:
        return
    content, raw = parsed
    doc = path.stem
    if doc not in by_doc:
        data.problems.append(Problem(where, None, f"no document {doc!r} (.txt or .md) in the folder"))
        return
    entries = content.get("passage")
    if not isinstance(entries, list):
        data.problems.append(Problem(where, None, "needs [[passage]] blocks with `anchor` and `questions`"))
        return
    for number, entry in enumerate(entries, 1):
        anchor = entry.get("anchor") if isinstance(entry, dict) else None
        if not isinstance(anchor, str) or len(anchor.strip()) < 8:
            data.problems.append(
                Problem(where, None, f"[[passage]] #{number}: `anchor` must quote at least 8 characters")
            )
            continue
        line = _line_of(raw, anchor)
        matches = [p for p in by_doc[doc] if anchor in p.text]
        if not matches:
            data.problems.append(Problem(where, line, f"anchor {anchor!r} is not in any passage of {doc}"))
            continue
        if len(matches) > 1:
            ids = ", ".join(p.id for p in matches)
            data.problems.append(
                Problem(where, line, f"anchor {anchor!r} is in several passages ({ids}): quote more of it")
            )
            continue
        passage = matches[0]
        for question in _questions(entry, raw, where, data.problems, anchor):
            data.examples.append(Example(question, passage.id))


def _load_declines(name: str, content: Mapping[str, Any], raw: str, data: KnowledgeData) -> None:
    for number, entry in enumerate(_blocks(content, "decline", name, data.problems), 1):
        key = entry.get("name")
        topic = entry.get("topic")
        if not isinstance(key, str) or not isinstance(topic, str):
            data.problems.append(Problem(name, None, f"[[decline]] #{number}: needs `name` and `topic`"))
            continue
        if key in data.declines:
            data.problems.append(Problem(name, _line_of(raw, key), f"decline {key!r} is defined twice"))
            continue
        data.declines[key] = DeclineTopic(key, topic)
        for question in _questions(entry, raw, name, data.problems, key):
            data.examples.append(Example(question, f"decline:{key}"))


def _load_intents(name: str, content: Mapping[str, Any], raw: str, data: KnowledgeData) -> None:
    for number, entry in enumerate(_blocks(content, "intent", name, data.problems), 1):
        key = entry.get("name")
        reply = entry.get("reply")
        if not isinstance(key, str) or reply not in INTENT_REPLIES:
            allowed = ", ".join(sorted(INTENT_REPLIES))
            data.problems.append(
                Problem(
                    name,
                    _line_of(raw, str(key)),
                    f"[[intent]] #{number}: needs `name` and `reply` ({allowed})",
                )
            )
            continue
        data.intents[key] = Intent(key, str(reply))
        for question in _questions(entry, raw, name, data.problems, key):
            data.examples.append(Example(question, f"intent:{key}"))


def _blocks(content: Mapping[str, Any], key: str, name: str, problems: list[Problem]) -> list[dict[str, Any]]:
    blocks = content.get(key, [])
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        problems.append(Problem(name, None, f"needs [[{key}]] blocks"))
        return []
    return blocks


def _load_vocabulary(name: str, content: Mapping[str, Any], problems: list[Problem]) -> Vocabulary:
    def section(key: str) -> Mapping[str, Any]:
        value = content.get(key, {})
        return value if isinstance(value, dict) else {}

    patterns: list[re.Pattern[str]] = []
    for pattern in section("injection").get("patterns", []):
        try:
            patterns.append(re.compile(str(pattern), re.IGNORECASE))
        except re.error as exc:
            problems.append(Problem(name, None, f"injection pattern {pattern!r} is not a valid regex: {exc}"))
    language = section("language")
    gloss = language.get("gloss", {})
    chat = section("chat")
    follow = section("follow_up")
    comparison = section("comparison")
    return Vocabulary(
        slang={str(k).lower(): str(v) for k, v in section("slang").items()},
        stopwords=frozenset(_text_list(section("stopwords").get("words", ""))),
        gloss={str(k): str(v) for k, v in gloss.items()} if isinstance(gloss, dict) else {},
        foreign_markers=frozenset(_text_list(language.get("markers", ""))),
        injection=tuple(patterns),
        greetings=frozenset(_text_list(chat.get("greetings", []))),
        thanks=frozenset(_text_list(chat.get("thanks", []))),
        follow_up_leads=tuple(sorted(_text_list(follow.get("leads", [])), key=len, reverse=True)),
        follow_up_references=frozenset(_text_list(follow.get("references", []))),
        follow_up_max_words=int(follow.get("max_words", 9)),
        comparison_markers=frozenset(_text_list(comparison.get("markers", []))),
        comparison_sides=tuple(frozenset(_text_list(side)) for side in comparison.get("sides", [])),
    )


REQUIRED_REPLIES: tuple[tuple[str, ...], ...] = (
    ("capabilities",),
    *(
        ("decline", k)
        for k in ("not_covered", "topic", "empty", "no_letters", "injection", "greeting", "thanks")
    ),
    ("decline", "foreign"),
    *(("answer", k) for k in ("title", "other_side", "foreign_note")),
    *(("platform_sizes", k) for k in ("title", "intro", "line", "round", "unknown", "generic", "check_hint")),
    ("photo_request", "title"),
    ("photo_request", "text"),
)


def _check_replies(name: str, content: Mapping[str, Any], problems: list[Problem]) -> None:
    for path in REQUIRED_REPLIES:
        node: Any = content
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, str):
            problems.append(Problem(name, None, f"missing text `{'.'.join(path)}`"))


def fatal(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.fatal]
