"""One index update: find files, reuse what is unchanged, read and embed the rest, write.

Files whose bytes did not change keep their records and vectors without being read again
for text. Every other file is read, cleaned, chunked and compared with the documents
accepted so far: the same story in another file (a near-duplicate) is listed as another
source of the first, not indexed again. New chunks are embedded in batches, one document at
a time, so a huge file never has all its chunk texts in memory at once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.chunking import ChunkingConfig
from index.documents import FileProblem, SourceFile, scan, unique_id
from index.duplicates import DuplicateFinder
from index.embedder import Embedder
from index.errors import NoDocumentsError
from index.extraction_process import DEFAULT_TIME_LIMIT_S, ExtractionProcess
from index.hashing import file_sha256
from index.progress import IndexProgress, Phase, ProgressCallback
from index.records import DocumentRecord, DuplicateSource, PreparedFile, prepare_file
from index.spool import Spool
from index.store import IndexStore, StoredIndex

logger = logging.getLogger(__name__)

# Preferred canonical copy when one story is saved in several formats: the plainest text.
_FORMAT_RANK = {".md": 0, ".markdown": 0, ".txt": 1, ".text": 1, ".html": 2, ".htm": 2}


@dataclass(frozen=True)
class DuplicateNote:
    """A file recognised as another copy of an indexed document, and not indexed again.

    Attributes:
        path: The file.
        doc_id: The document it repeats.
        resemblance: Estimated share of word 4-grams they have in common, in [0, 1].
    """

    path: str
    doc_id: str
    resemblance: float


@dataclass(frozen=True)
class BuildReport:
    """What an index update did.

    Attributes:
        added: Ids of documents indexed for the first time.
        updated: Ids of documents whose content changed and were re-indexed.
        unchanged: Ids of documents kept as they were (their vectors reused).
        removed: Ids of documents dropped because their files are gone (or, by
            ``remove``, on request).
        left_out: Files under the given folders not indexed because they were removed on
            request earlier (``IndexBuilder.remove``); naming such a file indexes it again.
        duplicates: Files found to repeat an indexed document, listed as its sources.
        problems: Files skipped or read with a warning.
        chunks_embedded: Chunks that went through the model in this update.
        total_chunks: Chunks in the index afterwards.
        version: The live index version afterwards.
        files_seen: Supported files found under the given paths.
        elapsed_s: Seconds the update took (after the writer lock was taken).
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    duplicates: tuple[DuplicateNote, ...] = ()
    problems: tuple[FileProblem, ...] = field(default=())
    chunks_embedded: int = 0
    total_chunks: int = 0
    version: str = ""
    files_seen: int = 0
    elapsed_s: float = 0.0


def _is_under(path: str, roots: Sequence[Path]) -> bool:
    candidate = Path(path)
    return any(candidate == root or root in candidate.parents for root in roots)


def _is_gone(path: str) -> bool:
    """Whether a file no longer exists; one that cannot be looked at is not gone.

    A file in a folder this user may not list or enter (say, chmod 000) is still there,
    and keeps its indexed version, where ``Path.exists()`` would raise PermissionError.
    """
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


class IndexUpdate:
    """A single run of ``IndexBuilder.update``; call ``run()`` once, holding the writer lock.

    Args:
        store: Where the index is written.
        embedder: Makes chunk vectors.
        chunking: How documents are cut.
        previous: The live index (None for a first build or a rebuild).
        progress: Called with an ``IndexProgress`` as the update goes.
        embed_batch_size: Chunks sent to the model per call.
        excluded: Source paths of files removed on request: left out when found in a
            folder, indexed again (and no longer excluded) when named as a file.
        file_time_limit_s: Longest one PDF or HTML file may take to extract, in seconds,
            before it is refused (None: no limit; see ``ExtractionProcess``).
    """

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        chunking: ChunkingConfig,
        previous: StoredIndex | None,
        progress: ProgressCallback | None = None,
        embed_batch_size: int = 64,
        excluded: Sequence[str] = (),
        file_time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.previous = previous
        self.progress = progress
        self.embed_batch_size = embed_batch_size
        self.file_time_limit_s = file_time_limit_s
        self.started = time.monotonic()
        self.files_total = 0
        self.files_done = 0
        self.chunks_embedded = 0
        self.chunks_total = 0
        self.embedding_s = 0.0
        self.model_ready = False
        self.problems: list[FileProblem] = []
        # Documents kept from the live index are held as they are; new and changed ones,
        # with their vectors, wait in a temporary file (``index.spool``) until written.
        self.accepted: dict[str, DocumentRecord | int] = {}
        self.sources: dict[str, list[DuplicateSource]] = {}
        self.fresh_vectors = Spool(store.index_dir)
        # Small documents wait here so one model call embeds chunks of several of them.
        self.queued: list[tuple[DocumentRecord, str]] = []
        self.queued_chunks = 0
        self.finder = DuplicateFinder()
        self.added: list[str] = []
        self.updated: list[str] = []
        self.removed: list[str] = []
        self.duplicates: list[DuplicateNote] = []
        self.excluded = set(excluded)
        self.left_out: list[str] = []

    def _emit(self, phase: Phase, path: str = "", step: str = "") -> None:
        if self.progress is not None:
            self.progress(
                IndexProgress(
                    phase=phase,
                    files_total=self.files_total,
                    files_done=self.files_done,
                    chunks_embedded=self.chunks_embedded,
                    chunks_total=self.chunks_total,
                    elapsed_s=time.monotonic() - self.started,
                    embedding_s=self.embedding_s,
                    path=path,
                    step=step,
                )
            )

    def _accept(self, record: DocumentRecord, kept_sources: Sequence[DuplicateSource]) -> None:
        if not record.sketch:
            # Indexed before sketches were stored: compute it once; the next write keeps it.
            record = replace(record, sketch=_sketch_of(record))
        live = self.previous.documents.get(record.doc_id) if self.previous is not None else None
        if record is live:
            self.accepted[record.doc_id] = record
        else:
            self.fresh_vectors.put_record(record)
            self.accepted[record.doc_id] = len(record.chunks)  # the record is in the spool
        self.sources[record.doc_id] = list(kept_sources)
        self.finder.add(record.doc_id, record.sketch)

    def run(self, paths: Sequence[str | Path]) -> BuildReport:
        """Bring the index in step with ``paths`` and write it if anything changed."""
        self._emit("scanning")
        found = scan(paths)
        roots = found.roots
        self.problems.extend(found.problems)
        self.files_total = len(found.files)
        self._emit("scanning")
        files = self._without_excluded(found.files, roots)
        old = self.previous.documents if self.previous is not None else {}
        reusable = self.previous is not None and self.previous.chunking == self.chunking
        by_path = {record.source_path: record for record in old.values()}
        copies = {
            dup.source_path: (record.doc_id, dup)
            for record in old.values()
            for dup in record.duplicates
        }
        scanned = {source.source_path for source in files}
        pending: list[SourceFile] = []
        possible_copies: list[tuple[SourceFile, str, DuplicateSource]] = []
        # Documents indexed from elsewhere stay; so do files under the roots that still exist
        # but were not found (refused links) and, below, files unreadable right now.
        for record in old.values():
            if record.source_path in scanned:
                continue
            if _is_under(record.source_path, roots) and _is_gone(record.source_path):
                self.removed.append(record.doc_id)
            else:
                self._keep(record, roots)
        for source in files:
            indexed = by_path.get(source.source_path)
            copy = copies.get(source.source_path)
            if indexed is None and copy is None:
                pending.append(source)
                continue
            try:
                digest = file_sha256(source.path)
            except OSError:
                pending.append(source)  # reported, and the old version handled, when read
                continue
            if indexed is not None and reusable and digest == indexed.content_hash:
                self._keep(indexed, roots)
                self._done(source)
            elif indexed is None and copy is not None and digest == copy[1].content_hash:
                possible_copies.append((source, copy[0], copy[1]))
            else:
                pending.append(source)
        for source, doc_id, dup in possible_copies:
            if doc_id in self.accepted:
                self.sources[doc_id].append(dup)
                self._done(source)
            else:
                pending.append(source)
        reserved = {by_path[s.source_path].doc_id for s in pending if s.source_path in by_path}
        taken = set(self.accepted) | reserved
        pending.sort(
            key=lambda s: (
                s.source_path not in by_path,
                _FORMAT_RANK.get(s.path.suffix.lower(), 3),
                s.source_path,
            )
        )
        try:
            self._index_pending(pending, by_path, taken)
            return self._finish(paths, found.files)
        finally:
            self.fresh_vectors.close()

    def _without_excluded(
        self, files: Sequence[SourceFile], roots: Sequence[Path]
    ) -> list[SourceFile]:
        """``files`` less those removed on request, unless named; forget exclusions now moot.

        A file given by name (its own root) is indexed again and no longer excluded; an
        excluded file that is gone from a folder being indexed is no longer listed.
        """
        named = {source.source_path for source in files if str(source.root) == source.source_path}
        self.excluded = {
            path
            for path in self.excluded - named
            if not (_is_under(path, roots) and _is_gone(path))
        }
        kept = []
        for source in files:
            if source.source_path in self.excluded:
                self.left_out.append(source.source_path)
                self._done(source)
            else:
                kept.append(source)
        return kept

    def _keep(self, record: DocumentRecord, roots: Sequence[Path]) -> None:
        # Copies under the roots are confirmed again in this run; others are kept as listed.
        elsewhere = [dup for dup in record.duplicates if not _is_under(dup.source_path, roots)]
        self._accept(record, elsewhere)

    def _done(self, source: SourceFile) -> None:
        self.files_done += 1
        self._emit("reading", path=str(source.path))

    def _index_pending(
        self, pending: Sequence[SourceFile], by_path: dict[str, DocumentRecord], taken: set[str]
    ) -> None:
        """Read, cut and embed ``pending`` files in order; engines other than local override it."""
        with ExtractionProcess(self.file_time_limit_s) as extraction:
            for source in pending:
                prepared = prepare_file(source, self.chunking, extraction.extract)
                self._settle(prepared, by_path.get(source.source_path), taken)
        self._flush()

    def _settle(
        self,
        prepared: PreparedFile,
        earlier: DocumentRecord | None,
        taken: set[str],
        vectors: npt.NDArray[np.float32] | None = None,
    ) -> None:
        """Decide what becomes of a prepared file: indexed, a copy, skipped, or kept as it was.

        Args:
            prepared: The file read and cut (``prepare_file``).
            earlier: Its record in the live index, if it has one.
            taken: Ids in use; a newly indexed file's id is added.
            vectors: Its chunk vectors when already embedded elsewhere; None to embed here.
        """
        source = prepared.source
        if not prepared.readable:
            problem = prepared.problems[0]
            if earlier is not None and not _is_gone(source.source_path):
                problem = replace(
                    problem, message=problem.message + "; the version indexed earlier is kept"
                )
                self._accept(earlier, earlier.duplicates)
            elif earlier is not None:
                self.removed.append(earlier.doc_id)
            self.problems.append(problem)
            self._done(source)
            return
        if earlier is not None:
            doc_id = earlier.doc_id
        else:
            doc_id = unique_id(source, taken)
            taken.add(doc_id)
        self.problems.extend(prepared.problems)
        if prepared.record is None:
            if earlier is not None:
                self.removed.append(earlier.doc_id)
            self._done(source)
            return
        record = replace(prepared.record, doc_id=doc_id)
        match = self.finder.match(record.sketch)
        if match is not None:
            self.sources[match.doc_id].append(
                DuplicateSource(
                    source.source_path, record.content_hash, round(match.resemblance, 3)
                )
            )
            self.duplicates.append(DuplicateNote(str(source.path), match.doc_id, match.resemblance))
            if earlier is not None:
                self.removed.append(earlier.doc_id)
            self._done(source)
            return
        if vectors is None:
            self._enqueue(record, str(source.path))
        else:
            self.fresh_vectors[doc_id] = vectors
            self.chunks_embedded += len(record.chunks)
            self.chunks_total += len(record.chunks)
            self._emit("embedding", path=str(source.path))
        (self.updated if earlier is not None else self.added).append(doc_id)
        self._accept(record, [])
        self._done(source)

    def _enqueue(self, record: DocumentRecord, path: str) -> None:
        """Embed ``record`` now if it fills a batch alone, else with the next documents."""
        if len(record.chunks) >= self.embed_batch_size:
            self._flush()
            self.fresh_vectors[record.doc_id] = self._embed([(record, path)])
            return
        self.queued.append((record, path))
        self.queued_chunks += len(record.chunks)
        if self.queued_chunks >= self.embed_batch_size:
            self._flush()

    def _flush(self) -> None:
        if not self.queued:
            return
        vectors = self._embed(self.queued)
        row = 0
        for record, _ in self.queued:
            self.fresh_vectors[record.doc_id] = vectors[row : row + len(record.chunks)]
            row += len(record.chunks)
        self.queued = []
        self.queued_chunks = 0

    def _embed(self, items: Sequence[tuple[DocumentRecord, str]]) -> npt.NDArray[np.float32]:
        """Vectors of all chunks of ``items``, in order, sent to the model in full batches."""
        dimension = self.embedder.fingerprint().dimension
        spans = [(record, span) for record, _ in items for span in record.chunks]
        vectors = np.empty((len(spans), dimension), dtype=np.float32)
        path = items[-1][1]
        self.chunks_total += len(spans)
        if not self.model_ready:
            # Load the model before timing, so chunks per second measure embedding alone.
            warm_up = getattr(self.embedder, "warm_up", None)
            if callable(warm_up):
                warm_up()
                self._emit("embedding", path=path, step="model loaded")
            self.model_ready = True
        for start in range(0, len(spans), self.embed_batch_size):
            texts = [
                record.text[span.start : span.end]
                for record, span in spans[start : start + self.embed_batch_size]
            ]
            began = time.monotonic()
            vectors[start : start + len(texts)] = self.embedder.embed(texts)
            self.embedding_s += time.monotonic() - began
            self.chunks_embedded += len(texts)
            self._emit("embedding", path=path)
        return vectors

    def _finish(self, paths: Sequence[str | Path], files: Sequence[SourceFile]) -> BuildReport:
        for problem in self.problems:
            logger.info("%s: %s", problem.path, problem.message)
        unchanged = tuple(
            sorted(set(self.accepted) - set(self.added) - set(self.updated)),
        )
        report = BuildReport(
            added=tuple(sorted(self.added)),
            updated=tuple(sorted(self.updated)),
            unchanged=unchanged,
            removed=tuple(sorted(set(self.removed) - set(self.accepted))),
            left_out=tuple(sorted(self.left_out)),
            duplicates=tuple(self.duplicates),
            problems=tuple(self.problems),
            chunks_embedded=self.chunks_embedded,
            files_seen=len(files),
        )
        if not self.accepted and (self.previous is None or not self.previous.documents):
            detail = "; ".join(f"{p.path}: {p.message}" for p in self.problems)
            raise NoDocumentsError(
                "no documents to index in "
                + ", ".join(str(path) for path in paths)
                + (f" ({detail})" if detail else "")
                + "; give a folder or files with .txt, .md, .html or .pdf documents"
            )
        previous = self.previous
        if (
            previous is not None
            and not self.fresh_vectors.records  # all held, so comparing them is cheap
            and not self.fresh_vectors
            and {doc_id: self._record(doc_id) for doc_id in self.accepted} == previous.documents
            and tuple(sorted(self.excluded)) == tuple(sorted(previous.excluded))
            and not self.store.changes_store()
        ):
            # Nothing changed: keep the live version instead of writing an identical one.
            self.store.tidy()
            self._emit("done")
            return replace(
                report,
                total_chunks=previous.vectors.count,
                version=previous.version,
                elapsed_s=time.monotonic() - self.started,
            )
        total = sum(
            held if isinstance(held, int) else len(held.chunks) for held in self.accepted.values()
        )
        version = self.store.write(
            self._entries(),
            self.embedder.fingerprint(),
            self.chunking,
            on_step=lambda step: self._emit("writing", step=step),
            previous=self.previous,
            excluded=self.excluded,
            rows=total,
        )
        self._emit("done")
        return replace(
            report, total_chunks=total, version=version, elapsed_s=time.monotonic() - self.started
        )

    def _record(self, doc_id: str) -> DocumentRecord:
        """An accepted document as it is written: read back if spooled, with its sources."""
        held = self.accepted[doc_id]
        record = self.fresh_vectors.record(doc_id) if isinstance(held, int) else held
        return replace(
            record, duplicates=tuple(sorted(self.sources[doc_id], key=lambda d: d.source_path))
        )

    def _entries(self) -> Iterator[tuple[DocumentRecord, npt.NDArray[np.float32] | None]]:
        # One document at a time, read back from the spool. None: unchanged, the store reuses
        # the live version's vectors. The live version's documents keep their order and new
        # ones follow, so an update that only adds documents leaves the old rows where they
        # were (an HNSW graph is then extended).
        previous = self.previous.order if self.previous is not None else ()
        before = [doc_id for doc_id in previous if doc_id in self.accepted]
        for doc_id in [*before, *sorted(set(self.accepted) - set(before))]:
            yield self._record(doc_id), self.fresh_vectors.pop(doc_id, None)


def _sketch_of(record: DocumentRecord) -> tuple[int, ...]:
    """Sketch of a record written before sketches were stored."""
    from index.duplicates import sketch

    return sketch(record.text)
