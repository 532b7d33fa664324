"""Extractive question answering over your own documents, with exact citations.

Example:
    >>> from qa import answer
    >>> a = answer("What did Larijani say?")
    >>> a.text, a.abstained, a.confidence, a.sentence, a.citations
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from qa.followup import HistoryItem
from qa.pipeline import (
    MAX_QUESTION_CHARS,
    QA,
    EmptyQuestionError,
    QuestionError,
    QuestionTooLongError,
)
from qa.settings import Settings
from qa.types import NO_ANSWER_TEXT, Answer, Citation, Excerpt, Passage, Span

__all__ = [
    "MAX_QUESTION_CHARS",
    "NO_ANSWER_TEXT",
    "QA",
    "Answer",
    "Citation",
    "EmptyQuestionError",
    "Excerpt",
    "Passage",
    "QuestionError",
    "QuestionTooLongError",
    "Settings",
    "Span",
    "answer",
    "pipeline_for",
]


@functools.cache
def pipeline_for(settings: Settings) -> QA:
    """The shared pipeline for ``settings``.

    ``answer()`` is the one-line entry point, so it keeps one loaded pipeline per settings
    value instead of reloading the model on every call; hold a ``QA`` yourself for full
    control over its lifetime.
    """
    return QA(settings)


def answer(
    question: str,
    history: Sequence[HistoryItem] | None = None,
    *,
    settings: Settings | None = None,
    k: int | None = None,
) -> Answer:
    """Answer a question from the default index (built from ``seeds/`` when missing).

    The default index is the project's ``data/index`` (or the user's data folder for an
    installed package: ``qa.settings.default_data_dir``), whatever the working folder; the
    ``QA_*`` variables apply as they do to the ``qa`` command (``QA_INDEX_DIR``, ...).

    Args:
        question: The question.
        history: Earlier questions or chat messages, for follow-ups (default none).
        settings: Where the index is and how to answer (default: ``Settings`` from the
            environment).
        k: Passages to consult (default ``settings.top_k``).

    Returns:
        The answer with its citations, or an abstention.

    Raises:
        QuestionError: The question is empty or longer than ``MAX_QUESTION_CHARS``.
    """
    if settings is None:
        settings = Settings.from_env(os.environ)
    return pipeline_for(settings).answer(question, history=history, k=k)
