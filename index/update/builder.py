"""Building and updating the index: load, clean, chunk, split sentences, embed, store."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from index.embedding.embedder import Embedder, SentenceTransformerEmbedder
from index.errors import CorruptIndexError, RebuildWouldDropError
from index.sources.extraction_process import DEFAULT_TIME_LIMIT_S
from index.statements.english import EnglishPipeline
from index.statements.extraction import StatementExtractor
from index.storage.backends import StoreConfig
from index.storage.store import IndexStore
from index.storage.stored_index import StoredIndex
from index.text.chunking import ChunkingConfig
from index.update.preparing import LocalFiles, PreparedFiles
from index.update.progress import ProgressCallback
from index.update.reading import make_record
from index.update.report import BuildReport, DuplicateNote
from index.update.updating import IndexUpdate

logger = logging.getLogger(__name__)

__all__ = ["INDEX_ENGINES", "BuildReport", "DuplicateNote", "IndexBuilder", "make_record"]

INDEX_ENGINES: tuple[str, ...] = ("local", "ray")
"""Ways to run an update: ``local`` in this process, ``ray`` on Ray workers (optional extra)."""


class IndexBuilder:
    """Keeps the index in a folder in step with a set of document paths.

    Example:
        >>> builder = IndexBuilder(SentenceTransformerEmbedder(), Path("data/index"))
        >>> report = builder.update(["seeds"], progress=print)
        >>> report.total_chunks > 0
        True

    Args:
        embedder: Makes chunk vectors; must be the model that built any existing index.
        index_dir: Folder of the index.
        chunking: Chunk size and overlap (default ``ChunkingConfig()``).
        embed_batch_size: Chunks sent to the model per call (default 64); sets how often
            progress is reported while embedding and bounds memory on huge files. A
            document's chunks are sorted by length four calls' worth at a time first, so each
            call pads little; smaller documents are embedded together, a call at a time.
        vector_store: Where the vectors are kept, with the credentials for a Milvus server
            (default None: where the live index keeps them, FAISS files for a new index;
            see ``index.storage.backends``).
        file_time_limit_s: Longest one PDF or HTML file may take to extract before it is
            refused with a problem, in seconds (default 30; None: no limit). The local
            engine extracts them in a child process that is killed past the limit.
        engine: How every update reads and embeds new files: ``local`` (default) in this
            process; ``ray`` on Ray workers (``index.update.ray_engine``), giving the same index.
        ray_address: For the ray engine, an existing Ray cluster to run on (default None:
            a local Ray instance, started and stopped by each update).
        store: The ``IndexStore`` of ``index_dir`` to write through (default None: one made
            from ``vector_store``); ``QA`` passes its own, so reading and writing share the
            back ends' connections.
        statements: Extract each document's attributed statements (default True; off only
            to measure what extracting them costs, in ``benchmarks/index_build.py``).
        english: The spaCy pipeline statements are found with (default: one of the
            builder's own, loaded when first needed); ``QA`` shares its own.

    Raises:
        ValueError: ``engine`` is not one of ``INDEX_ENGINES``, or ``store`` is another
            folder's.
    """

    def __init__(
        self,
        embedder: Embedder,
        index_dir: Path,
        chunking: ChunkingConfig | None = None,
        embed_batch_size: int = 64,
        vector_store: StoreConfig | None = None,
        file_time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
        engine: str = "local",
        ray_address: str | None = None,
        store: IndexStore | None = None,
        statements: bool = True,
        english: EnglishPipeline | None = None,
    ) -> None:
        if store is not None and store.index_dir != Path(index_dir):
            raise ValueError(f"the store given is {store.index_dir}'s, not {index_dir}'s")
        if engine not in INDEX_ENGINES:
            raise ValueError(
                f"unknown index engine {engine!r}; choose one of {', '.join(INDEX_ENGINES)}"
            )
        self.engine = engine
        self.ray_address = ray_address
        self.embedder = embedder
        self.store = store or IndexStore(index_dir, vector_store=vector_store)
        self.chunking = chunking or ChunkingConfig()
        self.embed_batch_size = embed_batch_size
        self.file_time_limit_s = file_time_limit_s
        self.extractor = StatementExtractor(english) if statements else None

    def _previous(self, rebuild: bool) -> StoredIndex | None:
        if rebuild or not self.store.exists():
            return None
        # A corrupt index is not silently replaced: documents indexed from other folders
        # would be lost. CorruptIndexError names the file and says to rebuild.
        previous = self.store.load(expected_model=self.embedder.fingerprint())
        if previous.chunking != self.chunking:
            logger.info("chunking changed; re-embedding every document")
        return previous

    def update(
        self,
        paths: Sequence[str | Path],
        rebuild: bool = False,
        progress: ProgressCallback | None = None,
        lock_timeout_s: float = 0.0,
    ) -> BuildReport:
        """Add new files under ``paths``, re-index changed ones, drop deleted ones.

        Unchanged files (same bytes) are not read for text nor embedded again. Documents
        indexed earlier from outside ``paths`` are kept; a file that cannot be read right now
        (permissions, I/O errors) keeps its previously indexed version, while one that has
        become empty, binary or otherwise unindexable is dropped with its message. A file
        that repeats an indexed document (the same
        story saved twice) is listed as another source of it instead of being indexed. Readers
        of the index go on using the previous version until the new one is complete.

        Args:
            paths: Files and folders to index; a folder is a documents folder (symlinks
                pointing outside it are refused).
            rebuild: Embed everything again (default False): every document indexed now,
                read again from the files it was indexed from, and ``paths``. Nothing
                indexed is dropped: when a document's file is gone, the rebuild is refused
                with the list (RebuildWouldDropError), and the index is left as it was.
            progress: Called with an ``IndexProgress`` after each file, embedding batch and
                write step (default: no reports).
            lock_timeout_s: How long to wait for another writer to finish before raising
                IndexLockedError (default 0: at once).

        Returns:
            What changed, with one problem per file that was skipped or needs attention.

        Raises:
            RayUnavailableError: This builder's engine is ray but Ray is not installed.
            IndexLockedError: Another process is writing the index.
            IndexNotWritableError: The index folder cannot be created or written in (checked
                before any file is read; the index is left as it was).
            NoDocumentsError: Nothing can be indexed and the index is empty.
            CorruptIndexError: The live index is damaged (rebuild with ``rebuild=True``).
            RebuildWouldDropError: A rebuild would lose documents whose files are gone.
        """
        files = self._prepared_files()
        with self.store.writing(lock_timeout_s):
            if rebuild:
                paths = [*paths, *self._recorded_sources()]
            previous = self._previous(rebuild)
            # Files removed on request stay out, through a rebuild too.
            excluded = previous.excluded if previous is not None else self.store.excluded_paths()
            update = IndexUpdate(
                self.store,
                self.embedder,
                self.chunking,
                previous,
                files=files,
                progress=progress,
                embed_batch_size=self.embed_batch_size,
                excluded=excluded,
                extractor=self.extractor,
            )
            return update.run(paths)

    def _recorded_sources(self) -> list[str]:
        """The files the live index's documents were read from (their copies too).

        Raises:
            RebuildWouldDropError: Some of them cannot be read any more; they are named.
        """
        try:
            summaries = self.store.manifest().documents if self.store.exists() else ()
        except CorruptIndexError:
            return []  # a damaged index: the rebuild reads only the paths it is given
        sources = [path for s in summaries for path in (s.source_path, *s.duplicates)]
        gone = [s for s in summaries if not Path(s.source_path).is_file()]
        if gone:
            listed = "; ".join(f"{s.doc_id} ({s.source_path})" for s in gone[:10])
            more = f" and {len(gone) - 10} more" if len(gone) > 10 else ""
            raise RebuildWouldDropError(
                f"a rebuild reads every indexed document again, but the files of "
                f"{len(gone)} are gone: {listed}{more}. Remove them first "
                "(qa index --remove DOC_ID), or put their files back"
            )
        return [path for path in dict.fromkeys(sources) if Path(path).is_file()]

    def _prepared_files(self) -> PreparedFiles:
        """Where pending files are read and cut: this process, or Ray workers."""
        if self.engine != "ray":
            return LocalFiles(self.file_time_limit_s, extractor=self.extractor)
        # Imported here: Ray is an optional extra, loaded only when its engine is asked for.
        from index.update.ray_engine import RayFiles, import_ray

        import_ray()
        if not isinstance(self.embedder, SentenceTransformerEmbedder):
            raise ValueError(
                "the ray engine loads the model on its workers, so it needs a "
                f"SentenceTransformerEmbedder, not {type(self.embedder).__name__}"
            )
        return RayFiles(
            self.embedder, ray_address=self.ray_address, statements=self.extractor is not None
        )

    def remove(self, doc_ids: Sequence[str], lock_timeout_s: float = 0.0) -> BuildReport:
        """Drop documents from the index by id; they stay out until a user names them again.

        The files stay where they are, so the next update of their folder would index them
        again; instead the manifest lists them as excluded and updates leave them out
        (``BuildReport.left_out``). Updating with such a file named directly indexes it again.

        Args:
            doc_ids: Ids as listed by ``qa docs``.
            lock_timeout_s: How long to wait for another writer (default 0: at once).

        Returns:
            What changed; unknown ids raise KeyError naming them.
        """
        with self.store.writing(lock_timeout_s):
            previous = self.store.load(expected_model=self.embedder.fingerprint())
            unknown = [doc_id for doc_id in doc_ids if doc_id not in previous.documents]
            if unknown:
                raise KeyError(f"no indexed document with id {', '.join(unknown)}")
            kept = [doc for doc_id, doc in previous.documents.items() if doc_id not in doc_ids]
            # The removed files (and their copies) stay out when their folder is indexed
            # again, until a user names one of them.
            dropped = [previous.documents[doc_id] for doc_id in doc_ids]
            excluded = {*previous.excluded}
            excluded.update(doc.source_path for doc in dropped)
            excluded.update(dup.source_path for doc in dropped for dup in doc.duplicates)
            version = self.store.write(
                ((doc, None) for doc in kept),
                self.embedder.fingerprint(),
                self.chunking,
                previous=previous,
                excluded=excluded,
            )
            return BuildReport(
                removed=tuple(doc_ids),
                unchanged=tuple(doc.doc_id for doc in kept),
                total_chunks=sum(len(doc.chunks) for doc in kept),
                version=version,
            )
