"""The index on disk: versioned folders, an atomically switched CURRENT pointer, checksums.

Layout of ``index_dir``::

    CURRENT                 name of the live version folder (replaced atomically)
    versions/<name>/        manifest.json, documents.jsonl, vectors.faiss
    .lock                   held by the one process writing

A writer builds a complete new version folder, then replaces CURRENT; a crash at any point
leaves the previous version live. Nothing is read with pickle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from filelock import FileLock, Timeout

from index.chunking import Chunk, ChunkingConfig
from index.embedder import ModelFingerprint
from index.errors import CorruptIndexError, IndexLockedError, IndexNotFoundError, ModelMismatchError
from index.records import DocumentRecord
from index.vector_index import (
    HNSW_FROM_VECTORS,
    VectorIndexSpec,
    build_vector_index,
    configure_loaded,
    spec_for,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_DOCUMENTS = "documents.jsonl"
_VECTORS = "vectors.faiss"
_REBUILD_HINT = "rebuild it with `qa index --rebuild PATH`"
_MANIFEST_KEYS = ("version", "model", "chunking", "order", "documents", "files")


@dataclass(frozen=True)
class StoredIndex:
    """A loaded index: documents, the vector of every chunk, and what built it.

    Row ``i`` of ``vectors`` belongs to ``chunk_refs[i]`` = (doc_id, chunk ordinal).
    """

    documents: dict[str, DocumentRecord]
    chunk_refs: tuple[tuple[str, int], ...]
    vectors: faiss.Index
    model: ModelFingerprint
    chunking: ChunkingConfig
    version: str
    first_rows: dict[str, int] = field(default_factory=dict)

    def chunk(self, row: int) -> Chunk:
        """Return the chunk stored at vector row ``row``."""
        doc_id, ordinal = self.chunk_refs[row]
        return self.documents[doc_id].chunk(ordinal)

    def vectors_of(self, doc_id: str) -> npt.NDArray[np.float32]:
        """The stored vectors of one document's chunks, in chunk order."""
        first = self.first_rows.get(doc_id)
        if first is not None:
            count = len(self.documents[doc_id].chunks)
            if count == 0:
                return np.zeros((0, self.model.dimension), dtype=np.float32)
            return np.asarray(self.vectors.reconstruct_n(first, count), dtype=np.float32)
        rows = [row for row, (owner, _) in enumerate(self.chunk_refs) if owner == doc_id]
        if not rows:
            return np.zeros((0, self.model.dimension), dtype=np.float32)
        return np.vstack([self.vectors.reconstruct(row) for row in rows]).astype(np.float32)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    """

    def __init__(self, index_dir: Path, hnsw_from_vectors: int = HNSW_FROM_VECTORS) -> None:
        self.index_dir = Path(index_dir)
        self.hnsw_from_vectors = hnsw_from_vectors

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
        """Hold the writer lock; a second writer gets IndexLockedError at once (by default)."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.index_dir / ".lock"))
        try:
            lock.acquire(timeout=timeout_s)
        except Timeout as exc:
            raise IndexLockedError(
                f"another process is updating the index in {self.index_dir}; "
                "wait for it to finish and try again"
            ) from exc
        try:
            yield
        finally:
            lock.release()

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
        if not missing and not (isinstance(files, dict) and {_DOCUMENTS, _VECTORS} <= set(files)):
            missing = [f"files.{_DOCUMENTS}", f"files.{_VECTORS}"]
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
            if _sha256_file(path) != expected_hash:
                raise CorruptIndexError(
                    f"index file {path} is corrupt (checksum mismatch); {_REBUILD_HINT}"
                )
        try:
            documents: dict[str, DocumentRecord] = {}
            with (folder / _DOCUMENTS).open(encoding="utf-8") as handle:
                for line in handle:
                    record = DocumentRecord.from_json(json.loads(line))
                    documents[record.doc_id] = record
            vectors = configure_loaded(
                faiss.read_index(str(folder / _VECTORS)),
                VectorIndexSpec.from_json(manifest.get("vector_index", {})),
            )
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
        if vectors.ntotal != len(refs):
            raise CorruptIndexError(
                f"index in {folder} has {vectors.ntotal} vectors for {len(refs)} chunks; "
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
        )

    def write(
        self,
        entries: Iterable[tuple[DocumentRecord, npt.NDArray[np.float32]]],
        model: ModelFingerprint,
        chunking: ChunkingConfig,
        on_step: Callable[[str], None] | None = None,
    ) -> str:
        """Write a complete new version and make it live; call inside ``writing()``.

        The new version is written into a staging folder, synced, renamed into place, and only
        then named in CURRENT (replaced atomically), so a crash at any moment leaves either the
        previous version live or the new one. Entries are consumed one at a time, so the
        caller can hand out vectors lazily instead of holding them all twice.

        Args:
            entries: Each document with its chunk vectors (one unit-length row per chunk),
                in the order the vectors are to be stored.
            model: The model that made the vectors.
            chunking: The chunking that cut the documents.
            on_step: Called with the name of each finished step (for progress reports).

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
        flat = faiss.IndexFlatIP(model.dimension)
        summaries: list[dict[str, Any]] = []
        with (staging / _DOCUMENTS).open("w", encoding="utf-8") as handle:
            for record, vectors in entries:
                if len(vectors) != len(record.chunks):
                    raise ValueError(
                        f"{record.doc_id}: {len(vectors)} vectors for {len(record.chunks)} chunks"
                    )
                handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
                if len(vectors):
                    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
                summaries.append(_summary(record))
            handle.flush()
            os.fsync(handle.fileno())
        step("documents written")
        spec = spec_for(flat.ntotal, self.hnsw_from_vectors)
        stored: faiss.Index = flat
        if spec.kind != "flat":
            stored = build_vector_index(flat.reconstruct_n(0, flat.ntotal), model.dimension, spec)
            flat.reset()  # the graph holds its own copy of the vectors
        faiss.write_index(stored, str(staging / _VECTORS))
        _fsync_file(staging / _VECTORS)
        step("vectors written")
        files = {name: _sha256_file(staging / name) for name in (_DOCUMENTS, _VECTORS)}
        manifest = {
            "format_version": FORMAT_VERSION,
            "version": version,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": asdict(model),
            "chunking": asdict(chunking),
            "vector_index": spec.to_json(),
            "counts": {"documents": len(summaries), "chunks": stored.ntotal},
            "order": [summary["doc_id"] for summary in summaries],
            "documents": summaries,
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
        _fsync_dir(self.index_dir)
        step("switched to the new version")
        self._remove_old_versions(keep=version)
        step("old versions removed")
        logger.info("index version %s is live (%d chunks)", version, stored.ntotal)
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
