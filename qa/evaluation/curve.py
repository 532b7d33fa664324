"""Answers kept against no-answer accuracy as the confidence needed to answer varies.

Run the evaluation with every answer given (``Settings(min_confidence=0.0)``), then replay
the abstain decision at each threshold from the recorded confidences: an item counts as
answered at threshold ``t`` when its answer's confidence is at least ``t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CurvePoint", "Scored", "curve", "format_curve", "plot_curve", "point"]

THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.0, 0.96, 0.05), 2))


@dataclass(frozen=True)
class Scored:
    """One item asked with every answer given.

    Attributes:
        answerable: The documents answer it.
        score: What its answer scores when given (F1, or 1/0 for right/wrong); unused when
            not answerable.
        confidence: The answer's calibrated confidence (0 when there was no answer at all).
        answered: An answer was given at all (False: no span, no statement).
        quote: The answer came from quote attribution (its own threshold applies).
    """

    answerable: bool
    score: float
    confidence: float
    answered: bool
    quote: bool = False


@dataclass(frozen=True)
class CurvePoint:
    """Figures when answering at ``threshold`` (quotes at ``quote_threshold``)."""

    threshold: float
    quote_threshold: float
    answers_kept: float
    no_answer_accuracy: float
    answerable_score: float
    overall_score: float


def point(items: Sequence[Scored], threshold: float, quote_threshold: float) -> CurvePoint:
    """The figures of answering when confidence reaches the threshold of the answer's kind."""
    answered = [
        item.answered and item.confidence >= (quote_threshold if item.quote else threshold)
        for item in items
    ]
    answerable = [i for i, item in enumerate(items) if item.answerable]
    unanswerable = [i for i, item in enumerate(items) if not item.answerable]
    scores = [
        (item.score if answered[i] else 0.0) if item.answerable else float(not answered[i])
        for i, item in enumerate(items)
    ]
    return CurvePoint(
        threshold=threshold,
        quote_threshold=quote_threshold,
        answers_kept=float(np.mean(answered)) if items else 0.0,
        no_answer_accuracy=float(np.mean([not answered[i] for i in unanswerable]))
        if unanswerable
        else 1.0,
        answerable_score=float(np.mean([scores[i] for i in answerable])) if answerable else 0.0,
        overall_score=float(np.mean(scores)) if items else 0.0,
    )


def curve(items: Sequence[Scored]) -> list[CurvePoint]:
    """One point per threshold of ``THRESHOLDS``, the same threshold for every answer."""
    return [point(items, threshold, threshold) for threshold in THRESHOLDS]


def format_curve(points: Sequence[CurvePoint], chosen: CurvePoint, unit: str) -> str:
    """The table ``qa eval --curve`` prints, the product's own point last."""
    lines = [
        f"threshold  answers kept  no-answer accuracy  answerable {unit}  overall {unit}",
    ]
    for p in [*points, chosen]:
        label = (
            f"{p.threshold:.2f}"
            if p is not chosen
            else f"{p.threshold:.2f} / quotes {p.quote_threshold:.2f} (the product's)"
        )
        lines.append(
            f"  {label:<10} {100 * p.answers_kept:6.1f}%      {100 * p.no_answer_accuracy:6.1f}%"
            f"            {100 * p.answerable_score:5.1f}          {100 * p.overall_score:5.1f}"
        )
    return "\n".join(lines)


def plot_curve(
    points: Sequence[CurvePoint], chosen: CurvePoint, title: str, unit: str, path: Path
) -> None:
    """Draw answers kept against no-answer accuracy, the product's point marked, as a PNG.

    Args:
        points: The curve (``curve``).
        chosen: The product's own point.
        title: What was asked (the dataset).
        unit: What a right answer scores ("F1", "right").
        path: The PNG written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    kept = [100 * p.answers_kept for p in points]
    refused = [100 * p.no_answer_accuracy for p in points]
    axis.plot(kept, refused, marker="o", markersize=3, color="#1f4e79", label="thresholds 0–0.95")
    for p in points[::4]:
        axis.annotate(
            f"{p.threshold:.2f}",
            (100 * p.answers_kept, 100 * p.no_answer_accuracy),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=7,
        )
    axis.plot(
        [100 * chosen.answers_kept],
        [100 * chosen.no_answer_accuracy],
        marker="*",
        markersize=14,
        color="#c0392b",
        linestyle="none",
        label=(
            f"the product: {chosen.threshold:.2f} (quotes {chosen.quote_threshold:.2f}), "
            f"answerable {unit} {100 * chosen.answerable_score:.1f}"
        ),
    )
    axis.set_xlabel("answers kept (%)")
    axis.set_ylabel("unanswerable questions refused (%)")
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
