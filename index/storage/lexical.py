"""The lexical side of an index version: BM25 postings, written with the version, read mapped.

The postings are built from each chunk's stemmed, stop-word-free tokens as a version is
written and saved beside its vectors, so an answering process maps them from disk instead of
tokenizing every chunk again at start-up (11 s and about 170 MB at 123k chunks). Each chunk's
(term, count) pairs are saved too, so the next version copies those of unchanged documents
instead of tokenizing them again.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import bm25s

__all__ = ["LEXICAL_FILES", "LexicalIndexWriter", "lexical_tokens", "load_lexical", "stem_words"]

logger = logging.getLogger(__name__)

# File names in a version folder: bm25s's arrays (.npy, memory-mapped when read), the
# vocabulary and the scoring parameters.
_NAMES = {
    "data_name": "bm25.data.npy",
    "indices_name": "bm25.indices.npy",
    "indptr_name": "bm25.indptr.npy",
    "vocab_name": "bm25.vocab.json",
    "params_name": "bm25.params.json",
}
# Each chunk's (term id, count) pairs and its (distinct terms, tokens), kept so that an update
# copies the unchanged documents' terms from the live version instead of tokenizing them again.
_TERMS = "bm25.terms.npy"
_COUNTS = "bm25.counts.npy"
_CHUNKS = "bm25.chunks.npy"
LEXICAL_FILES = (*_NAMES.values(), _TERMS, _COUNTS, _CHUNKS)

_stemmers = threading.local()


def stem_words(words: Sequence[str]) -> list[str]:
    """Snowball English stems of ``words`` (lower-cased words), in order.

    Each thread has its own stemmer: a PyStemmer object keeps state while it stems (and a
    cache of recent words), so threads answering at once must not share one.
    """
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        import Stemmer

        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    stems: list[str] = stemmer.stemWords(list(words))
    return stems


@functools.cache
def _import_bm25s() -> Any:
    """bm25s, with its logger following the application's level again (once per process).

    bm25s sets its logger to DEBUG when imported, so every BM25 build would print a line.
    """
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


def lexical_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens of each text, as BM25 sees them."""
    tokens: list[list[str]] = _import_bm25s().tokenize(
        list(texts),
        stopwords="english",
        stemmer=stem_words,
        return_ids=False,
        show_progress=False,
    )
    return tokens


class LexicalIndexWriter:
    """Collects the terms of chunks in row order and builds their BM25 postings.

    The scores are bm25s's own (its default Lucene variant, k1 1.5, b 0.75), and the result is
    a ``bm25s.BM25`` that saves, loads and scores as bm25s does; only the building is done
    here, for memory. bm25s builds from per-chunk lists of token ids and a coordinate matrix:
    at 123k chunks (12.6M distinct chunk-term pairs) its build peaked 436 MB over the tokens
    it was given. Here each pair is kept as two 4-byte numbers as the documents stream past
    (101 MB), and the postings are filled a block of terms at a time: 174 MB over those at
    the peak, 101 MB of it the postings themselves.

    Example:
        >>> writer = LexicalIndexWriter()
        >>> writer.add(["Larijani said talks would resume.", "Markets fell."])
        >>> writer.save(version_folder)
        ('bm25.data.npy', ...)
    """

    # (chunk, term) pairs placed per block of terms: bounds the block's temporary arrays
    # (about 40 bytes a pair, so 40 MB) whatever the size of the index.
    block_pairs = 1 << 20

    def __init__(self, previous: Path | None = None) -> None:
        self._vocabulary: dict[str, int] = {}
        self._terms = array("I")  # each chunk's distinct term ids, chunk after chunk
        self._counts = array("I")  # how often each of those terms occurs in its chunk
        self._distinct = array("I")  # distinct terms per chunk
        self._lengths = array("I")  # tokens per chunk
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        if previous is not None:
            with (previous / _NAMES["vocab_name"]).open(encoding="utf-8") as handle:
                self._vocabulary = {str(term): int(i) for term, i in json.load(handle).items()}
            terms = np.load(previous / _TERMS, mmap_mode="r")
            counts = np.load(previous / _COUNTS, mmap_mode="r")
            chunks = np.load(previous / _CHUNKS, mmap_mode="r")
            first_pair = np.zeros(len(chunks) + 1, dtype=np.int64)
            np.cumsum(chunks[:, 0], out=first_pair[1:])
            self._previous = (terms, counts, chunks, first_pair)

    @property
    def rows(self) -> int:
        """Chunks added so far."""
        return len(self._lengths)

    def add(self, texts: Sequence[str]) -> None:
        """Add the next chunks' texts, in the order of their vector rows."""
        vocabulary = self._vocabulary
        for tokens in lexical_tokens(texts):
            counts = Counter(vocabulary.setdefault(token, len(vocabulary)) for token in tokens)
            self._terms.extend(counts.keys())
            self._counts.extend(counts.values())
            self._distinct.append(len(counts))
            self._lengths.append(len(tokens))

    def add_unchanged(self, first_row: int, rows: int) -> bool:
        """Add ``rows`` chunks copied from the previous version's, from its row ``first_row``.

        Returns:
            False, adding nothing, when this writer was given no previous version.
        """
        if self._previous is None:
            return False
        terms, counts, chunks, first_pair = self._previous
        start, end = first_pair[first_row], first_pair[first_row + rows]
        self._terms.frombytes(terms[start:end].tobytes())
        self._counts.frombytes(counts[start:end].tobytes())
        own = chunks[first_row : first_row + rows]
        self._distinct.frombytes(np.ascontiguousarray(own[:, 0]).tobytes())
        self._lengths.frombytes(np.ascontiguousarray(own[:, 1]).tobytes())
        return True

    def _drop_unused_terms(self) -> None:
        """Forget terms no chunk has any more (their documents were removed or changed)."""
        terms = np.frombuffer(self._terms, dtype=np.uint32)
        used = np.bincount(terms, minlength=len(self._vocabulary)) > 0
        if used.all():
            return
        renumbered = (np.cumsum(used) - 1).astype(np.uint32)
        writable = np.frombuffer(memoryview(self._terms), dtype=np.uint32)
        for start in range(0, len(writable), self.block_pairs):
            block = writable[start : start + self.block_pairs]
            block[:] = renumbered[block]
        self._vocabulary = {
            term: int(renumbered[i]) for term, i in self._vocabulary.items() if used[i]
        }

    def build(self) -> bm25s.BM25 | None:
        """The BM25 index of the chunks added (None when there are none: nothing to score)."""
        if not self._lengths:
            return None
        self._drop_unused_terms()
        bm25 = _import_bm25s().BM25()
        terms = np.frombuffer(self._terms, dtype=np.uint32)
        counts = np.frombuffer(self._counts, dtype=np.uint32)
        lengths = np.frombuffer(self._lengths, dtype=np.uint32).astype(np.float64)
        chunks, vocabulary = len(lengths), len(self._vocabulary)
        frequencies = np.bincount(terms, minlength=vocabulary)
        idf = np.log1p((chunks - frequencies + 0.5) / (frequencies + 0.5)).astype(np.float32)
        # BM25's length normalisation, k1 * (1 - b + b * length / average length), per chunk.
        norm = bm25.k1 * ((1 - bm25.b) + bm25.b * lengths / lengths.mean())
        first_pair = np.zeros(chunks + 1, dtype=np.int64)
        np.cumsum(np.frombuffer(self._distinct, dtype=np.uint32), out=first_pair[1:])
        indptr = np.zeros(vocabulary + 1, dtype=np.int64)
        np.cumsum(frequencies, out=indptr[1:])
        data = np.empty(len(terms), dtype=np.float32)
        indices = np.empty(len(terms), dtype=np.int32)
        low = 0
        while low < vocabulary:
            # The terms [low, high) whose postings hold about block_pairs pairs (at least one).
            high = int(np.searchsorted(indptr, indptr[low] + self.block_pairs, side="right")) - 1
            high = min(max(high, low + 1), vocabulary)
            pairs = np.flatnonzero((terms >= low) & (terms < high))
            pairs = pairs[np.argsort(terms[pairs], kind="stable")]  # by term, chunks ascending
            rows = np.searchsorted(first_pair, pairs, side="right") - 1
            counts_here = counts[pairs].astype(np.float64)
            scores = idf[terms[pairs]] * (counts_here / (norm[rows] + counts_here))
            data[indptr[low] : indptr[high]] = scores
            indices[indptr[low] : indptr[high]] = rows
            low = high
        bm25.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": chunks}
        bm25.vocab_dict = dict(self._vocabulary)
        bm25.unique_token_ids_set = set(self._vocabulary.values())
        bm25.nonoccurrence_array = None  # the Lucene variant has none
        return bm25

    def save(self, folder: Path) -> tuple[str, ...]:
        """Write the postings into ``folder`` and return the names of the files written.

        An index without chunks writes nothing and returns no names.
        """
        bm25 = self.build()
        if bm25 is None:
            return ()
        bm25.save(folder, show_progress=False, **_NAMES)
        del bm25
        np.save(folder / _TERMS, np.frombuffer(self._terms, dtype=np.uint32))
        np.save(folder / _COUNTS, np.frombuffer(self._counts, dtype=np.uint32))
        distinct = np.frombuffer(self._distinct, dtype=np.uint32)
        lengths = np.frombuffer(self._lengths, dtype=np.uint32)
        np.save(folder / _CHUNKS, np.column_stack((distinct, lengths)))
        return LEXICAL_FILES


def load_lexical(folder: Path) -> bm25s.BM25:
    """The postings saved in ``folder``, their arrays mapped from disk rather than read in."""
    bm25: bm25s.BM25 = _import_bm25s().BM25.load(folder, mmap=True, show_progress=False, **_NAMES)
    return bm25
