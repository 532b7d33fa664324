"""The words for a confidence, and how often "high confidence" answers were right."""

from __future__ import annotations

import pytest

from qa.confidence import HIGH_CONFIDENCE, confidence_words
from qa.evaluation.news import NewsResult, format_news_report, summarise_news


@pytest.mark.parametrize(
    ("confidence", "words"),
    [
        (1.0, "high confidence"),
        (HIGH_CONFIDENCE, "high confidence"),
        (HIGH_CONFIDENCE - 0.01, "fairly confident"),
        (0.6, "fairly confident"),
        (0.45, "unsure"),
        (0.1, "low confidence"),
    ],
)
def test_each_band_has_its_words(confidence: float, words: str) -> None:
    assert confidence_words(confidence) == words


def _result(item_id: str, correct: bool, confidence: float, abstained: bool = False) -> NewsResult:
    return NewsResult(
        item_id=item_id,
        kind="factoid",
        conversation=False,
        correct=correct,
        abstained=abstained,
        prediction="I could not find this in your documents." if abstained else "an answer",
        confidence=confidence,
        latency_ms=1.0,
    )


def test_the_news_report_says_how_often_high_confidence_answers_were_right() -> None:
    results = [
        _result("a", True, 0.95),
        _result("b", False, 0.90),
        _result("c", True, 0.86),
        _result("d", False, 0.70),  # answered, but not "high confidence"
        _result("e", False, 0.92, abstained=True),  # refused: not an answer shown
    ]
    report = summarise_news(results)
    assert report.high_confidence == (2, 3)
    assert "high confidence      2/3 right (67%)" in format_news_report(report, results)
