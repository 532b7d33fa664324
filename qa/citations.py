"""What readers see of a document, and the one function that turns a span into a Citation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from qa.types import Citation, Excerpt, Passage, Span

__all__ = ["DocumentText", "Documents", "TextRange", "cite"]


class TextRange(Protocol):
    """A ``start``/``end`` character range (a sentence)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class DocumentText(Protocol):
    """The parts of an indexed document a reader needs: its text, sentences and pages."""

    @property
    def doc_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def source_path(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def sentences(self) -> Sequence[TextRange]: ...

    def page_at(self, offset: int) -> int | None: ...


Documents = Mapping[str, DocumentText]


def cite(
    document: DocumentText,
    start: int,
    end: int,
    score: float,
    passage: Passage | None = None,
    sentence: tuple[int, int] | None = None,
) -> Citation:
    """The citation of ``document.text[start:end]``, with its sentence and passage.

    Leading and trailing white space is left out of the quote, so ``quote`` starts and ends
    on a character of the answer.

    Args:
        document: The document the span is in.
        start: Offset of the span in ``document.text``.
        end: End offset (exclusive).
        score: How strongly this evidence supports the answer, in [0, 1].
        passage: The retrieved passage holding the span (default: the sentence stands in).
        sentence: The sentence range to report (default: the sentence holding ``start``,
            widened to hold the whole span).

    Returns:
        The citation; ``quote == document.text[start:end]`` after trimming.
    """
    text = document.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if sentence is None:
        holding = [s for s in document.sentences if s.end > start and s.start < end]
        if holding:
            sentence = (holding[0].start, max(holding[-1].end, end))
        else:
            sentence = (passage.start, passage.end) if passage else (start, end)
    answer = Span(start, end)
    sentence_span = Span(min(sentence[0], start), max(sentence[1], end))
    passage_span = sentence_span
    if passage is not None and Span(passage.start, passage.end).holds(answer):
        passage_span = Span(passage.start, passage.end)
    first = min(sentence_span.start, passage_span.start)
    last = max(sentence_span.end, passage_span.end)
    return Citation(
        doc_id=document.doc_id,
        title=document.title,
        source_path=document.source_path,
        span=answer,
        sentence_span=sentence_span,
        passage_span=passage_span,
        excerpt=Excerpt(first, text[first:last]),
        score=score,
        page=document.page_at(start),
    )
