"""Hybrid retrieval: dense FAISS search and BM25, fused by reciprocal rank."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from index import Embedder, StoredIndex
from index.storage.lexical import LexicalIndexWriter, lexical_tokens, load_lexical
from qa.types import Passage

if TYPE_CHECKING:
    import bm25s

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalConfig:
    """How many passages to consult and how the two rankings are fused.

    Attributes:
        top_k: Passages returned (default 5).
        candidates: Hits taken from each ranking before fusion (default 50).
        rrf_k: Reciprocal-rank-fusion constant; larger flattens the rank weights (default 5:
            on the SQuAD 2.0 fit pool, paragraph recall@5 is 0.956 with 5 against 0.939
            with the customary 60, by scripts/tune_fusion.py).
    """

    top_k: int = 5
    candidates: int = 50
    rrf_k: int = 5


class HybridRetriever:
    """Finds the passages most likely to answer a question.

    Dense similarity catches paraphrase; BM25 catches names and rare words ("Larijani").
    The two rankings are fused with reciprocal rank fusion.

    Example:
        >>> retriever = HybridRetriever(store.load(), SentenceTransformerEmbedder())
        >>> [p.doc_id for p in retriever.retrieve("What did Larijani say?", k=2)]

    Args:
        index: The loaded index.
        embedder: The model that built the index.
        config: Retrieval settings (default ``RetrievalConfig()``).
    """

    def __init__(
        self, index: StoredIndex, embedder: Embedder, config: RetrievalConfig | None = None
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._bm25: bm25s.BM25 | None = None

    def warm_up(self) -> None:
        """Open the BM25 postings (done once, on first use otherwise).

        A version written with its postings has them mapped from its folder; an older one
        has them built here from every chunk's text.
        """
        if self._bm25 is None:
            if self.index.lexical_folder is not None:
                self._bm25 = load_lexical(self.index.lexical_folder)
                return
            writer = LexicalIndexWriter()
            for doc_id in self.index.order:
                record = self.index.documents[doc_id]
                writer.add(record.chunk_texts())
            self._bm25 = writer.build()

    def _dense(self, question: str, limit: int) -> list[tuple[int, float]]:
        vector = self.embedder.embed([question])[0]
        return self.index.vectors.search(vector, limit)

    def _lexical(self, question: str, limit: int) -> list[tuple[int, float]]:
        self.warm_up()
        if self._bm25 is None:  # no chunks
            return []
        known = self._bm25.vocab_dict
        query = [token for token in lexical_tokens([question])[0] if token in known]
        if not query:  # no word of the question is in any chunk
            return []
        scores: npt.NDArray[np.float64] = self._bm25.get_scores(query)
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit]
        ranked = sorted(top.tolist(), key=lambda row: -scores[row])
        return [(int(row), float(scores[row])) for row in ranked if scores[row] > 0]

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        """Return the ``k`` best passages for ``question``, best first.

        Args:
            question: The question text.
            k: Passages to return (default: ``config.top_k``).

        Returns:
            Passages with fused, dense and lexical scores.
        """
        top_k = k if k is not None else self.config.top_k
        if self.index.vectors.count == 0 or top_k <= 0:
            return []
        dense = self._dense(question, self.config.candidates)
        lexical = self._lexical(question, self.config.candidates)
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, (row, _) in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.config.rrf_k + rank + 1)
        dense_scores = dict(dense)
        lexical_scores = dict(lexical)
        best = sorted(fused, key=lambda row: (-fused[row], row))[:top_k]
        passages = []
        for row in best:
            chunk = self.index.chunk(row)
            record = self.index.documents[chunk.doc_id]
            passages.append(
                Passage(
                    chunk_id=chunk.chunk_id,
                    doc_id=chunk.doc_id,
                    title=record.title,
                    source_path=record.source_path,
                    start=chunk.start,
                    end=chunk.end,
                    text=chunk.text,
                    score=fused[row],
                    dense_score=dense_scores.get(row),
                    lexical_score=lexical_scores.get(row),
                    page=record.page_at(chunk.start),
                )
            )
        return passages
