"""The Milvus collection: row keys, schema and indexes, and loading it (repairing Milvus Lite).

Each row is one chunk, keyed ``<doc key>#<ordinal>``, where the document key names the
document *and the version of it* (its id, content hash, chunking and model): a changed
document gets new rows next to the old ones instead of overwriting them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from index.errors import CorruptIndexError, QaIndexError
from index.storage.backends.milvus.connection import (
    MilvusUnavailableError,
    import_pymilvus,
    is_local,
    silenced,
)

if TYPE_CHECKING:
    from pymilvus import MilvusClient

    from index.embedding.embedder import ModelFingerprint
    from index.storage.backends.base import StoreConfig
    from index.storage.manifest import Manifest
    from index.text.chunking import ChunkingConfig

logger = logging.getLogger(__name__)

# Document keys per delete or get call.
KEY_BATCH = 256


def doc_key(
    doc_id: str, content_hash: str, chunking: ChunkingConfig, model: ModelFingerprint
) -> str:
    """Names one version of a document's chunk vectors (see the module docstring)."""
    return (
        f"{doc_id}@{content_hash[:16]}:{chunking.chunk_size_chars}/{chunking.chunk_overlap_chars}"
        f":{model.weights_sha256[:12]}"
    )


def manifest_keys(manifest: Manifest) -> set[str]:
    """Document keys of every document a manifest lists."""
    return {
        doc_key(summary.doc_id, summary.content_hash, manifest.chunking, manifest.model)
        for summary in manifest.documents
    }


def quoted(keys: Iterable[str]) -> str:
    """Keys as a Milvus filter list: ``["a", "b"]``."""
    return "[" + ", ".join(json.dumps(key) for key in keys) + "]"


def batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ensure_collection(client: MilvusClient, config: StoreConfig, dimension: int) -> None:
    """Create the collection if it is missing; refuse one made for another vector size."""
    pymilvus = import_pymilvus()
    name = config.milvus_collection
    if client.has_collection(name):
        described = client.describe_collection(name)
        for field in described.get("fields", []):
            size = (field.get("params") or {}).get("dim")
            if field.get("name") == "vector" and size is not None and int(size) != dimension:
                raise QaIndexError(
                    f"Milvus collection {name!r} holds {size}-dimensional vectors, not "
                    f"{dimension}; choose another collection with --milvus-collection"
                )
        return
    data_type = pymilvus.DataType
    schema = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", data_type.VARCHAR, is_primary=True, max_length=512)
    schema.add_field("doc_key", data_type.VARCHAR, max_length=480)
    schema.add_field("ordinal", data_type.INT64)
    schema.add_field("vector", data_type.FLOAT_VECTOR, dim=dimension)
    client.create_collection(name, schema=schema, index_params=_index_params(client, config))
    logger.info("created Milvus collection %s (%d dimensions)", name, dimension)


def _index_params(client: MilvusClient, config: StoreConfig) -> Any:
    """The collection's indexes: vectors (FLAT or HNSW, inner product) and document keys."""
    index_params = client.prepare_index_params()
    if config.milvus_index.upper() == "HNSW":
        index_params.add_index(
            field_name="vector",
            index_type="HNSW",
            metric_type="IP",
            params={"M": 32, "efConstruction": 80},
        )
    else:
        index_params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
    index_params.add_index(field_name="doc_key", index_type="INVERTED")
    return index_params


def load_collection(client: MilvusClient, config: StoreConfig) -> None:
    """Make the collection searchable; in Milvus Lite, rebuild indexes that will not load.

    Milvus Lite builds each segment's index files in a background thread and writes them in
    place, so a process killed while it does so can leave a torn index file that stops the
    collection from loading ("Not an Arrow file"). The rows themselves are safe (Parquet and
    an atomically replaced manifest) and the indexes are derived from them: dropping and
    recreating the indexes rebuilds the files. A server's load failure is reported, not
    repaired, since its cause (no query node, no memory) is not ours to fix.
    """
    pymilvus = import_pymilvus()
    name = config.milvus_collection
    try:
        with silenced("milvus_lite.adapter.grpc.servicer", "pymilvus.decorators"):
            client.load_collection(name)  # a no-op once loaded
        return
    except pymilvus.MilvusException as exc:
        if not is_local(config.milvus_uri):
            raise MilvusUnavailableError(
                f"Milvus at {config.milvus_uri} cannot load collection {name!r}: {exc}"
            ) from exc
        logger.warning(
            "Milvus Lite cannot load collection %s (%s); rebuilding its indexes from the "
            "stored vectors",
            name,
            getattr(exc, "message", exc),
        )
    # One at a time, listing again: Milvus Lite drops every index with the first one.
    for _ in range(len(client.list_indexes(name))):
        if not (indexes := client.list_indexes(name)):
            break
        client.drop_index(name, indexes[0])
    client.create_index(name, _index_params(client, config))
    try:
        client.load_collection(name)
    except pymilvus.MilvusException as exc:
        raise CorruptIndexError(
            f"Milvus Lite cannot load collection {name!r} at {config.milvus_uri} even after "
            f"rebuilding its indexes ({exc}); rebuild it with `qa index --rebuild PATH`"
        ) from exc
