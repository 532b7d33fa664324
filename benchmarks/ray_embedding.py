"""Index build on the ray engine against the local engine, on the benchmark corpus.

Builds the same index twice from SQuAD paragraphs and Vim's help files (benchmarks/corpus.py),
with ``engine="local"`` and ``engine="ray"`` (a local Ray instance with ``--workers`` CPUs,
one model per worker), both in the same precision, and prints for each the build rate in
chunks per second (wall clock of the whole update: read, clean, chunk, embed, write), then
whether documents and chunk offsets agree and the largest difference between their vectors.

The ray rate includes loading the model on each worker (Ray itself is started before the
clock starts); the local rate does not include loading the model.

Usage: .venv/bin/python benchmarks/ray_embedding.py [--chunks 5000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.corpus import chunk_texts, write_corpus
from index import IndexBuilder, IndexStore, SentenceTransformerEmbedder


def corpus_files(folder: Path, wanted_chunks: int) -> list[Path]:
    """The first corpus files that together hold about ``wanted_chunks`` chunks."""
    written = write_corpus(folder, max_bytes=int(wanted_chunks * 900))
    chosen: list[Path] = []
    chunks = 0
    for path in written:
        if chunks >= wanted_chunks:
            break
        chunks += len(chunk_texts([path]))
        chosen.append(path)
    return chosen


def build(files: list[Path], index_dir: Path, engine: str, precision: str) -> tuple[float, int]:
    """Build an index of ``files``; return chunks per second and the chunks indexed."""
    embedder = SentenceTransformerEmbedder(precision=precision)  # type: ignore[arg-type]
    if engine == "local":
        embedder.embed(["warm up"] * 32)
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = IndexBuilder(embedder, index_dir, engine=engine).update(files)
    elapsed = time.perf_counter() - started
    return report.total_chunks / elapsed, report.total_chunks


def compare(local_dir: Path, ray_dir: Path) -> tuple[bool, float]:
    """Whether documents and chunk offsets agree, and the largest vector difference."""
    local, other = IndexStore(local_dir).load(), IndexStore(ray_dir).load()
    same = local.documents.keys() == other.documents.keys() and all(
        other.documents[doc_id].chunks == record.chunks
        and other.documents[doc_id].sentences == record.sentences
        for doc_id, record in local.documents.items()
    )
    difference = max(
        (
            float(np.abs(local.vectors_of(doc_id) - other.vectors_of(doc_id)).max(initial=0.0))
            for doc_id in local.documents
            if doc_id in other.documents
        ),
        default=0.0,
    )
    return same, difference


def main() -> None:
    import ray

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000, help="corpus size in chunks")
    parser.add_argument("--workers", type=int, default=2, help="Ray CPUs, one model each")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-ray-"))
    try:
        files = corpus_files(work / "corpus", args.chunks)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
            f"corpus: {len(files)} files; precision {args.precision}"
        )
        local_rate, total = build(files, work / "local", "local", args.precision)
        print(f"local engine: {local_rate:.1f} chunks/s ({total} chunks)")
        ray.init(
            num_cpus=args.workers,
            object_store_memory=512 * 1024 * 1024,
            include_dashboard=False,
            log_to_driver=False,
        )
        try:
            ray_rate, total = build(files, work / "ray", "ray", args.precision)
        finally:
            ray.shutdown()
        print(
            f"ray engine ({args.workers} workers): {ray_rate:.1f} chunks/s ({total} chunks), "
            f"{ray_rate / local_rate:.2f}x local"
        )
        same, difference = compare(work / "local", work / "ray")
        print(
            f"same documents, chunk and sentence offsets: {same}; "
            f"max vector difference {difference:.2e}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
