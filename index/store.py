"""The index on disk: versioned folders, an atomically switched CURRENT pointer, checksums.

Layout of ``index_dir``::

    CURRENT                 name of the live version folder (replaced atomically)
    versions/<name>/        manifest.json, documents.jsonl, vectors.faiss
    .lock                   held by the one process writing

A writer builds a complete new version folder, then replaces CURRENT; a crash at any point
leaves the previous version live. Nothing is read with pickle.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from filelock import FileLock, Timeout

from index.chunking import Chunk, ChunkingConfig
from index.embedder import ModelFingerprint
from index.errors import (
    CorruptIndexError,
    IndexLockedError,
    IndexNotFoundError,
    IndexNotWritableError,
    ModelMismatchError,
)
from index.hashing import file_sha256
from index.records import DocumentRecord
from index.vector_index import HNSW_FROM_VECTORS
from index.vector_store import (
    FAISS_FILE,
    FaissVectors,
    FaissWriter,
    StoreConfig,
    VectorStore,
    VectorWriter,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_DOCUMENTS = "documents.jsonl"
_VECTORS = FAISS_FILE
_REBUILD_HINT = "rebuild it with `qa index --rebuild PATH`"
_OTHER_FOLDER_HINT = "choose another index folder (--index-dir or QA_INDEX_DIR)"
_MANIFEST_KEYS = ("version", "model", "chunking", "order", "documents", "files")


@dataclass(frozen=True)
class StoredIndex:
    """A loaded index: documents, the vector of every chunk, and what built it.

    Row ``i`` of ``vectors`` belongs to ``chunk_refs[i]`` = (doc_id, chunk ordinal).
    """

    documents: dict[str, DocumentRecord]
    chunk_refs: tuple[tuple[str, int], ...]
    vectors: VectorStore
    model: ModelFingerprint
    chunking: ChunkingConfig
    version: str
    first_rows: dict[str, int] = field(default_factory=dict)
    # Files removed on request: left out when their folder is indexed, until named again.
    excluded: tuple[str, ...] = ()

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


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class IndexStore:
    """Reads and writes the index kept in one folder.

    Example:
        >>> store = IndexStore(Path("data/index"))
        >>> store.exists()
        False

    Args:
        index_dir: The folder (created on first write).
        hnsw_from_vectors: Corpus size from which vectors are kept in an HNSW graph instead
            of an exact flat index (default 200,000; see ``index.vector_index``).
        vector_store: Where new versions keep their vectors (default None: where the live
            version keeps them, FAISS files for a first build). Loading always follows the
            manifest.
        milvus_token: Credentials for a Milvus server the manifest names (never stored).
    """

    def __init__(
        self,
        index_dir: Path,
        hnsw_from_vectors: int = HNSW_FROM_VECTORS,
        vector_store: StoreConfig | None = None,
        milvus_token: str = "",
    ) -> None:
        self.index_dir = Path(index_dir)
        self.hnsw_from_vectors = hnsw_from_vectors
        self.vector_store = vector_store
        self.milvus_token = milvus_token or (vector_store.milvus_token if vector_store else "")

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

    @contextmanager
    def writing(self, timeout_s: float = 0.0) -> Iterator[None]:
        """Hold the writer lock; a second writer gets IndexLockedError at once (by default).

        Raises:
            IndexNotWritableError: The index folder cannot be created or written in; found
                before anything is read or embedded, and the live index is left as it was.
            IndexLockedError: Another process holds the lock longer than ``timeout_s``.
        """
        self._check_writable()
        lock = FileLock(str(self.index_dir / ".lock"))
        try:
            lock.acquire(timeout=timeout_s)
        except Timeout as exc:
            raise IndexLockedError(
                f"another process is updating the index in {self.index_dir}; "
                "wait for it to finish and try again"
            ) from exc
        except OSError as exc:  # after Timeout, which is an OSError too
            raise IndexNotWritableError(
                f"cannot open the index's lock file {lock.lock_file}: {exc.strerror or exc}; "
                f"the index is unchanged; give this user write access to it, "
                f"or {_OTHER_FOLDER_HINT}"
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def _check_writable(self) -> None:
        """Create the index folder if needed, and make sure new files can be made in it.

        Making a file is the one test that sees whatever forbids writing (file modes, ACLs,
        a read-only mount); without it an update would fail only when switching versions,
        after all the embedding, with a half-written version folder left behind.
        """
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexNotWritableError(
                f"cannot create the index folder {self.index_dir}: {exc.strerror or exc}; "
                f"create it with write access for this user, or {_OTHER_FOLDER_HINT}"
            ) from exc
        for folder in (self.index_dir, self.index_dir / "versions"):
            try:
                if folder.is_dir():
                    with tempfile.TemporaryFile(dir=folder):
                        pass
            except OSError as exc:
                raise IndexNotWritableError(
                    f"cannot write in the index folder {folder}: {exc.strerror or exc}; "
                    f"the index is unchanged; give this user write access to it, "
                    f"or {_OTHER_FOLDER_HINT}"
                ) from exc

    def read_manifest(self) -> dict[str, Any]:
        """The live version's manifest."""
        version = self.current_version()
        if version is None:
            raise IndexNotFoundError(
                f"no index in {self.index_dir}; build one with `qa index PATH`"
            )
        path = self.index_dir / "versions" / version / _MANIFEST
        try:
            manifest: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise CorruptIndexError(f"index file {path} is missing; {_REBUILD_HINT}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptIndexError(f"index file {path} is corrupt; {_REBUILD_HINT}") from exc
        missing = [key for key in _MANIFEST_KEYS if key not in manifest]
        files = manifest.get("files")
        needed = {_DOCUMENTS, _VECTORS}
        if (manifest.get("vector_store") or {}).get("kind", "faiss") != "faiss":
            needed = {_DOCUMENTS}
        if not missing and not (isinstance(files, dict) and needed <= set(files)):
            missing = [f"files.{name}" for name in sorted(needed)]
        if missing:
            raise CorruptIndexError(
                f"index file {path} is incomplete (no {', '.join(missing)}); {_REBUILD_HINT}"
            )
        return manifest

    def load(self, expected_model: ModelFingerprint | None = None) -> StoredIndex:
        """Load the live version, checking file checksums and, if given, the model.

        Args:
            expected_model: The model that will embed questions; an index built by another
                model is refused with ModelMismatchError.

        Returns:
            The loaded index.
        """
        manifest = self.read_manifest()
        version = str(manifest["version"])
        folder = self.index_dir / "versions" / version
        model = ModelFingerprint(**manifest["model"])
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
        for name, expected_hash in manifest["files"].items():
            path = folder / name
            if not path.is_file():
                raise CorruptIndexError(f"index file {path} is missing; {_REBUILD_HINT}")
            if file_sha256(path) != expected_hash:
                raise CorruptIndexError(
                    f"index file {path} is corrupt (checksum mismatch); {_REBUILD_HINT}"
                )
        try:
            documents: dict[str, DocumentRecord] = {}
            with (folder / _DOCUMENTS).open(encoding="utf-8") as handle:
                for line in handle:
                    record = DocumentRecord.from_json(json.loads(line))
                    documents[record.doc_id] = record
            config = StoreConfig.from_manifest(manifest, self.milvus_token, self.index_dir)
            vectors: VectorStore | None = None
            if config.kind == "faiss":
                vectors = FaissVectors.read(folder, manifest)
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndexError(
                f"index in {folder} cannot be read ({exc}); {_REBUILD_HINT}"
            ) from exc
        try:
            refs = tuple(
                (doc_id, ordinal)
                for doc_id in manifest["order"]
                for ordinal in range(len(documents[doc_id].chunks))
            )
        except KeyError as exc:
            raise CorruptIndexError(
                f"index file {folder / _DOCUMENTS} lacks document {exc}; {_REBUILD_HINT}"
            ) from exc
        first_rows: dict[str, int] = {}
        row = 0
        for doc_id in manifest["order"]:
            first_rows[doc_id] = row
            row += len(documents[doc_id].chunks)
        if vectors is None:
            from index.milvus_store import load_vectors

            vectors = load_vectors(config, manifest, documents, first_rows)
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
            chunking=ChunkingConfig(**manifest["chunking"]),
            version=version,
            first_rows=first_rows,
            excluded=tuple(str(path) for path in manifest.get("excluded", ())),
        )

    def excluded_paths(self) -> tuple[str, ...]:
        """The live version's files removed on request (none without a readable index).

        A rebuild reads the index afresh but keeps these, so a removed file stays out.
        """
        live = self._live_manifest()
        return tuple(str(path) for path in (live or {}).get("excluded", ()))

    def changes_store(self) -> bool:
        """Whether the next write moves the vectors to another store than the live version's."""
        live = self._live_manifest()
        if self.vector_store is None or live is None:
            return False
        current = StoreConfig.from_manifest(live, self.milvus_token, self.index_dir)
        return current.describe(self.index_dir) != self.vector_store.describe(self.index_dir)

    def tidy(self) -> None:
        """Clear what a killed writer left in the vector store; call inside ``writing()``.

        Writing a version does it too; an update that finds nothing to write calls this.
        """
        live = self._live_manifest()
        if live is None:
            return
        config = StoreConfig.from_manifest(live, self.milvus_token, self.index_dir)
        if config.kind == "milvus":
            from index.milvus_store import manifest_keys, remove_unnamed_rows

            remove_unnamed_rows(config, self.index_dir, manifest_keys(live))

    def _live_manifest(self) -> dict[str, Any] | None:
        if not self.exists():
            return None
        try:
            return self.read_manifest()
        except CorruptIndexError:
            return None

    def _writer(
        self,
        model: ModelFingerprint,
        chunking: ChunkingConfig,
        previous: StoredIndex | None,
        rows: int | None = None,
    ) -> VectorWriter:
        live = self._live_manifest()
        config = self.vector_store
        if config is None:
            config = (
                StoreConfig.from_manifest(live, self.milvus_token, self.index_dir)
                if live is not None
                else StoreConfig()
            )
        if config.kind == "milvus":
            from index.milvus_store import MilvusWriter

            return MilvusWriter(config, self.index_dir, model, chunking, live, previous)
        return FaissWriter(model.dimension, previous, self.hnsw_from_vectors, rows)

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
        to the store ``vector_store`` names (see ``index.vector_store``).

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
        writer = self._writer(model, chunking, previous, rows)
        live = False
        try:
            summaries: list[dict[str, Any]] = []
            chunks = 0
            with (staging / _DOCUMENTS).open("w", encoding="utf-8") as handle:
                for record, vectors in entries:
                    writer.add(record, vectors)
                    handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
                    summaries.append(_summary(record))
                    chunks += len(record.chunks)
                handle.flush()
                os.fsync(handle.fileno())
            step("documents written")
            store_entries = writer.finish(staging)
            for name in writer.files():
                _fsync_file(staging / name)
            step("vectors written")
            files = {name: file_sha256(staging / name) for name in (_DOCUMENTS, *writer.files())}
            manifest = {
                "format_version": FORMAT_VERSION,
                "version": version,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "model": asdict(model),
                "chunking": asdict(chunking),
                **store_entries,
                "counts": {"documents": len(summaries), "chunks": chunks},
                "order": [summary["doc_id"] for summary in summaries],
                "documents": summaries,
                "excluded": sorted(set(excluded)),
                "files": files,
            }
            with (staging / _MANIFEST).open("w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=2, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_dir(staging)
            step("manifest written")
            final = versions / version
            staging.rename(final)
            _fsync_dir(versions)
            step("version folder in place")
            pointer = self.index_dir / f".CURRENT.{version}"
            pointer.write_text(version + "\n")
            _fsync_file(pointer)
            os.replace(pointer, self._current_file)
            live = True
        finally:
            if not live:
                writer.abort()
        _fsync_dir(self.index_dir)
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


def _summary(record: DocumentRecord) -> dict[str, Any]:
    """What the manifest lists about a document (``qa docs`` reads it)."""
    return {
        "doc_id": record.doc_id,
        "title": record.title,
        "source_path": record.source_path,
        "content_hash": record.content_hash,
        "size_bytes": record.size_bytes,
        "added_at": record.added_at,
        "format": record.format,
        "pages": len(record.page_starts),
        "chunks": len(record.chunks),
        "duplicates": [dup.source_path for dup in record.duplicates],
    }
