"""Ways to embed chunks on a CPU, against the fp32 sentence-transformers path, in one run.

For the chunks the index makes of the mixed corpus (``benchmarks.corpus``), prints each
option's rate (chunks per second, warm, after a first batch) and its dense top-10 overlap
with the fp32 vectors over the first 300 questions of the SQuAD report set (questions are
embedded in fp32 for every option, as the product does), with the lowest cosine between an
option's vector of a chunk and fp32's:
- sentence-transformers (torch), fp32, texts sorted by length within calls of 16 (as sent one
  model batch at a time), 64 and 256;
- the product's own torch forward pass (``index.embedding.torch_encoder``), fp32, calls of 64
  and 256 (the index's calls);
- both in bf16 (only where the CPU has native bf16: elsewhere torch emulates it, slower);
- ONNX Runtime, fp32, the model exported with ``torch.onnx.export`` and the graph optimised;
- ONNX Runtime, int8 weights (dynamic quantization, per channel, of the weight products only;
  timed only on CPUs with VNNI, where ONNX Runtime computes int8 products exactly).
Every option embeds 16 texts per forward pass and sorts each call's texts by length.
The ONNX options need the ``dev`` extra (onnx, onnxscript) and are skipped without it.

Usage: .venv/bin/python benchmarks/embedding_options.py [--chunks 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import numpy.typing as npt

from benchmarks.corpus import chunk_texts, squad_questions, write_mixed_corpus
from index import default_model_path
from index.embedding.embedder import cpu_has_native_bf16
from index.embedding.numpy_encoder import NumpyEncoder
from qa.readers.span.model import int8_products_saturate

Vectors = npt.NDArray[np.float32]


def unit(rows: npt.ArrayLike) -> Vectors:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def rate(embed: Callable[[list[str]], Vectors], texts: list[str]) -> tuple[Vectors, float]:
    embed(texts[:32])
    started = time.perf_counter()
    vectors = embed(texts)
    return unit(vectors), len(texts) / (time.perf_counter() - started)


def in_calls(embed: Callable[[list[str]], Vectors], call: int) -> Callable[[list[str]], Vectors]:
    def calls(texts: list[str]) -> Vectors:
        parts = [embed(texts[i : i + call]) for i in range(0, len(texts), call)]
        return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts])

    return calls


def sentence_transformers_option(precision: str, call: int) -> Callable[[list[str]], Vectors]:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    if precision == "bf16":
        model = model.to(torch.bfloat16)
    return in_calls(lambda texts: model.encode(texts, batch_size=16, show_progress_bar=False), call)


def own_option(precision: str, call: int) -> Callable[[list[str]], Vectors]:
    from index.embedding.torch_encoder import TorchEncoder

    encoder = TorchEncoder(default_model_path())
    return in_calls(lambda texts: encoder.embed(texts, bf16=precision == "bf16"), call)


def export_onnx(folder: Path) -> tuple[Path, Path]:
    """The model (with mean pooling) as fp32 ONNX, and its int8 weights-only quantization."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(default_model_path()), local_files_only=True).eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    fp32, prepared, int8 = folder / "fp32.onnx", folder / "prepared.onnx", folder / "int8.onnx"
    example = torch.ones(2, 16, dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            MeanPooled(),
            (example, example),
            str(fp32),
            input_names=["ids", "mask"],
            output_names=["vector"],
            dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "vector": {0: "b"}},
            opset_version=17,
            dynamo=False,
        )
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
        # Products with a weight matrix only, one scale per output channel (one scale per
        # matrix agreed far less with fp32: top-10 overlap 0.86).
        weights = [
            node.name
            for node in onnx.load(str(prepared)).graph.node
            if node.op_type == "MatMul" and not node.name.endswith(("self/MatMul", "self/MatMul_1"))
        ]
        quantize_dynamic(
            str(prepared),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_quantize=weights,
        )
    return fp32, int8


def onnx_option(path: Path, call: int) -> Callable[[list[str]], Vectors]:
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(default_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.no_padding()
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(texts: list[str]) -> Vectors:
        encoded = tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i].ids))
        out = np.empty((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), 16):
            rows = order[start : start + 16]
            width = max(len(encoded[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : len(encoded[i].ids)] = encoded[i].ids
            out[rows] = session.run(None, {"ids": ids, "mask": (ids != 0).astype(np.int64)})[0]
        return out

    return in_calls(embed, call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-embed-"))
    texts = chunk_texts(write_mixed_corpus(work / "docs"))[: args.chunks]
    questions = NumpyEncoder(default_model_path()).embed(squad_questions()[:300])
    print(
        f"{len(texts)} chunks of the mixed corpus, {sum(map(len, texts)) / len(texts):.0f} "
        f"characters on average; native bf16: {cpu_has_native_bf16()}, exact int8 products: "
        f"{not int8_products_saturate()}, {os.cpu_count()} cores"
    )
    options: dict[str, Callable[[], Callable[[list[str]], Vectors]]] = {}
    precisions = ("fp32", "bf16") if cpu_has_native_bf16() else ("fp32",)
    for precision in precisions:
        for call in (16, 64, 256):
            options[f"sentence-transformers {precision}, calls of {call}"] = (
                lambda p=precision, c=call: sentence_transformers_option(p, c)
            )
        for call in (64, 256):
            options[f"own torch forward {precision}, calls of {call}"] = (
                lambda p=precision, c=call: own_option(p, c)
            )
    try:
        fp32_onnx, int8_onnx = export_onnx(work)
    except ImportError as missing:
        print(f"ONNX options skipped ({missing.name} is not installed: pip install -e '.[dev]')")
    else:
        options["ONNX Runtime fp32, calls of 256"] = lambda: onnx_option(fp32_onnx, 256)
        if not int8_products_saturate():
            options["ONNX Runtime int8 weights, calls of 256"] = lambda: onnx_option(int8_onnx, 256)
    reference: Vectors | None = None
    reference_top: npt.NDArray[np.int64] | None = None
    for name, make in options.items():
        vectors, per_second = rate(make(), texts)
        top = np.argsort(-(questions @ vectors.T), axis=1)[:, :10]
        if reference is None or reference_top is None:
            reference, reference_top = vectors, top
        pairs = zip(reference_top, top, strict=True)
        overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in pairs])
        lowest = float(np.min(np.sum(vectors * reference, axis=1)))
        print(f"  {name:46s} {per_second:6.1f} chunks/s  overlap {overlap:.3f}  cos ≥ {lowest:.4f}")


if __name__ == "__main__":
    main()
