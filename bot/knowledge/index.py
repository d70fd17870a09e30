"""What the semantic method needs, built once and cached: classifier weights and sentence embeddings.

`headshot kb build` (or the first start-up after the knowledge folder changed) encodes every bank
question, passage and quotable sentence, trains the classifier, and writes both to
`<cache dir>/knowledge-<key>.npz`. The key is a sha256 of the knowledge folder's files (documents,
metadata and data files, by name and content), the embedding model's id and `METHOD_VERSION`, so any
edit, another model or another training recipe makes a new key and the old file is simply stale.
Vectors of single texts are also kept (`embeddings-<model>.npz`), so editing one document re-encodes
only what changed.

Cache location: `HEADSHOT_CACHE_DIR`, default `./data/cache` (the knowledge folder may be read-only).
An unwritable cache only costs a rebuild at each start; it never stops the bot.

The index of the bundled knowledge folder also ships with the package (`model/bundled_index.npz`,
written by `headshot kb build --ship`), so a fresh install answers at once; it is used only while its
key matches, so an edited folder is simply rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.knowledge.classifier import LinearClassifier, train
from bot.knowledge.data import Example
from bot.knowledge.encoder import DIMENSIONS, MODEL_ID
from bot.knowledge.passages import Passage

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.knowledge.encoder import Encoder

log = logging.getLogger(__name__)

METHOD_VERSION = "bank-classifier-1"
"""Change when the training recipe changes: every cached index is then rebuilt."""
CACHE_ENV = "HEADSHOT_CACHE_DIR"
MAX_STORED_VECTORS = 20_000
"""About 30 MB: every text of a few large knowledge folders."""
DEFAULT_CACHE_DIR = Path("data") / "cache"


def cache_dir_from_env() -> Path:
    configured = os.environ.get(CACHE_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_CACHE_DIR


def content_key(files: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256(f"{METHOD_VERSION}\n{MODEL_ID}\n".encode())
    for path in sorted(set(files), key=lambda p: str(p)):
        try:
            name = str(path.relative_to(root))
        except ValueError:
            name = f"bundled:{path.name}"
        digest.update(f"{name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class SemanticIndex:
    classifier: LinearClassifier
    sentences: tuple[tuple[str, str], ...]  # (passage id, sentence) for every quotable sentence
    sentence_vectors: NDArray[np.float32]


def training_set(passages: Sequence[Passage], examples: Sequence[Example]) -> list[Example]:
    """The bank, plus each passage's own text as an example of its class (so a passage without bank
    questions still has a class to be found through)."""
    return [*examples, *(Example(p.text, p.id) for p in passages if not p.promotional)]


def build_index(
    passages: Sequence[Passage], examples: Sequence[Example], encoder: Encoder, store: EmbeddingStore | None
) -> SemanticIndex:
    taught = training_set(passages, examples)
    sentences = tuple((p.id, s) for p in passages for s in p.sentences)
    texts = [e.text for e in taught] + [s for _, s in sentences]
    vectors = store.vectors(texts, encoder) if store else encoder.encode_all(texts)
    classifier = train(vectors[: len(taught)], [e.label for e in taught])
    return SemanticIndex(classifier, sentences, vectors[len(taught) :])


SHIPPED_INDEX = Path(__file__).resolve().parent / "model" / "bundled_index.npz"


def save_index(path: Path, index: SemanticIndex, key: str = "") -> None:
    arrays = {
        "key": np.array(key),
        "labels": np.array(index.classifier.labels),
        "weights": index.classifier.weights,
        "bias": index.classifier.bias,
        "sentence_passages": np.array([pid for pid, _ in index.sentences]),
        "sentence_texts": np.array([s for _, s in index.sentences]),
        "sentence_vectors": index.sentence_vectors,
    }
    _atomic_savez(path, arrays)


def load_index(path: Path, key: str | None = None) -> SemanticIndex | None:
    """The index in `path`; with `key`, only if it was built for that key."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if key is not None and ("key" not in data.files or str(data["key"]) != key):
                return None
            classifier = LinearClassifier(
                tuple(str(x) for x in data["labels"]),
                data["weights"].astype(np.float32),
                data["bias"].astype(np.float32),
            )
            sentences = tuple(
                (str(pid), str(s))
                for pid, s in zip(data["sentence_passages"], data["sentence_texts"], strict=True)
            )
            return SemanticIndex(classifier, sentences, data["sentence_vectors"].astype(np.float32))
    except (OSError, ValueError, KeyError) as exc:
        log.warning(
            "knowledge index cache unreadable, rebuilding", extra={"path": str(path), "error": str(exc)}
        )
        return None


def _atomic_savez(path: Path, arrays: dict[str, NDArray[np.generic]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the package and other users read it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class EmbeddingStore:
    """Vectors of single texts by sha256, so a rebuild encodes only texts it has not seen."""

    def __init__(self, directory: Path) -> None:
        safe = "".join(ch if ch.isalnum() else "-" for ch in MODEL_ID)
        self.path = directory / f"embeddings-{safe}.npz"
        self._vectors: dict[str, NDArray[np.float32]] = {}
        if self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, matrix = data["keys"], data["vectors"]
                    if matrix.shape[1:] == (DIMENSIONS,):
                        self._vectors = {str(k): v for k, v in zip(keys, matrix, strict=True)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def vectors(self, texts: Sequence[str], encoder: Encoder) -> NDArray[np.float32]:
        keys = [self._key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        for key, text in missing.items():
            self._vectors[key] = encoder.encode(text)
        if missing:
            self._save()
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS), np.float32)

    def _save(self) -> None:
        # the newest vectors are kept (several knowledge folders may share the cache), up to a bound
        kept = dict(list(self._vectors.items())[-MAX_STORED_VECTORS:])
        try:
            _atomic_savez(self.path, {"keys": np.array(list(kept)), "vectors": np.stack(list(kept.values()))})
        except OSError as exc:
            log.warning(
                "could not write the embedding cache", extra={"path": str(self.path), "error": str(exc)}
            )


def _folder_tag(directory: Path) -> str:
    return hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:8]


def index_path(cache_dir: Path, directory: Path, key: str) -> Path:
    """One file per knowledge folder and content: `knowledge-<folder>-<content key>.npz`."""
    return cache_dir / f"knowledge-{_folder_tag(directory)}-{key[:24]}.npz"


def folder_indexes(cache_dir: Path, directory: Path) -> list[Path]:
    return list(cache_dir.glob(f"knowledge-{_folder_tag(directory)}-*.npz"))


def older_indexes(cache_dir: Path, directory: Path, keep: Path) -> list[Path]:
    """Indexes of the same knowledge folder built from other content; other folders' indexes are not."""
    return [p for p in folder_indexes(cache_dir, directory) if p != keep]


def remove_stale(cache_dir: Path, directory: Path, keep: Path) -> None:
    for old in older_indexes(cache_dir, directory, keep):
        old.unlink(missing_ok=True)
