"""A batched torch forward pass of a BERT sentence encoder, for embedding chunks in bulk.

sentence-transformers runs the same model through transformers' BertModel, and importing the
two takes about 5 seconds of every ``qa index`` process before a chunk is embedded (torch
alone: about 1). This encoder reads the model's safetensors weights and tokenizer file,
checks the layout as the NumPy question encoder does (``numpy_encoder.bert_layout``), sorts
each call's texts by length so a batch pads little, and computes the same mean-pooled,
normalised vectors (cosine above 0.9999 with sentence-transformers in fp32, checked by the
tests) in fp32 or bf16. Measured in ``benchmarks/embedding_options.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from index.embedding.numpy_encoder import bert_layout, bert_tokenizer

if TYPE_CHECKING:
    import torch

__all__ = ["TorchEncoder"]


class TorchEncoder:
    """Embeds texts in batches with a BERT sentence encoder in torch (loads torch on creation).

    Example:
        >>> from index import default_model_path
        >>> TorchEncoder(default_model_path()).embed(["What did Larijani say?"]).shape
        (1, 384)

    Args:
        model_path: A sentence-transformers model folder (BERT, mean pooling, normalise).
        max_tokens: Longest input in tokens; longer texts are truncated (default 256).
    """

    def __init__(self, model_path: Path, max_tokens: int = 256) -> None:
        import torch
        from safetensors.torch import load_file

        layout = bert_layout(model_path)
        self.heads, self.layers, self.eps = layout.heads, layout.layers, layout.layer_norm_eps
        self._weights = {
            name.removeprefix("bert."): value.to(torch.float32)
            for name, value in load_file(str(model_path / "model.safetensors")).items()
            if value.is_floating_point()
        }
        self._bf16: dict[str, torch.Tensor] | None = None
        self.dimension = int(self._weights["embeddings.word_embeddings.weight"].shape[1])
        self.tokenizer = bert_tokenizer(model_path, max_tokens)

    def _weights_in(self, bf16: bool) -> dict[str, torch.Tensor]:
        if not bf16:
            return self._weights
        if self._bf16 is None:
            import torch

            self._bf16 = {name: value.to(torch.bfloat16) for name, value in self._weights.items()}
        return self._bf16

    def embed(
        self, texts: Sequence[str], batch_size: int = 16, bf16: bool = False
    ) -> npt.NDArray[np.float32]:
        """Embed ``texts`` into an ``(n, dimension)`` float32 array of unit-length rows.

        Args:
            texts: The texts, in the order of the rows returned.
            batch_size: Texts per forward pass (default 16); texts of a similar length go
                together.
            bf16: Compute in bf16 (fast only on CPUs with native bf16); pooling and
                normalising stay fp32.
        """
        import torch

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda row: len(encodings[row].ids))
        weights = self._weights_in(bf16)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                width = max(len(encodings[row].ids) for row in rows)
                ids = torch.zeros((len(rows), width), dtype=torch.long)
                for line, row in enumerate(rows):
                    found = encodings[row].ids
                    ids[line, : len(found)] = torch.tensor(found, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.bool)
                for line, row in enumerate(rows):
                    mask[line, : len(encodings[row].ids)] = True
                pooled = self._forward(weights, ids, mask)
                pooled = torch.nn.functional.normalize(pooled, dim=1)
                vectors[rows] = pooled.numpy()
        return vectors

    def _forward(
        self, w: dict[str, torch.Tensor], ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Mean-pooled last hidden states (fp32) of one padded batch."""
        import torch
        from torch.nn.functional import gelu, layer_norm, linear, scaled_dot_product_attention

        batch, tokens = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:tokens]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        hidden = x.shape[-1]
        head_size = hidden // self.heads

        def norm(h: torch.Tensor, name: str) -> torch.Tensor:
            return layer_norm(h, (hidden,), w[name + ".weight"], w[name + ".bias"], self.eps)

        x = norm(x, "embeddings.LayerNorm")
        # Padding is masked out of attention; a batch without padding needs no mask.
        attend = None if bool(mask.all()) else mask[:, None, None, :]
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}."

            def dense(h: torch.Tensor, name: str, prefix: str = prefix) -> torch.Tensor:
                return linear(h, w[prefix + name + ".weight"], w[prefix + name + ".bias"])

            def heads(h: torch.Tensor) -> torch.Tensor:
                return h.view(batch, tokens, self.heads, head_size).transpose(1, 2)

            context = scaled_dot_product_attention(
                heads(dense(x, "attention.self.query")),
                heads(dense(x, "attention.self.key")),
                heads(dense(x, "attention.self.value")),
                attn_mask=attend,
                scale=1 / math.sqrt(head_size),
            )
            context = context.transpose(1, 2).reshape(batch, tokens, hidden)
            attended = dense(context, "attention.output.dense") + x
            x = norm(attended, prefix + "attention.output.LayerNorm")
            inner = gelu(dense(x, "intermediate.dense"))
            x = norm(dense(inner, "output.dense") + x, prefix + "output.LayerNorm")
        weights = mask.unsqueeze(-1).to(torch.float32)
        return (x.to(torch.float32) * weights).sum(1) / weights.sum(1)
