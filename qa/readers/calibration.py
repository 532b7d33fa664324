"""A fitted logistic model from a reader's scores to P(answer right), with its abstain threshold."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Calibration"]


@dataclass(frozen=True)
class Calibration:
    """Logistic model from reading features to P(answer right), and the abstain threshold.

    Written by ``scripts/calibrate_reader.py`` (the span reader) and
    ``scripts/calibrate_quotes.py`` (quote answers).

    Example:
        >>> Calibration((1.0,), 0.0, 0.5, ("margin",)).probability({"margin": 2.0})
        0.8807970779778823

    Attributes:
        weights: One weight per name in ``features``.
        bias: Intercept.
        threshold: Answer when the probability is at least this.
        features: Feature names, in the order of ``weights``.
    """

    weights: tuple[float, ...]
    bias: float
    threshold: float
    features: tuple[str, ...]

    def probability(self, features: Mapping[str, float]) -> float:
        """P(the answer is right) for one answer's features."""
        pairs = zip(self.weights, self.features, strict=True)
        z = self.bias + sum(weight * features[name] for weight, name in pairs)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read a calibration file (``weights``, ``bias``, ``threshold``, ``features``)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            features=tuple(data["features"]),
        )
