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


@dataclass(frozen=True)
class Citation:
    """Where an answer came from, down to the character.

    ``quote == document_text[start:end]`` always holds, and so does
    ``passage == document_text[passage_start:passage_end]``.

    Attributes:
        doc_id: Document id.
        title: Document title.
        source_path: Document source file.
        start: Offset of the quoted evidence (the answer span) in the document's text.
        end: End offset (exclusive).
        quote: The quoted text.
        sentence: The whole sentence holding the quote.
        sentence_start: Offset of that sentence.
        sentence_end: End offset of that sentence (exclusive).
        passage: The retrieved passage holding the quote.
        passage_start: Offset of the passage.
        passage_end: End offset of the passage (exclusive).
        score: How strongly this evidence supports the answer, in [0, 1].
        page: Page number for paged formats (PDF), else None.
    """

    doc_id: str
    title: str
    source_path: str
    start: int
    end: int
    quote: str
    sentence: str
    sentence_start: int
    sentence_end: int
    passage: str
    passage_start: int
    passage_end: int
    score: float
    page: int | None = None


@dataclass(frozen=True)
class Answer:
    """An extractive answer, or an explicit abstention.

    Attributes:
        question: The question as asked.
        text: The short answer copied from a document, or NO_ANSWER_TEXT when abstained.
        abstained: True when the documents do not answer the question.
        confidence: Estimated probability that the answer is right, in [0, 1]; when
            abstained, the confidence of the best answer that was turned down.
        sentence: The sentence holding the answer ("" when abstained).
        citations: Evidence for the answer, strongest first (empty when abstained).
        related: Closest passages, shown when abstained so the reader can look themselves.
        resolved_question: The question after follow-up resolution (same as ``question``
            when there was nothing to resolve).
        index_version: The index version the answer was read from ("" when not from an
            index), so an answer can be traced to exactly the documents it saw.
    """

    question: str
    text: str
    abstained: bool
    confidence: float
    sentence: str = ""
    citations: tuple[Citation, ...] = field(default=())
    related: tuple[Passage, ...] = field(default=())
    resolved_question: str = ""
    index_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``qa ask --json`` prints."""
        data = asdict(self)
        data["answer"] = data.pop("text")
        return {
            "question": data["question"],
            "answer": data["answer"],
            "abstained": data["abstained"],
            "confidence": round(float(data["confidence"]), 4),
            "sentence": data["sentence"],
            "citations": data["citations"],
            "related": data["related"],
            "resolved_question": data["resolved_question"],
            "index_version": data["index_version"],
        }

    def to_json(self, indent: int | None = None) -> str:
        """Serialise to JSON text (see ``to_dict``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
