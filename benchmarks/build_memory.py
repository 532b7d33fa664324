"""Peak resident memory of an index build, and of the process answering from it, by chunk count.

Each size runs in a fresh process (so the peak, ``VmHWM``, is that build's own): synthetic
documents of real SQuAD sentences (ten chunks of about 1,000 characters each, as in
``answer_latency.py``) are indexed by ``IndexBuilder.update`` with stand-in random unit
vectors (embedding 1M chunks for real would take about 8 hours here; the model's own memory
is the same at any size). Then another fresh process loads the index with ``QA`` and answers
three questions (questions embedded by the same stand-in). Printed per size: chunks, build
seconds, build peak RSS, the vectors' own size (chunks x 384 x 4 bytes), the peak less the
vectors, the answering process's peak, and its seconds from start (imports included) to the
first answer. Statements are not extracted unless ``--statements`` is given: parsing 100k
chunks takes hours on two cores.

``--answer-baseline REV`` also answers from each index with the code at git revision REV
(unpacked beside this checkout), in a fresh process after this checkout's, so the two
answering lines come from one run over the same index.

Usage: .venv/bin/python benchmarks/build_memory.py [--sizes 20000 100000] [--statements]
           [--answer-baseline REV]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

STARTED = time.perf_counter()
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
# The answering step of --answer-baseline imports the baseline's code, unpacked elsewhere.
sys.path.insert(0, os.environ.get("BUILD_MEMORY_CODE") or str(ROOT))

from benchmarks.answer_latency import squad_sentences, write_synthetic  # noqa: E402
from index import IndexBuilder, ModelFingerprint  # noqa: E402
from tests.process_memory import peak_rss_mb  # noqa: E402

DIMENSION = 384


class RandomVectors:
    """Unit vectors from a hash of each text: what a model gives, at no cost."""

    def fingerprint(self) -> ModelFingerprint:
        return ModelFingerprint("stand-in", "1" * 64, DIMENSION)

    def warm_up(self) -> None:
        """Nothing to load."""

    def engine(self) -> str:
        return "random stand-ins"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        seed = int.from_bytes(hashlib.sha256("".join(texts).encode()).digest()[:8], "little")
        vectors = np.random.default_rng(seed).standard_normal((len(texts), DIMENSION))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors.astype(np.float32)


def peak_mb() -> float:
    return peak_rss_mb()


def build(work: Path, chunks: int, statements: bool) -> dict[str, float]:
    docs = work / "docs"
    write_synthetic(docs, chunks, squad_sentences())
    before = peak_mb()
    started = time.perf_counter()
    report = IndexBuilder(RandomVectors(), work / "index", statements=statements).update([docs])
    return {
        "chunks": report.total_chunks,
        "build_s": time.perf_counter() - started,
        "peak_mb": peak_mb(),
        "before_mb": before,
    }


def answer(work: Path) -> dict[str, float]:
    from qa import QA, Settings

    qa = QA(Settings(index_dir=work / "index", documents=()), embedder=RandomVectors())
    first_answer_s = 0.0
    for question in ("What did Larijani say?", "Who is Ali Larijani?", "When was it built?"):
        qa.answer(question)
        first_answer_s = first_answer_s or time.perf_counter() - STARTED
    return {"answer_peak_mb": peak_mb(), "first_answer_s": first_answer_s}


def child(
    step: str, work: Path, chunks: int, statements: bool = False, code: Path | None = None
) -> dict[str, float]:
    """Run one step in a fresh interpreter (with the code in ``code``) and return its figures."""
    command = [sys.executable, __file__, "--step", step, "--work", str(work)]
    command += ["--sizes", str(chunks), *(["--statements"] if statements else [])]
    env = {**os.environ, "BUILD_MEMORY_CODE": str(code)} if code is not None else None
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--statements", action="store_true", help="extract statements too")
    parser.add_argument("--answer-baseline", help="also answer with the code at this revision")
    parser.add_argument("--step", choices=("build", "answer"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "build":
        print(json.dumps(build(args.work, args.sizes[0], args.statements)))
        return
    if args.step == "answer":
        print(json.dumps(answer(args.work)))
        return
    # Imported here, in the parent only: a baseline child imports the baseline's benchmarks.
    from benchmarks.corpus import unpack_revision

    baseline = unpack_revision(args.answer_baseline) if args.answer_baseline else None
    print(f"cpus={os.cpu_count()}")
    print(
        f"{'chunks':>9} {'build s':>8} {'build peak MB':>14} {'vectors MB':>11} "
        f"{'peak - vectors':>15} {'answer peak MB':>15} {'first answer s':>15}"
    )
    try:
        for size in args.sizes:
            with tempfile.TemporaryDirectory() as folder:
                work = Path(folder)
                built = child("build", work, size, args.statements)
                vectors_mb = built["chunks"] * DIMENSION * 4 / 2**20
                # The build's figures first: at a million chunks the answering step takes long.
                print(
                    f"{built['chunks']:>9.0f} {built['build_s']:>8.1f} "
                    f"{built['peak_mb']:>14.0f} {vectors_mb:>11.0f} "
                    f"{built['peak_mb'] - vectors_mb:>15.0f} ",
                    end="",
                    flush=True,
                )
                answered = child("answer", work, size)
                print(
                    f"{answered['answer_peak_mb']:>15.0f} {answered['first_answer_s']:>15.1f}",
                    flush=True,
                )
                if baseline is not None:
                    old = child("answer", work, size, code=baseline)
                    print(
                        f"{'':>61}{old['answer_peak_mb']:>15.0f} "
                        f"{old.get('first_answer_s', float('nan')):>15.1f}  "
                        f"<- answered with {args.answer_baseline}",
                        flush=True,
                    )
    finally:
        if baseline is not None:
            shutil.rmtree(baseline, ignore_errors=True)


if __name__ == "__main__":
    main()
