"""Time of a one-document update on an index large enough for an HNSW graph.

The index is the answer-latency benchmark's (the seed article plus synthetic documents of
real SQuAD sentences; synthetic chunks carry random unit vectors, so no model time is in the
figures). Then, in the same run: an update that adds one new document (the live graph is
extended) and an update that changes one existing document (a new graph is built), each
timed end to end through ``IndexBuilder.update``, which also hashes every unchanged file.

Usage: .venv/bin/python benchmarks/hnsw_update.py [--chunks 250000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.answer_latency import (
    SyntheticVectors,
    seed_chunk_texts,
    squad_sentences,
    write_synthetic,
)
from index import IndexBuilder, IndexStore, SentenceTransformerEmbedder


def timed_update(builder: IndexBuilder, docs: Path, index_dir: Path) -> tuple[float, str]:
    started = time.perf_counter()
    report = builder.update([docs])
    elapsed = time.perf_counter() - started
    graph = IndexStore(index_dir).read_manifest()["vector_index"].get("graph", "flat")
    return elapsed, f"{graph}, {report.total_chunks:,} chunks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=250_000)
    args = parser.parse_args()
    print(f"command: .venv/bin/python benchmarks/hnsw_update.py --chunks {args.chunks}")
    work = Path(tempfile.mkdtemp(prefix="qa-bench-hnsw-update-"))
    try:
        docs, index_dir = work / "docs", work / "index"
        sentences = squad_sentences()
        write_synthetic(docs, args.chunks, sentences)
        builder = IndexBuilder(
            SyntheticVectors(SentenceTransformerEmbedder(), set(seed_chunk_texts())), index_dir
        )
        built_s, built = timed_update(builder, docs, index_dir)
        print(f"| first build | {built} | {built_s:.0f} s |")
        extra = docs / "zz_new_story.txt"
        extra.write_text("A new story\n\n" + " ".join(sentences[:12]), encoding="utf-8")
        added_s, added = timed_update(builder, docs, index_dir)
        print(f"| add one document | {added} | {added_s:.1f} s |")
        first = sorted(docs.glob("synthetic_*.txt"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\nOne more line.", encoding="utf-8")
        changed_s, changed = timed_update(builder, docs, index_dir)
        print(f"| change one document | {changed} | {changed_s:.1f} s |")
        manifest = IndexStore(index_dir).read_manifest()
        print(f"vector index: {json.dumps(manifest['vector_index'])}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
