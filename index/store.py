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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from filelock import FileLock, Timeout

from index.chunking import Chunk, ChunkingConfig
from index.cleaning import TextSpan
from index.embedder import ModelFingerprint
from index.errors import CorruptIndexError, IndexLockedError, IndexNotFoundError, ModelMismatchError

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_DOCUMENTS = "documents.jsonl"
_VECTORS = "vectors.faiss"
_REBUILD_HINT = "rebuild it with `qa index --rebuild PATH`"


@dataclass(frozen=True)
class DocumentRecord:
    """An indexed document with its text, chunk ranges and sentence ranges.

    Attributes:
        doc_id: Stable id.
        title: Display title.
        source_path: Where the text was read from.
        content_hash: sha256 of the source bytes when indexed.
        size_bytes: Source size in bytes.
        added_at: When this version of the document was indexed (ISO 8601, UTC).
        text: The full text that offsets point into.
        chunks: Chunk ranges, in order; chunk ``i`` has id ``f"{doc_id}#{i}"``.
        sentences: Sentence ranges of the article text, in order.
    """

    doc_id: str
    title: str
    source_path: str
    content_hash: str
    size_bytes: int
    added_at: str
    text: str
    chunks: tuple[TextSpan, ...]
    sentences: tuple[TextSpan, ...]

    def chunk(self, ordinal: int) -> Chunk:
        """Return chunk number ``ordinal`` of this document."""
        span = self.chunks[ordinal]
        return Chunk(
            chunk_id=f"{self.doc_id}#{ordinal}",
            doc_id=self.doc_id,
            start=span.start,
            end=span.end,
            text=self.text[span.start : span.end],
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["chunks"] = [[span.start, span.end] for span in self.chunks]
        data["sentences"] = [[span.start, span.end] for span in self.sentences]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentRecord:
        return cls(
            **{
                **data,
                "chunks": tuple(TextSpan(int(s), int(e)) for s, e in data["chunks"]),
                "sentences": tuple(TextSpan(int(s), int(e)) for s, e in data["sentences"]),
            }
        )


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

    def chunk(self, row: int) -> Chunk:
        """Return the chunk stored at vector row ``row``."""
        doc_id, ordinal = self.chunk_refs[row]
        return self.documents[doc_id].chunk(ordinal)

    def vectors_of(self, doc_id: str) -> npt.NDArray[np.float32]:
        """The stored vectors of one document's chunks, in chunk order."""
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
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

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
            vectors = faiss.read_index(str(folder / _VECTORS))
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndexError(
                f"index in {folder} cannot be read ({exc}); {_REBUILD_HINT}"
            ) from exc
        refs = tuple(
            (doc_id, ordinal)
            for doc_id in manifest["order"]
            for ordinal in range(len(documents[doc_id].chunks))
        )
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
        )

    def write(
        self,
        documents: list[DocumentRecord],
        vectors: npt.NDArray[np.float32],
        model: ModelFingerprint,
        chunking: ChunkingConfig,
    ) -> str:
        """Write a complete new version and make it live; call inside ``writing()``.

        Args:
            documents: Documents in the order their chunk vectors appear in ``vectors``.
            vectors: One unit-length row per chunk.
            model: The model that made the vectors.
            chunking: The chunking that cut the documents.

        Returns:
            The new version's name.
        """
        version = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
        versions = self.index_dir / "versions"
        staging = versions / f".staging-{version}"
        staging.mkdir(parents=True)
        with (staging / _DOCUMENTS).open("w", encoding="utf-8") as handle:
            for record in documents:
                handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        flat = faiss.IndexFlatIP(model.dimension)
        if len(vectors):
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(flat, str(staging / _VECTORS))
        files = {name: _sha256_file(staging / name) for name in (_DOCUMENTS, _VECTORS)}
        manifest = {
            "format_version": FORMAT_VERSION,
            "version": version,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": asdict(model),
            "chunking": asdict(chunking),
            "vector_index": {"type": "IndexFlatIP", "metric": "inner_product"},
            "counts": {"documents": len(documents), "chunks": len(vectors)},
            "order": [record.doc_id for record in documents],
            "documents": [
                {
                    "doc_id": record.doc_id,
                    "title": record.title,
                    "source_path": record.source_path,
                    "content_hash": record.content_hash,
                    "size_bytes": record.size_bytes,
                    "added_at": record.added_at,
                    "chunks": len(record.chunks),
                }
                for record in documents
            ],
            "files": files,
        }
        with (staging / _MANIFEST).open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(staging)
        final = versions / version
        staging.rename(final)
        _fsync_dir(versions)
        pointer = self.index_dir / f".CURRENT.{version}"
        pointer.write_text(version + "\n")
        with pointer.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(pointer, self._current_file)
        _fsync_dir(self.index_dir)
        self._remove_old_versions(keep=version)
        logger.info("index version %s is live (%d chunks)", version, len(vectors))
        return version

    def _remove_old_versions(self, keep: str) -> None:
        versions = self.index_dir / "versions"
        for entry in versions.iterdir():
            if entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)
        for stale in self.index_dir.glob(".CURRENT.*"):
            stale.unlink(missing_ok=True)
