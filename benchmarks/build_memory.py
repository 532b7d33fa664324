"""Peak resident memory of an index build, and of the process answering from it, by chunk count.

Each size runs in a fresh process (so the peak, ``VmHWM``, is that build's own): synthetic
documents of real SQuAD sentences (ten chunks of about 1,000 characters each, as in
``answer_latency.py``) are indexed by ``IndexBuilder.update`` with stand-in random unit
vectors (embedding 1M chunks for real would take about 8 hours here; the model's own memory
is the same at any size). Then another fresh process loads the index with ``QA`` and answers
three questions (questions embedded by the same stand-in). Printed per size: chunks, build
seconds, build peak RSS, the vectors' own size (chunks x 384 x 4 bytes), the peak less the
vectors, and the answering process's peak.

Usage: .venv/bin/python benchmarks/build_memory.py [--sizes 20000 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.answer_latency import squad_sentences, write_synthetic
from index import IndexBuilder, ModelFingerprint
from tests.process_memory import peak_rss_mb

DIMENSION = 384


class RandomVectors:
    """Unit vectors from a hash of each text: what a model gives, at no cost."""

    def fingerprint(self) -> ModelFingerprint:
        return ModelFingerprint("stand-in", "1" * 64, DIMENSION)

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        seed = int.from_bytes(hashlib.sha256("".join(texts).encode()).digest()[:8], "little")
        vectors = np.random.default_rng(seed).standard_normal((len(texts), DIMENSION))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors.astype(np.float32)


def peak_mb() -> float:
    return peak_rss_mb()


def build(work: Path, chunks: int) -> dict[str, float]:
    docs = work / "docs"
    write_synthetic(docs, chunks, squad_sentences())
    before = peak_mb()
    started = time.perf_counter()
    report = IndexBuilder(RandomVectors(), work / "index").update([docs])
    return {
        "chunks": report.total_chunks,
        "build_s": time.perf_counter() - started,
        "peak_mb": peak_mb(),
        "before_mb": before,
    }


def answer(work: Path) -> dict[str, float]:
    from qa import QA, Settings

    qa = QA(Settings(index_dir=work / "index", documents=()), embedder=RandomVectors())
    for question in ("What did Larijani say?", "Who is Ali Larijani?", "When was it built?"):
        qa.answer(question)
    return {"answer_peak_mb": peak_mb()}


def child(step: str, work: Path, chunks: int) -> dict[str, float]:
    """Run one step in a fresh interpreter and return what it measured."""
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--work", str(work), "--sizes", str(chunks)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--step", choices=("build", "answer"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "build":
        print(json.dumps(build(args.work, args.sizes[0])))
        return
    if args.step == "answer":
        print(json.dumps(answer(args.work)))
        return
    print(f"cpus={os.cpu_count()}")
    print(
        f"{'chunks':>9} {'build s':>8} {'build peak MB':>14} {'vectors MB':>11} "
        f"{'peak - vectors':>15} {'answer peak MB':>15}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            built = child("build", work, size)
            vectors_mb = built["chunks"] * DIMENSION * 4 / 2**20
            # The build's figures first: at a million chunks the answering step takes long.
            print(
                f"{built['chunks']:>9.0f} {built['build_s']:>8.1f} {built['peak_mb']:>14.0f} "
                f"{vectors_mb:>11.0f} {built['peak_mb'] - vectors_mb:>15.0f} ",
                end="",
                flush=True,
            )
            answered = child("answer", work, size)
        print(f"{answered['answer_peak_mb']:>15.0f}", flush=True)


if __name__ == "__main__":
    main()
