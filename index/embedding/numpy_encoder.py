"""A NumPy forward pass of a BERT sentence encoder, for embedding questions without torch.

Importing sentence-transformers (and with it torch and transformers) takes seconds, which a
one-shot ``qa ask`` would spend to embed a single question. This encoder reads the same
safetensors weights and tokenizer file and computes the same mean-pooled, normalised vector
(cosine above 0.9999 with sentence-transformers, checked by the tests). It supports exactly
the model layout it checks for and says so otherwise; bulk embedding stays on torch.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

Array = npt.NDArray[np.float32]


class UnsupportedModelError(ValueError):
    """The model folder is not a mean-pooled, normalised BERT encoder."""


def supports(model_path: Path) -> bool:
    """Whether ``model_path`` holds a model this encoder computes exactly."""
    try:
        bert_layout(model_path)
    except (UnsupportedModelError, OSError, ValueError, KeyError):
        return False
    return True


@dataclass(frozen=True)
class BertLayout:
    """The sizes of a BERT sentence encoder that its forward pass needs."""

    heads: int
    layers: int
    layer_norm_eps: float


def bert_layout(model_path: Path) -> BertLayout:
    """The model's sizes, once its layout is checked to be one this module computes (the
    torch encoder, ``index.embedding.torch_encoder``, computes the same layouts).

    Raises:
        UnsupportedModelError: It is not a mean-pooled, normalised BERT sentence encoder.
    """
    config: dict[str, Any] = json.loads((model_path / "config.json").read_text())
    modules = json.loads((model_path / "modules.json").read_text())
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    if (
        config.get("model_type") != "bert"
        or config.get("hidden_act") != "gelu"
        or config.get("position_embedding_type", "absolute") != "absolute"
        or kinds != ["Transformer", "Pooling", "Normalize"]
        or not pooling.get("pooling_mode_mean_tokens")
        or any(pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens"))
        or not (model_path / "model.safetensors").is_file()
        or not (model_path / "tokenizer.json").is_file()
    ):
        raise UnsupportedModelError(f"{model_path} is not a mean-pooled BERT sentence encoder")
    return BertLayout(
        heads=int(config["num_attention_heads"]),
        layers=int(config["num_hidden_layers"]),
        layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
    )


def bert_tokenizer(model_path: Path, max_tokens: int) -> Tokenizer:
    """The model's tokenizer, truncating at ``max_tokens`` and padding nothing."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()
    return tokenizer


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normalised: Array = ((x - mean) / np.sqrt(variance + eps)) * weight + bias
    return normalised


def _gelu(x: Array) -> Array:
    from scipy.special import erf

    activated: Array = (0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))).astype(np.float32)
    return activated


class NumpyEncoder:
    """Embeds short texts with a BERT sentence encoder in NumPy.

    Args:
        model_path: A sentence-transformers model folder (BERT, mean pooling, normalise).
        max_tokens: Longest input in tokens; longer texts are truncated (default 256).
    """

    def __init__(self, model_path: Path, max_tokens: int = 256) -> None:
        from safetensors.numpy import load_file

        layout = bert_layout(model_path)
        self.heads, self.layers, self.eps = layout.heads, layout.layers, layout.layer_norm_eps
        # Own, aligned copies: BLAS skips the read-only, unaligned buffers safetensors maps,
        # and dense weights are stored transposed so each layer is one contiguous matmul.
        self.weights = {
            name.removeprefix("bert."): np.ascontiguousarray(
                value.T
                if name.endswith("dense.weight")
                or name.endswith(("query.weight", "key.weight", "value.weight"))
                else value,
                dtype=np.float32,
            )
            for name, value in load_file(str(model_path / "model.safetensors")).items()
            if value.dtype != np.int64
        }
        self.tokenizer = bert_tokenizer(model_path, max_tokens)

    def _w(self, name: str) -> Array:
        return self.weights[name]

    def _encode_one(self, ids: list[int]) -> Array:
        w = self._w
        positions = np.arange(len(ids))
        x = (
            w("embeddings.word_embeddings.weight")[ids]
            + w("embeddings.position_embeddings.weight")[positions]
            + w("embeddings.token_type_embeddings.weight")[0]
        )
        x = _layer_norm(
            x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), self.eps
        )
        tokens, hidden = x.shape
        head_size = hidden // self.heads
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}."

            def dense(h: Array, name: str, prefix: str = prefix) -> Array:
                return h @ w(prefix + name + ".weight") + w(prefix + name + ".bias")

            def heads(h: Array) -> Array:
                return h.reshape(tokens, self.heads, head_size).transpose(1, 0, 2)

            query = heads(dense(x, "attention.self.query"))
            key = heads(dense(x, "attention.self.key"))
            value = heads(dense(x, "attention.self.value"))
            scores = query @ key.transpose(0, 2, 1) / math.sqrt(head_size)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(1, 0, 2).reshape(tokens, hidden)
            attended = dense(context, "attention.output.dense") + x
            x = _layer_norm(
                attended,
                w(prefix + "attention.output.LayerNorm.weight"),
                w(prefix + "attention.output.LayerNorm.bias"),
                self.eps,
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                dense(inner, "output.dense") + x,
                w(prefix + "output.LayerNorm.weight"),
                w(prefix + "output.LayerNorm.bias"),
                self.eps,
            )
        pooled = x.mean(axis=0)
        unit: Array = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return unit

    def embed(self, texts: Sequence[str]) -> Array:
        """Embed ``texts`` one by one (no padding) into unit-length float32 rows."""
        encodings = self.tokenizer.encode_batch(list(texts))
        rows = [self._encode_one(encoding.ids) for encoding in encodings]
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        stacked: Array = np.vstack(rows)
        return stacked
