"""What the calibration scripts share: the weighted logistic fit, the threshold rule, the tail.

The rule, for the span reader (``calibrate_reader.py``) and quote answers
(``calibrate_quotes.py``) alike: answer at the lowest threshold at which the answers given on
the weighted mix are right at least ``PRECISION`` of the time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

PRECISION = 0.80
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.05, 0.96, 0.05), 2))
RULE = (
    f"lowest threshold (0.05..0.95) at which answers given on the weighted mix are right "
    f"at least {PRECISION:.0%} of the time"
)


def fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[list[float], float]:
    """Logistic regression weights and bias of ``y`` on ``x``, rows weighted by ``weights``.

    The weights are scaled to average 1, so the regularisation weighs as it would unweighted.
    """
    from sklearn.linear_model import LogisticRegression

    scaled = weights * len(weights) / weights.sum()
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=scaled)
    return [float(w) for w in model.coef_[0]], float(model.intercept_[0])


def fit_rows(
    features: Sequence[Sequence[float] | None], right: Sequence[bool], weights: np.ndarray
) -> tuple[list[float], float, np.ndarray]:
    """Fit on the rows that have features; P(right) for every row (0 for those without).

    Args:
        features: Each row's features, None where the reader found nothing to answer with.
        right: Each row's label.
        weights: Each row's weight in the mix.

    Returns:
        The weights and bias of the fit, and each row's probability.
    """
    kept = [i for i, row in enumerate(features) if row is not None]
    x = np.array([features[i] for i in kept], dtype=float)
    coefficients, bias = fit(x, np.array([right[i] for i in kept], dtype=int), weights[kept])
    z = np.clip(x @ np.asarray(coefficients) + bias, -60.0, 60.0)
    probability = np.zeros(len(features))
    probability[kept] = 1.0 / (1.0 + np.exp(-z))
    return coefficients, bias, probability


ACCURACY_RULE = (
    "the threshold (0.05..0.95) at which the most of the weighted mix is handled right "
    "(answerable questions answered right, the others refused); the middle of a plateau"
)


def most_accurate(points: Sequence[dict[str, float]], mix: dict[str, float]) -> dict[str, float]:
    """The point handling the most of the mix right (each point with ``answerable_right``
    and ``no_answer_accuracy``; ``mix`` with ``answerable`` and ``unanswerable`` shares);
    the middle one of the best when several tie (within 0.001)."""
    scores = [
        mix["answerable"] * p["answerable_right"] + mix["unanswerable"] * p["no_answer_accuracy"]
        for p in points
    ]
    best = max(scores)
    tied = [p for p, score in zip(points, scores, strict=True) if score >= best - 1e-3]
    return tied[(len(tied) - 1) // 2]


def chosen(points: Sequence[dict[str, float]]) -> dict[str, float]:
    """The point the rule picks among ``points`` (ordered by threshold, each with
    ``precision`` and ``answers_kept``); when none qualifies, the one answering least."""
    qualifying = [p for p in points if p["precision"] >= PRECISION and p["answers_kept"] > 0]
    return qualifying[0] if qualifying else points[-1]


# A column of the printed curve: its heading and how one point shows in it.
Column = tuple[str, Callable[[dict[str, float]], str]]


def fit_and_write(
    feature_names: Sequence[str],
    features: Sequence[Sequence[float] | None],
    right: Sequence[bool],
    weights: np.ndarray,
    curve_of: Callable[[np.ndarray], list[dict[str, float]]],
    columns: Sequence[Column],
    about: dict[str, Any],
    out: Path,
    choose: Callable[[Sequence[dict[str, float]]], dict[str, float]] = chosen,
) -> dict[str, float]:
    """The calibration scripts' common tail: fit, curve, choose, print, write.

    Args:
        feature_names: The features' names, in the order of each row's values.
        features: Each row's features (None: the reader found nothing to answer with).
        right: Each row's label.
        weights: Each row's weight in the mix.
        curve_of: The curve's points (ordered by threshold) from each row's probability.
        columns: How the printed curve shows each point.
        about: What the calibration file records besides the fit and the curve
            (``fitted_on``, the reader's settings, ...), in the order written.
        out: The calibration file written.
        choose: Picks the point from the curve (default ``chosen``, the precision rule).

    Returns:
        The point the rule chose.
    """
    coefficients, bias, probability = fit_rows(features, right, weights)
    points = curve_of(probability)
    best = choose(points)
    widths = [max(len(heading), 8) for heading, _ in columns]
    print(
        "  ".join(heading.ljust(width) for (heading, _), width in zip(columns, widths, strict=True))
    )
    for point in points:
        cells = [show(point).ljust(width) for (_, show), width in zip(columns, widths, strict=True)]
        print("  ".join(cells) + ("  <- chosen" if point is best else ""))
    calibration = {
        "features": list(feature_names),
        "weights": coefficients,
        "bias": bias,
        "threshold": best["threshold"],
        **about,
        "curve": points,
    }
    out.write_text(json.dumps(calibration, indent=2) + "\n")
    print(f"wrote {out}")
    return best
