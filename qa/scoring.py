"""The learned parts of the reader: small models over named features, stored as JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_WEIGHTS_FILE = Path(__file__).with_name("reader_weights.json")


@dataclass(frozen=True)
class LinearModel:
    """A linear score over standardised named features: ``bias + sum(w * (x - mean) / scale)``.

    Features missing from the input count as 0; features the model does not know are ignored.

    Attributes:
        names: Feature names, in the order of the other lists.
        weights: One weight per feature.
        means: Value subtracted before weighing (default 0).
        scales: Value divided by before weighing (default 1).
        bias: The intercept.
    """

    names: tuple[str, ...]
    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float

    def __post_init__(self) -> None:
        # bias + sum(w * (x - mean) / scale) = offset + sum((w / scale) * x): the sum then runs
        # over the features a candidate has (a few dozen) instead of all the model knows (750).
        coefficients = {
            name: weight / scale
            for name, weight, scale in zip(self.names, self.weights, self.scales, strict=True)
        }
        offset = self.bias - sum(
            weight * mean / scale
            for weight, mean, scale in zip(self.weights, self.means, self.scales, strict=True)
        )
        object.__setattr__(self, "_coefficients", coefficients)
        object.__setattr__(self, "_offset", offset)

    def score(self, features: Mapping[str, float]) -> float:
        """The model's score (a logit) for one feature dictionary."""
        coefficients: dict[str, float] = self._coefficients  # type: ignore[attr-defined]
        total: float = self._offset  # type: ignore[attr-defined]
        for name, value in features.items():
            coefficient = coefficients.get(name)
            if coefficient is not None and value:
                total += coefficient * value
        return total

    def probability(self, features: Mapping[str, float]) -> float:
        """The logistic of ``score``."""
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, self.score(features)))))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``from_json`` reads it back)."""
        return {
            "bias": self.bias,
            "features": {
                name: {"weight": w, "mean": m, "scale": s}
                for name, w, m, s in zip(
                    self.names, self.weights, self.means, self.scales, strict=True
                )
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        """Read a model written by ``to_json``."""
        features: Mapping[str, Mapping[str, float]] = data["features"]
        names = tuple(features)
        return cls(
            names=names,
            weights=tuple(float(features[n]["weight"]) for n in names),
            means=tuple(float(features[n].get("mean", 0.0)) for n in names),
            scales=tuple(float(features[n].get("scale", 1.0)) or 1.0 for n in names),
            bias=float(data["bias"]),
        )

    @classmethod
    def fitted(
        cls,
        names: Sequence[str],
        weights: Sequence[float],
        means: Sequence[float],
        scales: Sequence[float],
        bias: float,
    ) -> LinearModel:
        """Build a model from fitted arrays, dropping features whose weight is 0."""
        kept = [i for i, w in enumerate(weights) if abs(w) > 1e-9]
        return cls(
            names=tuple(names[i] for i in kept),
            weights=tuple(float(weights[i]) for i in kept),
            means=tuple(float(means[i]) for i in kept),
            scales=tuple(float(scales[i]) or 1.0 for i in kept),
            bias=float(bias),
        )


@dataclass(frozen=True)
class TreeEnsemble:
    """Boosted regression trees over named features: ``baseline + sum(leaf values)``.

    Each tree is stored as parallel node lists; a node sends a row left when the feature's
    value is at most the threshold. Missing features count as 0.

    Attributes:
        names: Feature names, indexed by the trees' ``feature`` lists.
        baseline: The raw score before any tree.
        trees: One dictionary per tree with lists ``feature``, ``threshold``, ``left``,
            ``right``, ``value`` and ``leaf`` (1 for leaves).
    """

    names: tuple[str, ...]
    baseline: float
    trees: tuple[dict[str, list[float]], ...]

    def score(self, features: Mapping[str, float]) -> float:
        """The ensemble's raw score (a logit) for one feature dictionary."""
        row = [features.get(name, 0.0) for name in self.names]
        total = self.baseline
        for tree in self.trees:
            node = 0
            while not tree["leaf"][node]:
                goes_left = row[int(tree["feature"][node])] <= tree["threshold"][node]
                node = int(tree["left"][node] if goes_left else tree["right"][node])
            total += tree["value"][node]
        return total

    def probability(self, features: Mapping[str, float]) -> float:
        """The logistic of ``score``."""
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, self.score(features)))))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``model_from_json`` reads it back)."""
        return {
            "type": "trees",
            "features": list(self.names),
            "baseline": self.baseline,
            "trees": list(self.trees),
        }


def model_from_json(data: Mapping[str, Any]) -> LinearModel | TreeEnsemble:
    """Read a linear model or a tree ensemble written by its ``to_json``."""
    if data.get("type") == "trees":
        return TreeEnsemble(
            names=tuple(data["features"]),
            baseline=float(data["baseline"]),
            trees=tuple(data["trees"]),
        )
    return LinearModel.from_json(data)


@dataclass(frozen=True)
class ReaderModels:
    """The span scorer, the answer/abstain model and its threshold, with their provenance.

    Attributes:
        span: Scores candidate spans against each other (softmax over a question's spans).
        answerable: Probability that the best span is a right answer; this is the confidence.
        abstain_below: Answers with lower confidence are withheld.
        sentences_parsed: Best-matching sentences parsed per question.
        about: Where the weights came from (data, split, figures on the fitting data).
    """

    span: LinearModel
    answerable: LinearModel | TreeEnsemble
    abstain_below: float
    sentences_parsed: int
    about: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``load_models`` reads it back)."""
        return {
            "about": self.about,
            "abstain_below": self.abstain_below,
            "sentences_parsed": self.sentences_parsed,
            "span": self.span.to_json(),
            "answerable": self.answerable.to_json(),
        }


def load_models(path: Path | None = None) -> ReaderModels:
    """Read the reader's fitted models (default: ``qa/reader_weights.json``).

    Args:
        path: A weights file written by ``scripts/fit_reader.py``.

    Returns:
        The models.
    """
    data = json.loads((path or DEFAULT_WEIGHTS_FILE).read_text(encoding="utf-8"))
    return ReaderModels(
        span=LinearModel.from_json(data["span"]),
        answerable=model_from_json(data["answerable"]),
        abstain_below=float(data["abstain_below"]),
        sentences_parsed=int(data["sentences_parsed"]),
        about=dict(data.get("about", {})),
    )
