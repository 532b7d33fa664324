"""The neural reader: a fine-tuned MiniLM span extractor with a calibrated answer/abstain rule."""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.caching import SharedLRU
from qa.citations import Documents, cite
from qa.nlp import stem_words
from qa.question import Question
from qa.readers.base import abstention
from qa.readers.calibration import Calibration
from qa.readers.span.check import check_features
from qa.readers.span.focus import focus_range
from qa.readers.span.lines import crosses, line_breaks
from qa.readers.span.model import SpanModel
from qa.types import Answer, Citation, Passage

logger = logging.getLogger(__name__)

__all__ = ["SpanCandidate", "SpanReader", "SpanReading", "answer_key"]


_GROUPED = 60
# Answers after the best one kept in a reading (for "Who is X?", see SpanReader.read).
_RUNNERS_UP = 5
# Readings remembered per reader (each a few KB): questions asked again are answered at once.
_READINGS_CACHED = 2_000
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# A reading's cache key: the question, the passages' places, whether all were read.
_ReadingKey = tuple[str, tuple[tuple[str, int, int], ...], bool]


def answer_key(text: str) -> str:
    """Answers that differ only in case, punctuation and articles are the same answer.

    The official SQuAD normalisation (``qa.evaluation.squad.normalize_answer``), done faster.
    """
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


@dataclass
class _Found:
    """Spans gathered while reading, keyed by (document, start, end)."""

    candidates: dict[tuple[str, int, int], SpanCandidate] = field(default_factory=dict)
    lowest_null: float = 0.0
    windows: int = 0


@dataclass(frozen=True)
class SpanCandidate:
    """One span of one window: document offsets, log probability and SQuAD 2.0 margin."""

    passage: Passage
    start: int
    end: int
    log_prob: float
    margin: float


@dataclass(frozen=True)
class SpanReading:
    """What the model found in the passages for one question, before the abstain decision.

    Attributes:
        places: Where the best answer was found (one per distinct span), strongest first.
        features: Inputs of the calibration model (see ``FEATURES``).
        windows: Windows read.
        runners_up: The next answers the model found, likeliest first, each as a reading of
            its own (without runners-up).
    """

    places: tuple[SpanCandidate, ...]
    features: dict[str, float] = field(default_factory=dict)
    windows: int = 0
    runners_up: tuple[SpanReading, ...] = ()


class SpanReader:
    """Reads retrieved passages with the span model and answers or abstains.

    The model scores every span of every window; answers that say the same thing in several
    passages are one answer whose probability is the sum of theirs, cited in each place.
    A logistic calibration over those scores gives the confidence, and the reader abstains
    below the fitted threshold.

    Example:
        >>> reader = SpanReader(index.documents, SpanModel())
        >>> reader.read(analyse_question("Who visited Qatar?"), passages).text

    Args:
        documents: Document texts by id (``StoredIndex.documents`` will do).
        model: The span model (default: a new ``SpanModel()``, the shipped reader).
        focus_chars: Past the first passages, read at most this many characters of each,
            the sentences around the one that best matches the question (default 0: whole).
        first_passages: Passages read before deciding whether to read the rest
            (default 0: all at once).
        early_margin: Stop after the first passages when their best span beats no-answer by
            this much, in log probability (default: never stop early).
        min_confidence: Answer when the calibrated confidence is at least this (default
            None: the calibration's threshold).
    """

    def __init__(
        self,
        documents: Documents,
        model: SpanModel | None = None,
        focus_chars: int = 0,
        first_passages: int = 0,
        early_margin: float = math.inf,
        min_confidence: float | None = None,
    ) -> None:
        self.documents = documents
        self.min_confidence = min_confidence
        self.model = model or SpanModel()
        self.focus_chars = focus_chars
        self.first_passages = first_passages
        self.early_margin = early_margin
        # The same question over the same passages reads the same (a reader serves one index
        # version, so the texts cannot change under it).
        self._readings: SharedLRU[_ReadingKey, SpanReading] = SharedLRU(_READINGS_CACHED)

    def _ranges(self, question: str, passages: Sequence[Passage]) -> list[tuple[int, int]]:
        """The part of each passage to read (all of it unless ``focus_chars`` is set)."""
        if not self.focus_chars:
            return [(p.start, p.end) for p in passages]
        ranges = []
        for passage in passages:
            document = self.documents[passage.doc_id]
            ranges.append(
                focus_range(
                    question,
                    document.text,
                    passage.start,
                    passage.end,
                    document.sentences,
                    self.focus_chars,
                    stem_words,
                )
            )
        return ranges

    @property
    def calibration(self) -> Calibration:
        return self.model.calibration

    @property
    def threshold(self) -> float:
        """The confidence an answer needs (``min_confidence``, else the calibrated one)."""
        if self.min_confidence is not None:
            return self.min_confidence
        return self.calibration.threshold

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        self.model.warm_up()

    def reading(
        self, question: str, passages: Sequence[Passage], read_all: bool = False
    ) -> SpanReading:
        """Score the spans of ``passages`` for ``question`` and gather the best answer's places.

        The first ``first_passages`` passages are read first; when the model's best span
        there beats no-answer by ``early_margin`` or more, the rest are not read. Otherwise
        the rest are read too (narrowed to ``focus_chars`` when set) and all windows count.

        Args:
            question: The question text.
            passages: The passages to read, best first.
            read_all: Read every passage whatever the first ones hold.

        Returns:
            The best answer's places and the calibration features; no places when no window
            holds a span.
        """
        if not passages:
            return SpanReading(places=(), features={}, windows=0)
        key = (question, tuple((p.doc_id, p.start, p.end) for p in passages), read_all)
        return self._readings.get_or_make(key, lambda: self._read(question, passages, read_all))

    def _read(self, question: str, passages: Sequence[Passage], read_all: bool) -> SpanReading:
        count = 0 if read_all else self.first_passages
        first = list(passages[:count]) if count else list(passages)
        rest = list(passages[len(first) :])
        found = _Found()
        # The first passages are read together, so an answer they both hold is cited in both.
        self._read_into(found, question, first, [(p.start, p.end) for p in first])
        reading = self._gather(found)
        if rest and (not reading.places or reading.features["margin"] < self.early_margin):
            self._read_into(found, question, rest, self._ranges(question, rest))
            reading = self._gather(found)
        return reading

    def _read_into(
        self,
        found: _Found,
        question: str,
        passages: Sequence[Passage],
        ranges: Sequence[tuple[int, int]],
    ) -> None:
        texts = [
            self.documents[p.doc_id].text[a:b] for p, (a, b) in zip(passages, ranges, strict=True)
        ]
        breaks = [line_breaks(text) for text in texts]
        windows = self.model.score(question, texts)
        found.windows += len(windows)
        for window in windows:
            null = window.start_log[0] + window.end_log[0]
            # The window most sure that it holds an answer sets the no-answer feature.
            found.lowest_null = min(found.lowest_null, null)
            passage = passages[window.text_index]
            offset = ranges[window.text_index][0]
            for first, last, log_prob, margin in self._window_spans(
                window.start_log, window.end_log, null
            ):
                char_start, char_end = window.offsets[first][0], window.offsets[last][1]
                if char_end <= char_start or crosses(
                    breaks[window.text_index], char_start, char_end
                ):
                    # An answer never runs from a heading or paragraph into the next.
                    continue
                key = (passage.doc_id, offset + char_start, offset + char_end)
                kept = found.candidates.get(key)
                if kept is None or log_prob > kept.log_prob:
                    found.candidates[key] = SpanCandidate(
                        passage, key[1], key[2], log_prob=log_prob, margin=margin
                    )

    def _window_spans(
        self, start_log: list[float], end_log: list[float], null: float
    ) -> list[tuple[int, int, float, float]]:
        """(first, last, log prob, margin over no-answer) of the window's top spans."""
        top = self.model.config.top_spans
        # Index 0 is the no-answer position; spans use positions 1.. (context tokens).
        starts = sorted(range(1, len(start_log)), key=lambda i: -start_log[i])[:top]
        ends = sorted(range(1, len(end_log)), key=lambda i: -end_log[i])[:top]
        spans = []
        for first in starts:
            for last in ends:
                if last < first or last - first + 1 > self.model.config.max_answer_tokens:
                    continue
                log_prob = start_log[first] + end_log[last]
                spans.append((first, last, log_prob, log_prob - null))
        return spans

    def _gather(self, found: _Found) -> SpanReading:
        windows, lowest_null = found.windows, found.lowest_null
        # Only the likeliest spans can win; grouping them all would cost more than reading.
        candidates = sorted(found.candidates.values(), key=lambda c: -c.log_prob)[:_GROUPED]
        if not candidates:
            return SpanReading(places=(), features={}, windows=windows)
        groups: dict[str, list[SpanCandidate]] = {}
        for candidate in candidates:
            text = self.documents[candidate.passage.doc_id].text[candidate.start : candidate.end]
            key = answer_key(text)
            if key:
                groups.setdefault(key, []).append(candidate)
        if not groups:
            return SpanReading(places=(), features={}, windows=windows)

        def group_log_prob(members: list[SpanCandidate]) -> float:
            top = max(m.log_prob for m in members)
            return top + math.log(sum(math.exp(m.log_prob - top) for m in members))

        ranked = sorted(groups.values(), key=group_log_prob, reverse=True)
        readings = []
        for members in ranked[: 1 + _RUNNERS_UP]:
            places = _distinct_places(sorted(members, key=lambda m: -m.log_prob))
            features = {
                "best_log_prob": places[0].log_prob,
                "group_log_prob": group_log_prob(members),
                "margin": places[0].margin,
                "lowest_null_log_prob": lowest_null,
                "places": math.log(len(places)),
            }
            readings.append(SpanReading(places=tuple(places), features=features, windows=windows))
        best, *others = readings
        return SpanReading(best.places, best.features, windows, runners_up=tuple(others))

    def features(self, question: Question, reading: SpanReading) -> dict[str, float]:
        """The calibration's inputs for the reading's best answer: the model's scores and
        the answer check's features (``qa.readers.span.check``); empty without an answer."""
        if not reading.places:
            return {}
        place = reading.places[0]
        document = self.documents[place.passage.doc_id]
        return {
            **reading.features,
            **check_features(question, document, place.start, place.end, document.sentences),
        }

    def confidence(self, reading: SpanReading, question: Question) -> float:
        """Calibrated probability that the reading's best answer to ``question`` is right
        (0 without one)."""
        if not reading.places:
            return 0.0
        return self.calibration.probability(self.features(question, reading))

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer ``question`` from ``passages``, or abstain.

        Args:
            question: The analysed question.
            passages: Retrieved passages, best first.

        Returns:
            The answer, cited in every place it was found (best first), or an abstention
            listing the passages as possibly related.
        """
        reading = self.reading(question.text, passages)
        confidence = self.confidence(reading, question)
        if reading.places and confidence < self.threshold:
            described = self._description(question, reading)
            if described is not None:
                reading, confidence = described, self.confidence(described, question)
            else:
                return abstention(question, passages, confidence)
        if not reading.places:
            return abstention(question, passages, confidence)
        citations = self.citations(reading, confidence)
        return Answer(
            question=question.text,
            abstained=False,
            confidence=confidence,
            citations=citations,
        )

    def _description(self, question: Question, reading: SpanReading) -> SpanReading | None:
        """For "Who is X?", the likeliest answer that describes X where X is named.

        A phrase in apposition to X ("Ali Larijani, another senior adviser to ..., visited")
        or after "X is" states the answer outright, so it is given even when the calibrated
        confidence (fitted on SQuAD, where such questions are rare) is below the threshold;
        its own confidence is reported. A span that takes in the name as well ("Iran's Ali
        Larijani, another senior adviser ...") is cut to the description.
        """
        subject = question.definition_of.split()
        if question.kind != "who" or not subject or not subject[0][:1].isupper():
            return None  # a name is asked about, not "the president of France"
        name = re.escape(subject[-1])
        introduces = rf"\b{name}(?:['’]s)?(?:\s*,|\s+(?:is|was))\s+"
        before_span = re.compile(introduces + "$", re.IGNORECASE)
        # A description starts in lower case ("another senior adviser"), a list of names not.
        inside_span = re.compile(introduces + "(?=(?-i:[a-z]))", re.IGNORECASE)
        relative = re.compile(r"(?:who|whom|whose|which|that|where|when)\b", re.IGNORECASE)
        for candidate in (reading, *reading.runners_up):
            place = candidate.places[0]
            text = self.documents[place.passage.doc_id].text
            if text[place.end : place.end + 1] not in ("", *",.;)—–"):
                continue  # the description would go on past the span
            start = place.start
            if not before_span.search(text[max(0, start - len(name) - 8) : start]):
                inside = inside_span.search(text, start, place.end)
                if inside is None:
                    continue
                start = inside.end()
            if place.end - start < 3 or relative.match(text, start):
                continue  # "X, who also planned ..." is a clause about X, not what X is
            described = dataclasses.replace(place, start=start)
            return dataclasses.replace(candidate, places=(described,), runners_up=())
        return None

    def citations(self, reading: SpanReading, confidence: float) -> tuple[Citation, ...]:
        """One citation per place of the best answer, each scored by its share of the evidence."""
        total = sum(math.exp(p.log_prob) for p in reading.places)
        return tuple(
            cite(
                self.documents[place.passage.doc_id],
                place.start,
                place.end,
                score=confidence * math.exp(place.log_prob) / total if total else confidence,
                passage=place.passage,
            )
            for place in reading.places
        )


def _distinct_places(members: list[SpanCandidate]) -> list[SpanCandidate]:
    """Drop places that overlap a stronger one (overlapping windows of the same passage)."""
    kept: list[SpanCandidate] = []
    for member in members:
        if any(
            k.passage.doc_id == member.passage.doc_id
            and k.start < member.end
            and member.start < k.end
            for k in kept
        ):
            continue
        kept.append(member)
    return kept
