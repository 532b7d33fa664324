"""The torch-free question encoder gives the same vectors as the torch model.

The torch model (``TorchEncoder``) is checked against sentence-transformers itself in
``test_torch_encoder.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import SentenceTransformerEmbedder, default_model_path
from index.embedding.numpy_encoder import NumpyEncoder, UnsupportedModelError, supports

QUESTIONS = [
    "What did Larijani say?",
    "Which country did Ali Larijani visit?",
    "In what country is Normandy located, and when did the Normans arrive there?",
    "ünïcödé and emoji 🙂 survive tokenisation",
    "x",
]


def test_matches_the_torch_model(embedder: SentenceTransformerEmbedder) -> None:
    light = NumpyEncoder(default_model_path()).embed(QUESTIONS)
    assert embedder._model is not None, "the session fixture loaded the torch model"
    reference = embedder.embed(QUESTIONS)
    cosines = (light * reference).sum(axis=1)
    assert cosines.min() > 0.9999
    np.testing.assert_allclose(np.linalg.norm(light, axis=1), 1.0, rtol=1e-5)


def test_long_text_is_truncated_like_the_model(embedder: SentenceTransformerEmbedder) -> None:
    long_text = " ".join(["The Normans conquered England in 1066."] * 80)
    light = NumpyEncoder(default_model_path()).embed([long_text])
    reference = embedder.embed([long_text])
    assert float((light * reference).sum()) > 0.9999


def test_a_fresh_embedder_answers_questions_without_torch_weights_loaded() -> None:
    fresh = SentenceTransformerEmbedder()
    vector = fresh.embed(["What did Larijani say?"])
    assert vector.shape == (1, 384)
    assert fresh._model is None, "one question should not load the torch model"


def test_other_layouts_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "roberta", "hidden_act": "gelu"}')
    (tmp_path / "modules.json").write_text("[]")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert not supports(tmp_path)
    with pytest.raises(UnsupportedModelError):
        NumpyEncoder(tmp_path)
