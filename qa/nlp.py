"""Linguistic analysis with spaCy's small English pipeline, loaded lazily and cached per object."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index.caching import SharedLRU
from index.statements.english import EnglishPipeline
from index.storage.lexical import stem_words

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["Analyzer", "stem_words", "word_tokens"]

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+", re.UNICODE)


class Analyzer:
    """Parses sentences (tags, dependencies, entities) and remembers recent results.

    Sentences of the index are parsed when first needed, not at index time, so indexing
    stays fast; a bounded cache keeps answering fast for sentences seen before.

    Args:
        cache_size: Parsed texts kept in memory (default 20,000).
        english: The spaCy pipeline to parse with (default: one of its own); ``QA`` shares
            its pipeline with statement extraction.
    """

    def __init__(self, cache_size: int = 20_000, english: EnglishPipeline | None = None) -> None:
        self.cache_size = cache_size
        self.english = english or EnglishPipeline()
        self._cache: SharedLRU[str, Doc] = SharedLRU(cache_size)

    def warm_up(self) -> None:
        """Load the spaCy pipeline now."""
        self.english.warm_up()

    def parse(self, text: str) -> Doc:
        """Parse one text (cached)."""
        return self.parse_many([text])[0]

    def parse_many(self, texts: Sequence[str]) -> list[Doc]:
        """Parse several texts in one batch, reusing cached parses."""
        return self._cache.get_or_make_many(texts, self.english.parse)


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (letters and digits)."""
    return [token.lower() for token in _TOKEN.findall(text)]
