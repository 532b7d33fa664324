"""Export the trained reader to ONNX (int8 weights by default) for the shipped model folder.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/export_reader.py                  # int8, shipped
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/export_reader.py --precision fp32 --out DIR

Reads the checkpoint ``scripts/train_reader.py`` wrote (``--checkpoint``, default
``data/train_reader/model``), exports it with ``torch.onnx.export``, quantizes the weights of its
matrix products to int8 with ONNX Runtime's dynamic quantization (activations stay float), and
writes ``model.onnx``, ``tokenizer.json`` and ``training.json`` to ``--out``. A calibration file
already in ``--out`` is kept only when ``--keep-calibration`` is given: a new model needs a new
one (``scripts/calibrate_reader.py``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["input_ids", "attention_mask", "token_type_ids", "start_logits", "end_logits"]


def export(checkpoint: Path, out: Path, precision: str) -> Path:
    """Write ``out/model.onnx`` from the checkpoint; returns its path."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(
        checkpoint, local_files_only=True, dtype=torch.float32
    ).eval()
    example = torch.full((2, 32), 1000, dtype=torch.long)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "model.onnx"
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "model.fp32.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (example, torch.ones_like(example), torch.zeros_like(example)),
                str(fp32),
                input_names=NAMES[:3],
                output_names=NAMES[3:],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in NAMES},
                opset_version=17,
                dynamo=False,
            )
        if precision == "fp32":
            shutil.copy(fp32, target)
        else:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            from onnxruntime.quantization.shape_inference import quant_pre_process

            prepared = Path(scratch) / "model.prepared.onnx"
            quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
            quantize_dynamic(str(prepared), str(target), weight_type=QuantType.QInt8)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "data" / "train_reader" / "model")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "reader_model")
    parser.add_argument("--precision", choices=("int8", "fp32"), default="int8")
    parser.add_argument("--keep-calibration", action="store_true")
    args = parser.parse_args(argv)
    target = export(args.checkpoint, args.out, args.precision)
    shutil.copy(args.checkpoint / "tokenizer.json", args.out / "tokenizer.json")
    if (args.checkpoint / "training.json").is_file():
        shutil.copy(args.checkpoint / "training.json", args.out / "training.json")
    calibration = args.out / "calibration.json"
    if calibration.exists() and not args.keep_calibration:
        calibration.unlink()
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {args.precision})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
