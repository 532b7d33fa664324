"""FAISS on disk vs Milvus Lite as the index's vector store: write rate, search time, memory.

Both stores are driven through the product's own path: ``IndexStore.write`` with
``StoreConfig(kind="faiss")`` or ``StoreConfig(kind="milvus", milvus_uri=<tmp>/milvus.db)``
(so ``FaissWriter`` / ``MilvusWriter`` write the vectors), then ``IndexStore.load`` and
``StoredIndex.vectors.search(query, k=50)``, the call the retriever makes. The vectors are
RANDOM unit-length 384-d float32 rows (not model embeddings), grouped 100 chunks to a document;
queries are random unit vectors too. Each (store, size) runs in a fresh child process so its
resident memory (RSS) after loading is its own. FAISS stays exact (flat) below 200,000 vectors,
so both stores do exact inner-product search and their top-10 rows should agree up to ties.

Usage: .venv/bin/python benchmarks/vector_stores.py [--sizes 10000 100000] [--queries 200]
       [--milvus-budget-s 300]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import numpy.typing as npt

from index import ChunkingConfig, DocumentRecord, IndexStore, ModelFingerprint, TextSpan
from index.storage.backends import StoreConfig

DIMENSION = 384
CHUNKS_PER_DOCUMENT = 100
K_SEARCH = 50
K_AGREE = 10
FAKE_MODEL = ModelFingerprint(name="random-unit-vectors", weights_sha256="0" * 64, dimension=384)


def unit_rows(count: int, seed: int) -> npt.NDArray[np.float32]:
    """``count`` random unit-length rows (seeded, so every child makes the same ones)."""
    rows = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def entries(
    vectors: npt.NDArray[np.float32],
) -> Iterator[tuple[DocumentRecord, npt.NDArray[np.float32]]]:
    """Documents of ``CHUNKS_PER_DOCUMENT`` ten-character chunks carrying ``vectors``."""
    for number, first in enumerate(range(0, len(vectors), CHUNKS_PER_DOCUMENT)):
        block = vectors[first : first + CHUNKS_PER_DOCUMENT]
        spans = tuple(TextSpan(10 * i, 10 * i + 10) for i in range(len(block)))
        record = DocumentRecord(
            doc_id=f"doc{number:06d}",
            title=f"Synthetic {number}",
            source_path=f"/synthetic/doc{number:06d}.txt",
            content_hash=f"{number:064x}",
            size_bytes=10 * len(block),
            added_at="2025-01-01T00:00:00Z",
            text="x" * (10 * len(block)),
            chunks=spans,
            sentences=spans,
        )
        yield record, block


def rss_mb() -> float:
    """Resident memory of this process (Milvus Lite runs in-process, as threads)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_phase(kind: str, size: int, work: Path) -> dict[str, Any]:
    """Write one version of ``size`` vectors into the store ``kind`` names."""
    vectors = unit_rows(size, seed=size)
    config = StoreConfig(kind=kind, milvus_uri=str(work / "milvus.db"))
    store = IndexStore(work / "index", vector_store=config)
    started = time.perf_counter()
    with store.writing():
        store.write(entries(vectors), FAKE_MODEL, ChunkingConfig())
    write_s = time.perf_counter() - started
    store.close()
    manifest = json.loads(next((work / "index" / "versions").glob("*/manifest.json")).read_text())
    disk = sum(p.stat().st_size for p in work.rglob("*") if p.is_file())
    return {
        "write_s": write_s,
        "disk_mb": disk / 2**20,
        "index": manifest.get("vector_index", {"kind": "FLAT"}).get("kind", "?"),
    }


def search_phase(kind: str, queries: int, work: Path) -> dict[str, Any]:
    """Load the version ``write_phase`` left in ``work`` and time searches of k=50."""
    probes = unit_rows(queries, seed=1)
    if kind == "milvus":
        import pymilvus  # noqa: F401

        import index.storage.backends.milvus  # noqa: F401  (imports counted in the baseline)
    rss_before = rss_mb()
    started = time.perf_counter()
    store = IndexStore(work / "index")
    loaded = store.load()
    load_s = time.perf_counter() - started
    rss_loaded = rss_mb()
    started = time.perf_counter()
    loaded.vectors.search(probes[0], K_SEARCH)
    first_ms = 1000 * (time.perf_counter() - started)
    for probe in probes[1:5]:  # warm caches and the gRPC channel
        loaded.vectors.search(probe, K_SEARCH)
    latencies: list[float] = []
    top: list[list[int]] = []
    for probe in probes:
        began = time.perf_counter()
        hits = loaded.vectors.search(probe, K_SEARCH)
        latencies.append(1000 * (time.perf_counter() - began))
        top.append([row for row, _ in hits[:K_AGREE]])
    rss_after_search = rss_mb()
    store.close()
    latencies.sort()
    return {
        "load_s": load_s,
        "first_ms": first_ms,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "rss_before_mb": rss_before,
        "rss_loaded_mb": rss_loaded,
        "rss_after_search_mb": rss_after_search,
        "top": top,
    }


def run_phase(
    phase: str, kind: str, size: int, queries: int, work: Path, timeout_s: float
) -> dict[str, Any] | str:
    """Run one phase in a fresh process; its figures, or why there are none."""
    command = [sys.executable, __file__, "--child", phase, kind, str(size)]
    command += ["--queries", str(queries), "--work", str(work)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return f"{phase} stopped after {timeout_s:.0f} s (the time limit given to one phase)"
    if done.returncode != 0:
        return f"{phase} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(kind: str, size: int, queries: int, timeout_s: float) -> dict[str, Any] | str:
    """Write in one process, then load and search in another (so RSS is the reader's)."""
    work = Path(tempfile.mkdtemp(prefix=f"qa-bench-stores-{kind}-"))
    try:
        written = run_phase("write", kind, size, queries, work, timeout_s)
        if isinstance(written, str):
            return written
        searched = run_phase("search", kind, size, queries, work, timeout_s)
        if isinstance(searched, str):
            return searched
        return {**written, **searched}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def agreement(a: list[list[int]], b: list[list[int]]) -> float:
    """Mean share of top-10 rows the two result lists have in common."""
    shares = [len(set(x) & set(y)) / max(len(x), 1) for x, y in zip(a, b, strict=True)]
    return sum(shares) / len(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--milvus-budget-s",
        type=float,
        default=300,
        help="skip a Milvus size whose write would take longer than this (extrapolated)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        phase, kind, size = args.child
        if phase == "write":
            print(json.dumps(write_phase(kind, int(size), args.work)))
        else:
            print(json.dumps(search_phase(kind, args.queries, args.work)))
        return

    print(
        "command: nice -n 10 .venv/bin/python benchmarks/vector_stores.py " + " ".join(sys.argv[1:])
    )
    print(
        f"vectors: RANDOM unit-length {DIMENSION}-d float32 (not model embeddings), "
        f"{CHUNKS_PER_DOCUMENT} chunks per document; {args.queries} random unit queries, "
        f"k={K_SEARCH}; write and search each in a fresh process; {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}"
    )
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (1 min)")
    rows: list[str] = []
    skipped: list[str] = []
    milvus_rate: float | None = None
    for size in sorted(args.sizes):
        results: dict[str, dict[str, Any]] = {}
        for kind in ("faiss", "milvus"):
            if kind == "milvus" and milvus_rate is not None:
                expected_s = size / milvus_rate
                if expected_s > args.milvus_budget_s:
                    skipped.append(
                        f"milvus at {size:,}: the write would take about {expected_s:.0f} s at "
                        f"the {milvus_rate:,.0f} vectors/s measured at the smaller size, over "
                        f"the --milvus-budget-s {args.milvus_budget_s:.0f}"
                    )
                    continue
            outcome = measure(kind, size, args.queries, timeout_s=2 * args.milvus_budget_s)
            if isinstance(outcome, str):
                skipped.append(f"{kind} at {size:,}: {outcome}")
                continue
            results[kind] = outcome
            if kind == "milvus":
                milvus_rate = size / outcome["write_s"]
        agree = (
            f"{agreement(results['faiss']['top'], results['milvus']['top']):.3f}"
            if len(results) == 2
            else "n/a"
        )
        for kind, figures in results.items():
            rows.append(
                f"| {kind} ({figures['index']}) | {size:,} | {size / figures['write_s']:,.0f} | "
                f"{figures['write_s']:.1f} | {figures['load_s']:.2f} | {figures['first_ms']:.1f} | "
                f"{figures['p50_ms']:.2f} | {figures['p95_ms']:.2f} | "
                f"{figures['rss_before_mb']:.0f} | {figures['rss_loaded_mb']:.0f} | "
                f"{figures['rss_after_search_mb']:.0f} | {figures['disk_mb']:.0f} | {agree} |"
            )
    print()
    print(
        "| store (index) | vectors | write vectors/s | write s | load s | first search ms | "
        "search p50 ms | search p95 ms | RSS before load MB | RSS loaded MB | "
        "RSS after searches MB | disk MB | top-10 agreement |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row)
    print()
    print(
        "write = IndexStore.write of a whole version (documents.jsonl, vectors, manifest, "
        "checksums) in its own process; load = IndexStore.load in a second process; RSS "
        "before load = that process after importing the product (and pymilvus for Milvus); "
        "search = StoredIndex.vectors.search(q, k=50), 5 warm-up queries then the timed ones; "
        "agreement = mean share of top-10 rows common to FAISS flat and Milvus Lite FLAT"
    )
    for line in skipped or ["nothing"]:
        print(f"skipped: {line}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
