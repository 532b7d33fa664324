"""What a confidence is called, in one place for the page, ``qa ask`` and ``qa eval``.

A confidence is the calibrated probability that an answer is right
(``qa/reader_model/calibration.json`` for spans, the quote calibration for statements). The
words stand for bands of it; "high confidence" starts where answers on the fitting mix were
right at least 90% of the time (93% at 0.85, 87% at 0.80), and ``qa eval`` prints how often
such answers were right on the set it runs.
"""

from __future__ import annotations

__all__ = ["HIGH_CONFIDENCE", "confidence_words", "high_confidence_line"]

HIGH_CONFIDENCE = 0.85
# (lowest confidence, words), highest band first; below the last: "low confidence".
_BANDS = ((HIGH_CONFIDENCE, "high confidence"), (0.6, "fairly confident"), (0.4, "unsure"))


def confidence_words(confidence: float) -> str:
    """Confidence in words a person understands.

    Args:
        confidence: Estimated probability that the answer is right, in [0, 1].

    Returns:
        A short phrase such as "fairly confident".
    """
    for lowest, words in _BANDS:
        if confidence >= lowest:
            return words
    return "low confidence"


def high_confidence_line(right: int, given: int) -> str:
    """The line ``qa eval`` prints: how often the answers called "high confidence" were right."""
    share = f" ({100 * right / given:.0f}%)" if given else ""
    return f"high confidence      {right}/{given} right{share} (answers at >= {HIGH_CONFIDENCE})"
