"""Writing an index version: staged in full, synced, then made live by replacing CURRENT.

A new version is written into ``versions/.staging-<name>``: its records
(``documents.jsonl`` with their offsets), statements, vectors (through the store's writer),
BM25 postings and, last, the manifest with every file's checksum. The folder is synced and
renamed into place, and only then named in ``CURRENT`` (replaced atomically), so a crash at
any moment leaves either the previous version live or the new one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from index.embedding.embedder import ModelFingerprint
from index.hashing import file_sha256
from index.storage.backends.folder import Backends
from index.storage.document_table import DOCUMENTS, OFFSETS, STATEMENTS, DocumentStatements
from index.storage.lexical import LexicalIndexWriter
from index.storage.locking import fsync_dir, fsync_file
from index.storage.manifest import (
    CURRENT_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    DocumentCounts,
    DocumentSummary,
    Manifest,
    write_manifest,
)
from index.storage.records import DocumentRecord
from index.text.chunking import ChunkingConfig

if TYPE_CHECKING:
    from index.storage.stored_index import StoredIndex

logger = logging.getLogger(__name__)


def write_version(
    index_dir: Path,
    backends: Backends,
    live_manifest: Manifest | None,
    entries: Iterable[tuple[DocumentRecord, npt.NDArray[np.float32] | None]],
    model: ModelFingerprint,
    chunking: ChunkingConfig,
    on_step: Callable[[str], None] | None = None,
    previous: StoredIndex | None = None,
    excluded: Iterable[str] = (),
    rows: int | None = None,
    embedded_with: str | None = None,
) -> str:
    """Write a complete new version of the index in ``index_dir`` and make it live.

    The caller holds the writer lock (``IndexStore.writing``). Entries are consumed one at a
    time, so the caller can hand out vectors lazily instead of holding them all twice. The
    vectors go to the store ``backends`` writes new versions to.

    Args:
        index_dir: The index folder.
        backends: The folder's vector store back ends.
        live_manifest: The live version's manifest (None before the first write, or when it
            cannot be read).
        entries: Each document with its chunk vectors, in row order; ``None`` instead of
            vectors reuses the document's vectors in ``previous``.
        model: The model that made the vectors.
        chunking: The chunking that cut the documents.
        on_step: Called with the name of each finished step (for progress reports).
        previous: The live version, for documents whose vectors are reused.
        excluded: Source paths of files removed on request.
        rows: How many vectors the entries hold, when known.

    Returns:
        The new version's name.
    """

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    version = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    versions = index_dir / "versions"
    _remove_staging(index_dir)
    staging = versions / f".staging-{version}"
    staging.mkdir(parents=True)
    writer = backends.writer(live_manifest, model, chunking, previous, rows)
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
            embedded_with=embedded_with,
        )
        write_manifest(staging / MANIFEST_FILE, manifest)
        fsync_dir(staging)
        step("manifest written")
        final = versions / version
        staging.rename(final)
        fsync_dir(versions)
        step("version folder in place")
        pointer = index_dir / f".CURRENT.{version}"
        pointer.write_text(version + "\n")
        fsync_file(pointer)
        os.replace(pointer, index_dir / CURRENT_FILE)
        live = True
    finally:
        if not live:
            writer.abort()
    fsync_dir(index_dir)
    step("switched to the new version")
    writer.commit()
    _remove_old_versions(index_dir, keep=version)
    step("old versions removed")
    logger.info("index version %s is live (%d chunks)", version, chunks)
    return version


def _remove_staging(index_dir: Path) -> None:
    """Drop what a crashed writer left half-written (we hold the writer lock)."""
    versions = index_dir / "versions"
    if versions.is_dir():
        for entry in versions.glob(".staging-*"):
            shutil.rmtree(entry, ignore_errors=True)
    for stale in index_dir.glob(".CURRENT.*"):
        stale.unlink(missing_ok=True)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    """Remove versions older than the live one and the one before it.

    The one before stays so that a reader which read CURRENT just before the switch can
    still load the files it named.
    """
    versions = index_dir / "versions"
    older = sorted(
        (entry for entry in versions.iterdir() if entry.name != keep),
        key=lambda entry: entry.name,
    )
    for entry in older[:-1]:
        shutil.rmtree(entry, ignore_errors=True)
    for stale in index_dir.glob(".CURRENT.*"):
        stale.unlink(missing_ok=True)
