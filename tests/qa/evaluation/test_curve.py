"""The answers-kept / no-answer curve replays the abstain decision at each threshold."""

from __future__ import annotations

import pytest

from qa import Settings
from qa.evaluation.curve import Scored, curve, point

ITEMS = [
    Scored(answerable=True, score=1.0, confidence=0.9, answered=True),
    Scored(answerable=True, score=0.5, confidence=0.4, answered=True),
    Scored(answerable=True, score=1.0, confidence=0.3, answered=True, quote=True),
    Scored(answerable=False, score=0.0, confidence=0.6, answered=True),
    Scored(answerable=False, score=0.0, confidence=0.0, answered=False),
]


def test_a_higher_threshold_keeps_fewer_answers_and_refuses_more() -> None:
    points = curve(ITEMS)
    kept = [p.answers_kept for p in points]
    refused = [p.no_answer_accuracy for p in points]
    assert kept == sorted(kept, reverse=True)
    assert refused == sorted(refused)
    assert points[0].answers_kept == pytest.approx(4 / 5)  # all but the one with no answer
    assert points[0].no_answer_accuracy == pytest.approx(1 / 2)


def test_each_kind_of_answer_meets_its_own_threshold() -> None:
    chosen = point(ITEMS, threshold=0.55, quote_threshold=0.25)
    # Answered: the 0.9 answer, the 0.3 quote (above 0.25) and the wrong 0.6 answer.
    assert chosen.answers_kept == pytest.approx(3 / 5)
    assert chosen.answerable_score == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert chosen.no_answer_accuracy == pytest.approx(1 / 2)
    assert chosen.overall_score == pytest.approx((1.0 + 0.0 + 1.0 + 0.0 + 1.0) / 5)


def test_the_confidence_needed_can_be_set_and_is_checked() -> None:
    assert Settings.from_env({"QA_MIN_CONFIDENCE": "0.7"}).min_confidence == 0.7
    with pytest.raises(ValueError, match="QA_MIN_CONFIDENCE"):
        Settings.from_env({"QA_MIN_CONFIDENCE": "high"})
    with pytest.raises(ValueError, match="between 0 and 1"):
        Settings(min_confidence=1.5)
