"""Recall@10 of the product's HNSW setting against exact search, on real and synthetic vectors.

The setting is ``index.storage.vector_index``'s (``VectorIndexSpec(kind="hnsw")``), inner product,
built by ``build_vector_index`` and searched through ``FaissVectors.search(q, k=50)`` as the
retriever does; recall@10 compares the top 10 of that search with the exact top 10 of a flat
index over the same vectors.

REAL: sentences of the SQuAD paragraphs in /work/shared/eval (squad2_fit_pool.json and
squad2_dev_subset.json, split by ``index.split_sentences``) embedded by the product's model
(``SentenceTransformerEmbedder()``, bulk batches in bf16 where the CPU has it), as many as fit in
``--real-seconds``; queries are the SQuAD questions of the same files, embedded in fp32 as the
product embeds questions, and never part of the base set.

SYNTHETIC: ``--synthetic`` vectors made from the real sentence embeddings as cluster centres plus
Gaussian noise, normalised; the noise is chosen so the mean similarity of a vector to its nearest
neighbour matches the real set's. Queries are the same real question vectors, and separately
held-out synthetic vectors made the same way.

Usage: .venv/bin/python benchmarks/hnsw_recall.py [--real-seconds 180] [--synthetic 200000]
       [--queries 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import faiss
import numpy as np
import numpy.typing as npt

from benchmarks.corpus import SHARED_EVAL, squad_questions
from index import SentenceTransformerEmbedder, split_sentences
from index.storage.backends.faiss import FaissVectors
from index.storage.vector_index import VectorIndexSpec, build_vector_index

SQUAD_FILES = ("squad2_fit_pool.json", "squad2_dev_subset.json")
K_RETRIEVER = 50
K_RECALL = 10
CALIBRATION_SAMPLE = 2000


def squad_sentences() -> list[str]:
    """Distinct sentences of at least four words from the SQuAD contexts, in a fixed shuffle."""
    seen: set[str] = set()
    for name in SQUAD_FILES:
        data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                text = paragraph["context"]
                for span in split_sentences(text):
                    sentence = text[span.start : span.end]
                    if len(sentence.split()) >= 4:
                        seen.add(sentence)
    sentences = sorted(seen)
    random.Random(7).shuffle(sentences)
    return sentences


def embed_for(
    embedder: SentenceTransformerEmbedder, texts: list[str], seconds: float
) -> tuple[npt.NDArray[np.float32], float]:
    """Embed ``texts`` in batches of 256 until done or ``seconds`` are spent; (vectors, rate/s)."""
    parts: list[npt.NDArray[np.float32]] = []
    done = 0
    started = time.perf_counter()
    while done < len(texts) and time.perf_counter() - started < seconds:
        batch = texts[done : done + 256]
        parts.append(embedder.embed(batch))
        done += len(batch)
        rate = done / (time.perf_counter() - started)
        # Stop early when the next batch would overrun the budget by more than half of it.
        if time.perf_counter() - started + 256 / rate > seconds + 128 / rate:
            break
    elapsed = time.perf_counter() - started
    return np.concatenate(parts), done / elapsed


def exact_top(
    base: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int
) -> npt.NDArray[np.int64]:
    """Exact top-``k`` rows by inner product (a FAISS flat index, batched)."""
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    _, rows = flat.search(queries, k)
    return np.asarray(rows)


def nearest_other_similarity(
    base: npt.NDArray[np.float32], sample: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """For each sampled row, its inner product with the most similar *other* row."""
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    scores, rows = flat.search(base[sample], 2)
    self_first = rows[:, 0] == sample
    return np.where(self_first, scores[:, 1], scores[:, 0]).astype(np.float32)


def question_top1(
    base: npt.NDArray[np.float32], queries: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Each query's exact top-1 inner product with ``base``."""
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    scores, _ = flat.search(queries, 1)
    return np.asarray(scores[:, 0], dtype=np.float32)


def describe(similarities: npt.NDArray[np.float32]) -> str:
    p10, p50, p90 = np.percentile(similarities, [10, 50, 90])
    return f"mean {similarities.mean():.3f} (p10 {p10:.3f}, median {p50:.3f}, p90 {p90:.3f})"


def noisy(
    centres: npt.NDArray[np.float32],
    owners: npt.NDArray[np.int64],
    noise: npt.NDArray[np.float32],
    sigma: float,
) -> npt.NDArray[np.float32]:
    """Unit rows ``centre[owner] + sigma * noise`` (noise rows have expected length 1)."""
    rows = centres[owners] + np.float32(sigma) * noise
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows, dtype=np.float32)


def recall(found: list[list[int]], exact: npt.NDArray[np.int64], k: int) -> float:
    """Mean share of the exact top ``k`` that the approximate top ``k`` contains."""
    hits = [len(set(f[:k]) & set(e[:k].tolist())) / k for f, e in zip(found, exact, strict=True)]
    return sum(hits) / len(hits)


def timed_searches(
    store: FaissVectors, queries: npt.NDArray[np.float32]
) -> tuple[list[list[int]], list[float]]:
    """One ``search(q, 50)`` per query, as the retriever calls it; (rows, milliseconds)."""
    for query in queries[:10]:
        store.search(query, K_RETRIEVER)
    found: list[list[int]] = []
    latencies: list[float] = []
    for query in queries:
        began = time.perf_counter()
        hits = store.search(query, K_RETRIEVER)
        latencies.append(1000 * (time.perf_counter() - began))
        found.append([row for row, _ in hits])
    return found, latencies


def compare(
    label: str,
    base: npt.NDArray[np.float32],
    query_sets: dict[str, npt.NDArray[np.float32]],
) -> tuple[list[str], float]:
    """Build HNSW and flat over ``base``; table rows per query set, and the build seconds."""
    dimension = base.shape[1]
    started = time.perf_counter()
    hnsw_spec = VectorIndexSpec(kind="hnsw")
    hnsw = FaissVectors(build_vector_index(base, dimension, hnsw_spec), hnsw_spec)
    build_s = time.perf_counter() - started
    flat = FaissVectors(build_vector_index(base, dimension, VectorIndexSpec()), VectorIndexSpec())
    rows = []
    for query_label, queries in query_sets.items():
        exact = exact_top(base, queries, K_RETRIEVER)
        found_hnsw, ms_hnsw = timed_searches(hnsw, queries)
        found_flat, ms_flat = timed_searches(flat, queries)
        ms_hnsw.sort()
        ms_flat.sort()
        rows.append(
            f"| {label} | {len(base):,} | {query_label} ({len(queries):,}) | {build_s:.1f} | "
            f"{recall(found_hnsw, exact, K_RECALL):.4f} | "
            f"{recall(found_hnsw, exact, K_RETRIEVER):.4f} | "
            f"{recall(found_flat, exact, K_RECALL):.4f} | "
            f"{statistics.median(ms_hnsw):.3f} | {ms_hnsw[int(0.95 * (len(ms_hnsw) - 1))]:.3f} | "
            f"{statistics.median(ms_flat):.2f} | {ms_flat[int(0.95 * (len(ms_flat) - 1))]:.2f} |"
        )
    return rows, build_s


def calibrate_sigma(
    centres: npt.NDArray[np.float32],
    owners: npt.NDArray[np.int64],
    noise: npt.NDArray[np.float32],
    target: float,
    sample: npt.NDArray[np.int64],
) -> tuple[float, npt.NDArray[np.float32]]:
    """Bisect the noise scale so the mean nearest-neighbour similarity is about ``target``."""
    low, high = 0.05, 3.0  # more noise, lower similarity
    similarities = np.zeros(0, dtype=np.float32)
    sigma = (low + high) / 2
    for _ in range(8):
        sigma = (low + high) / 2
        similarities = nearest_other_similarity(noisy(centres, owners, noise, sigma), sample)
        if similarities.mean() > target:
            low = sigma
        else:
            high = sigma
        if abs(similarities.mean() - target) < 0.005:
            break
    return sigma, similarities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-seconds", type=float, default=180, help="embedding budget")
    parser.add_argument("--synthetic", type=int, default=200_000, help="synthetic set size")
    parser.add_argument("--queries", type=int, default=1000, help="SQuAD questions to embed")
    args = parser.parse_args()
    print(
        "command: nice -n 10 .venv/bin/python benchmarks/hnsw_recall.py "
        f"--real-seconds {args.real_seconds:g} --synthetic {args.synthetic} "
        f"--queries {args.queries}"
    )
    print(
        f"{os.cpu_count()} CPUs, faiss {faiss.__version__} with {faiss.omp_get_max_threads()} "
        f"threads; HNSW setting: {VectorIndexSpec(kind='hnsw').to_json()}; searched with k="
        f"{K_RETRIEVER} one query at a time (FaissVectors.search)"
    )
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (1 min)")
    sentences = squad_sentences()
    questions = sorted(set(squad_questions(SHARED_EVAL / SQUAD_FILES[0])))
    questions += sorted(set(squad_questions(SHARED_EVAL / SQUAD_FILES[1])) - set(questions))
    random.Random(11).shuffle(questions)
    questions = questions[: args.queries]

    bulk = SentenceTransformerEmbedder()
    started = time.perf_counter()
    for _ in range(2):  # load the model and warm the bf16 kernels outside the measured rate
        bulk.embed(sentences[:64])
    load_s = time.perf_counter() - started
    probe = sentences[:256]
    started = time.perf_counter()
    bulk.embed(probe)
    probe_rate = len(probe) / (time.perf_counter() - started)
    print(
        f"\nREAL: {len(sentences):,} distinct SQuAD sentences available; model loaded and "
        f"warmed in {load_s:.1f} s; measured rate {probe_rate:,.0f} sentences/s "
        f"({bulk.bulk_precision()}), so about {probe_rate * args.real_seconds:,.0f} fit in "
        f"{args.real_seconds:g} s"
    )
    base, rate = embed_for(bulk, sentences, args.real_seconds)
    print(
        f"REAL: embedded {len(base):,} of {len(sentences):,} sentences at {rate:,.0f}/s "
        f"({bulk.bulk_precision()}) in {len(base) / rate:.0f} s"
    )
    questioner = SentenceTransformerEmbedder(precision="fp32")
    started = time.perf_counter()
    asked = np.concatenate(
        [questioner.embed(questions[i : i + 256]) for i in range(0, len(questions), 256)]
    )
    print(
        f"REAL: embedded {len(asked):,} SQuAD questions (fp32) in "
        f"{time.perf_counter() - started:.0f} s as queries (held out: not in the base set)"
    )
    real_nn = nearest_other_similarity(base, np.arange(len(base)))
    print(f"REAL: nearest-other-sentence similarity: {describe(real_nn)}")
    table, _ = compare("REAL embeddings", base, {"SQuAD questions": asked})

    rng = np.random.default_rng(5)
    size = args.synthetic
    held_out = 1000
    owners = rng.integers(0, len(base), size=size + held_out)
    noise = (rng.standard_normal((size + held_out, base.shape[1])) / np.sqrt(base.shape[1])).astype(
        np.float32
    )
    sample = rng.choice(size, size=min(CALIBRATION_SAMPLE, size), replace=False)
    started = time.perf_counter()
    sigma, synthetic_nn = calibrate_sigma(
        base, owners[:size], noise[:size], float(real_nn.mean()), sample
    )
    synthetic = noisy(base, owners[:size], noise[:size], sigma)
    synthetic_queries = noisy(base, owners[size:], noise[size:], sigma)
    del noise
    print(
        f"\nSYNTHETIC: {size:,} vectors = real sentence vectors as centres (~"
        f"{size / len(base):.0f} per centre) + Gaussian noise of length {sigma:.3f}, "
        f"normalised (noise chosen in {time.perf_counter() - started:.0f} s)"
    )
    print(
        f"SYNTHETIC: nearest-other-vector similarity ({len(sample):,} sampled): "
        f"{describe(synthetic_nn)}"
    )
    print(f"REAL     : nearest-other-sentence similarity (all {len(base):,}): {describe(real_nn)}")
    print(f"SYNTHETIC: question-to-top-1 similarity: {describe(question_top1(synthetic, asked))}")
    print(f"REAL     : question-to-top-1 similarity: {describe(question_top1(base, asked))}")
    synthetic_rows, build_s = compare(
        "SYNTHETIC (real centres + noise)",
        synthetic,
        {"SQuAD questions": asked, "held-out synthetic": synthetic_queries},
    )
    table += synthetic_rows

    print()
    print(
        "| vectors | base size | queries | HNSW build s | HNSW recall@10 | HNSW recall@50 | "
        "flat recall@10 | HNSW p50 ms | HNSW p95 ms | flat p50 ms | flat p95 ms |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in table:
        print(row)
    print()
    print(
        "recall@10 = share of the exact top 10 found in the top 10 of the k=50 search; "
        "times are per query, one query per call"
    )
    scale = 1_000_000 / size
    print(
        f"not run: 1,000,000 vectors, to keep the run short on 2 shared cores (the graph build "
        f"grows a little faster than linearly: expect over {scale * build_s:.0f} s from the "
        f"{build_s:.0f} s at {size:,}, plus about 1.5 GB for vectors and graph)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
