"""Chunk vectors in Milvus (a server, a cluster, or Milvus Lite in a local ``.db`` file).

One collection holds the vectors of every live document. Each row is one chunk, keyed
``<doc key>#<ordinal>``, where the document key names the document *and the version of it*
(its id, content hash, chunking and model): a changed document gets new rows next to the old
ones instead of overwriting them. That gives the promises of the FAISS store without
transactions in Milvus:

* A new index version inserts the rows of its new and changed documents, then our manifest
  switches (``CURRENT``, atomically, as for FAISS), and only then are the rows that no live
  document names deleted. Readers map every hit through their own manifest and skip rows it
  does not name, so a reader never sees half an update.
* Before inserting, the writer notes the keys it is about to insert in an intent file next to
  the manifest; a writer killed mid-way leaves rows nothing names, which the next writer
  deletes using that file.
* Unchanged documents are not written again: an update costs the rows that changed.

Durability of inserted rows and search itself come from Milvus (``flush`` before the switch);
atomic visibility, crash recovery and the mapping from rows to cited characters come from us.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from index.errors import CorruptIndexError, QaIndexError
from index.vector_index import VectorIndexSpec
from index.vector_store import PreviousVectors, StoreConfig, resolve_uri, vectors_for

if TYPE_CHECKING:
    from pymilvus import MilvusClient

    from index.chunking import ChunkingConfig
    from index.embedder import ModelFingerprint
    from index.records import DocumentRecord

logger = logging.getLogger(__name__)

_INTENT_PREFIX = ".milvus-intent-"
_INSERT_BATCH = 512
_KEY_BATCH = 256
# Milvus caps one search's limit at 16,384 hits.
_MAX_LIMIT = 16_384
_clients: dict[tuple[str, str], MilvusClient] = {}
_clients_lock = threading.Lock()


class MilvusUnavailableError(QaIndexError):
    """Milvus cannot be reached or opened (server down, Lite file held by another process)."""


def _import_pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError as exc:
        raise QaIndexError(
            "the milvus store needs the optional scale extra: pip install 'qa-over-docs[scale]'"
        ) from exc
    return pymilvus


class _QuietUnimplemented(logging.Filter):
    """Drops the gRPC server's log of calls Milvus Lite does not implement.

    pymilvus asks the embedded server for a timestamp it does not serve, falls back on its
    own, and the server logs the refusal with a traceback at ERROR; nothing is wrong.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "Method not implemented" not in record.getMessage()


def client_for(config: StoreConfig) -> MilvusClient:
    """One client per URI and process (Milvus Lite lets one process open a file at a time)."""
    uri = resolve_uri(config.milvus_uri)
    key = (uri, config.milvus_token)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            pymilvus = _import_pymilvus()
            if "://" not in uri:
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
                server_log = logging.getLogger("grpc._server")
                if not any(isinstance(f, _QuietUnimplemented) for f in server_log.filters):
                    server_log.addFilter(_QuietUnimplemented())
            try:
                # Milvus Lite logs a traceback when its file is held elsewhere; we say it plainly.
                with _silenced("milvus_lite.server_manager"):
                    client = pymilvus.MilvusClient(uri=uri, token=config.milvus_token)
            except Exception as exc:
                local = "://" not in uri
                hint = (
                    "; Milvus Lite opens a file in one process at a time: stop the other "
                    "process using it (for example `qa serve`), or use a Milvus server"
                    if local
                    else "; check that the server is running and the address and token"
                )
                raise MilvusUnavailableError(f"cannot open Milvus at {uri} ({exc}){hint}") from exc
            _clients[key] = client
        return client


@contextmanager
def _silenced(*names: str) -> Iterator[None]:
    """Hold back the named loggers' tracebacks for an error we report ourselves."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def close_clients() -> None:
    """Close every Milvus client this process opened (releases Milvus Lite files)."""
    with _clients_lock:
        for client in _clients.values():
            try:
                client.close()
            except Exception:  # closing is best effort
                logger.debug("closing a Milvus client failed", exc_info=True)
        _clients.clear()


def doc_key(
    doc_id: str, content_hash: str, chunking: ChunkingConfig, model: ModelFingerprint
) -> str:
    """Names one version of a document's chunk vectors (see the module docstring)."""
    return (
        f"{doc_id}@{content_hash[:16]}:{chunking.chunk_size_chars}/{chunking.chunk_overlap_chars}"
        f":{model.weights_sha256[:12]}"
    )


def manifest_keys(manifest: dict[str, Any]) -> set[str]:
    """Document keys of every document a manifest lists."""
    from index.chunking import ChunkingConfig
    from index.embedder import ModelFingerprint

    chunking = ChunkingConfig(**manifest["chunking"])
    model = ModelFingerprint(**manifest["model"])
    return {
        doc_key(summary["doc_id"], summary["content_hash"], chunking, model)
        for summary in manifest["documents"]
    }


def _quoted(keys: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(key) for key in keys) + "]"


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ensure_collection(client: MilvusClient, config: StoreConfig, dimension: int) -> None:
    """Create the collection if it is missing; refuse one made for another vector size."""
    pymilvus = _import_pymilvus()
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
    pymilvus = _import_pymilvus()
    name = config.milvus_collection
    try:
        with _silenced("milvus_lite.adapter.grpc.servicer", "pymilvus.decorators"):
            client.load_collection(name)  # a no-op once loaded
        return
    except pymilvus.MilvusException as exc:
        if "://" in resolve_uri(config.milvus_uri):
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


class MilvusVectors:
    """The vectors of one loaded index version, searched in Milvus.

    Args:
        config: Where the collection is.
        keys_by_first_row: Document key of each live document, by its first row.
        counts: Chunk count of each document key.
        dimension: Vector size.
    """

    def __init__(
        self,
        config: StoreConfig,
        keys_by_first_row: dict[int, str],
        counts: dict[str, int],
        dimension: int,
    ) -> None:
        self.config = config
        self.client = client_for(config)
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
            hits = self.client.search(
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
        return fetch_vectors(self.client, self.config, key, count, self.dimension)


def fetch_vectors(
    client: MilvusClient, config: StoreConfig, key: str, count: int, dimension: int
) -> npt.NDArray[np.float32]:
    """The ``count`` chunk vectors stored under document key ``key``, in chunk order."""
    vectors = np.zeros((count, dimension), dtype=np.float32)
    seen = 0
    pks = [f"{key}#{ordinal}" for ordinal in range(count)]
    for batch in _batches(pks, _KEY_BATCH):
        for row in client.get(
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


def load_vectors(
    config: StoreConfig,
    manifest: dict[str, Any],
    documents: dict[str, DocumentRecord],
    first_rows: dict[str, int],
) -> MilvusVectors:
    """Open the collection a manifest names and check it holds at least the live rows."""
    from index.chunking import ChunkingConfig
    from index.embedder import ModelFingerprint

    chunking = ChunkingConfig(**manifest["chunking"])
    model = ModelFingerprint(**manifest["model"])
    client = client_for(config)
    if not client.has_collection(config.milvus_collection):
        raise CorruptIndexError(
            f"the index names Milvus collection {config.milvus_collection!r} at "
            f"{config.milvus_uri}, which does not exist; rebuild it with "
            "`qa index --rebuild PATH`"
        )
    keys_by_first_row: dict[int, str] = {}
    counts: dict[str, int] = {}
    for doc_id, record in documents.items():
        if not record.chunks:
            continue
        key = doc_key(doc_id, record.content_hash, chunking, model)
        keys_by_first_row[first_rows[doc_id]] = key
        counts[key] = len(record.chunks)
    load_collection(client, config)
    stats = client.get_collection_stats(config.milvus_collection)
    stored = int(stats.get("row_count", 0))
    live = sum(counts.values())
    if stored < live:
        raise CorruptIndexError(
            f"Milvus collection {config.milvus_collection!r} holds {stored} vectors, fewer "
            f"than the {live} chunks of the index; rebuild it with `qa index --rebuild PATH`"
        )
    return MilvusVectors(config, keys_by_first_row, counts, model.dimension)


def same_collection(config: StoreConfig, index_dir: Path, manifest: dict[str, Any]) -> bool:
    """Whether ``manifest`` keeps its vectors in the collection ``config`` names."""
    try:
        store = StoreConfig.from_manifest(manifest, config.milvus_token, index_dir)
    except (KeyError, ValueError):
        return False
    return (
        store.kind == "milvus"
        and resolve_uri(store.milvus_uri) == resolve_uri(config.milvus_uri)
        and store.milvus_collection == config.milvus_collection
    )


def delete_documents(client: MilvusClient, config: StoreConfig, keys: Sequence[str]) -> None:
    """Delete every row of the given document keys."""
    if keys:
        load_collection(client, config)
    for batch in _batches(list(keys), _KEY_BATCH):
        client.delete(config.milvus_collection, filter=f"doc_key in {_quoted(batch)}")


def remove_unnamed_rows(config: StoreConfig, index_dir: Path, live_keys: set[str]) -> None:
    """Delete rows that no live document names, left by a writer that was killed.

    Killed before its switch, a writer leaves the keys it noted in its intent file; killed
    after, the documents only the version before named (listed in that version's manifest,
    which is kept one update longer). Run under the writer lock, before writing.
    """
    client = client_for(config)
    for manifest_path in sorted((index_dir / "versions").glob("*/manifest.json")):
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            continue
        if same_collection(config, index_dir, manifest):
            delete_documents(client, config, sorted(manifest_keys(manifest) - live_keys))
    for intent in sorted(index_dir.glob(f"{_INTENT_PREFIX}*")):
        try:
            noted = {line for line in intent.read_text().splitlines() if line}
        except OSError:
            continue
        orphaned = sorted(noted - live_keys)
        delete_documents(client, config, orphaned)
        if orphaned:
            logger.info("removed the Milvus rows of %d unfinished documents", len(orphaned))
        intent.unlink(missing_ok=True)


class MilvusWriter:
    """Writes a new index version's vectors into the collection (see the module docstring).

    Args:
        config: Where the collection is.
        index_dir: The index folder (intent files are kept there).
        model: The model that made the vectors.
        chunking: The chunking that cut the documents.
        live_manifest: The manifest of the live version, or None; its Milvus rows in the same
            collection are reused for unchanged documents and deleted once unused.
        previous: The live version, for reusing vectors kept in another store (FAISS).
    """

    def __init__(
        self,
        config: StoreConfig,
        index_dir: Path,
        model: ModelFingerprint,
        chunking: ChunkingConfig,
        live_manifest: dict[str, Any] | None,
        previous: PreviousVectors | None,
    ) -> None:
        self.config = config
        self.index_dir = index_dir
        self.model = model
        self.chunking = chunking
        self.previous = previous
        self.client = client_for(config)
        ensure_collection(self.client, config, model.dimension)
        self.old_keys: set[str] = set()
        if live_manifest is not None and same_collection(config, index_dir, live_manifest):
            self.old_keys = manifest_keys(live_manifest)
        self.new_keys: set[str] = set()
        self._intent = index_dir / f"{_INTENT_PREFIX}{os.getpid()}-{id(self):x}"
        self._pending: list[dict[str, Any]] = []
        self._inserted: set[str] = set()
        remove_unnamed_rows(config, index_dir, self.old_keys)

    def _delete(self, keys: Sequence[str]) -> None:
        delete_documents(self.client, self.config, keys)

    def add(self, record: DocumentRecord, vectors: npt.NDArray[np.float32] | None) -> None:
        key = doc_key(record.doc_id, record.content_hash, self.chunking, self.model)
        self.new_keys.add(key)
        if vectors is None and key in self.old_keys:
            return  # the live version's rows in this collection serve the new one too
        vectors = vectors_for(record, vectors, self.previous)
        for ordinal, vector in enumerate(np.asarray(vectors, dtype=np.float32)):
            self._pending.append(
                {
                    "pk": f"{key}#{ordinal}",
                    "doc_key": key,
                    "ordinal": ordinal,
                    "vector": vector.tolist(),
                }
            )
        if len(self._pending) >= _INSERT_BATCH:
            self._send()

    def _send(self) -> None:
        if not self._pending:
            return
        keys = sorted({row["doc_key"] for row in self._pending} - self._inserted)
        if keys:
            # Note the keys before the rows exist, so a crash leaves nothing unaccounted for.
            with self._intent.open("a", encoding="utf-8") as handle:
                handle.write("".join(key + "\n" for key in keys))
                handle.flush()
                os.fsync(handle.fileno())
            self._inserted.update(keys)
        self.client.upsert(self.config.milvus_collection, self._pending)
        self._pending = []

    def finish(self, staging: Path) -> dict[str, Any]:
        self._send()
        self.client.flush(self.config.milvus_collection)
        return {"vector_store": self.config.describe(self.index_dir)}

    def files(self) -> tuple[str, ...]:
        return ()

    def commit(self) -> None:
        """The new version is live: delete rows only the old version named."""
        self._delete(sorted(self.old_keys - self.new_keys))
        self._intent.unlink(missing_ok=True)

    def abort(self) -> None:
        """Writing failed: delete the rows this writer added for documents not live."""
        try:
            self._delete(sorted(self._inserted - self.old_keys))
        except Exception:  # the intent file stays, so the next writer deletes them
            logger.warning("could not remove the rows of an unfinished update", exc_info=True)
            return
        self._intent.unlink(missing_ok=True)
