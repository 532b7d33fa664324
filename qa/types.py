"""The results that cross module boundaries: passages, citations, answers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

NO_ANSWER_TEXT = "I could not find this in your documents."


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its scores.

    Attributes:
        chunk_id: ``"{doc_id}#{ordinal}"``.
        doc_id: Document id.
        title: Document title.
        source_path: Document source file.
        start: Offset of the passage in the document's text.
        end: End offset (exclusive).
        text: ``document_text[start:end]``.
        score: Fused retrieval score (higher is better).
        dense_score: Cosine similarity to the question, or None if not in the dense top list.
        lexical_score: BM25 score, or None if not in the lexical top list.
        page: For a PDF, the page (1-based) the passage starts on; None otherwise.
    """

    chunk_id: str
    doc_id: str
    title: str
    source_path: str
    start: int
    end: int
    text: str
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    page: int | None = None


@dataclass(frozen=True)
class Span:
    """A range ``[start, end)`` of a document's text, in characters.

    Attributes:
        start: Offset of the first character.
        end: Offset just past the last character.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"not a span: {self.start}-{self.end}")

    def holds(self, other: Span) -> bool:
        """Whether ``other`` lies inside this span."""
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class Excerpt:
    """The stretch of a document a citation shows, so its texts need not be stored twice.

    Attributes:
        start: Offset of ``text`` in the document's text.
        text: ``document_text[start:start + len(text)]``.
    """

    start: int
    text: str

    @property
    def span(self) -> Span:
        """Where the excerpt is in the document."""
        return Span(self.start, self.start + len(self.text))

    def read(self, span: Span) -> str:
        """The document's text over ``span`` (which must lie inside the excerpt)."""
        if not self.span.holds(span):
            raise ValueError(f"span {span.start}-{span.end} is outside the excerpt")
        return self.text[span.start - self.start : span.end - self.start]


@dataclass(frozen=True)
class Citation:
    """Where an answer came from, down to the character.

    Three nested spans of one document: the answer (``span``), the sentence holding it and
    the retrieved passage holding it. Their texts are read from ``excerpt``, the part of the
    document that covers them, so ``quote == document_text[start:end]`` always holds, as do
    ``sentence`` and ``passage`` for their spans.

    Attributes:
        doc_id: Document id.
        title: Document title.
        source_path: Document source file.
        span: The quoted evidence (the answer span).
        sentence_span: The whole sentence (or sentences) holding the quote.
        passage_span: The retrieved passage holding the quote.
        excerpt: The document's text over the sentence and the passage.
        score: How strongly this evidence supports the answer, in [0, 1].
        page: Page number for paged formats (PDF), else None.
    """

    doc_id: str
    title: str
    source_path: str
    span: Span
    sentence_span: Span
    passage_span: Span
    excerpt: Excerpt = field(repr=False)
    score: float
    page: int | None = None

    def __post_init__(self) -> None:
        if not self.sentence_span.holds(self.span):
            raise ValueError("a citation's sentence must hold its quote")
        if not self.passage_span.holds(self.span):
            raise ValueError("a citation's passage must hold its quote")
        covered = self.excerpt.span
        if not (covered.holds(self.sentence_span) and covered.holds(self.passage_span)):
            raise ValueError("a citation's excerpt must cover its sentence and passage")

    @property
    def start(self) -> int:
        """Offset of the quote in the document's text."""
        return self.span.start

    @property
    def end(self) -> int:
        """End offset of the quote (exclusive)."""
        return self.span.end

    @property
    def quote(self) -> str:
        """The quoted text."""
        return self.excerpt.read(self.span)

    @property
    def sentence(self) -> str:
        """The text of the sentence holding the quote."""
        return self.excerpt.read(self.sentence_span)

    @property
    def passage(self) -> str:
        """The text of the passage holding the quote."""
        return self.excerpt.read(self.passage_span)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of one citation (flat, as ``qa ask --json`` and ``/ask`` give it)."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source_path": self.source_path,
            "start": self.span.start,
            "end": self.span.end,
            "quote": self.quote,
            "sentence": self.sentence,
            "sentence_start": self.sentence_span.start,
            "sentence_end": self.sentence_span.end,
            "passage": self.passage,
            "passage_start": self.passage_span.start,
            "passage_end": self.passage_span.end,
            "score": self.score,
            "page": self.page,
        }


@dataclass(frozen=True, kw_only=True)
class Answer:
    """An extractive answer, or an explicit abstention.

    The answer's text and sentence are read from its citations, so they cannot disagree.

    Attributes:
        question: The question as asked.
        abstained: True when the documents do not answer the question.
        confidence: Estimated probability that the answer is right, in [0, 1]; when
            abstained, the confidence of the best answer that was turned down.
        citations: Evidence for the answer, strongest first (empty when abstained).
        joined: The answer's text joins every citation's quote (a speaker's statements);
            otherwise it is the first citation's quote, and any other citation is the same
            answer found elsewhere.
        related: Closest passages, shown when abstained so the reader can look themselves.
        resolved_question: The question after follow-up resolution (same as ``question``
            when there was nothing to resolve).
        index_version: The index version the answer was read from ("" when not from an
            index), so an answer can be traced to exactly the documents it saw.
    """

    question: str
    abstained: bool
    confidence: float
    citations: tuple[Citation, ...] = field(default=())
    joined: bool = False
    related: tuple[Passage, ...] = field(default=())
    resolved_question: str = ""
    index_version: str = ""

    def __post_init__(self) -> None:
        if self.abstained and self.citations:
            raise ValueError("an abstention cites nothing")
        if not self.abstained and not self.citations:
            raise ValueError("an answer must cite where it came from")

    @property
    def text(self) -> str:
        """The short answer copied from a document, or NO_ANSWER_TEXT when abstained."""
        if self.abstained:
            return NO_ANSWER_TEXT
        shown = self.citations if self.joined else self.citations[:1]
        # Shown as a line of text: the source's line breaks and runs of spaces are one space
        # ("Linus\nTorvalds" reads "Linus Torvalds"); each citation's quote stays exact.
        return " … ".join(" ".join(citation.quote.split()) for citation in shown)

    @property
    def sentence(self) -> str:
        """The sentence holding the answer ("" when abstained)."""
        return self.citations[0].sentence if self.citations else ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``qa ask --json`` prints."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "confidence": round(float(self.confidence), 4),
            "sentence": self.sentence,
            "citations": [citation.to_dict() for citation in self.citations],
            "related": [asdict(passage) for passage in self.related],
            "resolved_question": self.resolved_question,
            "index_version": self.index_version,
        }

    def to_json(self, indent: int | None = None) -> str:
        """Serialise to JSON text (see ``to_dict``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
