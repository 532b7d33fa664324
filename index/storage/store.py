"""The index on disk: versioned folders, an atomically switched CURRENT pointer, checksums.

Layout of ``index_dir``::

    CURRENT                 name of the live version folder (replaced atomically)
    versions/<name>/        manifest.json, documents.jsonl (with documents.offsets.npy, where
                            each record's line starts), vectors.faiss, bm25.* (postings)
    .lock                   held by the one process writing

A writer builds a complete new version folder, then replaces CURRENT; a crash at any point
leaves the previous version live. Nothing is read with pickle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.embedding.embedder import ModelFingerprint
from index.errors import (
    CorruptIndexError,
    IndexNotFoundError,
    ModelMismatchError,
)
from index.storage.backends import ReadRequest, StoreConfig, VectorStore
from index.storage.backends.folder import Backends, vector_files
from index.storage.document_table import (
    DOCUMENTS,
    OFFSETS,
    STATEMENTS,
    ChunkRefs,
    DocumentTable,
)
from index.storage.lexical import LEXICAL_FILES
from index.storage.locking import writer_lock
from index.storage.manifest import (
    CURRENT_FILE,
    MANIFEST_FILE,
    REBUILD_HINT,
    Manifest,
    StoreEntry,
    read_manifest,
    verify_files,
)
from index.storage.records import DocumentRecord
from index.storage.stored_index import StoredIndex
from index.storage.vector_index import HNSW_FROM_VECTORS
from index.storage.writing import write_version
from index.text.chunking import ChunkingConfig

logger = logging.getLogger(__name__)

_REBUILD_HINT = REBUILD_HINT


class IndexStore:
    """Reads and writes the index kept in one folder.

    Example:
        >>> store = IndexStore(Path("data/index"))
        >>> store.exists()
        False

    Args:
        index_dir: The folder (created on first write).
        hnsw_from_vectors: Corpus size from which vectors are kept in an HNSW graph instead
            of an exact flat index (default 200,000; see ``index.storage.vector_index``).
        vector_store: Where new versions keep their vectors, with the credentials for a
            Milvus server (never stored). Default None, like a config of kind None: where
            the live version keeps them, FAISS files for a first build. Loading always
            follows the manifest.

    The back ends this store uses (``index.storage.backends``) keep their connections until
    ``close``; an index it loaded reads through them.
    """

    def __init__(
        self,
        index_dir: Path,
        hnsw_from_vectors: int = HNSW_FROM_VECTORS,
        vector_store: StoreConfig | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.hnsw_from_vectors = hnsw_from_vectors
        self.vector_store = vector_store or StoreConfig(kind=None)
        self.backends = Backends(self.index_dir, self.vector_store, hnsw_from_vectors)

    def close(self) -> None:
        """Close the back ends' connections (a Milvus client); indexes loaded here stop."""
        self.backends.close()

    @property
    def _current_file(self) -> Path:
        return self.index_dir / CURRENT_FILE

    def exists(self) -> bool:
        """Whether a complete index has been written here."""
        return self._current_file.is_file()

    def current_version(self) -> str | None:
        """Name of the live version, or None before the first write."""
        try:
            return self._current_file.read_text().strip() or None
        except FileNotFoundError:
            return None

    def writing(self, timeout_s: float = 0.0) -> AbstractContextManager[None]:
        """Hold the writer lock; a second writer gets IndexLockedError at once (by default).

        Raises:
            IndexNotWritableError: The index folder cannot be created or written in; found
                before anything is read or embedded, and the live index is left as it was.
            IndexLockedError: Another process holds the lock longer than ``timeout_s``.
        """
        return writer_lock(self.index_dir, timeout_s)

    def manifest(self) -> Manifest:
        """The live version's manifest.

        Raises:
            IndexNotFoundError: No index has been written here.
            CorruptIndexError: The manifest is missing, not JSON, lacks a field or a file
                its store needs, or has a field that cannot be read.
        """
        version = self.current_version()
        if version is None:
            raise IndexNotFoundError(
                f"no index in {self.index_dir}; build one with `qa index PATH`"
            )
        return read_manifest(self.index_dir / "versions" / version / MANIFEST_FILE, _files_needed)

    def read_manifest(self) -> dict[str, Any]:
        """The live version's manifest as the JSON written to disk (``manifest()``, typed)."""
        return self.manifest().to_json()

    def load(self, expected_model: ModelFingerprint | None = None) -> StoredIndex:
        """Load the live version, checking file checksums and, if given, the model.

        Args:
            expected_model: The model that will embed questions; an index built by another
                model is refused with ModelMismatchError.

        Returns:
            The loaded index.
        """
        manifest = self.manifest()
        version = manifest.version
        folder = self.index_dir / "versions" / version
        model = manifest.model
        if expected_model is not None and (
            model.weights_sha256 != expected_model.weights_sha256
            or model.dimension != expected_model.dimension
        ):
            raise ModelMismatchError(
                f"the index in {self.index_dir} was built with model {model.name!r} "
                f"(weights sha256 {model.weights_sha256[:12]}…), not with {expected_model.name!r} "
                f"({expected_model.weights_sha256[:12]}…); query it with the model that built it "
                f"or {_REBUILD_HINT}"
            )
        verify_files(folder, manifest)
        chunk_counts = {summary.doc_id: summary.chunks for summary in manifest.documents}
        try:
            config = self.backends.named_by(manifest)
            refs = ChunkRefs(manifest.order, [chunk_counts[doc_id] for doc_id in manifest.order])
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndexError(
                f"index in {folder} cannot be read ({exc}); {_REBUILD_HINT}"
            ) from exc
        # Records are read when asked for; only where each one starts is read now.
        documents = DocumentTable.open(folder, manifest.order, OFFSETS in manifest.files)
        first_rows = {
            doc_id: int(row)
            for doc_id, row in zip(manifest.order, refs.first_rows[:-1], strict=True)
        }
        try:
            vectors: VectorStore = self.backends.open(
                config, ReadRequest(folder, manifest, documents, first_rows)
            )
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndexError(
                f"index in {folder} cannot be read ({exc}); {_REBUILD_HINT}"
            ) from exc
        if vectors.count != len(refs):
            raise CorruptIndexError(
                f"index in {folder} has {vectors.count} vectors for {len(refs)} chunks; "
                f"{_REBUILD_HINT}"
            )
        return StoredIndex(
            documents=documents,
            chunk_refs=refs,
            vectors=vectors,
            model=model,
            chunking=manifest.chunking,
            version=version,
            first_rows=first_rows,
            excluded=manifest.excluded,
            lexical_folder=folder if set(LEXICAL_FILES) <= set(manifest.files) else None,
            statements_file=folder / STATEMENTS if STATEMENTS in manifest.files else None,
            summaries=manifest.documents,
            embedded_with=manifest.embedded_with,
        )

    def excluded_paths(self) -> tuple[str, ...]:
        """The live version's files removed on request (none without a readable index).

        A rebuild reads the index afresh but keeps these, so a removed file stays out.
        """
        live = self._live_manifest()
        return live.excluded if live is not None else ()

    def vectors_location(self) -> str:
        """Where the live version's vectors are, in words, when not in its folder ("" if so)."""
        return self.backends.location(self.manifest())

    def changes_store(self) -> bool:
        """Whether the next write moves the vectors to another store than the live version's."""
        return self.backends.moves_store(self._live_manifest())

    def tidy(self) -> None:
        """Clear what a killed writer left in the vector store; call inside ``writing()``.

        Writing a version does it too; an update that finds nothing to write calls this.
        """
        self.backends.tidy(self._live_manifest())

    def _live_manifest(self) -> Manifest | None:
        if not self.exists():
            return None
        try:
            return self.manifest()
        except CorruptIndexError:
            return None

    def write(
        self,
        entries: Iterable[tuple[DocumentRecord, npt.NDArray[np.float32] | None]],
        model: ModelFingerprint,
        chunking: ChunkingConfig,
        on_step: Callable[[str], None] | None = None,
        previous: StoredIndex | None = None,
        excluded: Iterable[str] = (),
        rows: int | None = None,
        embedded_with: str | None = None,
    ) -> str:
        """Write a complete new version and make it live; call inside ``writing()``.

        See ``index.storage.writing.write_version``, which does it, for the steps and a
        crash's outcome at each.

        Args:
            entries: Each document with its chunk vectors (one unit-length row per chunk),
                in the order the vectors are to be stored; ``None`` instead of vectors reuses
                the document's vectors in ``previous``.
            model: The model that made the vectors.
            chunking: The chunking that cut the documents.
            on_step: Called with the name of each finished step (for progress reports).
            previous: The live version, for documents whose vectors are reused.
            excluded: Source paths of files removed on request, which updates leave out
                until one is named again (``StoredIndex.excluded``).
            rows: How many vectors the entries hold, when known: a FAISS index big enough
                for an HNSW graph is then built as they come, not copied from a flat one.
            embedded_with: How the chunks new in this version were embedded ("torch bf16"),
                recorded in its manifest.

        Returns:
            The new version's name.
        """
        return write_version(
            self.index_dir,
            self.backends,
            self._live_manifest(),
            entries,
            model,
            chunking,
            on_step=on_step,
            previous=previous,
            excluded=excluded,
            rows=rows,
            embedded_with=embedded_with,
        )


def _files_needed(store: StoreEntry | None) -> tuple[str, ...]:
    """Files a manifest naming ``store`` must list: documents, and what its store keeps here."""
    return (DOCUMENTS, *vector_files(store))
