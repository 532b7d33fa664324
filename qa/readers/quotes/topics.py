"""How close statements are to a topic, and who said what about a topic across the documents.

The quote reader asks it whether a speaker's statements are about what the question names
("What did X say about Y?"); ``TopicFinder.statements_about`` lists every speaker's statements
on a topic ("Who said what about ID cards?"), which ``qa quotes --about``, the API and the
page show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from index import Embedder
from index.caching import SharedLRU
from qa.nlp import stem_words, word_tokens
from qa.question import content_words
from qa.readers.quotes.statements import SpeakerStatement, StatementStore
from qa.types import Passage

__all__ = ["TopicFinder", "TopicStatement"]

# A statement is about the topic when it, or its paragraph, is at least this close to it
# (cosine of the embedding model's vectors; unrelated news sentences score below 0.2) ...
_ABOUT = 0.4
# ... or, holding one of the topic's words, this close.
_ABOUT_WITH_WORD = 0.25
# Statements held by lexical search for the topic's words, at most.
_WORD_CANDIDATES = 400


@dataclass(frozen=True)
class TopicStatement:
    """A statement found about a topic.

    Attributes:
        item: The statement, with every place it stands.
        similarity: How close it (or its paragraph) is to the topic (cosine, -1..1).
        topic_words: The share of the topic's words its sentence holds.
    """

    item: SpeakerStatement
    similarity: float
    topic_words: float

    @property
    def score(self) -> float:
        """What orders the listing: the similarity, a tenth more for the topic's words."""
        return self.similarity + 0.1 * self.topic_words


class TopicFinder:
    """Measures statements against topics, with the embedding model (vectors cached).

    Args:
        store: The statements of the index version.
        embedder: The embedding model (a ``RecentTexts`` shares the question's vector).
    """

    def __init__(self, store: StatementStore, embedder: Embedder | None) -> None:
        self.store = store
        self.embedder = embedder
        self._vectors: SharedLRU[str, npt.NDArray[np.float32]] = SharedLRU(4096)

    def _embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        assert self.embedder is not None
        embedder = self.embedder

        def make(missing: list[str]) -> list[npt.NDArray[np.float32]]:
            return list(embedder.embed(missing))

        return np.stack(self._vectors.get_or_make_many(texts, make))

    def similarities(self, topic: str, items: Sequence[SpeakerStatement]) -> list[float]:
        """How close each statement, or the paragraph holding it, is to the topic.

        The paragraph, not the indexed chunk: in a short article one chunk holds everyone's
        statements, and would make each of them look as close to the topic as the closest.
        """
        if self.embedder is None or not items:
            return [0.0] * len(items)
        paragraphs = []
        for item in items:
            statement = item.first.statement
            text = self.store.documents[item.first.doc_id].text
            paragraphs.append(text[statement.paragraph_start : statement.paragraph_end])
        query = self._embed([topic])[0]
        own = self._embed([item.text for item in items]) @ query
        around = self._embed(paragraphs) @ query
        return [max(float(a), float(b)) for a, b in zip(own, around, strict=True)]

    def words_in_sentence(self, topic_words: Sequence[str], item: SpeakerStatement) -> float:
        """The share of the topic's words (stemmed) that the statement's sentence holds.

        The embedding similarity finds the statement nearest the topic, however far it is;
        whether the sentence names the topic at all tells them apart.
        """
        wanted = set(stem_words(list(topic_words)))
        if not wanted:
            return 1.0
        statement = item.first.statement
        text = self.store.documents[item.first.doc_id].text
        sentence = text[statement.sentence_start : statement.sentence_end]
        return len(wanted & set(stem_words(word_tokens(sentence)))) / len(wanted)

    def words_in_document(self, topic_words: Sequence[str], doc_id: str) -> float:
        """The share of the topic's words (stemmed) the document holds anywhere: a speaker
        whose articles never mention the topic did not speak of it, however close their
        words come to it in the embedding space."""
        wanted = set(stem_words(list(topic_words)))
        if not wanted:
            return 1.0
        record = self.store.documents[doc_id]
        held = wanted & set(stem_words(word_tokens(f"{record.title} {record.text}")))
        return len(held) / len(wanted)

    def statements_about(
        self,
        topic: str,
        retrieve: Callable[[str], Sequence[Passage]],
        kind: str | None = None,
    ) -> list[TopicStatement]:
        """Every speaker's statements about ``topic``, best first.

        The candidates are the statements in the passages retrieved for the topic and those
        whose words hold one of the topic's; each is kept when it, or its paragraph, is
        close to the topic (``_ABOUT``, or ``_ABOUT_WITH_WORD`` when it holds a topic word).

        Args:
            topic: What was talked about ("ID cards").
            retrieve: The retriever: passages for a text, best first.
            kind: Only people's (``person``) or organisations' (``organisation``)
                statements; default both.
        """
        words = list(content_words(topic))
        if not words or self.embedder is None:
            return []
        passages = retrieve(topic)
        candidates = self.store.statements_in(passages)
        candidates += self.store.statements_with_words(words, limit=_WORD_CANDIDATES)
        unique = list({id(item): item for item in candidates}.values())
        if kind is not None:
            unique = [item for item in unique if self.store.kind(item.speaker) == kind]
        found = []
        for item, similarity in zip(unique, self.similarities(topic, unique), strict=True):
            share = self.words_in_sentence(words, item)
            if similarity >= _ABOUT or (share > 0 and similarity >= _ABOUT_WITH_WORD):
                found.append(TopicStatement(item, similarity, share))
        return sorted(found, key=lambda found: -found.score)
