"""Writing a new index version's vectors into the Milvus collection, and recovering after a kill.

* A new version inserts the rows of its new and changed documents, then our manifest switches
  (``CURRENT``, atomically, as for FAISS), and only then are the rows that no live document
  names deleted.
* Before inserting, the writer notes the keys it is about to insert in an intent file next to
  the manifest; a writer killed mid-way leaves rows nothing names, which the next writer
  deletes using that file.
* Unchanged documents are not written again: an update costs the rows that changed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from index.storage.backends.base import StoredVectors, vectors_for
from index.storage.backends.milvus.connection import resolve_uri
from index.storage.backends.milvus.schema import (
    KEY_BATCH,
    batches,
    doc_key,
    ensure_collection,
    load_collection,
    manifest_keys,
    quoted,
)
from index.storage.manifest import Manifest

if TYPE_CHECKING:
    from index.storage.backends.base import StoreConfig, WriteRequest
    from index.storage.backends.milvus.connection import MilvusConnection
    from index.storage.records import DocumentRecord

logger = logging.getLogger(__name__)

INTENT_PREFIX = ".milvus-intent-"
_INSERT_BATCH = 512


def same_collection(config: StoreConfig, index_dir: Path, manifest: Manifest) -> bool:
    """Whether ``manifest`` keeps its vectors in the collection ``config`` names."""
    try:
        store = config.named_by(manifest.vector_store, index_dir)
    except (KeyError, ValueError):
        return False
    return (
        store.kind == config.kind
        and resolve_uri(store.milvus_uri) == resolve_uri(config.milvus_uri)
        and store.milvus_collection == config.milvus_collection
    )


def delete_documents(
    connection: MilvusConnection, config: StoreConfig, keys: Sequence[str]
) -> None:
    """Delete every row of the given document keys."""
    client = connection.client
    if keys:
        load_collection(client, config)
    for batch in batches(list(keys), KEY_BATCH):
        client.delete(config.milvus_collection, filter=f"doc_key in {quoted(batch)}")


def remove_unnamed_rows(
    connection: MilvusConnection, config: StoreConfig, index_dir: Path, live_keys: set[str]
) -> None:
    """Delete rows that no live document names, left by a writer that was killed.

    Killed before its switch, a writer leaves the keys it noted in its intent file; killed
    after, the documents only the version before named (listed in that version's manifest,
    which is kept one update longer). Run under the writer lock, before writing.
    """
    for manifest_path in sorted((index_dir / "versions").glob("*/manifest.json")):
        try:
            manifest = Manifest.from_json(json.loads(manifest_path.read_text()))
        except (OSError, ValueError):
            continue
        if same_collection(config, index_dir, manifest):
            delete_documents(connection, config, sorted(manifest_keys(manifest) - live_keys))
    for intent in sorted(index_dir.glob(f"{INTENT_PREFIX}*")):
        try:
            noted = {line for line in intent.read_text().splitlines() if line}
        except OSError:
            continue
        orphaned = sorted(noted - live_keys)
        delete_documents(connection, config, orphaned)
        if orphaned:
            logger.info("removed the Milvus rows of %d unfinished documents", len(orphaned))
        intent.unlink(missing_ok=True)


class MilvusWriter:
    """Writes a new index version's vectors into the collection (see the module docstring).

    Args:
        connection: The open client (owned by the index store's Milvus back end).
        config: Where the collection is.
        request: The version: index folder (intent files are kept there), model, chunking,
            the live manifest (its Milvus rows in the same collection are reused for
            unchanged documents and deleted once unused) and the live version (for reusing
            vectors kept in another store, FAISS).
    """

    def __init__(
        self, connection: MilvusConnection, config: StoreConfig, request: WriteRequest
    ) -> None:
        self.connection = connection
        self.config = config
        self.index_dir = request.index_dir
        self.model = request.model
        self.chunking = request.chunking
        self.previous = request.previous
        ensure_collection(connection.client, config, self.model.dimension)
        self.old_keys: set[str] = set()
        live = request.live
        if live is not None and same_collection(config, self.index_dir, live):
            self.old_keys = manifest_keys(live)
        self.new_keys: set[str] = set()
        self._intent = self.index_dir / f"{INTENT_PREFIX}{os.getpid()}-{id(self):x}"
        self._pending: list[dict[str, Any]] = []
        self._inserted: set[str] = set()
        remove_unnamed_rows(connection, config, self.index_dir, self.old_keys)

    def _delete(self, keys: Sequence[str]) -> None:
        delete_documents(self.connection, self.config, keys)

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
        self.connection.client.upsert(self.config.milvus_collection, self._pending)
        self._pending = []

    def finish(self, staging: Path) -> StoredVectors:
        self._send()
        self.connection.client.flush(self.config.milvus_collection)
        return StoredVectors(self.config.describe(self.index_dir))

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
