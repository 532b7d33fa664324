"""Recognising near-duplicate documents (the same story saved twice) by shingle resemblance.

Each document gets a bottom-k sketch: the smallest hashes of its word 4-grams, taken from
its article lines only, so page clutter and the file format do not matter. The share of
common hashes among the smallest of two sketches estimates the Jaccard resemblance of the
two documents' shingle sets (Broder, 1997).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from index.sources.cleaning import TextSpan, content_lines

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 4
SKETCH_SIZE = 128
# Resemblance at or above which two documents count as the same story.
NEAR_DUPLICATE_RESEMBLANCE = 0.75
# A sketch value held by more accepted documents than this is boilerplate shared by different
# stories (a footer, a standard intro): it cannot single out a duplicate, and following it to
# every holder would make each new document cost time in proportion to the corpus.
COMMON_VALUE_HOLDERS = 32
_WORD = re.compile(r"\w+")
# Article text is hashed in windows of about this many characters, to bound memory.
_WINDOW_CHARS = 1 << 20
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class DuplicateMatch:
    """An accepted document that a new one repeats, and how alike the two are, in [0, 1]."""

    doc_id: str
    resemblance: float


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The splitmix64 finaliser: spreads the bits of each value over the whole word."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _shingle_hashes(words: list[str], known: dict[str, int]) -> npt.NDArray[np.uint64]:
    """Unique hashes of the word 4-grams of ``words``; ``known`` caches word hashes."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter(
        (
            known[word] if word in known else known.setdefault(word, _word_hash(word))
            for word in words
        ),
        dtype=np.uint64,
        count=len(words),
    )
    if len(hashes) < SHINGLE_WORDS:
        return _mix(np.array([np.bitwise_xor.reduce(hashes)], dtype=np.uint64))
    count = len(hashes) - SHINGLE_WORDS + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(SHINGLE_WORDS):
            combined = combined * _MULTIPLIER + hashes[offset : offset + count]
        return _smallest_unique(_mix(combined))


def _smallest_unique(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The ``SKETCH_SIZE`` smallest distinct values, ascending."""
    if len(values) > 4 * SKETCH_SIZE:
        smallest = np.sort(np.partition(values, 4 * SKETCH_SIZE)[: 4 * SKETCH_SIZE])
        distinct = smallest[np.concatenate(([True], smallest[1:] != smallest[:-1]))]
        if len(distinct) >= SKETCH_SIZE:
            return distinct[:SKETCH_SIZE]
    ordered = np.sort(values)
    distinct = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    return distinct[:SKETCH_SIZE]


def sketch(text: str, lines: Sequence[TextSpan] | None = None) -> tuple[int, ...]:
    """The bottom-k sketch of a document's article text.

    Args:
        text: The document's text.
        lines: Its article lines (default: ``content_lines(text)``).

    Returns:
        Up to ``SKETCH_SIZE`` shingle hashes, ascending.
    """
    spans = content_lines(text) if lines is None else lines
    kept = np.zeros(0, dtype=np.uint64)
    known: dict[str, int] = {}
    index = 0
    while index < len(spans):
        words: list[str] = []
        size = 0
        while index < len(spans) and (size < _WINDOW_CHARS or not words):
            span = spans[index]
            words.extend(_WORD.findall(text[span.start : span.end].lower()))
            size += span.end - span.start
            index += 1
        kept = np.union1d(kept, _shingle_hashes(words, known))[:SKETCH_SIZE]
    return tuple(int(value) for value in kept)


def resemblance(first: Sequence[int], second: Sequence[int]) -> float:
    """Estimated Jaccard resemblance of two documents from their sketches, in [0, 1]."""
    if not first or not second:
        return 0.0
    union = sorted(set(first) | set(second))[:SKETCH_SIZE]
    both = set(first) & set(second)
    return sum(1 for value in union if value in both) / len(union)


class DuplicateFinder:
    """Remembers the sketches of accepted documents and finds the one a new document repeats.

    Example:
        >>> finder = DuplicateFinder()
        >>> finder.add("story", sketch(text))
        >>> finder.match(sketch(same_text_saved_as_html))
        DuplicateMatch(doc_id='story', resemblance=0.97)

    Args:
        threshold: Resemblance from which documents are the same story (default 0.75).
    """

    def __init__(self, threshold: float = NEAR_DUPLICATE_RESEMBLANCE) -> None:
        self.threshold = threshold
        # As uint64 arrays: 1 KB a document where a tuple of Python ints takes 5 KB, which
        # counted at a million chunks (index/update/spool.py keeps the rest of a build off memory).
        self._sketches: dict[str, npt.NDArray[np.uint64]] = {}
        self._holders: dict[int, list[str]] = {}
        self._common: set[int] = set()  # values past COMMON_VALUE_HOLDERS: not followed

    def add(self, doc_id: str, document_sketch: Sequence[int]) -> None:
        """Accept a document: later documents may be found to repeat it."""
        self._sketches[doc_id] = np.asarray(document_sketch, dtype=np.uint64)
        for value in document_sketch:
            if value in self._common:
                continue
            holders = self._holders.setdefault(value, [])
            holders.append(doc_id)
            if len(holders) > COMMON_VALUE_HOLDERS:
                self._common.add(value)
                del self._holders[value]

    def discard(self, doc_id: str) -> None:
        """Forget a document (it was removed or replaced)."""
        for value in self._sketches.pop(doc_id, np.zeros(0, dtype=np.uint64)).tolist():
            holders = self._holders.get(value, [])
            if doc_id in holders:
                holders.remove(doc_id)

    def match(self, document_sketch: Sequence[int]) -> DuplicateMatch | None:
        """The accepted document most like this one, if at least as alike as the threshold."""
        telling = [value for value in document_sketch if value not in self._common]
        if not telling:
            return None
        shared = Counter(doc_id for value in telling for doc_id in self._holders.get(value, ()))
        # Documents that resemble each other share a matching share of their sketches (the
        # verdict below compares whole sketches, common values included).
        needed = max(1, int(self.threshold * len(telling) * 0.5))
        best: DuplicateMatch | None = None
        for doc_id, count in shared.items():
            if count < needed:
                continue
            score = resemblance(document_sketch, self._sketches[doc_id].tolist())
            if score >= self.threshold and (best is None or score > best.resemblance):
                best = DuplicateMatch(doc_id, score)
        return best
