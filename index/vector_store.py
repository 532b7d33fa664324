"""Where chunk vectors live: the protocol every vector store meets, and FAISS on disk.

An index version is a folder of our own (manifest, documents) plus the vectors of its chunks,
kept by a vector store. Row ``i`` of a store is chunk ``i`` of the version, in manifest order.
Two stores exist: FAISS files inside the version folder (the default, ``"faiss"``) and a Milvus
collection (``"milvus"``, ``index.milvus_store``) for corpora that outgrow one machine.

A store is written through a ``VectorWriter``: the index writer hands it every document of the
new version in order, with fresh vectors or ``None`` for a document whose vectors the previous
version already holds, then ``finish`` writes what the store keeps in the staging folder and
``commit`` runs once the new version is live (Milvus drops the rows nothing names any more).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import faiss
import numpy as np
import numpy.typing as npt

from index.vector_index import (
    HNSW_FROM_VECTORS,
    VectorIndexSpec,
    build_vector_index,
    configure_loaded,
    spec_for,
)

if TYPE_CHECKING:
    from index.records import DocumentRecord

FAISS_FILE = "vectors.faiss"
STORE_KINDS = ("faiss", "milvus")


@dataclass(frozen=True)
class StoreConfig:
    """Which vector store an index writes to.

    Attributes:
        kind: ``"faiss"`` (files next to the manifest; the default) or ``"milvus"``.
        milvus_uri: Milvus address: ``http://host:19530`` for a server or cluster, or a local
            ``.db`` file path for Milvus Lite (embedded; one process at a time).
        milvus_collection: Collection holding the chunk vectors (default ``qa_chunks``).
        milvus_token: Credentials for a server (``user:password`` or an API key); not stored
            in the manifest.
        milvus_index: Milvus index type: ``FLAT`` (exact, the default) or ``HNSW``.
    """

    kind: str = "faiss"
    milvus_uri: str = ""
    milvus_collection: str = "qa_chunks"
    milvus_token: str = ""
    milvus_index: str = "FLAT"

    def __post_init__(self) -> None:
        if self.kind not in STORE_KINDS:
            raise ValueError(
                f"unknown vector store {self.kind!r}; choose one of {', '.join(STORE_KINDS)}"
            )
        if self.kind == "milvus" and not self.milvus_uri:
            raise ValueError(
                "the milvus store needs a URI: --milvus-uri http://host:19530 for a server, "
                "or a local file such as data/milvus.db for Milvus Lite"
            )

    def describe(self, index_dir: Path | None = None) -> dict[str, Any]:
        """What the manifest records about the store (never the token).

        A Milvus Lite file inside ``index_dir`` is recorded relative to it, so the index
        folder can be moved or mounted elsewhere (a container volume) as one piece.
        """
        if self.kind == "faiss":
            return {"kind": "faiss"}
        uri = resolve_uri(self.milvus_uri)
        if index_dir is not None and "://" not in uri:
            base = Path(index_dir).resolve()
            if Path(uri).is_relative_to(base):
                uri = str(Path(uri).relative_to(base))
        return {
            "kind": "milvus",
            "uri": uri,
            "collection": self.milvus_collection,
            "index_type": self.milvus_index,
            "metric": "IP",
        }

    @classmethod
    def from_manifest(
        cls, manifest: dict[str, Any], token: str = "", index_dir: Path | None = None
    ) -> StoreConfig:
        """The store a manifest names (indexes written before stores existed used FAISS).

        A relative Milvus Lite path is taken relative to ``index_dir``.
        """
        described = manifest.get("vector_store") or {"kind": "faiss"}
        if described.get("kind") == "milvus":
            uri = str(described["uri"])
            if "://" not in uri and not Path(uri).is_absolute() and index_dir is not None:
                uri = str(Path(index_dir).resolve() / uri)
            return cls(
                kind="milvus",
                milvus_uri=uri,
                milvus_collection=str(described["collection"]),
                milvus_token=token,
                milvus_index=str(described.get("index_type", "FLAT")),
            )
        return cls(kind="faiss")


def resolve_uri(uri: str) -> str:
    """A server URI as given; a Milvus Lite file as an absolute path (the manifest keeps it)."""
    if "://" in uri:
        return uri
    return str(Path(uri).expanduser().resolve())


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


class VectorWriter(Protocol):
    """Writes the vectors of a new index version (see the module docstring)."""

    def add(self, record: DocumentRecord, vectors: npt.NDArray[np.float32] | None) -> None:
        """Store one document's chunk vectors; ``None``: reuse the previous version's."""
        ...

    def finish(self, staging: Path) -> dict[str, Any]:
        """Make the vectors durable; returns entries for the manifest (``vector_store``…)."""
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


class FaissVectors:
    """A FAISS index read from a version folder.

    Args:
        index: The loaded FAISS index (flat or HNSW, inner product).
        spec: Its kind and parameters, as the manifest recorded them.
    """

    def __init__(self, index: faiss.Index, spec: VectorIndexSpec) -> None:
        self.index = configure_loaded(index, spec)
        self.spec = spec

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
    def read(cls, folder: Path, manifest: dict[str, Any]) -> FaissVectors:
        spec = VectorIndexSpec.from_json(manifest.get("vector_index", {}))
        return cls(faiss.read_index(str(folder / FAISS_FILE)), spec)


class PreviousVectors(Protocol):
    """What a writer needs of the previous version to reuse its vectors (a StoredIndex)."""

    @property
    def vectors(self) -> VectorStore: ...

    @property
    def order(self) -> tuple[str, ...]: ...

    def vectors_of(self, doc_id: str) -> npt.NDArray[np.float32]: ...


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
    """

    def __init__(
        self,
        dimension: int,
        previous: PreviousVectors | None,
        hnsw_from_vectors: int = HNSW_FROM_VECTORS,
        rows: int | None = None,
    ) -> None:
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

    def finish(self, staging: Path) -> dict[str, Any]:
        if self._direct is not None:
            self._add_waiting()
            count = self._direct.ntotal
            self.spec = spec_for(count, self.hnsw_from_vectors)
            if self.spec.kind == "hnsw":
                faiss.write_index(self._direct, str(staging / FAISS_FILE))
                return {
                    "vector_store": {"kind": "faiss"},
                    "vector_index": {**self.spec.to_json(), "graph": "built"},
                }
            # Fewer rows came than announced: keep them in a flat index after all.
            self.flat.add(self._direct.reconstruct_n(0, count))
            self._direct = None
        self.spec = spec_for(self.flat.ntotal, self.hnsw_from_vectors)
        stored: faiss.Index = self.flat
        described = self.spec.to_json()
        if self.spec.kind != "flat":
            if self._extensible():
                assert self._graph is not None
                stored = faiss.clone_index(self._graph.index)  # the live one stays as it is
                first = self._graph.count  # the rows after the old ones are the new documents
                if first < self.flat.ntotal:
                    stored.add(self.flat.reconstruct_n(first, self.flat.ntotal - first))
                stored = configure_loaded(stored, self.spec)
                described["graph"] = "extended"
            else:
                stored = build_vector_index(
                    self.flat.reconstruct_n(0, self.flat.ntotal), self.dimension, self.spec
                )
                described["graph"] = "built"
            self.flat.reset()  # the graph holds its own copy of the vectors
        faiss.write_index(stored, str(staging / FAISS_FILE))
        return {"vector_store": {"kind": "faiss"}, "vector_index": described}

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
