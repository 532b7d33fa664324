"""The reader's learned scorers: linear and tree models, their probabilities and their files."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from qa.scoring import LinearModel, ReaderModels, TreeEnsemble, load_models, model_from_json

# bias + 2 * (a - 1) / 2 - 1 * (b - 0) / 1 = 0.5 + (a - 1) - b
SMALL = LinearModel(
    names=("a", "b"), weights=(2.0, -1.0), means=(1.0, 0.0), scales=(2.0, 1.0), bias=0.5
)

# Baseline 0.5; tree 1 splits on x at 2 (left -1, right +3); tree 2 is one leaf of +0.25.
STUMPS = TreeEnsemble(
    names=("x",),
    baseline=0.5,
    trees=(
        {
            "feature": [0, 0, 0],
            "threshold": [2.0, 0.0, 0.0],
            "left": [1, 0, 0],
            "right": [2, 0, 0],
            "value": [0.0, -1.0, 3.0],
            "leaf": [0, 1, 1],
        },
        {
            "feature": [0],
            "threshold": [0.0],
            "left": [0],
            "right": [0],
            "value": [0.25],
            "leaf": [1],
        },
    ),
)


def test_linear_score_standardises_each_feature_before_weighing() -> None:
    assert SMALL.score({"a": 3.0, "b": 4.0}) == pytest.approx(0.5 + 2.0 - 4.0)
    assert SMALL.score({"a": 1.0, "b": 0.0}) == pytest.approx(0.5)


def test_missing_features_count_as_zero_and_unknown_ones_are_ignored() -> None:
    missing = SMALL.score({})
    assert missing == pytest.approx(0.5 - 1.0)
    assert SMALL.score({"a": 0.0, "b": 0.0}) == pytest.approx(missing)
    assert SMALL.score({"not a feature": 100.0}) == pytest.approx(missing)


def test_linear_probability_is_the_logistic_of_the_score() -> None:
    features = {"a": 3.0, "b": 4.0}
    assert SMALL.probability(features) == pytest.approx(1.0 / (1.0 + math.exp(1.5)))
    assert SMALL.probability({"a": 1.0}) == pytest.approx(1.0 / (1.0 + math.exp(-0.5)))


def test_linear_probability_rises_with_a_positive_weight_and_falls_with_a_negative_one() -> None:
    values = [-50.0, -3.0, -0.5, 0.0, 0.5, 3.0, 50.0]
    rising = [SMALL.probability({"a": v}) for v in values]
    falling = [SMALL.probability({"b": v}) for v in values]
    assert all(low < high for low, high in itertools.pairwise(rising))
    assert all(high > low for high, low in itertools.pairwise(falling))
    assert all(0.0 <= p <= 1.0 for p in rising + falling)


@pytest.mark.parametrize("value", [1e6, -1e6, 1e300, -1e300])
def test_extreme_scores_give_a_probability_not_an_overflow(value: float) -> None:
    probability = SMALL.probability({"a": value})
    assert 0.0 <= probability <= 1.0
    if value > 0:
        assert probability > 0.99
    else:
        assert probability < 0.01


def test_linear_model_survives_its_json() -> None:
    text = json.dumps(SMALL.to_json())
    again = LinearModel.from_json(json.loads(text))
    assert again == SMALL
    for features in ({}, {"a": 3.0, "b": -2.0}, {"b": 7.5}):
        assert again.score(features) == pytest.approx(SMALL.score(features))


def test_json_without_mean_or_scale_means_zero_and_one_and_a_zero_scale_is_one() -> None:
    model = LinearModel.from_json(
        {"bias": 1.0, "features": {"a": {"weight": 2.0}, "b": {"weight": 3.0, "scale": 0.0}}}
    )
    assert model.score({"a": 1.0, "b": 1.0}) == pytest.approx(1.0 + 2.0 + 3.0)


def test_fitted_drops_zero_weights_without_changing_scores() -> None:
    model = LinearModel.fitted(
        names=["a", "unused", "b"],
        weights=[2.0, 0.0, -1.0],
        means=[1.0, 5.0, 0.0],
        scales=[2.0, 0.0, 1.0],
        bias=0.5,
    )
    assert model.names == ("a", "b")
    assert model.to_json()["features"].keys() == {"a", "b"}
    for features in ({}, {"a": 3.0, "b": 4.0, "unused": 9.0}):
        assert model.score(features) == pytest.approx(SMALL.score(features))


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (None, 0.5 - 1.0 + 0.25),  # missing: x counts as 0, left
        (2.0, 0.5 - 1.0 + 0.25),  # at the threshold: left
        (2.01, 0.5 + 3.0 + 0.25),
        (-7.0, 0.5 - 1.0 + 0.25),
    ],
)
def test_trees_send_values_at_most_the_threshold_left_and_add_their_leaves(
    x: float | None, expected: float
) -> None:
    features = {} if x is None else {"x": x}
    assert STUMPS.score(features) == pytest.approx(expected)
    assert STUMPS.probability(features) == pytest.approx(1.0 / (1.0 + math.exp(-expected)))


def test_model_from_json_reads_back_either_kind() -> None:
    trees = model_from_json(json.loads(json.dumps(STUMPS.to_json())))
    linear = model_from_json(json.loads(json.dumps(SMALL.to_json())))
    assert isinstance(trees, TreeEnsemble) and isinstance(linear, LinearModel)
    for features in ({}, {"x": 5.0}, {"a": 2.0, "b": 1.0}):
        assert trees.score(features) == pytest.approx(STUMPS.score(features))
        assert linear.score(features) == pytest.approx(SMALL.score(features))


def test_reader_models_written_to_a_file_load_back_the_same(tmp_path: Path) -> None:
    models = ReaderModels(
        span=SMALL,
        answerable=STUMPS,
        abstain_below=0.4,
        sentences_parsed=3,
        about={"fitted_on": "made up"},
    )
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(models.to_json()), encoding="utf-8")
    loaded = load_models(path)
    assert loaded.abstain_below == 0.4 and loaded.sentences_parsed == 3
    assert loaded.about == {"fitted_on": "made up"}
    assert loaded.span == SMALL
    assert loaded.answerable.score({"x": 5.0}) == pytest.approx(STUMPS.score({"x": 5.0}))


def test_the_shipped_weights_load_with_a_threshold_that_can_both_answer_and_abstain() -> None:
    models = load_models()
    assert 0.0 < models.abstain_below < 1.0
    assert models.sentences_parsed >= 1
    assert len(models.span.names) > 0
    assert 0.0 <= models.answerable.probability({}) <= 1.0
