"""What every vector store back end meets: its config, its reader, its writer, the back end.

An index version is a folder of our own (manifest, documents) plus the vectors of its chunks,
kept by a vector store. Row ``i`` of a store is chunk ``i`` of the version, in manifest order.

A store is written through a ``VectorWriter``: the index writer hands it every document of the
new version in order, with fresh vectors or ``None`` for a document whose vectors the previous
version already holds, then ``finish`` writes what the store keeps in the staging folder and
``commit`` runs once the new version is live (Milvus drops the rows nothing names any more).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np
import numpy.typing as npt

from index.storage.manifest import StoreEntry, VectorIndexEntry
from index.storage.vector_index import HNSW_FROM_VECTORS

if TYPE_CHECKING:
    from index.embedding.embedder import ModelFingerprint
    from index.storage.manifest import Manifest
    from index.storage.records import DocumentRecord
    from index.text.chunking import ChunkingConfig

DEFAULT_KIND = "faiss"


@dataclass(frozen=True)
class StoreConfig:
    """Which vector store an index writes to, and the credentials for one it reads.

    Attributes:
        kind: ``"faiss"`` (files next to the manifest; the default), ``"milvus"``, or None:
            the store the live version uses (FAISS for a first build). Loading always
            follows the manifest; the credentials below are used for the store it names.
        milvus_uri: Milvus address: ``http://host:19530`` for a server or cluster, or a local
            ``.db`` file path for Milvus Lite (embedded; one process at a time).
        milvus_collection: Collection holding the chunk vectors (default ``qa_chunks``).
        milvus_token: Credentials for a server (``user:password`` or an API key); not stored
            in the manifest.
        milvus_index: Milvus index type: ``FLAT`` (exact, the default) or ``HNSW``.
    """

    kind: str | None = DEFAULT_KIND
    milvus_uri: str = ""
    milvus_collection: str = "qa_chunks"
    milvus_token: str = ""
    milvus_index: str = "FLAT"

    def __post_init__(self) -> None:
        if self.kind is not None:
            self.backend().check(self)

    def backend(self) -> VectorBackend:
        """A fresh back end of this kind (ValueError naming the known kinds if unknown)."""
        return backend_for(self.kind or DEFAULT_KIND)

    def describe(self, index_dir: Path | None = None) -> StoreEntry:
        """What the manifest records about the store (never the credentials).

        A Milvus Lite file inside ``index_dir`` is recorded relative to it, so the index
        folder can be moved or mounted elsewhere (a container volume) as one piece.
        """
        return self.backend().describe(self, index_dir)

    def named_by(self, entry: StoreEntry | None, index_dir: Path | None = None) -> StoreConfig:
        """The store a manifest's ``vector_store`` entry names, with this config's credentials.

        Manifests written before stores existed name none: their vectors are FAISS files.
        A relative Milvus Lite path is taken relative to ``index_dir``.
        """
        entry = entry or StoreEntry(DEFAULT_KIND)
        return backend_for(entry.kind).config_for(entry, self, index_dir)


class VectorStore(Protocol):
    """The vectors of one loaded index version, addressed by row."""

    @property
    def count(self) -> int:
        """How many rows (chunks) the version has."""
        ...

    def search(self, query: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        """The ``k`` rows most similar to one unit-length ``query``: (row, inner product)."""
        ...

    def rows(self, first: int, count: int) -> npt.NDArray[np.float32]:
        """Vectors of ``count`` consecutive rows from ``first`` (one document's chunks)."""
        ...


@dataclass(frozen=True)
class StoredVectors:
    """What a writer's ``finish`` adds to the manifest.

    Attributes:
        store: The ``vector_store`` entry.
        index: The ``vector_index`` entry (FAISS only).
    """

    store: StoreEntry
    index: VectorIndexEntry | None = None


class VectorWriter(Protocol):
    """Writes the vectors of a new index version (see the module docstring)."""

    def add(self, record: DocumentRecord, vectors: npt.NDArray[np.float32] | None) -> None:
        """Store one document's chunk vectors; ``None``: reuse the previous version's."""
        ...

    def finish(self, staging: Path) -> StoredVectors:
        """Make the vectors durable; returns what the manifest records about them."""
        ...

    def files(self) -> tuple[str, ...]:
        """Names of the files ``finish`` wrote into the staging folder (checksummed)."""
        ...

    def commit(self) -> None:
        """Called once the new version is live."""
        ...

    def abort(self) -> None:
        """Called when writing the version failed before it went live."""
        ...


class PreviousVectors(Protocol):
    """What a writer needs of the previous version to reuse its vectors (a StoredIndex)."""

    @property
    def vectors(self) -> VectorStore: ...

    @property
    def order(self) -> tuple[str, ...]: ...

    def vectors_of(self, doc_id: str) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True)
class ReadRequest:
    """What a back end is told about the version whose vectors it opens.

    Attributes:
        folder: The version folder.
        manifest: The version's manifest.
        documents: Its documents, by id.
        first_rows: The row of each document's first chunk (rows follow manifest order).
    """

    folder: Path
    manifest: Manifest
    documents: Mapping[str, DocumentRecord]
    first_rows: Mapping[str, int]


@dataclass(frozen=True)
class WriteRequest:
    """What a back end's writer is told about the version it writes.

    Attributes:
        index_dir: The index folder.
        model: The model that made the vectors.
        chunking: The chunking that cut the documents.
        live: The live version's manifest, or None before the first write.
        previous: The live version, for documents whose vectors are reused.
        hnsw_from_vectors: Corpus size from which FAISS keeps an HNSW graph.
        rows: How many vectors will be added, when known.
    """

    index_dir: Path
    model: ModelFingerprint
    chunking: ChunkingConfig
    live: Manifest | None = None
    previous: PreviousVectors | None = None
    hnsw_from_vectors: int = HNSW_FROM_VECTORS
    rows: int | None = None


class VectorBackend(Protocol):
    """One kind of vector store, as one ``IndexStore`` uses it.

    The registry in ``index.storage.backends`` makes one per kind and index store; a back end that
    talks to a server keeps its connections and ``close`` closes them.
    """

    def check(self, config: StoreConfig) -> None:
        """Refuse, with ValueError saying what to give, a config this store cannot use."""
        ...

    def describe(self, config: StoreConfig, index_dir: Path | None) -> StoreEntry:
        """The manifest's ``vector_store`` entry for ``config`` (never credentials)."""
        ...

    def config_for(
        self, entry: StoreEntry, credentials: StoreConfig, index_dir: Path | None
    ) -> StoreConfig:
        """The config a manifest's entry names, with the credentials of ``credentials``."""
        ...

    def needed_files(self) -> tuple[str, ...]:
        """Files this store keeps in a version folder (the manifest must list them)."""
        ...

    def location(self, config: StoreConfig) -> str:
        """Where the vectors are, in words, when not in the version folder ("" if they are)."""
        ...

    def open(self, config: StoreConfig, request: ReadRequest) -> VectorStore:
        """Open one version's vectors for reading."""
        ...

    def writer(self, config: StoreConfig, request: WriteRequest) -> VectorWriter:
        """A writer for a new version's vectors."""
        ...

    def tidy(self, config: StoreConfig, index_dir: Path, live: Manifest) -> None:
        """Clear what a killed writer left in the store; called under the writer lock."""
        ...

    def close(self) -> None:
        """Close what this back end opened (readers it returned stop working)."""
        ...


def vectors_for(
    record: DocumentRecord,
    vectors: npt.NDArray[np.float32] | None,
    previous: PreviousVectors | None,
) -> npt.NDArray[np.float32]:
    """A writer's vectors for ``record``: the fresh ones, or the previous version's, checked."""
    if vectors is None:
        if previous is None:
            raise ValueError(f"{record.doc_id}: no vectors and no previous version")
        vectors = previous.vectors_of(record.doc_id)
    if len(vectors) != len(record.chunks):
        raise ValueError(f"{record.doc_id}: {len(vectors)} vectors for {len(record.chunks)} chunks")
    return vectors


# Kind name (as given to --store and recorded in manifests) -> "module:class" of its back end.
# A back end is imported when first asked for: its client library (pymilvus) is loaded only
# where an index uses it, and no back end module is imported by the code it imports.
BACKENDS: Mapping[str, str] = MappingProxyType(
    {
        "faiss": "index.storage.backends.faiss:FaissBackend",
        "milvus": "index.storage.backends.milvus:MilvusBackend",
    }
)
STORE_KINDS: tuple[str, ...] = tuple(BACKENDS)


def backend_for(kind: str) -> VectorBackend:
    """A new back end of ``kind``; it holds no connection until one is used.

    Raises:
        ValueError: ``kind`` is not registered; the message names the known kinds.
    """
    try:
        module_name, _, class_name = BACKENDS[kind].partition(":")
    except KeyError:
        raise ValueError(
            f"unknown vector store {kind!r}; choose one of {', '.join(STORE_KINDS)}"
        ) from None
    backend_class = getattr(importlib.import_module(module_name), class_name)
    return cast(VectorBackend, backend_class())
