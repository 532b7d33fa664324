"""The vector store back ends one index folder uses, each made once so it shares its connections."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from index.storage.backends.base import (
    DEFAULT_KIND,
    PreviousVectors,
    ReadRequest,
    StoreConfig,
    VectorBackend,
    VectorStore,
    VectorWriter,
    WriteRequest,
    backend_for,
)

if TYPE_CHECKING:
    from index.embedding.embedder import ModelFingerprint
    from index.storage.manifest import Manifest, StoreEntry
    from index.text.chunking import ChunkingConfig


def vector_files(store: StoreEntry | None) -> tuple[str, ...]:
    """Files the store a manifest names keeps in the version folder (none if it is unknown).

    A store this version does not know is reported when the index is loaded.
    """
    try:
        return backend_for(store.kind if store is not None else DEFAULT_KIND).needed_files()
    except ValueError:
        return ()


class Backends:
    """Which store a manifest names or the next version writes to, and its back end.

    The reader of a loaded version and the writer of the next one get the same back end of
    their kind, so they share its connection (one Milvus client per URI and token), until
    ``close``.

    Args:
        index_dir: The index folder (Milvus Lite files in it are recorded relative to it).
        config: Where new versions keep their vectors (kind None: where the live version
            does), and the credentials for a server a manifest names.
        hnsw_from_vectors: Corpus size from which FAISS keeps an HNSW graph.
    """

    def __init__(self, index_dir: Path, config: StoreConfig, hnsw_from_vectors: int) -> None:
        self.index_dir = index_dir
        self.config = config
        self.hnsw_from_vectors = hnsw_from_vectors
        self._made: dict[str, VectorBackend] = {}
        self._lock = threading.Lock()  # the web app loads and answers from several threads

    def backend(self, kind: str) -> VectorBackend:
        """The back end of ``kind`` (ValueError naming the known kinds if unknown)."""
        with self._lock:
            if kind not in self._made:
                self._made[kind] = backend_for(kind)
            return self._made[kind]

    def named_by(self, manifest: Manifest) -> StoreConfig:
        """The store ``manifest`` names, with this config's credentials.

        Raises:
            ValueError: The manifest names a store this version does not know.
            KeyError: The manifest's store entry lacks something its back end needs.
        """
        return self.config.named_by(manifest.vector_store, self.index_dir)

    def _live(self, manifest: Manifest | None) -> StoreConfig | None:
        """The store the live ``manifest`` names (None: no manifest, or a store not known)."""
        if manifest is None:
            return None
        try:
            return self.named_by(manifest)
        except (ValueError, KeyError):
            return None

    def open(self, config: StoreConfig, request: ReadRequest) -> VectorStore:
        """The vectors of the version ``request`` names, from the store ``config`` names."""
        return self.backend(str(config.kind)).open(config, request)

    def writer(
        self,
        live: Manifest | None,
        model: ModelFingerprint,
        chunking: ChunkingConfig,
        previous: PreviousVectors | None,
        rows: int | None,
    ) -> VectorWriter:
        """A writer for the next version, into the configured store or the live one's."""
        config = self.config
        if config.kind is None:
            config = self._live(live) or replace(config, kind=DEFAULT_KIND)
        request = WriteRequest(
            self.index_dir, model, chunking, live, previous, self.hnsw_from_vectors, rows
        )
        return self.backend(str(config.kind)).writer(config, request)

    def moves_store(self, live: Manifest | None) -> bool:
        """Whether the next version goes to another store than the live one's."""
        current = self._live(live)
        if self.config.kind is None or current is None:
            return False
        return current.describe(self.index_dir) != self.config.describe(self.index_dir)

    def tidy(self, live: Manifest | None) -> None:
        """Clear what a killed writer left in the live version's store (under the lock)."""
        config = self._live(live)
        if live is not None and config is not None:
            self.backend(str(config.kind)).tidy(config, self.index_dir, live)

    def location(self, manifest: Manifest) -> str:
        """Where the vectors ``manifest`` names are, in words, if not in its folder ("" if so)."""
        config = self.named_by(manifest)
        return self.backend(str(config.kind)).location(config)

    def close(self) -> None:
        """Close every back end made here (and the connections they hold)."""
        with self._lock:
            made, self._made = list(self._made.values()), {}
        for backend in made:
            backend.close()
