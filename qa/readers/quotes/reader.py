"""Quote questions: "What did X say (about Y)?" answered from X's stored statements, each cited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import Embedder
from qa.nlp import stem_words, word_tokens
from qa.question import Question, analyse_question
from qa.readers.base import abstention
from qa.readers.calibration import Calibration
from qa.readers.quotes.statements import SpeakerStatement, StatementStore, cite_place
from qa.readers.quotes.topics import TopicFinder
from qa.readers.span.reader import SpanReader
from qa.types import Answer, Citation, Passage

# Inputs of the quote calibration, in order (see QuoteReader.reading).
QUOTE_FEATURES = (
    "support",
    "topic_similarity",
    "topic_words_found",
    "topic_words_in_document",
)
QUOTE_CALIBRATION = Path(__file__).resolve().parent / "calibration.json"

# An attribution answer quotes at most about this many words: the best statement of each
# document that has one, then more of them, while they fit.
_ANSWER_WORDS = 80
# "About Y": statements this much less similar to Y than the best one are left out ...
_TOPIC_MARGIN = 0.08
# ... unless they hold one of Y's words, down to this much less similar.
_TOPIC_WORD_MARGIN = 0.2
# Retrieved passages the span reader reads beside the statements' paragraphs (``_support``).
_SUPPORT_PASSAGES = 2


@dataclass(frozen=True)
class _Found:
    """A statement considered for the answer.

    Attributes:
        item: The statement (with every place it stands).
        rank: What orders it within its document (higher is better): its similarity to
            the topic asked about, then direct quotation, then earlier.
        similarity: Cosine similarity of the topic to the statement or its passage (1.0
            when the question names no topic).
    """

    item: SpeakerStatement
    rank: tuple[float, int, int]
    similarity: float = 1.0
    going_on: tuple[SpeakerStatement, ...] = ()

    @property
    def items(self) -> tuple[SpeakerStatement, ...]:
        """The statement and the quotation going on from it."""
        return (self.item, *self.going_on)

    @property
    def doc_id(self) -> str:
        return self.item.first.doc_id


@dataclass(frozen=True)
class QuoteReading:
    """The statements chosen for a quote question, before the answer/abstain decision.

    Attributes:
        chosen: The statements the answer would quote (each with the quotation going on
            from it), in document order.
        features: Inputs of the quote calibration (see ``QUOTE_FEATURES``); empty when the
            documents hold no statement by the speaker.
    """

    chosen: tuple[_Found, ...]
    features: dict[str, float] = field(default_factory=dict)


def shipped_quote_calibration() -> Calibration:
    """The quote calibration shipped beside this module (``scripts/calibrate_quotes.py``)."""
    return Calibration.load(QUOTE_CALIBRATION)


class QuoteReader:
    """Answers attribution questions ("What did X say?") from the statement store.

    The index found every attributed statement when it indexed the documents, so nothing
    is parsed here. "What did X say?" gathers X's statements across documents: the best of
    each document (direct quotations first), the documents the retriever ranked highest
    first, then more while the answer stays short. "What did X say about Y?" ranks them by
    the embedding model's similarity of Y to each statement and to the paragraph that
    holds it, and keeps those close to the best. A quotation that goes on past its
    sentence, into the next paragraph too, is quoted on. Confidence comes from a logistic
    calibration (``QUOTE_FEATURES``) of the topic similarity, of how sure the span reader,
    asked what the documents say about Y (the retrieved passages and the statements'
    paragraphs), is of an answer inside the statements, and of the share of Y's words the
    statement's sentence holds; below its threshold the reader abstains rather than present
    an unrelated quote.

    Example:
        >>> reader = QuoteReader(StatementStore(index.documents), embedder)
        >>> reader.read(analyse_question("What did Larijani say?"), passages).text

    Args:
        store: The statements of the index version.
        embedder: The embedding model (a ``RecentTexts`` shares the question's vector).
        answer_words: About how many words the answer quotes at most (one statement is
            always kept).
        span_reader: The span reader, whose confidence in an answer within the statements'
            paragraphs is the main input of the calibration (None: no such support).
        calibration: Confidence model and threshold (default: the shipped one).
        min_confidence: Answer when the calibrated confidence is at least this (default
            None: the calibration's threshold).
    """

    def __init__(
        self,
        store: StatementStore,
        embedder: Embedder | None = None,
        answer_words: int = _ANSWER_WORDS,
        span_reader: SpanReader | None = None,
        calibration: Calibration | None = None,
        min_confidence: float | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.answer_words = answer_words
        self.span_reader = span_reader
        self.min_confidence = min_confidence
        self._calibration = calibration
        self.topics = TopicFinder(store, embedder)

    @property
    def calibration(self) -> Calibration:
        """The confidence model and threshold (the shipped one unless given)."""
        if self._calibration is None:
            self._calibration = shipped_quote_calibration()
        return self._calibration

    def reading(self, question: Question, passages: Sequence[Passage]) -> QuoteReading:
        """The speaker's statements to quote, and the calibration features.

        Args:
            question: The analysed question (``speaker`` set).
            passages: Retrieved passages, best first: their documents' statements come
                first.

        Returns:
            The statements an answer would quote; none when the documents hold none by the
            speaker.
        """
        if not question.speaker:
            return QuoteReading(chosen=())
        retrieved = list(dict.fromkeys(p.doc_id for p in passages))
        items = self.store.statements(question.speaker, retrieved)
        if not items:
            return QuoteReading(chosen=())
        topic = " ".join(question.topic_words)
        similarities = self.topics.similarities(topic, items) if topic else [1.0] * len(items)
        found = [
            _Found(
                item,
                (similarity if topic else 0.0, int(item.direct), -order),
                similarity,
                tuple(self._going_on(question, item)),
            )
            for order, (item, similarity) in enumerate(zip(items, similarities, strict=True))
        ]
        if topic:
            best = max(f.similarity for f in found)
            wanted = set(stem_words(question.topic_words))
            near = [
                f
                for f in found
                if f.similarity >= best - _TOPIC_MARGIN
                or (
                    f.similarity >= best - _TOPIC_WORD_MARGIN
                    and wanted & set(stem_words(word_tokens(f.item.text)))
                )
            ]
            if not any(f.item.direct for f in near):
                # What X said is best told in X's own words: the nearest quotation of the
                # document the best statement is in, when it is not far from the topic.
                first = max(near, key=lambda f: f.similarity).doc_id
                quoted = [f for f in found if f.item.direct and f.doc_id == first]
                nearest = max(quoted, key=lambda f: f.similarity, default=None)
                if nearest is not None and nearest.similarity >= best - _TOPIC_WORD_MARGIN:
                    near.append(nearest)
            found = near
        chosen = self._chosen(found, retrieved)
        features = {
            "support": self._support(question, chosen, passages),
            "topic_similarity": max(f.similarity for f in chosen),
            "topic_words_found": self._topic_words_found(question, chosen),
            "topic_words_in_document": self._topic_words_in_document(question, chosen),
        }
        return QuoteReading(chosen=tuple(chosen), features=features)

    def _chosen(self, found: list[_Found], retrieved: list[str]) -> list[_Found]:
        """The best statement of each document, the retrieved documents first, then the
        next best while they fit in the answer."""
        by_doc: dict[str, list[_Found]] = {}
        for item in found:
            by_doc.setdefault(item.doc_id, []).append(item)
        rank = {doc_id: i for i, doc_id in enumerate(retrieved)}
        docs = sorted(
            by_doc,
            key=lambda d: (rank.get(d, len(rank)), -max(f.rank for f in by_doc[d])[0]),
        )
        chosen: list[_Found] = []
        quoted: set[int] = set()  # statements in the answer already (by id)
        used = 0
        for doc_id in docs:
            best = max(by_doc[doc_id], key=lambda f: f.rank)
            words = self._words(best)
            if chosen and used + words > self.answer_words:
                continue
            chosen.append(best)
            quoted.update(id(i) for i in best.items)
            used += words
        rest = sorted((f for f in found if f not in chosen), key=lambda f: f.rank, reverse=True)
        for candidate in rest:
            words = self._words(candidate)
            if id(candidate.item) not in quoted and used + words <= self.answer_words:
                chosen.append(candidate)
                quoted.update(id(i) for i in candidate.items)
                used += words
        order = {doc_id: i for i, doc_id in enumerate(docs)}
        return sorted(chosen, key=lambda f: (order[f.doc_id], f.item.first.statement.start))

    def _topic_words_found(self, question: Question, chosen: Sequence[_Found]) -> float:
        """The largest share of the topic's words that a chosen statement's sentence holds
        (1.0 for "What did X say?", no topic)."""
        return max(self.topics.words_in_sentence(question.topic_words, f.item) for f in chosen)

    def _topic_words_in_document(self, question: Question, chosen: Sequence[_Found]) -> float:
        """The largest share of the topic's words a chosen statement's document holds
        (1.0 for "What did X say?", no topic)."""
        documents = dict.fromkeys(found.doc_id for found in chosen)
        return max(self.topics.words_in_document(question.topic_words, d) for d in documents)

    def _words(self, found: _Found) -> int:
        return sum(len(word_tokens(item.text)) for item in found.items)

    def _support(
        self, question: Question, chosen: Sequence[_Found], passages: Sequence[Passage]
    ) -> float:
        """The span reader's calibrated confidence that the answer lies in the statements.

        The span model reads the question over the best two retrieved passages and the
        paragraphs that hold the chosen statements. When its likeliest answer lies in a
        statement's sentence, its confidence says how likely the statements answer the
        question; when the likeliest answer is elsewhere (someone else spoke of the topic,
        or the article states it outright), the statements are not what was asked: 0.
        """
        if self.span_reader is None:
            return 0.0
        read = list(passages[:_SUPPORT_PASSAGES])
        for found in chosen:
            record = self.store.documents[found.doc_id]
            statement = found.item.first.statement
            start, end = statement.paragraph_start, statement.paragraph_end
            if any(p.doc_id == found.doc_id and p.start <= start and end <= p.end for p in read):
                continue  # a retrieved passage holds the paragraph already
            read.append(
                Passage(
                    chunk_id=f"{found.doc_id}@{start}",
                    doc_id=found.doc_id,
                    title=record.title,
                    source_path=record.source_path,
                    start=start,
                    end=end,
                    text=record.text[start:end],
                    score=0.0,
                )
            )
        # Asked without the speaker's name, which draws the model to the speaker's words
        # whatever they are about: what do the documents say about the topic?
        topic = " ".join(question.topic_words)
        asked = f"What was said about {topic}?" if topic else question.text
        reading = self.span_reader.reading(asked, read, read_all=True)
        for candidate in (reading, *reading.runners_up):
            place = candidate.places[0] if candidate.places else None
            if place is None:
                continue
            inside = any(
                f.doc_id == place.passage.doc_id
                and f.item.first.statement.sentence_start < place.end
                and place.start < f.item.first.statement.sentence_end
                for f in chosen
            )
            if not inside:
                return 0.0
            return self.span_reader.confidence(candidate, analyse_question(asked))
        return 0.0

    def _going_on(self, question: Question, item: SpeakerStatement) -> list[SpeakerStatement]:
        """The quotation going on from ``item``: all of it for "What did X say?"; for a
        question about a topic, only when it runs on into the next paragraph (the sentences
        beside it in its own paragraph were ranked on their own). Either way no further than
        the answer's length allows: a long quotation is cut at a statement's end."""
        run = self.store.following(item)
        if question.topic_words and run:
            paragraph = item.first.statement.paragraph_start
            if run[0].first.statement.paragraph_start == paragraph:
                return []
        used = len(word_tokens(item.text))
        kept = []
        for statement in run:
            used += len(word_tokens(statement.text))
            if used > self.answer_words:
                break
            kept.append(statement)
        return kept

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer "What did X say?" with X's statements, or abstain (see ``answer``)."""
        return self.answer(question, passages, self.reading(question, passages))

    def answer(
        self, question: Question, passages: Sequence[Passage], reading: QuoteReading
    ) -> Answer:
        """The answer a reading gives: its statements when confident enough, else none.

        Returns:
            The chosen statements and the quotation going on from each, each cited where it
            stands; or an abstention, with confidence 0 when the documents hold no
            statement by the speaker and the calibrated confidence turned down otherwise.
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
            for item in found.items:
                statement = item.first.statement
                holder = next(
                    (
                        p
                        for p in passages
                        if p.doc_id == item.first.doc_id
                        and p.start <= statement.start
                        and statement.end <= p.end
                    ),
                    None,
                )
                record = self.store.documents[item.first.doc_id]
                citation = cite_place(record, statement, confidence, passage=holder)
                if citation not in citations:
                    citations.append(citation)
        return Answer(
            question=question.text,
            abstained=False,
            confidence=confidence,
            citations=tuple(citations),
            joined=True,  # every statement is part of the answer
        )
