"""The built-in extractive answerer: picks the sentence, then the shortest span that answers."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from index import Embedder
from index.caching import SharedLRU
from qa.answering import Reader, abstention
from qa.citations import Documents, cite
from qa.features import (
    QuestionTerms,
    Vocabulary,
    sentence_features,
    softmax,
    span_features,
    token_weights,
)
from qa.nlp import Analyzer
from qa.question import Question, has_negation
from qa.scoring import ReaderModels, load_models
from qa.spans import candidate_spans
from qa.types import Answer, Citation, Passage

logger = logging.getLogger(__name__)

__all__ = ["Reader", "Reading", "RuleReader", "SpanOption", "abstention", "answerability_features"]

# Bounded caches, shared by the threads answering at once (entries: sentences).
_VECTOR_CACHE_SIZE = 50_000
_STEMS_CACHE_SIZE = 100_000
# Word rarity is counted over at most this many sentences, spread evenly over the index: a
# large index's first question then waits seconds for it, not minutes (30k sentences/s).
_RARITY_SENTENCES = 200_000
# Weight of question-sentence cosine similarity when choosing sentences to parse.
_DENSE_WEIGHT = 0.5
_BEST_FEATURES = (
    "s_overlap",
    "s_matched_fraction",
    "s_bigram",
    "s_dense",
    "s_missing_rarest",
    "s_rank_inverse",
    "s_overlap_gap",
    "p_rank_inverse",
    "type_match",
    "type_mismatch",
    "in_question",
    "distance_inverse",
    "head_matched",
)


@dataclass(frozen=True)
class SentenceView:
    """A sentence of a retrieved passage, with how well it covers the question.

    Attributes:
        doc_id: Document id.
        start: Offset of the sentence in the document text.
        end: End offset (exclusive).
        passage: The retrieved passage holding it.
        passage_rank: Rank of that passage (0 = best).
        features: Sentence-level features (coverage, similarity, ranks).
        selection: Score used to pick the sentences that get parsed.
    """

    doc_id: str
    start: int
    end: int
    passage: Passage
    passage_rank: int
    features: Mapping[str, float]
    selection: float


def sample_sentences(documents: Documents, limit: int) -> Iterator[str]:
    """Every sentence of ``documents``, or ``limit`` of them evenly spaced when there are more.

    Rarity counted over an even sample keeps each word's share of sentences, which is all
    the weights use.
    """
    total = sum(len(record.sentences) for record in documents.values())
    step = max(1, -(-total // limit))  # ceiling division
    position = 0
    for record in documents.values():
        for span in record.sentences:
            if position % step == 0:
                yield record.text[span.start : span.end]
            position += 1


class _Draft(NamedTuple):
    """A sentence view before the features that compare it with the others are known."""

    doc_id: str
    start: int
    end: int
    passage: Passage
    passage_rank: int
    features: dict[str, float]
    selection: float


@dataclass(frozen=True)
class SpanOption:
    """A candidate answer: a span of a parsed sentence, with all its features.

    Attributes:
        sentence: The sentence it is in.
        start: Offset of the span in the document text.
        end: End offset (exclusive).
        features: Sentence and span features together.
    """

    sentence: SentenceView
    start: int
    end: int
    features: dict[str, float]


@dataclass(frozen=True)
class Reading:
    """Everything the reader found for one question, before any learned model is applied.

    Attributes:
        question: The analysed question.
        sentences: The parsed sentences, best selection score first.
        options: Candidate answer spans from those sentences.
        context: Question-level facts (coverage of the best sentences, ranks).
    """

    question: Question
    sentences: tuple[SentenceView, ...]
    options: tuple[SpanOption, ...]
    context: dict[str, float]


def answerability_features(
    question: Question,
    context: Mapping[str, float],
    scores: Sequence[float],
    best: Mapping[str, float] | None,
) -> dict[str, float]:
    """Question-level features for the answer-or-abstain decision.

    Args:
        question: The analysed question.
        context: ``Reading.context`` (coverage of the best sentences, ranks).
        scores: The span model's score for each candidate.
        best: Features of the best-scoring candidate (None when there is none).

    Returns:
        Features by name (the best option's sentence features, score margins, coverage).
    """
    features = dict(context)
    features[f"kind={question.kind}"] = 1.0
    features["negated"] = float(question.negated)
    features["expects_type"] = float(bool(question.expected_labels))
    if not scores or best is None:
        features["no_candidates"] = 1.0
        return features
    ordered = sorted(scores, reverse=True)
    features["best_score"] = ordered[0]
    features["best_probability"] = softmax(scores)[scores.index(ordered[0])]
    features["margin"] = ordered[0] - ordered[1] if len(ordered) > 1 else 5.0
    for name in _BEST_FEATURES:
        features[f"best_{name}"] = best.get(name, 0.0)
    for name, value in best.items():
        if name.startswith(("cat=", "src=", "dep=")):
            features[f"best_{name}"] = value
    if question.negated:
        negated_too = best.get("s_negated", 0.0) > 0
        features["negation_matched"] = float(negated_too)
        features["negation_unmatched"] = float(not negated_too)
    return features


class RuleReader:
    """Answers from the sentences of retrieved passages, without a neural reader.

    Sentences are ranked by how much of the question they cover (rare words weigh more)
    and how similar they are to it; the best few are parsed; candidate spans (entities,
    noun phrases, numbers, clauses) are scored by a small learned model, and a second one
    decides whether the best span answers at all. Both were fitted on SQuAD 2.0 articles
    that the evaluation does not use (``scripts/fit_reader.py``).

    Args:
        documents: The indexed documents' texts and sentences, by id
            (``StoredIndex.documents`` will do).
        analyzer: The parser.
        embedder: Sentence embedder for question-sentence similarity (default: none, the
            passage's dense score stands in).
        models: Fitted models (default: ``qa/reader_weights.json``).
    """

    def __init__(
        self,
        documents: Documents,
        analyzer: Analyzer,
        embedder: Embedder | None = None,
        models: ReaderModels | None = None,
    ) -> None:
        self.documents = documents
        self.analyzer = analyzer
        self.embedder = embedder
        self._models = models
        self._vocabulary: Vocabulary | None = None
        self._sentence_stems: SharedLRU[tuple[str, int], list[str]] = SharedLRU(_STEMS_CACHE_SIZE)
        self._vectors: SharedLRU[str, npt.NDArray[np.float32]] = SharedLRU(_VECTOR_CACHE_SIZE)
        self._lazy_lock = threading.Lock()  # the models and vocabulary are made once

    @property
    def models(self) -> ReaderModels:
        """The fitted models (read from ``qa/reader_weights.json`` on first use)."""
        with self._lazy_lock:
            if self._models is None:
                self._models = load_models()
            return self._models

    @property
    def vocabulary(self) -> Vocabulary:
        """Word rarity over the index's sentences (computed on first use)."""
        with self._lazy_lock:
            if self._vocabulary is None:
                self._vocabulary = Vocabulary(sample_sentences(self.documents, _RARITY_SENTENCES))
            return self._vocabulary

    # -- sentence selection -------------------------------------------------------------

    def _similarities(self, question: str, texts: Sequence[str]) -> list[float]:
        if self.embedder is None or not texts:
            return [0.0] * len(texts)
        embedder = self.embedder
        # The question alone: the retriever has just embedded it (the pipeline remembers it).
        question_vector = embedder.embed([question])[0]
        vectors = self._vectors.get_or_make_many(texts, lambda missing: embedder.embed(missing))
        return [float(np.dot(question_vector, vector)) for vector in vectors]

    def _sentences(
        self, question: Question, terms: QuestionTerms, passages: Sequence[Passage]
    ) -> tuple[list[SentenceView], set[str]]:
        """The passages' sentences, best first, and the stems found in any of them."""
        spans: list[tuple[str, int, int, Passage, int]] = []
        seen: set[tuple[str, int]] = set()
        for rank, passage in enumerate(passages):
            record = self.documents[passage.doc_id]
            for span in record.sentences:
                if span.end <= passage.start or span.start >= passage.end:
                    continue
                if (passage.doc_id, span.start) not in seen:
                    seen.add((passage.doc_id, span.start))
                    spans.append((passage.doc_id, span.start, span.end, passage, rank))
        texts = [self.documents[d].text[s:e] for d, s, e, _, _ in spans]
        dense = self._similarities(question.text, texts)
        vocabulary = self.vocabulary
        drafts: list[_Draft] = []
        everywhere: set[str] = set()
        for (doc_id, start, end, passage, rank), text, similarity in zip(
            spans, texts, dense, strict=True
        ):
            stems = self._sentence_stems.get_or_make(
                (doc_id, start), functools.partial(vocabulary.stems, text)
            )
            everywhere.update(stems)
            features = sentence_features(terms, stems)
            features["s_dense"] = similarity
            features["s_negated"] = float(has_negation(text))
            features["p_rank_inverse"] = 1.0 / (1 + rank)
            features["p_dense"] = passage.dense_score or 0.0
            selection = (
                features["s_overlap"]
                + 0.3 * features["s_bigram"]
                + _DENSE_WEIGHT * similarity
                + 0.05 * features["p_rank_inverse"]
            )
            drafts.append(_Draft(doc_id, start, end, passage, rank, features, selection))
        # Best selection first; the features that compare a sentence with the others need
        # all of them, so each view is made once they are known.
        drafts.sort(key=lambda d: (-d.selection, d.passage_rank, d.start))
        best_overlap = max((d.features["s_overlap"] for d in drafts), default=0.0)
        best_dense = max((d.features["s_dense"] for d in drafts), default=0.0)
        views = [
            SentenceView(
                d.doc_id,
                d.start,
                d.end,
                d.passage,
                d.passage_rank,
                MappingProxyType(
                    d.features
                    | {
                        "s_rank_inverse": 1.0 / (1 + rank),
                        "s_overlap_gap": d.features["s_overlap"] - best_overlap,
                        "s_dense_gap": d.features["s_dense"] - best_dense,
                    }
                ),
                d.selection,
            )
            for rank, d in enumerate(drafts)
        ]
        return views, everywhere

    def reading(self, question: Question, passages: Sequence[Passage]) -> Reading:
        """Find and describe the candidate answers to ``question`` in ``passages``.

        Args:
            question: The analysed question.
            passages: Retrieved passages, best first.

        Returns:
            The parsed sentences and candidate spans with their features.
        """
        terms = QuestionTerms.of(question, self.vocabulary)
        views, everywhere = self._sentences(question, terms, passages)
        chosen = views[: self.models.sentences_parsed]
        docs = self.analyzer.parse_many(
            [self.documents[v.doc_id].text[v.start : v.end] for v in chosen]
        )
        options: list[SpanOption] = []
        for view, doc in zip(chosen, docs, strict=True):
            matched = token_weights(doc, terms, self.vocabulary)
            for candidate in candidate_spans(doc):
                features = span_features(question, terms, doc, matched, candidate)
                features.update(view.features)
                options.append(
                    SpanOption(
                        view, view.start + candidate.start, view.start + candidate.end, features
                    )
                )
        missing = sum(w for stem, w in terms.weights.items() if stem not in everywhere)
        context = {
            "missing_everywhere": missing / terms.total,
            "max_s_overlap": max((v.features["s_overlap"] for v in views), default=0.0),
            "max_s_dense": max((v.features["s_dense"] for v in views), default=0.0),
            "top_p_dense": passages[0].dense_score or 0.0 if passages else 0.0,
            "question_words": min(len(terms.weights), 15) / 15,
        }
        return Reading(question, tuple(chosen), tuple(options), context)

    # -- answers ------------------------------------------------------------------------

    def _citation(self, sentence: SentenceView, start: int, end: int, score: float) -> Citation:
        return cite(
            self.documents[sentence.doc_id],
            start,
            end,
            score,
            passage=sentence.passage,
            sentence=(sentence.start, sentence.end),
        )

    def decide(self, reading: Reading) -> tuple[SpanOption | None, float]:
        """The best candidate and the probability that it answers the question."""
        scores = [self.models.span.score(option.features) for option in reading.options]
        if not scores:
            features = answerability_features(reading.question, reading.context, scores, None)
            return None, self.models.answerable.probability(features)
        best = reading.options[max(range(len(scores)), key=lambda i: scores[i])]
        features = answerability_features(reading.question, reading.context, scores, best.features)
        return best, self.models.answerable.probability(features)

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer ``question`` from ``passages``, or abstain.

        Args:
            question: The analysed question.
            passages: Retrieved passages, best first.

        Returns:
            The answer with citations, or an abstention listing the passages as related.
        """
        best, confidence = self.decide(self.reading(question, passages))
        if best is None or (confidence < self.models.abstain_below and not _defines(best)):
            return abstention(question, passages, confidence)
        citation = self._citation(best.sentence, best.start, best.end, confidence)
        return Answer(
            question=question.text,
            abstained=False,
            confidence=confidence,
            citations=(citation,),
        )


def _defines(option: SpanOption) -> bool:
    """For "Who is X?", the span describes X in apposition or as the copula's complement.

    Such a sentence states the answer outright, so the span is given even when the learned
    confidence (fitted on SQuAD, where these questions are rare) is below the threshold.
    """
    return bool(option.features.get("definition_appos") or option.features.get("definition_attr"))
