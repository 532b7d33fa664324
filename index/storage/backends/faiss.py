"""FAISS files in the version folder: the default vector store, exact or HNSW by corpus size.

The vectors of a version are ``vectors.faiss`` next to its manifest (checksummed like every
file there), so the atomic switch of ``CURRENT`` switches them too and a killed writer leaves
only a staging folder, which the next writer removes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np
import numpy.typing as npt

from index.storage.backends.base import (
    DEFAULT_KIND,
    PreviousVectors,
    ReadRequest,
    StoreConfig,
    StoredVectors,
    VectorWriter,
    WriteRequest,
    vectors_for,
)
from index.storage.manifest import StoreEntry, VectorIndexEntry
from index.storage.vector_index import (
    HNSW_FROM_VECTORS,
    VectorIndexSpec,
    build_vector_index,
    configure_loaded,
    spec_for,
)

if TYPE_CHECKING:
    from index.storage.manifest import Manifest
    from index.storage.records import DocumentRecord

FAISS_FILE = "vectors.faiss"


class FaissVectors:
    """A FAISS index read from a version folder.

    Args:
        index: The loaded FAISS index (flat or HNSW, inner product).
        spec: Its kind and parameters, as the manifest recorded them.
        path: The file it was mapped from (``read``), None for an index built in memory.
    """

    def __init__(self, index: faiss.Index, spec: VectorIndexSpec, path: Path | None = None) -> None:
        self.index = configure_loaded(index, spec)
        self.spec = spec
        self.path = path

    def owned(self) -> faiss.Index:
        """A copy of the index in this process's own memory, which vectors can be added to.

        A mapped index cannot grow (FAISS aborts the process), nor can its clone, which
        shares the mapping: the file is read again instead.
        """
        if self.path is None:
            return faiss.clone_index(self.index)
        return faiss.read_index(str(self.path))

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        k = min(k, self.count)
        if k <= 0:
            return []
        scores, rows = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def rows(self, first: int, count: int) -> npt.NDArray[np.float32]:
        if count == 0:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return np.asarray(self.index.reconstruct_n(first, count), dtype=np.float32)

    @classmethod
    def read(cls, folder: Path, manifest: Manifest) -> FaissVectors:
        """The version's ``vectors.faiss``, with the index parameters its manifest records.

        The vectors (and an HNSW graph's links) are mapped from the file, not read into
        memory: at a million chunks reading them took 7 s of every start and 2.2 GB, where a
        search touches a small part of them. The version's file never changes once written.
        """
        spec = manifest.vector_index.spec if manifest.vector_index else VectorIndexSpec()
        path = folder / FAISS_FILE
        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC), spec, path)


# Vectors added to an HNSW graph per FAISS call while a version is written (40 MB of rows).
_GRAPH_BATCH_ROWS = 25_000


class FaissWriter:
    """Collects vectors in an exact index and writes ``vectors.faiss`` into the staging folder.

    Args:
        dimension: Vector size.
        previous: The live version, for documents whose vectors are reused.
        hnsw_from_vectors: Corpus size from which an HNSW graph is written instead.
        rows: How many vectors will be added, when known. When they make an HNSW graph
            that cannot extend the live one, it is built as they come, so the vectors are
            held once rather than in a flat index and a copy of it.
        entry: The manifest's ``vector_store`` entry (default: FAISS, the default kind).
    """

    def __init__(
        self,
        dimension: int,
        previous: PreviousVectors | None,
        hnsw_from_vectors: int = HNSW_FROM_VECTORS,
        rows: int | None = None,
        entry: StoreEntry | None = None,
    ) -> None:
        self.entry = entry or StoreEntry(DEFAULT_KIND)
        self.dimension = dimension
        self.previous = previous
        self.hnsw_from_vectors = hnsw_from_vectors
        self.flat = faiss.IndexFlatIP(dimension)
        self.spec = VectorIndexSpec()
        self._direct: faiss.Index | None = None
        self._waiting: list[npt.NDArray[np.float32]] = []
        self._waiting_rows = 0
        # The live version's HNSW graph can be extended instead of rebuilt when the new
        # version starts with all of its documents, unchanged and in the same order.
        self._graph: FaissVectors | None = None
        self._kept: tuple[str, ...] = ()
        if (
            previous is not None
            and isinstance(previous.vectors, FaissVectors)
            and previous.vectors.spec.kind == "hnsw"
        ):
            self._graph = previous.vectors
            self._kept = previous.order
        self._matched = 0
        if self._graph is None and rows is not None:
            spec = spec_for(rows, hnsw_from_vectors)
            if spec.kind == "hnsw":
                self._direct = build_vector_index(
                    np.zeros((0, dimension), dtype=np.float32), dimension, spec
                )
                # Room for every vector now: grown batch by batch, the storage would be
                # copied into one twice its size, briefly holding the vectors three times.
                storage = faiss.downcast_index(self._direct.storage)  # type: ignore[attr-defined]
                codes = storage.codes  # type: ignore[attr-defined]
                codes.resize(rows * dimension * 4)
                codes.resize(0)

    def add(self, record: DocumentRecord, vectors: npt.NDArray[np.float32] | None) -> None:
        reused = vectors is None
        vectors = vectors_for(record, vectors, self.previous)
        if self._graph is not None and self._matched < len(self._kept):
            if reused and record.doc_id == self._kept[self._matched]:
                self._matched += 1
            else:
                self._graph = None  # a change among the old rows: build a new graph
        if not len(vectors):
            return
        if self._direct is None:
            self.flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
            return
        # Into the graph in large batches, which FAISS adds on all cores.
        self._waiting.append(np.ascontiguousarray(vectors, dtype=np.float32))
        self._waiting_rows += len(vectors)
        if self._waiting_rows >= _GRAPH_BATCH_ROWS:
            self._add_waiting()

    def _add_waiting(self) -> None:
        if self._waiting and self._direct is not None:
            self._direct.add(np.concatenate(self._waiting))
        self._waiting, self._waiting_rows = [], 0

    def finish(self, staging: Path) -> StoredVectors:
        if self._direct is not None:
            self._add_waiting()
            count = self._direct.ntotal
            self.spec = spec_for(count, self.hnsw_from_vectors)
            if self.spec.kind == "hnsw":
                faiss.write_index(self._direct, str(staging / FAISS_FILE))
                return StoredVectors(self.entry, VectorIndexEntry(self.spec, graph="built"))
            # Fewer rows came than announced: keep them in a flat index after all.
            self.flat.add(self._direct.reconstruct_n(0, count))
            self._direct = None
        self.spec = spec_for(self.flat.ntotal, self.hnsw_from_vectors)
        stored: faiss.Index = self.flat
        graph: str | None = None
        if self.spec.kind != "flat":
            if self._extensible():
                assert self._graph is not None
                stored = self._graph.owned()  # the live one stays as it is
                first = self._graph.count  # the rows after the old ones are the new documents
                if first < self.flat.ntotal:
                    stored.add(self.flat.reconstruct_n(first, self.flat.ntotal - first))
                stored = configure_loaded(stored, self.spec)
                graph = "extended"
            else:
                stored = build_vector_index(
                    self.flat.reconstruct_n(0, self.flat.ntotal), self.dimension, self.spec
                )
                graph = "built"
            self.flat.reset()  # the graph holds its own copy of the vectors
        faiss.write_index(stored, str(staging / FAISS_FILE))
        return StoredVectors(self.entry, VectorIndexEntry(self.spec, graph))

    def _extensible(self) -> bool:
        """Whether the live graph, plus the rows after it, makes this version's index."""
        if self._graph is None or self._matched != len(self._kept) or self.spec.kind != "hnsw":
            return False
        old = self._graph.spec
        return (old.hnsw_m, old.ef_construction) == (self.spec.hnsw_m, self.spec.ef_construction)

    def files(self) -> tuple[str, ...]:
        return (FAISS_FILE,)

    def commit(self) -> None:
        """Nothing to do: the version folder holds the vectors."""

    def abort(self) -> None:
        """Nothing to do: the staging folder is removed by the next writer."""


class FaissBackend:
    """The FAISS back end: ``vectors.faiss`` in each version folder (see the module docstring)."""

    def check(self, config: StoreConfig) -> None:
        """Every config will do: FAISS needs no settings."""

    def describe(self, config: StoreConfig, index_dir: Path | None) -> StoreEntry:
        return StoreEntry(config.kind or DEFAULT_KIND)

    def config_for(
        self, entry: StoreEntry, credentials: StoreConfig, index_dir: Path | None
    ) -> StoreConfig:
        return StoreConfig(kind=entry.kind)

    def needed_files(self) -> tuple[str, ...]:
        return (FAISS_FILE,)

    def location(self, config: StoreConfig) -> str:
        return ""

    def open(self, config: StoreConfig, request: ReadRequest) -> FaissVectors:
        return FaissVectors.read(request.folder, request.manifest)

    def writer(self, config: StoreConfig, request: WriteRequest) -> VectorWriter:
        return FaissWriter(
            request.model.dimension,
            request.previous,
            request.hnsw_from_vectors,
            request.rows,
            entry=self.describe(config, request.index_dir),
        )

    def tidy(self, config: StoreConfig, index_dir: Path, live: Manifest) -> None:
        """Nothing to do: a killed writer leaves only a staging folder, which the index removes."""

    def close(self) -> None:
        """Nothing to close: a loaded index is in memory."""
