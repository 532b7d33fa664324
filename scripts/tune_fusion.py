"""Paragraph recall@5 on the SQuAD 2.0 fit pool for several reciprocal-rank-fusion constants.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/tune_fusion.py ../shared/eval/squad2_fit_pool.json

Reads only the fit pool (the evaluation subset is never used to tune). Each question's dense
and BM25 rankings are computed once, then fused with each constant, as HybridRetriever does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from qa import QA, Settings
from qa.evaluation.squad import load_squad
from qa.retriever import HybridRetriever


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", type=Path)
    parser.add_argument("--work-dir", type=Path, default=Path("data/fit"))
    parser.add_argument("--every", type=int, default=2, help="use every n-th question")
    args = parser.parse_args(argv)
    if "dev_subset" in args.pool.name:
        raise SystemExit("refusing to tune on the evaluation subset")
    work = args.work_dir / args.pool.stem
    corpus = load_squad(args.pool, work)
    qa = QA(Settings(index_dir=work / "index", documents=(corpus.documents_dir,)))
    qa.update([corpus.documents_dir])
    retriever = HybridRetriever(qa.index, qa.embedder)
    rankings = []
    for item in corpus.questions[:: args.every]:
        # The two rankings before fusion (the retriever's own helpers).
        dense = [row for row, _ in retriever._dense(item.question, 50)]
        lexical = [row for row, _ in retriever._lexical(item.question, 50)]
        rankings.append((item.doc_id, dense, lexical))
    for constant in (2, 5, 10, 20, 60):
        hits = 0
        for doc_id, dense, lexical in rankings:
            fused: dict[int, float] = {}
            for ranking in (dense, lexical):
                for rank, row in enumerate(ranking):
                    fused[row] = fused.get(row, 0.0) + 1.0 / (constant + rank + 1)
            best = sorted(fused, key=lambda row: (-fused[row], row))[:5]
            hits += any(qa.index.chunk(row).doc_id == doc_id for row in best)
        print(f"rrf_k={constant:<3} paragraph recall@5 {hits / len(rankings):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
