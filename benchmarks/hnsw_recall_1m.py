"""Recall@10 of the product's HNSW setting on 1,000,000 real MiniLM embeddings.

Embedding a million passages takes about seven hours on a two-core laptop, so this benchmark is
made to run where a GPU embeds them in a minute or two; the index itself is built and searched
with faiss-cpu, as the product does, through the product's own ``build_vector_index`` and
``VectorIndexSpec(kind="hnsw")`` (HNSW32, efConstruction 80, inner product), searched at each
efSearch of ``--ef-search``; the product's own value is marked.

Corpus: real English prose found on the machine that runs it: docstrings and comment blocks of
the Python files, and the paragraphs of Markdown, reStructuredText and text files, under the
installed Python packages and ``/usr/share/doc``. Each passage is a paragraph cut to at most
1,000 characters at sentence ends (the product's chunk size), at least 8 words, mostly letters,
distinct. Two query sets, never in the base: SQuAD 2.0 questions (the shared evaluation files'
questions, real questions from another domain) and held-out passages of the same corpus.

Ground truth is exact inner-product search (on the GPU where there is one, else a flat FAISS
index); recall@10 is the share of the exact top 10 found in the top 10 of a ``k=50`` search,
the retriever's call. Latencies are one query per call on that machine's CPU, not a laptop's.

Usage (where a GPU is): python3 benchmarks/hnsw_recall_1m.py --model MODEL_DIR
       --questions squad2_dev_subset.json squad2_fit_pool.json [--base 1000000]
       [--queries 1000] [--ef-search 64,128,256,512,1024] [--out DIR]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import os
import random
import re
import statistics
import sys
import sysconfig
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
K_RETRIEVER = 50
K_RECALL = 10
MAX_CHARS = 1000
MIN_WORDS = 8
TEXT_SUFFIXES = {".md", ".rst", ".txt"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SPACE = re.compile(r"\s+")


def _product_module(name: str) -> Any:
    """A module of ``index/`` by file: the package's ``__init__`` needs the whole install."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "index" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _prose(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    visible = sum(not ch.isspace() for ch in text)
    return len(text.split()) >= MIN_WORDS and visible > 0 and letters / visible >= 0.75


def _pieces(paragraph: str) -> Iterator[str]:
    """A paragraph as passages of at most MAX_CHARS, cut at sentence ends where possible."""
    paragraph = _SPACE.sub(" ", paragraph).strip()
    if len(paragraph) <= MAX_CHARS:
        if _prose(paragraph):
            yield paragraph
        return
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        sentence = sentence[:MAX_CHARS]
        if current and len(current) + 1 + len(sentence) > MAX_CHARS:
            if _prose(current):
                yield current
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current and _prose(current):
        yield current


def _line_comments(source: str, marker: str) -> Iterator[str]:
    """Runs of consecutive comment lines (``#`` or ``//``, not ``#!``), each joined into one."""
    block: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(marker) and not stripped.startswith("#!"):
            block.append(stripped.lstrip(marker[0]).strip())
        elif block:
            yield " ".join(block)
            block = []
    if block:
        yield " ".join(block)


def _python_paragraphs(source: str) -> Iterator[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield from re.split(r"\n\s*\n", doc)
    yield from _line_comments(source, "#")


_C_SUFFIXES = {".h", ".hpp", ".cuh", ".c", ".cc", ".cpp", ".cu", ".js", ".ts"}
_BLOCK_COMMENT = re.compile(r"/\*+(.*?)\*/", re.DOTALL)


def _c_paragraphs(source: str) -> Iterator[str]:
    """Block comments and runs of ``//`` lines of C-like sources, split at blank lines."""
    for match in _BLOCK_COMMENT.finditer(source):
        body = "\n".join(line.strip().lstrip("*").strip() for line in match.group(1).splitlines())
        yield from re.split(r"\n\s*\n", body)
    yield from _line_comments(source, "//")


def passages_of(path: str) -> tuple[list[str], list[str]]:
    """One file's passages, and the sentences of its many-sentence passages (the reserve).

    Empty for unreadable or binary files.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(2_000_000)
    except (OSError, UnicodeDecodeError):
        return [], []
    if path.endswith(".py"):
        paragraphs: Iterator[str] = _python_paragraphs(text)
    elif os.path.splitext(path)[1] in _C_SUFFIXES:
        paragraphs = _c_paragraphs(text)
    else:
        paragraphs = iter(re.split(r"\n\s*\n", text))
    passages = [piece for paragraph in paragraphs for piece in _pieces(paragraph)]
    sentences = [
        sentence
        for passage in passages
        for sentence in _SENTENCE_END.split(passage)
        if sentence != passage and _prose(sentence)
    ]
    return passages, sentences


def source_files() -> list[str]:
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    roots |= {str(path) for path in Path("/usr/lib").glob("python3*")}
    roots |= {str(path) for path in Path("/usr/local/lib").glob("python3*")}
    roots |= {"/usr/share/doc", "/usr/include", "/usr/local/cuda/include", "/opt"}
    wanted = {".py", *TEXT_SUFFIXES, *_C_SUFFIXES}
    files: set[str] = set()
    for root in sorted(roots):
        for folder, _, names in os.walk(root):
            for name in names:
                if os.path.splitext(name)[1] in wanted:
                    files.add(os.path.realpath(os.path.join(folder, name)))
    return sorted(files)


def gather(needed: int, seconds: float) -> tuple[list[str], str]:
    """Distinct passages in a fixed order, up to ``needed``, and where they came from.

    Whole passages first; only if the machine holds too few, single sentences of passages
    (each a distinct text of its own, and a close neighbour of its passage) fill the rest.
    """
    files = source_files()
    random.Random(3).shuffle(files)
    seen: set[bytes] = set()
    passages: list[str] = []
    reserve: list[str] = []
    started = time.perf_counter()
    read = 0

    def add(text: str, to: list[str]) -> None:
        digest = hashlib.blake2b(text.lower().encode(), digest_size=12).digest()
        if digest not in seen:
            seen.add(digest)
            to.append(text)

    with ProcessPoolExecutor() as pool:
        for found, sentences in pool.map(passages_of, files, chunksize=64):
            read += 1
            for passage in found:
                add(passage, passages)
            reserve.extend(sentences)
            if len(passages) >= needed or time.perf_counter() - started > seconds:
                pool.shutdown(wait=False, cancel_futures=True)
                break
    whole = len(passages)
    for sentence in reserve:
        if len(passages) >= needed:
            break
        add(sentence, passages)
    origin = (
        f"{whole:,} whole passages and {len(passages) - whole:,} single sentences of passages, "
        f"from {read:,} of {len(files):,} files"
    )
    return passages[:needed], origin


def squad_questions(paths: list[str]) -> list[str]:
    """The distinct questions of SQuAD files (or of lists of them), sorted."""
    found: set[str] = set()
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, list):
            found.update(data)
            continue
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                found.update(item["question"] for item in paragraph["qas"])
    return sorted(found)


def embed(model: Any, texts: list[str], batch: int) -> npt.NDArray[np.float32]:
    vectors = model.encode(
        texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def exact_top(
    base: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int
) -> npt.NDArray[np.int64]:
    try:
        import torch

        if torch.cuda.is_available():
            on_gpu = torch.from_numpy(base).cuda()
            asked = torch.from_numpy(queries).cuda()
            rows = [
                torch.topk(asked[i : i + 256] @ on_gpu.T, k, dim=1).indices.cpu().numpy()
                for i in range(0, len(asked), 256)
            ]
            return np.concatenate(rows).astype(np.int64)
    except ImportError:
        pass
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    return np.asarray(flat.search(queries, k)[1])


def recall(found: list[list[int]], exact: npt.NDArray[np.int64], k: int) -> float:
    hits = [len(set(f[:k]) & set(e[:k].tolist())) / k for f, e in zip(found, exact, strict=True)]
    return sum(hits) / len(hits)


def timed(index: Any, queries: npt.NDArray[np.float32]) -> tuple[list[list[int]], list[float]]:
    """One k=50 search per query, as the retriever calls it; (rows, milliseconds)."""
    for query in queries[:10]:
        index.search(query.reshape(1, -1), K_RETRIEVER)
    found, times = [], []
    for query in queries:
        began = time.perf_counter()
        _, rows = index.search(query.reshape(1, -1), K_RETRIEVER)
        times.append(1000 * (time.perf_counter() - began))
        found.append([int(r) for r in rows[0] if r >= 0])
    times.sort()
    return found, times


def describe(values: npt.NDArray[np.float32]) -> str:
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return f"mean {values.mean():.3f} (p10 {p10:.3f}, median {p50:.3f}, p90 {p90:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="all-MiniLM-L6-v2 folder")
    parser.add_argument(
        "--questions",
        required=True,
        nargs="+",
        help="SQuAD 2.0 files, or JSON lists of their questions (a smaller file to carry)",
    )
    parser.add_argument("--base", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000, help="of each query set")
    parser.add_argument("--gather-seconds", type=float, default=150)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--out", default="", help="folder for a copy of the report")
    parser.add_argument(
        "--ef-search", default="64,128,256,512", help="efSearch values to measure (comma list)"
    )
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)
        if args.out:
            Path(args.out, "hnsw_recall_1m.txt").write_text("\n".join(lines) + "\n")

    vector_index = _product_module("vector_index")
    spec = vector_index.VectorIndexSpec(kind="hnsw")
    say(
        f"command: python3 benchmarks/hnsw_recall_1m.py --base {args.base} --queries {args.queries}"
    )
    say(f"{os.cpu_count()} CPUs, faiss {faiss.__version__}; HNSW setting {spec.to_json()}")

    started = time.perf_counter()
    passages, origin = gather(args.base + args.queries, args.gather_seconds)
    say(
        f"corpus: {len(passages):,} distinct texts ({origin}) in "
        f"{time.perf_counter() - started:.0f} s; mean {statistics.mean(map(len, passages)):.0f} "
        f"chars, median {statistics.median(map(len, passages)):.0f}"
    )
    random.Random(5).shuffle(passages)
    held_out, base_texts = passages[: args.queries], passages[args.queries :]
    if args.out:
        sample = random.Random(9).sample(base_texts, 30)
        Path(args.out, "passage_sample.json").write_text(json.dumps(sample, indent=1))
    questions = squad_questions(args.questions)
    random.Random(11).shuffle(questions)
    questions = questions[: args.queries]

    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(args.model, device=device)
    if device == "cuda":
        model.half()
        say(f"embedding on {torch.cuda.get_device_name(0)} in fp16")
    started = time.perf_counter()
    base = embed(model, base_texts, args.batch)
    say(f"embedded {len(base):,} passages in {time.perf_counter() - started:.0f} s")
    query_sets = {
        "SQuAD questions": embed(model, questions, args.batch),
        "held-out passages": embed(model, held_out, args.batch),
    }
    del model
    sample_rows = np.random.default_rng(1).choice(
        len(base), size=min(2000, len(base)), replace=False
    )
    nearest = exact_top(base, base[sample_rows], 2)
    similarity = np.einsum(
        "ij,ij->i",
        base[sample_rows],
        base[np.where(nearest[:, 0] == sample_rows, nearest[:, 1], nearest[:, 0])],
    )
    say(f"nearest-other-passage similarity ({len(sample_rows):,} sampled): {describe(similarity)}")

    started = time.perf_counter()
    hnsw = vector_index.build_vector_index(base, base.shape[1], spec)
    build_s = time.perf_counter() - started
    threads = faiss.omp_get_max_threads()
    say(f"HNSW built over {hnsw.ntotal:,} vectors in {build_s:.0f} s ({threads} threads)")
    flat = vector_index.build_vector_index(base, base.shape[1], vector_index.VectorIndexSpec())
    faiss.omp_set_num_threads(1)  # one question at a time, as the app asks
    say("")
    exact_of = {}
    for label, queries in query_sets.items():
        exact_of[label] = exact_top(base, queries, K_RETRIEVER)
        top1 = np.einsum("ij,ij->i", queries, base[exact_of[label][:, 0]])
        say(f"{label}: top-1 exact similarity {describe(top1)}")
    say("")
    say(
        "| base | queries | efSearch | recall@10 | recall@50 | HNSW p50 ms | HNSW p95 ms | "
        "flat p50 ms | flat p95 ms |"
    )
    say("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, queries in query_sets.items():
        exact = exact_of[label]
        flat_found, flat_ms = timed(flat, queries[:200])
        assert recall(flat_found, exact[:200], K_RECALL) > 0.999, "flat search is not exact"
        for ef in (int(value) for value in args.ef_search.split(",")):
            hnsw.hnsw.efSearch = ef
            found, ms = timed(hnsw, queries)
            say(
                f"| {len(base):,} | {label} ({len(queries):,}) | {ef}"
                f"{' (product)' if ef == spec.ef_search else ''} | "
                f"{recall(found, exact, K_RECALL):.4f} | "
                f"{recall(found, exact, K_RETRIEVER):.4f} | {statistics.median(ms):.3f} | "
                f"{ms[int(0.95 * (len(ms) - 1))]:.3f} | {statistics.median(flat_ms):.1f} | "
                f"{flat_ms[int(0.95 * (len(flat_ms) - 1))]:.1f} |"
            )
    say("")
    say(
        "recall@10 = share of the exact top 10 in the top 10 of the k=50 search; flat timed "
        "on the first 200 queries; times are this machine's CPU, one thread, one query per call"
    )


if __name__ == "__main__":
    main()
