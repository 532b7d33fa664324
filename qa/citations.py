"""What readers see of a document, and the one function that turns a span into a Citation."""

from __future__ import annotations

import re
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


# Runs of text an answer never starts or ends inside: e-mail addresses, web addresses (without
# the punctuation after them) and numbers ("25,000", "1.5", "12:30").
_WHOLE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]"
    r"|\d+(?:[.,:/]\d+)*"
)


def _whole_tokens(text: str, start: int, end: int) -> tuple[int, int]:
    """``start..end`` widened so that it cuts no address or number in two ("@freelists.org"
    becomes "ana@freelists.org")."""
    for match in _WHOLE.finditer(text, max(0, start - 200), min(len(text), end + 200)):
        if match.start() < start < match.end():
            start = match.start()
        if match.start() < end < match.end():
            end = match.end()
    return start, end


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
    on a character of the answer, and the span is widened so that it starts and ends outside
    any e-mail address, web address or number.

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
    start, end = _whole_tokens(text, start, end)
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
