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

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
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
from index.hashing import file_sha256
from index.storage.backends import ReadRequest, StoreConfig, VectorStore
from index.storage.backends.folder import Backends, vector_files
from index.storage.document_table import (
    DOCUMENTS,
    OFFSETS,
    STATEMENTS,
    ChunkRefs,
    DocumentStatements,
    DocumentTable,
    read_statements,
)
from index.storage.lexical import LEXICAL_FILES, LexicalIndexWriter
from index.storage.locking import fsync_dir, fsync_file, writer_lock
from index.storage.manifest import (
    FORMAT_VERSION,
    REBUILD_HINT,
    DocumentCounts,
    DocumentSummary,
    Manifest,
    StoreEntry,
    read_manifest,
    verify_files,
    write_manifest,
)
from index.storage.records import DocumentRecord
from index.storage.vector_index import HNSW_FROM_VECTORS
from index.text.chunking import Chunk, ChunkingConfig

logger = logging.getLogger(__name__)

_MANIFEST = "manifest.json"
_REBUILD_HINT = REBUILD_HINT


@dataclass(frozen=True)
class StoredIndex:
    """A loaded index: documents, the vector of every chunk, and what built it.

    Row ``i`` of ``vectors`` belongs to ``chunk_refs[i]`` = (doc_id, chunk ordinal).
    ``documents`` maps each id to its record in index order; a loaded version reads a record
    from disk when it is asked for (``DocumentTable``), so its texts are not all held.
    """

    documents: Mapping[str, DocumentRecord]
    chunk_refs: Sequence[tuple[str, int]]
    vectors: VectorStore
    model: ModelFingerprint
    chunking: ChunkingConfig
    version: str
    first_rows: dict[str, int] = field(default_factory=dict)
    # Files removed on request: left out when their folder is indexed, until named again.
    excluded: tuple[str, ...] = ()
    # The version folder holding its BM25 postings (``index.storage.lexical``); None for a version
    # written before they were (format 1 without them), whose postings are built on load.
    lexical_folder: Path | None = None
    # The version's statements file (``DocumentStatements``); None for a version written
    # before it was, whose statements are taken from the records.
    statements_file: Path | None = None
    # What the manifest lists about each document, in index order: enough to list them
    # (``qa docs``, the page's table of sources) without reading their records.
    summaries: tuple[DocumentSummary, ...] = ()

    def statements(self) -> Iterator[DocumentStatements]:
        """Every document's attributed statements, in index order, read one at a time."""
        if self.statements_file is not None:
            return read_statements(self.statements_file)
        return (DocumentStatements.of(record) for record in self.documents.values())

    def chunk(self, row: int) -> Chunk:
        """Return the chunk stored at vector row ``row``."""
        doc_id, ordinal = self.chunk_refs[row]
        return self.documents[doc_id].chunk(ordinal)

    @property
    def order(self) -> tuple[str, ...]:
        """Document ids in the order of their rows (``first_rows`` is kept in that order)."""
        return tuple(self.first_rows)

    def vectors_of(self, doc_id: str) -> npt.NDArray[np.float32]:
        """The stored vectors of one document's chunks, in chunk order."""
        return self.vectors.rows(self.first_rows[doc_id], len(self.documents[doc_id].chunks))


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
        return self.index_dir / "CURRENT"

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
        return read_manifest(self.index_dir / "versions" / version / _MANIFEST, _files_needed)

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
    ) -> str:
        """Write a complete new version and make it live; call inside ``writing()``.

        The new version is written into a staging folder, synced, renamed into place, and only
        then named in CURRENT (replaced atomically), so a crash at any moment leaves either the
        previous version live or the new one. Entries are consumed one at a time, so the
        caller can hand out vectors lazily instead of holding them all twice. The vectors go
        to the store ``vector_store`` names (see ``index.storage.backends``).

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

        Returns:
            The new version's name.
        """

        def step(name: str) -> None:
            if on_step is not None:
                on_step(name)

        version = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
        versions = self.index_dir / "versions"
        self._remove_staging(versions)
        staging = versions / f".staging-{version}"
        staging.mkdir(parents=True)
        writer = self.backends.writer(self._live_manifest(), model, chunking, previous, rows)
        # Unchanged documents' terms are copied from the live version, not tokenized again.
        lexical = LexicalIndexWriter(previous.lexical_folder if previous is not None else None)
        live = False
        try:
            summaries: list[DocumentSummary] = []
            chunks = 0
            offsets = [0]
            with (
                (staging / DOCUMENTS).open("wb") as handle,
                (staging / STATEMENTS).open("w", encoding="utf-8") as statements,
            ):
                for record, vectors in entries:
                    reused_from = previous if vectors is None else None
                    writer.add(record, vectors)
                    del vectors  # the writer holds its own copy: do not keep two
                    if reused_from is None or not lexical.add_unchanged(
                        reused_from.first_rows[record.doc_id], len(record.chunks)
                    ):
                        lexical.add(record.chunk_texts())
                    written = offsets[-1]
                    for piece in record.json_pieces():
                        written += handle.write(piece.encode("utf-8"))
                    offsets.append(written + handle.write(b"\n"))
                    statements.write(json.dumps(DocumentStatements.of(record).to_json()) + "\n")
                    summaries.append(DocumentSummary.of(record))
                    chunks += len(record.chunks)
                for written_file in (handle, statements):
                    written_file.flush()
                    os.fsync(written_file.fileno())
            np.save(staging / OFFSETS, np.asarray(offsets, dtype=np.int64))
            fsync_file(staging / OFFSETS)
            del offsets
            step("documents written")
            stored = writer.finish(staging)
            for name in writer.files():
                fsync_file(staging / name)
            step("vectors written")
            lexical_files = lexical.save(staging)
            for name in lexical_files:
                fsync_file(staging / name)
            step("lexical index written")
            files = {
                name: file_sha256(staging / name)
                for name in (DOCUMENTS, OFFSETS, STATEMENTS, *writer.files(), *lexical_files)
            }
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                version=version,
                created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                model=model,
                chunking=chunking,
                vector_store=stored.store,
                vector_index=stored.index,
                counts=DocumentCounts(documents=len(summaries), chunks=chunks),
                order=tuple(summary.doc_id for summary in summaries),
                documents=tuple(summaries),
                excluded=tuple(sorted(set(excluded))),
                files=files,
            )
            write_manifest(staging / _MANIFEST, manifest)
            fsync_dir(staging)
            step("manifest written")
            final = versions / version
            staging.rename(final)
            fsync_dir(versions)
            step("version folder in place")
            pointer = self.index_dir / f".CURRENT.{version}"
            pointer.write_text(version + "\n")
            fsync_file(pointer)
            os.replace(pointer, self._current_file)
            live = True
        finally:
            if not live:
                writer.abort()
        fsync_dir(self.index_dir)
        step("switched to the new version")
        writer.commit()
        self._remove_old_versions(keep=version)
        step("old versions removed")
        logger.info("index version %s is live (%d chunks)", version, chunks)
        return version

    def _remove_staging(self, versions: Path) -> None:
        """Drop what a crashed writer left half-written (we hold the writer lock)."""
        if versions.is_dir():
            for entry in versions.glob(".staging-*"):
                shutil.rmtree(entry, ignore_errors=True)
        for stale in self.index_dir.glob(".CURRENT.*"):
            stale.unlink(missing_ok=True)

    def _remove_old_versions(self, keep: str) -> None:
        """Remove versions older than the live one and the one before it.

        The one before stays so that a reader which read CURRENT just before the switch can
        still load the files it named.
        """
        versions = self.index_dir / "versions"
        older = sorted(
            (entry for entry in versions.iterdir() if entry.name != keep),
            key=lambda entry: entry.name,
        )
        for entry in older[:-1]:
            shutil.rmtree(entry, ignore_errors=True)
        for stale in self.index_dir.glob(".CURRENT.*"):
            stale.unlink(missing_ok=True)


def _files_needed(store: StoreEntry | None) -> tuple[str, ...]:
    """Files a manifest naming ``store`` must list: documents, and what its store keeps here."""
    return (DOCUMENTS, *vector_files(store))
