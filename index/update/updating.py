"""One index update: plan it, reuse what is unchanged, prepare and embed the rest, write.

``plan_update`` (``index.update.planning``) decides what happens to every file and document
without changing anything. ``IndexUpdate`` then executes the plan: kept documents keep
their records and vectors without being read again for text; every pending file is
prepared by a ``PreparedFiles`` source (``index.update.preparing``: in this process, or on Ray
workers), compared with the documents accepted so far (the same story in another file is
listed as another source of the first, not indexed again), embedded in batches, one
document at a time, so a huge file never has all its chunk texts in memory at once, and
finally written as a new version.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.embedding.embedder import Embedder
from index.errors import NoDocumentsError
from index.sources.cleaning import TextSpan
from index.sources.documents import FileProblem, scan, unique_id
from index.statements.extraction import StatementExtractor
from index.storage.records import DocumentRecord, DuplicateSource
from index.storage.store import IndexStore
from index.storage.stored_index import StoredIndex
from index.text.chunking import ChunkingConfig
from index.update.accepted import AcceptedDocuments
from index.update.planning import UpdatePlan, is_gone, plan_update
from index.update.preparing import LocalFiles, Prepared, PreparedFiles
from index.update.progress import ProgressCallback, ProgressCounter
from index.update.report import BuildReport, DuplicateNote
from index.update.spool import Spool

logger = logging.getLogger(__name__)


# Chunks sorted by length together before they are cut into calls to the embedder, as so
# many calls: a call of chunks of one length pads little (own torch forward, bf16, on 2
# cores: windows of 256 embedded 62 chunks/s against 56 for 64; benchmarks/embedding_options.py).
_SORTED_CALLS = 4


class _Batcher:
    """Embeds new documents' chunks in full model batches, several small documents at once."""

    def __init__(
        self, embedder: Embedder, batch_size: int, spool: Spool, progress: ProgressCounter
    ) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self.spool = spool
        self.progress = progress
        self.queued: list[tuple[DocumentRecord, str]] = []
        self.queued_chunks = 0
        self.model_ready = False
        self.window = batch_size * _SORTED_CALLS

    def add(self, record: DocumentRecord, path: str) -> None:
        """Embed ``record`` now if it fills a batch alone, else with the next documents."""
        if len(record.chunks) >= self.batch_size:
            self.flush()
            self.spool[record.doc_id] = self._embed([(record, path)])
            return
        self.queued.append((record, path))
        self.queued_chunks += len(record.chunks)
        if self.queued_chunks >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.queued:
            return
        vectors = self._embed(self.queued)
        row = 0
        for record, _ in self.queued:
            self.spool[record.doc_id] = vectors[row : row + len(record.chunks)]
            row += len(record.chunks)
        self.queued = []
        self.queued_chunks = 0

    def _embed(self, items: Sequence[tuple[DocumentRecord, str]]) -> npt.NDArray[np.float32]:
        """Vectors of all chunks of ``items``, in order, sent to the model in full batches:
        each window of chunks is sorted by length and cut into calls of ``batch_size``."""
        dimension = self.embedder.fingerprint().dimension
        spans = [(record, span) for record, _ in items for span in record.chunks]
        vectors = np.empty((len(spans), dimension), dtype=np.float32)
        path = items[-1][1]
        progress = self.progress
        progress.chunks_total += len(spans)
        if not self.model_ready:
            # Load the model before timing, so chunks per second measure embedding alone.
            self.embedder.warm_up()
            progress.emit("embedding", path=path, step="model loaded")
            self.model_ready = True

        def text_of(record: DocumentRecord, span: TextSpan) -> str:
            return record.text[span.start : span.end]

        for window in range(0, len(spans), self.window):
            rows = sorted(
                range(window, min(window + self.window, len(spans))),
                key=lambda row: spans[row][1].end - spans[row][1].start,
            )
            for start in range(0, len(rows), self.batch_size):
                call = rows[start : start + self.batch_size]
                texts = [text_of(*spans[row]) for row in call]
                began = time.monotonic()
                vectors[call] = self.embedder.embed(texts)
                progress.embedding_s += time.monotonic() - began
                progress.chunks_embedded += len(texts)
                progress.emit("embedding", path=path)
        return vectors


class IndexUpdate:
    """A single run of ``IndexBuilder.update``; call ``run()`` once, holding the writer lock.

    Args:
        store: Where the index is written.
        embedder: Makes chunk vectors (those the ``files`` source did not make).
        chunking: How documents are cut.
        previous: The live index (None for a first build or a rebuild).
        files: Reads and cuts the pending files (default ``LocalFiles()``).
        progress: Called with an ``IndexProgress`` as the update goes.
        embed_batch_size: Chunks sent to the model per call.
        excluded: Source paths of files removed on request: left out when found in a
            folder, indexed again (and no longer excluded) when named as a file.
        extractor: Gives every document kept from the live index its attributed statements
            when it was indexed before there were any (default None: not now).
    """

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        chunking: ChunkingConfig,
        previous: StoredIndex | None,
        files: PreparedFiles | None = None,
        progress: ProgressCallback | None = None,
        embed_batch_size: int = 64,
        excluded: Sequence[str] = (),
        extractor: StatementExtractor | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        if previous is not None:
            # A loaded version reads its records from disk when asked; an update consults
            # each one several times (planning, keeping, comparing), so they are read once.
            previous = replace(previous, documents=dict(previous.documents))
        self.previous = previous
        self.files = files if files is not None else LocalFiles()
        self.excluded = tuple(excluded)
        self.progress = ProgressCounter(progress)
        self.accepted = AcceptedDocuments(store.index_dir, previous, extractor)
        self.batcher = _Batcher(embedder, embed_batch_size, self.accepted.spool, self.progress)
        self.problems: list[FileProblem] = []
        self.added: list[str] = []
        self.updated: list[str] = []
        self.removed: list[str] = []
        self.duplicates: list[DuplicateNote] = []

    def run(self, paths: Sequence[str | Path]) -> BuildReport:
        """Bring the index in step with ``paths`` and write it if anything changed."""
        progress = self.progress
        progress.emit("scanning")
        found = scan(paths)
        progress.files_total = len(found.files)
        progress.emit("scanning")
        previous = self.previous
        plan = plan_update(
            found,
            previous.documents if previous is not None else {},
            reusable=previous is not None and previous.chunking == self.chunking,
            excluded=self.excluded,
        )
        self.problems.extend(plan.problems)
        for source in plan.left_out:
            progress.file_done(source.path)
        self.removed.extend(plan.removed)
        for kept in plan.kept:
            self.accepted.add(kept.record, kept.sources)
            if kept.source is not None:
                progress.file_done(kept.source.path)
        for source, doc_id, dup in plan.copies:
            self.accepted.sources[doc_id].append(dup)
            progress.file_done(source.path)
        try:
            taken = set(plan.taken)
            with closing(self.files.prepare(plan.pending, self.chunking)) as prepared_files:
                for prepared in prepared_files:
                    self._settle(prepared, plan, taken)
            self.batcher.flush()
            return self._finish(paths, plan)
        finally:
            self.accepted.spool.close()

    def _settle(self, prepared: Prepared, plan: UpdatePlan, taken: set[str]) -> None:
        """Decide what becomes of a prepared file: indexed, a copy, skipped, or kept as it was.

        Args:
            prepared: The file read and cut, with its vectors if the source embedded it.
            plan: The update's plan (for the file's live record, if it has one).
            taken: Ids in use; a newly indexed file's id is added.
        """
        source = prepared.file.source
        earlier = plan.earlier.get(source.source_path)
        progress = self.progress
        if not prepared.file.readable:
            problem = prepared.file.problems[0]
            if earlier is not None and not is_gone(source.source_path):
                problem = replace(
                    problem, message=problem.message + "; the version indexed earlier is kept"
                )
                self.accepted.add(earlier, earlier.duplicates)
            elif earlier is not None:
                self.removed.append(earlier.doc_id)
            self.problems.append(problem)
            progress.file_done(source.path)
            return
        if earlier is not None:
            doc_id = earlier.doc_id
        else:
            doc_id = unique_id(source, taken)
            taken.add(doc_id)
        self.problems.extend(prepared.file.problems)
        if prepared.file.record is None:
            if earlier is not None:
                self.removed.append(earlier.doc_id)
            progress.file_done(source.path)
            return
        record = replace(prepared.file.record, doc_id=doc_id)
        match = self.accepted.finder.match(record.sketch)
        if match is not None:
            self.accepted.sources[match.doc_id].append(
                DuplicateSource(
                    source.source_path, record.content_hash, round(match.resemblance, 3)
                )
            )
            self.duplicates.append(DuplicateNote(str(source.path), match.doc_id, match.resemblance))
            if earlier is not None:
                self.removed.append(earlier.doc_id)
            progress.file_done(source.path)
            return
        if prepared.vectors is None:
            self.batcher.add(record, str(source.path))
        else:
            self.accepted.spool[doc_id] = prepared.vectors
            progress.embedding_s += prepared.embedding_s
            progress.chunks_embedded += len(record.chunks)
            progress.chunks_total += len(record.chunks)
            progress.emit("embedding", path=str(source.path))
        (self.updated if earlier is not None else self.added).append(doc_id)
        self.accepted.add(record, [])
        progress.file_done(source.path)

    def _finish(self, paths: Sequence[str | Path], plan: UpdatePlan) -> BuildReport:
        for problem in self.problems:
            logger.info("%s: %s", problem.path, problem.message)
        accepted = set(self.accepted.held)
        report = BuildReport(
            added=tuple(sorted(self.added)),
            updated=tuple(sorted(self.updated)),
            unchanged=tuple(sorted(accepted - set(self.added) - set(self.updated))),
            removed=tuple(sorted(set(self.removed) - accepted)),
            left_out=tuple(sorted(source.source_path for source in plan.left_out)),
            duplicates=tuple(self.duplicates),
            problems=tuple(self.problems),
            chunks_embedded=self.progress.chunks_embedded,
            files_seen=len(plan.files),
        )
        previous = self.previous
        if not accepted and (previous is None or not previous.documents):
            detail = "; ".join(f"{p.path}: {p.message}" for p in self.problems)
            raise NoDocumentsError(
                "no documents to index in "
                + ", ".join(str(path) for path in paths)
                + (f" ({detail})" if detail else "")
                + "; give a folder or files with .txt, .md, .html or .pdf documents"
            )
        if (
            previous is not None
            and self.accepted.unchanged_from_previous()
            and tuple(sorted(plan.excluded)) == tuple(sorted(previous.excluded))
            and not self.store.changes_store()
        ):
            # Nothing changed: keep the live version instead of writing an identical one.
            self.store.tidy()
            self.progress.emit("done")
            return replace(
                report,
                total_chunks=previous.vectors.count,
                version=previous.version,
                elapsed_s=self.progress.elapsed_s(),
            )
        total = self.accepted.chunks()
        embedded_with = (
            self.embedder.engine()
            if self.progress.chunks_embedded
            else (previous.embedded_with if previous is not None else None)
        )
        version = self.store.write(
            self.accepted.entries(),
            self.embedder.fingerprint(),
            self.chunking,
            on_step=lambda step: self.progress.emit("writing", step=step),
            previous=previous,
            excluded=plan.excluded,
            rows=total,
            embedded_with=embedded_with,
        )
        self.progress.emit("done")
        return replace(
            report, total_chunks=total, version=version, elapsed_s=self.progress.elapsed_s()
        )
