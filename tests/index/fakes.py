"""A stand-in embedder for tests where the model's speed, not its vectors, is in the way."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from index import ModelFingerprint


class HashEmbedder:
    """Deterministic unit vectors from a hash of each text (same text, same vector).

    Used only where the test is about files, memory or crashes; the real model is tested
    on the same code paths elsewhere.
    """

    dimension = 384

    def fingerprint(self) -> ModelFingerprint:
        return ModelFingerprint("hash-embedder", "0" * 64, self.dimension)

    def warm_up(self) -> None:
        """Nothing to load."""

    def engine(self) -> str:
        return "hash of the text"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(self.dimension)
            out[row] = vector / np.linalg.norm(vector)
        return out
