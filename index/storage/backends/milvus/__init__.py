"""Chunk vectors in Milvus (a server, a cluster, or Milvus Lite in a local ``.db`` file).

One collection holds the vectors of every live document, one row per chunk, keyed by a
document key that names the version of the document (``schema``). That gives the promises of
the FAISS store without transactions in Milvus:

* A new index version inserts the rows of its new and changed documents, then our manifest
  switches (``CURRENT``, atomically, as for FAISS), and only then are the rows that no live
  document names deleted (``writer``). Readers map every hit through their own manifest and
  skip rows it does not name, so a reader never sees half an update (``reader``).
* A writer killed mid-way leaves rows nothing names, which the next writer deletes using the
  intent file it left (``writer.remove_unnamed_rows``).
* Unchanged documents are not written again: an update costs the rows that changed.

Durability of inserted rows and search itself come from Milvus (``flush`` before the switch);
atomic visibility, crash recovery and the mapping from rows to cited characters come from us.
The client is opened once per URI and token by ``MilvusBackend`` (``connection``), shared by
the readers and writers of one index store, and closed with it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from index.storage.backends.milvus.connection import (
    MilvusConnection,
    MilvusUnavailableError,
    is_local,
    resolve_uri,
)
from index.storage.backends.milvus.reader import MilvusVectors, open_vectors
from index.storage.backends.milvus.schema import doc_key, manifest_keys
from index.storage.backends.milvus.writer import MilvusWriter, remove_unnamed_rows
from index.storage.manifest import StoreEntry

if TYPE_CHECKING:
    from index.storage.backends.base import ReadRequest, StoreConfig, WriteRequest
    from index.storage.manifest import Manifest

__all__ = [
    "MilvusBackend",
    "MilvusConnection",
    "MilvusUnavailableError",
    "MilvusVectors",
    "MilvusWriter",
    "doc_key",
    "manifest_keys",
]


class MilvusBackend:
    """The Milvus back end of one index store: its connections, readers, writers, recovery."""

    def __init__(self) -> None:
        self._connections: dict[tuple[str, str], MilvusConnection] = {}
        self._lock = threading.Lock()

    def connection(self, config: StoreConfig) -> MilvusConnection:
        """The connection to the Milvus ``config`` names (made on first use, then shared)."""
        key = (resolve_uri(config.milvus_uri), config.milvus_token)
        with self._lock:
            connection = self._connections.get(key)
            if connection is None:
                connection = self._connections[key] = MilvusConnection(config)
            return connection

    def check(self, config: StoreConfig) -> None:
        if not config.milvus_uri:
            raise ValueError(
                "the milvus store needs a URI: --milvus-uri http://host:19530 for a server, "
                "or a local file such as data/milvus.db for Milvus Lite"
            )

    def describe(self, config: StoreConfig, index_dir: Path | None) -> StoreEntry:
        uri = resolve_uri(config.milvus_uri)
        if index_dir is not None and is_local(uri):
            base = Path(index_dir).resolve()
            if Path(uri).is_relative_to(base):
                uri = str(Path(uri).relative_to(base))
        options = {
            "uri": uri,
            "collection": config.milvus_collection,
            "index_type": config.milvus_index,
            "metric": "IP",
        }
        return StoreEntry(str(config.kind), options)

    def config_for(
        self, entry: StoreEntry, credentials: StoreConfig, index_dir: Path | None
    ) -> StoreConfig:
        uri = str(entry.options["uri"])
        if "://" not in uri and not Path(uri).is_absolute() and index_dir is not None:
            uri = str(Path(index_dir).resolve() / uri)
        return replace(
            credentials,
            kind=entry.kind,
            milvus_uri=uri,
            milvus_collection=str(entry.options["collection"]),
            milvus_index=str(entry.options.get("index_type", "FLAT")),
        )

    def needed_files(self) -> tuple[str, ...]:
        return ()

    def location(self, config: StoreConfig) -> str:
        return f"Milvus collection {config.milvus_collection} at {config.milvus_uri}"

    def open(self, config: StoreConfig, request: ReadRequest) -> MilvusVectors:
        return open_vectors(self.connection(config), config, request)

    def writer(self, config: StoreConfig, request: WriteRequest) -> MilvusWriter:
        return MilvusWriter(self.connection(config), config, request)

    def tidy(self, config: StoreConfig, index_dir: Path, live: Manifest) -> None:
        remove_unnamed_rows(self.connection(config), config, index_dir, manifest_keys(live))

    def close(self) -> None:
        with self._lock:
            connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            connection.close()
