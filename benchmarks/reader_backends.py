"""The trained reader on four backends: PyTorch fp32 and dynamic int8, ONNX Runtime fp32 and int8.

For each backend, the same questions of the calibration articles (never the report subset) are
read with their own paragraph, and the script prints the median time of one forward pass over
five question+passage windows (the product reads up to five passages at once) and the
answerable F1 of the best span (no abstention), so speed and quality are compared in one run.

Usage:
    .venv/bin/python benchmarks/reader_backends.py [--checkpoint data/train_reader/model]
        [--questions 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import numpy as np

from benchmarks.corpus import ROOT, SHARED_EVAL
from qa.evaluation.squad import f1_score

Logits = Callable[[dict[str, Any]], tuple[Any, Any]]


def calibration_questions(count: int) -> list[tuple[str, str, list[str]]]:
    from train_reader import CALIBRATION_ARTICLES

    data = json.loads((SHARED_EVAL / "squad2_fit_pool.json").read_text(encoding="utf-8"))
    items = []
    for article in data["data"]:
        if article["title"] not in CALIBRATION_ARTICLES:
            continue
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if not qa.get("is_impossible") and qa["answers"]:
                    golds = [a["text"] for a in qa["answers"]]
                    items.append((qa["question"], paragraph["context"], golds))
    return items[:: max(1, len(items) // count)][:count]


def best_span(start: Any, end: Any, offsets: list[tuple[int, int]], context: list[int]) -> tuple:
    first, last = context[0], context[-1] + 1
    s, e = np.asarray(start[first:last]), np.asarray(end[first:last])
    scores = s[:, None] + e[None, :]
    length = np.arange(len(s))
    allowed = (length[None, :] >= length[:, None]) & (length[None, :] - length[:, None] < 30)
    scores = np.where(allowed, scores, -np.inf)
    i, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return offsets[first + i][0], offsets[first + j][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "data" / "train_reader" / "model")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    import onnxruntime
    import torch
    from export_reader import export
    from tokenizers import Tokenizer
    from transformers import AutoModelForQuestionAnswering

    items = calibration_questions(args.questions)
    tokenizer = Tokenizer.from_file(str(args.checkpoint / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256, strategy="only_second")
    tokenizer.no_padding()
    model = AutoModelForQuestionAnswering.from_pretrained(
        args.checkpoint, local_files_only=True, dtype=torch.float32
    ).eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    scratch = Path(tempfile.mkdtemp(prefix="qa-backends-"))
    sessions = {}
    for precision in ("fp32", "int8"):
        path = export(args.checkpoint, scratch / precision, precision)
        sessions[precision] = onnxruntime.InferenceSession(
            str(path), providers=["CPUExecutionProvider"]
        )

    def torch_backend(net: Any) -> Logits:
        def run(feeds: dict[str, Any]) -> tuple[Any, Any]:
            with torch.inference_mode():
                out = net(**{k: torch.from_numpy(v) for k, v in feeds.items()})
            return out.start_logits.numpy(), out.end_logits.numpy()

        return run

    def onnx_backend(session: Any) -> Logits:
        def run(feeds: dict[str, Any]) -> tuple[Any, Any]:
            start, end = session.run(["start_logits", "end_logits"], feeds)
            return start, end

        return run

    backends = {
        "PyTorch fp32": torch_backend(model),
        "PyTorch dynamic int8": torch_backend(quantized),
        "ONNX Runtime fp32": onnx_backend(sessions["fp32"]),
        "ONNX Runtime int8 (shipped)": onnx_backend(sessions["int8"]),
    }
    encodings = [tokenizer.encode(q, c) for q, c, _ in items]

    def feeds_of(batch: list[Any]) -> dict[str, Any]:
        width = max(len(e.ids) for e in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        types, mask = np.zeros_like(ids), np.zeros_like(ids)
        for row, e in enumerate(batch):
            ids[row, : len(e.ids)], types[row, : len(e.ids)] = e.ids, e.type_ids
            mask[row, : len(e.ids)] = 1
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}

    five = feeds_of(encodings[:5])
    print(f"{len(items)} answerable questions of the calibration articles, gold paragraph")
    print(
        f"timing: one forward pass over 5 windows of {five['input_ids'].shape[1]} tokens, "
        f"{torch.get_num_threads()} threads, median of {args.repeats}"
    )
    print(f"{'backend':<30} {'ms / 5 windows':>15} {'answerable F1':>14}")
    for name, run in backends.items():
        run(five)
        times = []
        for _ in range(args.repeats):
            began = time.perf_counter()
            run(five)
            times.append(1000 * (time.perf_counter() - began))
        total = 0.0
        for first in range(0, len(items), 16):
            batch = encodings[first : first + 16]
            start, end = run(feeds_of(batch))
            for row, encoding in enumerate(batch):
                context = [i for i, s in enumerate(encoding.sequence_ids) if s == 1]
                a, b = best_span(start[row], end[row], encoding.offsets, context)
                _, text, golds = items[first + row]
                total += max(f1_score(text[a:b], gold) for gold in golds)
        print(f"{name:<30} {statistics.median(times):>15.1f} {100 * total / len(items):>14.1f}")


if __name__ == "__main__":
    main()
