"""Quote questions: "What did X say (about Y)?" answered with X's statements, each cited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.citations import Documents, cite
from qa.nlp import Analyzer, stem_words, word_tokens
from qa.question import Question, content_words
from qa.readers.attribution import QuoteAttributor, Statement
from qa.readers.base import abstention
from qa.readers.calibration import Calibration
from qa.readers.span_reader import SpanReader
from qa.types import Answer, Citation, Passage

# Inputs of the quote calibration, in order (see QuoteReader.reading).
QUOTE_FEATURES = ("support", "topic_in_sentence")
QUOTE_CALIBRATION = Path(__file__).resolve().parent / "quote_calibration.json"

# An attribution answer quotes at most about this many words: the best statement of each
# document that has one, then more of them, direct quotations first, while they fit.
_ANSWER_WORDS = 80


@dataclass(frozen=True)
class _Found:
    """A statement found for the answer, with what ranks it within its document.

    Attributes:
        doc_id: Its document.
        statement: Where it stands.
        rank: Topic words in its sentence, direct or not, earlier first (higher is better).
        topic_in_sentence: Share of the question's topic words its sentence names (0..1;
            0 when the question names no topic).
    """

    doc_id: str
    statement: Statement
    rank: tuple[int, int, int]
    topic_in_sentence: float = 0.0


@dataclass(frozen=True)
class QuoteReading:
    """The statements chosen for a quote question, before the answer/abstain decision.

    Attributes:
        chosen: The statements the answer would quote, in document order.
        features: Inputs of the quote calibration (see ``QUOTE_FEATURES``); empty when no
            statement by the speaker was found.
    """

    chosen: tuple[_Found, ...]
    features: dict[str, float] = field(default_factory=dict)


def _paragraph(text: str, statement: Statement) -> tuple[int, int]:
    """The line (paragraph) of ``text`` that holds the statement's sentence."""
    start = text.rfind("\n", 0, statement.sentence_start) + 1
    end = text.find("\n", statement.sentence_end)
    return start, end if end >= 0 else len(text)


def shipped_quote_calibration() -> Calibration:
    """The quote calibration shipped beside this module (``scripts/calibrate_quotes.py``)."""
    return Calibration.load(QUOTE_CALIBRATION)


class QuoteReader:
    """Answers attribution questions ("What did X say?") from the retrieved documents.

    Every retrieved document is searched for the speaker's statements. The answer quotes the
    best statement of each document that has one (direct quotations before reported speech,
    and for "What did X say about Y?" those whose sentence names Y), then more of them while
    the answer stays short, each cited where it stands. Its confidence comes from a logistic
    calibration (``QUOTE_FEATURES``) over how sure the span reader is of an answer within the
    statements, reading their paragraphs, and how much of the topic their sentences name;
    below the calibration's threshold the reader abstains rather than present an unrelated
    quote.

    Example:
        >>> reader = QuoteReader(index.documents, Analyzer())
        >>> reader.read(analyse_question("What did Larijani say?"), passages).text

    Args:
        documents: Document texts by id (``StoredIndex.documents`` will do).
        analyzer: The parser.
        answer_words: About how many words the answer quotes at most (one statement per
            document is always kept).
        span_reader: The span reader, whose confidence in an answer within the statements
            is the main input of the quote calibration (default None: no such support, for
            attribution alone).
        calibration: Confidence model and threshold (default: the shipped one).
        min_confidence: Answer when the calibrated confidence is at least this (default
            None: the calibration's threshold).
    """

    def __init__(
        self,
        documents: Documents,
        analyzer: Analyzer,
        answer_words: int = _ANSWER_WORDS,
        span_reader: SpanReader | None = None,
        calibration: Calibration | None = None,
        min_confidence: float | None = None,
    ) -> None:
        self.documents = documents
        self.min_confidence = min_confidence
        self.span_reader = span_reader
        self.attributor = QuoteAttributor(analyzer)
        self.answer_words = answer_words
        self._calibration = calibration

    @property
    def calibration(self) -> Calibration:
        """The confidence model and threshold (the shipped one unless given)."""
        if self._calibration is None:
            self._calibration = shipped_quote_calibration()
        return self._calibration

    def _stems(self, words: Sequence[str]) -> list[str]:
        return stem_words(words)

    def _paragraph_stems(self, text: str, statement: Statement) -> set[str]:
        """Stemmed content words of the statement's paragraph ("talks" matches "talk")."""
        start, end = _paragraph(text, statement)
        return set(self._stems(content_words(text[start:end])))

    def _found(self, question: Question, doc_id: str) -> tuple[list[_Found], list[_Found]]:
        """The speaker's statements in one document, about the question's topic if it has one.

        About the topic: the statement's sentence names it; when none does in this document,
        its paragraph does (a quotation that goes on past the sentence naming the topic).

        Returns:
            The statements about the topic (all of them when there is none), and the others.
        """
        assert question.speaker
        record = self.documents[doc_id]
        spans = [(s.start, s.end) for s in record.sentences]
        topic = set(self._stems(question.topic_words))
        found, nearby, elsewhere = [], [], []
        for order, statement in enumerate(
            self.attributor.statements(question.speaker, record.text, spans)
        ):
            sentence = record.text[statement.sentence_start : statement.sentence_end]
            in_sentence = len(topic & set(self._stems(content_words(sentence))))
            item = _Found(
                doc_id,
                statement,
                (in_sentence, int(statement.direct), -order),
                topic_in_sentence=in_sentence / len(topic) if topic else 0.0,
            )
            if not topic or in_sentence:
                found.append(item)
            elif topic & self._paragraph_stems(record.text, statement):
                nearby.append(item)
            else:
                elsewhere.append(item)
        return found or nearby, elsewhere

    def _chosen(self, by_doc: list[list[_Found]]) -> list[_Found]:
        """The best statement of each document, then the next best while they fit."""
        chosen = [max(found, key=lambda f: f.rank) for found in by_doc if found]
        used = sum(len(word_tokens(self._text(f))) for f in chosen)
        rest = sorted(
            (f for found in by_doc for f in found if f not in chosen),
            key=lambda f: f.rank,
            reverse=True,
        )
        for candidate in rest:
            words = len(word_tokens(self._text(candidate)))
            if used + words <= self.answer_words:
                chosen.append(candidate)
                used += words
        order = {id(f): (d, f.statement.start) for d, found in enumerate(by_doc) for f in found}
        return sorted(chosen, key=lambda f: order[id(f)])

    def _text(self, found: _Found) -> str:
        return self.documents[found.doc_id].text[found.statement.start : found.statement.end]

    def reading(self, question: Question, passages: Sequence[Passage]) -> QuoteReading:
        """The speaker's statements in the retrieved documents, and the calibration features.

        Args:
            question: The analysed question (``speaker`` set).
            passages: Retrieved passages, best first; their documents are searched.

        Returns:
            The statements an answer would quote; none when the speaker made none there.
        """
        doc_ids = list(dict.fromkeys(p.doc_id for p in passages))
        if not question.speaker or not doc_ids:
            return QuoteReading(chosen=())
        about, elsewhere = zip(*(self._found(question, doc_id) for doc_id in doc_ids), strict=True)
        # When no statement names the topic, what the speaker did say: the calibrated
        # confidence then decides whether it answers (in other words) or not at all.
        by_doc = list(about) if any(about) else list(elsewhere)
        chosen = self._chosen(by_doc)
        if not chosen:
            return QuoteReading(chosen=())
        features = {
            "support": self._support(question, chosen),
            # With no topic asked about, no statement misses any of it.
            "topic_in_sentence": (
                max(f.topic_in_sentence for f in chosen) if question.topic_words else 1.0
            ),
        }
        return QuoteReading(chosen=tuple(chosen), features=features)

    def _support(self, question: Question, chosen: Sequence[_Found]) -> float:
        """The span reader's calibrated confidence in an answer within the statements.

        The span model reads the question over the paragraphs that hold the chosen
        statements, nothing else; the confidence of its likeliest answer that lies in a
        statement's sentence says how likely the statements answer the question (0 when
        none of its top answers does). A statement about something other than what was
        asked leaves it unsure, or sure that no answer is there.
        """
        if self.span_reader is None:
            return 0.0
        paragraphs: dict[tuple[str, int, int], Passage] = {}
        for found in chosen:
            record = self.documents[found.doc_id]
            start, end = _paragraph(record.text, found.statement)
            paragraphs.setdefault(
                (found.doc_id, start, end),
                Passage(
                    chunk_id=f"{found.doc_id}@{start}",
                    doc_id=found.doc_id,
                    title=record.title,
                    source_path=record.source_path,
                    start=start,
                    end=end,
                    text=record.text[start:end],
                    score=0.0,
                ),
            )
        reading = self.span_reader.reading(question.text, list(paragraphs.values()))
        support = 0.0
        for candidate in (reading, *reading.runners_up):
            place = candidate.places[0] if candidate.places else None
            if place is not None and any(
                f.doc_id == place.passage.doc_id
                and f.statement.sentence_start < place.end
                and place.start < f.statement.sentence_end
                for f in chosen
            ):
                support = max(support, self.span_reader.confidence(candidate))
        return support

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer "What did X say?" with X's statements in the retrieved documents, or abstain.

        Args:
            question: The analysed question (``speaker`` set).
            passages: Retrieved passages, best first; their documents are searched.

        Returns:
            The chosen statements, each cited, joined by " … "; or an abstention (see
            ``answer``).
        """
        return self.answer(question, passages, self.reading(question, passages))

    def answer(
        self, question: Question, passages: Sequence[Passage], reading: QuoteReading
    ) -> Answer:
        """The answer a reading gives: its statements when confident enough, else none.

        Returns:
            The chosen statements, each cited; or an abstention, with confidence 0 when the
            speaker made no statement in those documents and the calibrated confidence of
            the statements turned down otherwise.
        """
        if not reading.chosen:
            return abstention(question, passages, 0.0)
        confidence = self.calibration.probability(reading.features)
        threshold = self.calibration.threshold
        if self.min_confidence is not None:
            threshold = self.min_confidence
        if confidence < threshold:
            return abstention(question, passages, confidence)
        citations: list[Citation] = []
        for found in reading.chosen:
            statement = found.statement
            holder = next(
                (
                    p
                    for p in passages
                    if p.doc_id == found.doc_id
                    and p.start <= statement.start
                    and statement.end <= p.end
                ),
                None,
            )
            citations.append(
                cite(
                    self.documents[found.doc_id],
                    statement.start,
                    statement.end,
                    score=confidence,
                    passage=holder,
                    sentence=(statement.sentence_start, statement.sentence_end),
                )
            )
        return Answer(
            question=question.text,
            abstained=False,
            confidence=confidence,
            citations=tuple(citations),
            joined=True,  # every statement is part of the answer
        )
