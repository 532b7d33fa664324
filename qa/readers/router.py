"""The reader the pipeline holds: quote questions to the quote reader, others to the span reader."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index import StoredIndex
from qa.nlp import word_tokens
from qa.question import Question
from qa.readers.base import Reader, abstention
from qa.readers.quotes.reader import QuoteReader
from qa.readers.span.reader import SpanReader
from qa.types import Answer, Passage

__all__ = ["ReaderFactory", "ReaderParts", "RoutingReader", "route_questions"]


@dataclass(frozen=True)
class ReaderParts:
    """What a reader may be made of, for one loaded index version.

    Attributes:
        index: The index version answers come from.
        span: The span reader over its documents (the trained extractive model).
        quotes: The quote reader over its statements (Who said what).
    """

    index: StoredIndex
    span: SpanReader
    quotes: QuoteReader


# Makes the reader of one index version; ``QA(make_reader=...)`` takes one.
ReaderFactory = Callable[[ReaderParts], Reader]


class RoutingReader:
    """Routes each question to the reader that can answer it; meets ``Reader``.

    When the question asks what X said and the index holds statements by X (in any
    document), the quote reader answers or, when none of them is likely to answer the
    question (X spoke, but about something else), abstains. When it holds none (or the index
    predates statements), the question may not be asking for a statement ("What did Chopin
    write on the box?"), so the span reader reads the passages like any other question, and
    its answer stands only when its sentence names X and the documents do not attribute it
    to someone else. Every other question goes to the span reader.

    Example:
        >>> reader = RoutingReader(span_reader, quote_reader)
        >>> reader.read(analyse_question("What did Larijani say?"), passages).text

    Args:
        span: The span reader.
        quotes: The quote reader.
    """

    def __init__(self, span: SpanReader, quotes: QuoteReader) -> None:
        self.span = span
        self.quotes = quotes

    def warm_up(self) -> None:
        """Load the span model now."""
        self.span.warm_up()

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer ``question`` from ``passages`` (and, for quote questions, the statements)."""
        if not (question.kind == "say" and question.speaker):
            return self.span.read(question, passages)
        reading = self.quotes.reading(question, passages)
        if reading.chosen:
            return self.quotes.answer(question, passages, reading)
        answer = self.span.read(question, passages)
        # What X said, announced or wrote is told where X is named: an answer from a sentence
        # that does not name X is someone else's statement or an unrelated fact. Nor is one
        # that the documents attribute to another person ("Commenting on the delay to the
        # Coldplay album, Mr Levy said that ...").
        if answer.abstained:
            return answer
        store = self.quotes.store
        meant = store.resolve(question.speaker)
        names = {w for name in meant for w in word_tokens(name)[-1:]}
        names.update(word_tokens(question.speaker)[-1:])
        named = not names or any(
            names & set(word_tokens(citation.sentence)) for citation in answer.citations
        )
        others = any(
            speaker not in meant and not store.match_speaker(question.speaker, speaker)
            for citation in answer.citations
            for speaker in store.speakers_at(citation.doc_id, citation.start, citation.end)
        )
        if named and not others:
            return answer
        return abstention(question, passages, answer.confidence)


def route_questions(parts: ReaderParts) -> Reader:
    """The default ``ReaderFactory``: a ``RoutingReader`` over the span and quote readers."""
    return RoutingReader(parts.span, parts.quotes)
