"""What every reader shares: the Reader protocol and the abstention answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from qa.question import Question
from qa.types import Answer, Passage


class Reader(Protocol):
    """Anything that turns a question and retrieved passages into an Answer.

    The pipeline (``QA``) holds one per index version, made by a ``ReaderFactory``
    (``qa.readers.router``); by default the ``RoutingReader`` over the span and quote readers.
    """

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer ``question`` from ``passages``, citing them, or abstain (``abstention``)."""
        ...

    def warm_up(self) -> None:
        """Load what the first answer would otherwise wait for (models)."""
        ...


def abstention(question: Question, passages: Sequence[Passage], confidence: float) -> Answer:
    """The answer saying the documents do not answer ``question``, with related passages.

    Args:
        question: The analysed question.
        passages: The closest passages, offered as related reading.
        confidence: Confidence of the best answer that was turned down.

    Returns:
        An abstained answer.
    """
    return Answer(
        question=question.text,
        abstained=True,
        confidence=confidence,
        related=tuple(passages),
    )
