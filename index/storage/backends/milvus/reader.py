"""Reading one index version's vectors from the Milvus collection.

The collection holds the rows of every live document, and for a moment those of the
version before or of an unfinished update: a reader maps every hit through its own manifest
and skips rows it does not name, so it never sees half an update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from index.errors import CorruptIndexError
from index.storage.backends.milvus.schema import KEY_BATCH, batches, doc_key, load_collection
from index.storage.vector_index import VectorIndexSpec

if TYPE_CHECKING:
    from index.storage.backends.base import ReadRequest, StoreConfig
    from index.storage.backends.milvus.connection import MilvusConnection

# Milvus caps one search's limit at 16,384 hits.
_MAX_LIMIT = 16_384


class MilvusVectors:
    """The vectors of one loaded index version, searched in Milvus.

    Args:
        connection: The open client (owned by the index store's Milvus back end).
        config: Where the collection is.
        keys_by_first_row: Document key of each live document, by its first row.
        counts: Chunk count of each document key.
        dimension: Vector size.
    """

    def __init__(
        self,
        connection: MilvusConnection,
        config: StoreConfig,
        keys_by_first_row: dict[int, str],
        counts: dict[str, int],
        dimension: int,
    ) -> None:
        self.connection = connection
        self.config = config
        self.dimension = dimension
        self._first_rows = {key: row for row, key in keys_by_first_row.items()}
        self._keys_by_first_row = keys_by_first_row
        self._counts = counts
        self._count = sum(counts.values())
        self._hnsw = self.config.milvus_index.upper() == "HNSW"

    @property
    def count(self) -> int:
        return self._count

    def search(self, query: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        k = min(k, self._count)
        if k <= 0:
            return []
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        limit = min(k + 16, _MAX_LIMIT)
        while True:
            params: dict[str, Any] = {"metric_type": "IP"}
            if self._hnsw:
                # The FAISS graph's search depth; Milvus refuses an ef below the limit.
                params["params"] = {"ef": max(VectorIndexSpec().ef_search, limit)}
            hits = self.connection.client.search(
                self.config.milvus_collection,
                data=[vector],
                limit=limit,
                output_fields=["doc_key", "ordinal"],
                search_params=params,
            )[0]
            found: list[tuple[int, float]] = []
            for hit in hits:
                entity = hit.get("entity", hit)
                first = self._first_rows.get(str(entity["doc_key"]))
                if first is not None:  # rows of other versions are not ours to show
                    found.append((first + int(entity["ordinal"]), float(hit["distance"])))
            if len(found) >= k or len(hits) < limit or limit >= _MAX_LIMIT:
                return found[:k]
            limit = min(limit * 4, _MAX_LIMIT)

    def rows(self, first: int, count: int) -> npt.NDArray[np.float32]:
        if count == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        key = self._keys_by_first_row.get(first)
        if key is None or self._counts.get(key) != count:
            raise ValueError(f"rows {first}..{first + count} are not one document's chunks")
        return fetch_vectors(self.connection, self.config, key, count, self.dimension)


def fetch_vectors(
    connection: MilvusConnection, config: StoreConfig, key: str, count: int, dimension: int
) -> npt.NDArray[np.float32]:
    """The ``count`` chunk vectors stored under document key ``key``, in chunk order."""
    vectors = np.zeros((count, dimension), dtype=np.float32)
    seen = 0
    pks = [f"{key}#{ordinal}" for ordinal in range(count)]
    for batch in batches(pks, KEY_BATCH):
        for row in connection.client.get(
            config.milvus_collection, ids=list(batch), output_fields=["ordinal", "vector"]
        ):
            vectors[int(row["ordinal"])] = np.asarray(row["vector"], dtype=np.float32)
            seen += 1
    if seen != count:
        raise CorruptIndexError(
            f"Milvus collection {config.milvus_collection!r} has {seen} of the {count} vectors "
            f"of {key}; rebuild it with `qa index --rebuild PATH`"
        )
    return vectors


def open_vectors(
    connection: MilvusConnection, config: StoreConfig, request: ReadRequest
) -> MilvusVectors:
    """Open the collection a manifest names and check it holds at least the live rows."""
    manifest = request.manifest
    client = connection.client
    if not client.has_collection(config.milvus_collection):
        raise CorruptIndexError(
            f"the index names Milvus collection {config.milvus_collection!r} at "
            f"{config.milvus_uri}, which does not exist; rebuild it with "
            "`qa index --rebuild PATH`"
        )
    keys_by_first_row: dict[int, str] = {}
    counts: dict[str, int] = {}
    # The manifest's summaries say enough: the records themselves are read only when asked.
    for summary in manifest.documents:
        if not summary.chunks:
            continue
        key = doc_key(summary.doc_id, summary.content_hash, manifest.chunking, manifest.model)
        keys_by_first_row[request.first_rows[summary.doc_id]] = key
        counts[key] = summary.chunks
    load_collection(client, config)
    stats = client.get_collection_stats(config.milvus_collection)
    stored = int(stats.get("row_count", 0))
    live = sum(counts.values())
    if stored < live:
        raise CorruptIndexError(
            f"Milvus collection {config.milvus_collection!r} holds {stored} vectors, fewer "
            f"than the {live} chunks of the index; rebuild it with `qa index --rebuild PATH`"
        )
    return MilvusVectors(connection, config, keys_by_first_row, counts, manifest.model.dimension)
