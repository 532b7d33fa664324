"""The built-in extractive answerer: picks the sentence, then the shortest span that answers."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from index import StoredIndex
from qa.attribution import QuoteAttributor
from qa.nlp import Analyzer, word_tokens
from qa.question import Question, content_words
from qa.types import NO_ANSWER_TEXT, Answer, Citation, Passage

if TYPE_CHECKING:
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)


class Reader(Protocol):
    """Anything that turns a question and retrieved passages into an Answer."""

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer: ...


@dataclass(frozen=True)
class ReaderConfig:
    """Weights and thresholds of the built-in reader.

    Attributes:
        sentences_parsed: Best-matching sentences parsed for answer spans (default 6).
        abstain_below: Answers with lower confidence are withheld (default 0.35).
        weights: Feature weights of the confidence model (logistic), by feature name.
        bias: Intercept of the confidence model.
    """

    sentences_parsed: int = 6
    abstain_below: float = 0.35
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "overlap": 4.0,
            "type_match": 1.5,
            "passage_rank": 0.8,
            "dense": 1.5,
            "span_in_question": -2.0,
        }
    )
    bias: float = -3.5


@dataclass(frozen=True)
class _Sentence:
    doc_id: str
    start: int
    end: int
    passage: Passage
    passage_rank: int
    overlap: float


@dataclass(frozen=True)
class _Candidate:
    sentence: _Sentence
    start: int
    end: int
    features: dict[str, float]
    score: float


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


class RuleReader:
    """Answers from the sentences of retrieved passages, without a neural reader.

    Sentences are ranked by how many of the question's content words they share (weighted
    by rarity), the best are parsed, and candidate spans (entities of the expected type,
    else noun phrases) are scored; a logistic confidence model decides whether to answer.

    Args:
        index: The loaded index (for sentence boundaries and document texts).
        analyzer: The parser.
        config: Weights and thresholds (default ``ReaderConfig()``).
    """

    def __init__(
        self, index: StoredIndex, analyzer: Analyzer, config: ReaderConfig | None = None
    ) -> None:
        self.index = index
        self.analyzer = analyzer
        self.config = config or ReaderConfig()
        self.attributor = QuoteAttributor(analyzer)

    # -- sentence selection -------------------------------------------------------------

    def _sentences(self, question: Question, passages: Sequence[Passage]) -> list[_Sentence]:
        wanted = {_stem(word) for word in question.content_words}
        found: dict[tuple[str, int], _Sentence] = {}
        for rank, passage in enumerate(passages):
            record = self.index.documents[passage.doc_id]
            for span in record.sentences:
                if span.end <= passage.start or span.start >= passage.end:
                    continue
                key = (passage.doc_id, span.start)
                if key in found:
                    continue
                words = {_stem(word) for word in word_tokens(record.text[span.start : span.end])}
                overlap = len(wanted & words) / len(wanted) if wanted else 0.0
                found[key] = _Sentence(passage.doc_id, span.start, span.end, passage, rank, overlap)
        return sorted(found.values(), key=lambda s: (-s.overlap, s.passage_rank, s.start))

    # -- span extraction ----------------------------------------------------------------

    def _candidates(self, question: Question, sentence: _Sentence, doc: Doc) -> list[_Candidate]:
        question_words = set(word_tokens(question.text))
        spans: list[tuple[int, int, bool]] = []
        for entity in doc.ents:
            matches = entity.label_ in question.expected_labels
            spans.append((entity.start_char, entity.end_char, matches))
        if not question.expected_labels:
            for chunk in doc.noun_chunks:
                spans.append((chunk.start_char, chunk.end_char, False))
        candidates = []
        for start, end, type_match in spans:
            words = word_tokens(doc.text[start:end])
            if not words:
                continue
            inside = sum(word in question_words for word in words) / len(words)
            if inside >= 1.0:
                continue
            features = {
                "overlap": sentence.overlap,
                "type_match": 1.0 if type_match else 0.0,
                "passage_rank": 1.0 / (1 + sentence.passage_rank),
                "dense": sentence.passage.dense_score or 0.0,
                "span_in_question": inside,
            }
            score = self._logit(features)
            candidates.append(_Candidate(sentence, start, end, features, score))
        if question.expected_labels:
            candidates = [c for c in candidates if c.features["type_match"] > 0] or candidates
        return candidates

    def _logit(self, features: dict[str, float]) -> float:
        weights = self.config.weights
        return self.config.bias + sum(weights.get(name, 0.0) * v for name, v in features.items())

    # -- answers ------------------------------------------------------------------------

    def _citation(self, sentence: _Sentence, start: int, end: int, score: float) -> Citation:
        record = self.index.documents[sentence.doc_id]
        return Citation(
            doc_id=record.doc_id,
            title=record.title,
            source_path=record.source_path,
            start=start,
            end=end,
            quote=record.text[start:end],
            sentence=record.text[sentence.start : sentence.end],
            sentence_start=sentence.start,
            sentence_end=sentence.end,
            passage=sentence.passage.text,
            passage_start=sentence.passage.start,
            passage_end=sentence.passage.end,
            score=score,
        )

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer ``question`` from ``passages``, or abstain.

        Args:
            question: The analysed question.
            passages: Retrieved passages, best first.

        Returns:
            The answer with citations, or an abstention listing the passages as related.
        """
        if question.kind == "say" and question.speaker:
            return self._read_attribution(question, passages)
        sentences = self._sentences(question, passages)[: self.config.sentences_parsed]
        docs = self.analyzer.parse_many(
            [self.index.documents[s.doc_id].text[s.start : s.end] for s in sentences]
        )
        best: _Candidate | None = None
        for sentence, doc in zip(sentences, docs, strict=True):
            for candidate in self._candidates(question, sentence, doc):
                if best is None or candidate.score > best.score:
                    best = candidate
        if best is None:
            return _abstain(question, passages, 0.0)
        confidence = 1.0 / (1.0 + math.exp(-best.score))
        if confidence < self.config.abstain_below:
            return _abstain(question, passages, confidence)
        sentence = best.sentence
        start, end = sentence.start + best.start, sentence.start + best.end
        citation = self._citation(sentence, start, end, confidence)
        return Answer(
            question=question.text,
            text=citation.quote,
            abstained=False,
            confidence=confidence,
            sentence=citation.sentence,
            citations=(citation,),
        )

    def _read_attribution(self, question: Question, passages: Sequence[Passage]) -> Answer:
        assert question.speaker is not None
        citations: list[Citation] = []
        topic = set(question.topic_words)
        seen_docs: list[str] = []
        for passage in passages:
            if passage.doc_id not in seen_docs:
                seen_docs.append(passage.doc_id)
        for doc_id in seen_docs:
            record = self.index.documents[doc_id]
            spans = [(s.start, s.end) for s in record.sentences]
            for statement in self.attributor.statements(question.speaker, record.text, spans):
                sentence_text = record.text[statement.sentence_start : statement.sentence_end]
                if topic and not topic & set(content_words(sentence_text)):
                    continue
                holder = next(
                    (
                        p
                        for p in passages
                        if p.doc_id == doc_id
                        and p.start <= statement.start
                        and statement.end <= p.end
                    ),
                    None,
                )
                passage_start = holder.start if holder else statement.sentence_start
                passage_end = holder.end if holder else statement.sentence_end
                citations.append(
                    Citation(
                        doc_id=record.doc_id,
                        title=record.title,
                        source_path=record.source_path,
                        start=statement.start,
                        end=statement.end,
                        quote=record.text[statement.start : statement.end],
                        sentence=sentence_text,
                        sentence_start=statement.sentence_start,
                        sentence_end=statement.sentence_end,
                        passage=record.text[passage_start:passage_end],
                        passage_start=passage_start,
                        passage_end=passage_end,
                        score=0.9 if statement.direct else 0.85,
                    )
                )
        if not citations:
            return _abstain(question, passages, 0.0)
        return Answer(
            question=question.text,
            text=" … ".join(citation.quote for citation in citations),
            abstained=False,
            confidence=0.9,
            sentence=citations[0].sentence,
            citations=tuple(citations),
        )


def _abstain(question: Question, passages: Sequence[Passage], confidence: float) -> Answer:
    return Answer(
        question=question.text,
        text=NO_ANSWER_TEXT,
        abstained=True,
        confidence=confidence,
        related=tuple(passages),
    )
