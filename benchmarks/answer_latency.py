"""Answer latency, memory and disk use at growing corpus sizes.

For each size N (default 1k, 10k, 100k chunks) an index is built from the real seed article
plus synthetic news-like documents (sentences drawn at random from the SQuAD paragraphs, so
the words and sentence shapes are real but the documents are not). Synthetic chunks get random
unit vectors instead of model embeddings (embedding 100k chunks would take about an hour on two
cores); questions are embedded by the real model. Then ``QA.answer()`` (retrieve + read + cite,
warm) is timed on questions asked for the first time (the seed-article questions and SQuAD
questions whose sentences are in the synthetic documents; each asked once, since a repeated
question is answered from caches). Quote questions ("What did X say?", half of them "... about Y?")
are timed apart, for the most quoted speakers of the corpus (statements are found only in
corpora up to ``--statements-up-to`` chunks: parsing 100k chunks takes hours on two cores).

Usage: .venv/bin/python benchmarks/answer_latency.py [--sizes 1000 10000 100000] [--questions 60]
           [--baseline REV] [--quote-questions 20] [--statements-up-to 2000]

``--baseline REV`` first runs this benchmark as it was at git revision REV (its code, unpacked
beside this checkout so that it finds ../shared), in a child process on the same machine, and
then this checkout's, so the two tables come from one run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import numpy.typing as npt

from benchmarks.corpus import ROOT, SHARED_EVAL, unpack_revision
from index import IndexBuilder, ModelFingerprint, SentenceTransformerEmbedder
from qa import QA, Settings

SEED_QUESTIONS = [
    "What did Larijani say?",
    "Who is Ali Larijani?",
    "When did Trump speak to Axios?",
    "What did the US bomb in June?",
    "Who reported from Tehran for Al Jazeera?",
    "What is the population of Iran?",
]


class SyntheticVectors:
    """Random unit vectors for synthetic chunks; the real model for the seed article."""

    def __init__(self, real: SentenceTransformerEmbedder, seed_texts: set[str]) -> None:
        self.real = real
        self.seed_texts = seed_texts
        # Real chunks go through torch, as in a real build (not the question-sized NumPy path).
        real.warm_up()

    def fingerprint(self) -> ModelFingerprint:
        return self.real.fingerprint()

    def warm_up(self) -> None:
        """Nothing to load."""

    def engine(self) -> str:
        return "random stand-ins, the real model for the seed article"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        # Text by text: a batch mixes chunks of several documents.
        seed = int.from_bytes(hashlib.sha256("".join(texts).encode()).digest()[:8], "little")
        vectors = np.random.default_rng(seed).standard_normal((len(texts), 384))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors.astype(np.float32)
        real = [i for i, text in enumerate(texts) if text in self.seed_texts]
        if real:
            vectors[real] = self.real.embed([texts[i] for i in real])
        return vectors


def seed_chunk_texts() -> list[str]:
    """The seed article's chunk texts, cut as the index cuts them (they get real vectors)."""
    from benchmarks.corpus import chunk_texts

    return chunk_texts([ROOT / "seeds"])


def squad_sentences() -> list[str]:
    sentences: list[str] = []
    for name in ("squad2_dev_subset.json", "squad2_fit_pool.json"):
        data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                sentences.extend(s.strip() + "." for s in paragraph["context"].split(". ") if s)
    return sentences


def squad_questions(count: int, skip: int = 0) -> list[str]:
    """``count`` answerable SQuAD questions, in file order after the first ``skip``."""
    questions: list[str] = []
    for name in ("squad2_fit_pool.json", "squad2_dev_subset.json"):
        data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                questions.extend(
                    item["question"] for item in paragraph["qas"] if not item.get("is_impossible")
                )
    spread = questions[:: max(1, len(questions) // (count + skip + 1))]
    return spread[skip : skip + count]


def write_synthetic(folder: Path, chunks: int, sentences: list[str]) -> None:
    """About ``chunks`` chunks of 1000 characters, ten chunks per document."""
    rng = random.Random(7)
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "seeds" / "000_0c4851bab53c4404.txt", folder)
    per_document = 10
    for number in range(max(0, chunks - 5) // per_document):
        paragraphs = []
        for _ in range(per_document):
            paragraph: list[str] = []
            while sum(map(len, paragraph)) < 850:
                paragraph.append(rng.choice(sentences))
            paragraphs.append(" ".join(paragraph))
        (folder / f"synthetic_{number:06d}.txt").write_text(
            f"Synthetic document {number}\n" + "\n\n".join(paragraphs), encoding="utf-8"
        )


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _revision(rev: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def run_baseline(rev: str, sizes: Sequence[int], questions: int) -> None:
    """Run this benchmark as it was at ``rev``, in a child process, printing its table."""
    folder = unpack_revision(rev)
    try:
        print(f"== baseline {_revision(rev)} (unpacked in {folder})", flush=True)
        command = [sys.executable, str(folder / "benchmarks" / "answer_latency.py")]
        command += ["--sizes", *map(str, sizes), "--questions", str(questions)]
        # The child imports the baseline's qa and index, not this checkout's.
        env = {**os.environ, "PYTHONPATH": str(folder)}
        subprocess.run(command, cwd=folder, env=env, check=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument(
        "--questions", type=int, default=60, help="SQuAD questions timed besides the seed ones"
    )
    parser.add_argument("--baseline", help="also time the code at this git revision, first")
    parser.add_argument(
        "--quote-questions",
        type=int,
        default=20,
        help='quote questions timed ("What did X say?" for the most quoted speakers)',
    )
    parser.add_argument(
        "--statements-up-to",
        type=int,
        default=2000,
        help="find statements only in corpora up to this many chunks (parsing is slow); "
        "larger ones get no quote timing",
    )
    args = parser.parse_args()
    if args.baseline:
        run_baseline(args.baseline, args.sizes, args.questions)
        print(f"\n== this checkout ({_revision('HEAD')}, with its working-tree changes)")
    warm_up_questions = squad_questions(5)
    timed_questions = [*SEED_QUESTIONS, *squad_questions(args.questions, skip=5)]
    assert len(set(timed_questions)) == len(timed_questions)
    real = SentenceTransformerEmbedder()
    sentences = squad_sentences()
    print("p50/p95: first-time questions; rep: the same questions asked again")
    print(
        "corpus: seed article + synthetic documents of real SQuAD sentences; synthetic "
        "chunks carry random unit vectors, questions are embedded by the real model; "
        f"{len(timed_questions)} distinct questions, each asked once"
    )
    print(
        f"{'chunks':>8} {'p50 ms':>8} {'p95 ms':>8} {'rep p50':>8} {'rep p95':>8} "
        f"{'build s':>8} {'RSS MB':>8} {'disk B/chunk':>12} {'vector index':>12} "
        f"{'quote p50':>9} {'quote p95':>9}"
    )
    topics = [q.rstrip("?").split()[-3:] for q in squad_questions(args.quote_questions)]
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix="qa-bench-latency-"))
        write_synthetic(work / "docs", size, sentences)
        started = time.perf_counter()
        seed_texts = set(seed_chunk_texts())
        statements = size <= args.statements_up_to
        report = IndexBuilder(
            SyntheticVectors(real, seed_texts), work / "index", statements=statements
        ).update([work / "docs"])
        build_s = time.perf_counter() - started
        qa = QA(Settings(index_dir=work / "index", documents=(work / "docs",)), embedder=real)
        qa.warm_up()
        for question in warm_up_questions:
            qa.answer(question)
        latencies = []
        for question in timed_questions:  # each asked once: nothing about it is cached
            began = time.perf_counter()
            qa.answer(question)
            latencies.append(1000 * (time.perf_counter() - began))
        latencies.sort()
        repeats = []
        for question in timed_questions:  # the same again: caches warm, as for a FAQ
            began = time.perf_counter()
            qa.answer(question)
            repeats.append(1000 * (time.perf_counter() - began))
        repeats.sort()
        quotes = []
        if statements:
            # The most quoted speakers: "What did X say?", and every other one about a topic.
            speakers = [name for name, _ in qa.statements.speakers()[: args.quote_questions]]
            for number, name in enumerate(speakers):
                about = f" about {' '.join(topics[number % len(topics)])}" if number % 2 else ""
                began = time.perf_counter()
                qa.answer(f"What did {name} say{about}?")
                quotes.append(1000 * (time.perf_counter() - began))
            quotes.sort()
        quote_cells = (
            f"{statistics.median(quotes):>9.1f} {quotes[int(0.95 * (len(quotes) - 1))]:>9.1f}"
            if quotes
            else f"{'-':>9} {'-':>9}"
        )
        disk = sum(p.stat().st_size for p in (work / "index").rglob("*") if p.is_file())
        manifest_kind = json.loads(
            next((work / "index" / "versions").glob("*/manifest.json")).read_text()
        ).get("vector_index", {})
        print(
            f"{report.total_chunks:>8} {statistics.median(latencies):>8.1f} "
            f"{latencies[int(0.95 * (len(latencies) - 1))]:>8.1f} "
            f"{statistics.median(repeats):>8.1f} {repeats[int(0.95 * (len(repeats) - 1))]:>8.1f} "
            f"{build_s:>8.1f} "
            f"{rss_mb():>8.0f} {disk / report.total_chunks:>12.0f} "
            f"{manifest_kind.get('kind', manifest_kind.get('type', '?')):>12} {quote_cells}"
        )
        del qa
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
