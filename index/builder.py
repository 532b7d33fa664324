"""Building and updating the index: load, clean, chunk, split sentences, embed, store."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.chunking import ChunkingConfig, chunk_document
from index.cleaning import TextSpan, content_blocks
from index.documents import Document, FileProblem, load_documents
from index.embedder import Embedder
from index.errors import CorruptIndexError, ModelMismatchError, NoDocumentsError
from index.sentences import split_sentences
from index.store import DocumentRecord, IndexStore, StoredIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What an index update did.

    Attributes:
        added: Ids of documents indexed for the first time.
        updated: Ids of documents whose content changed and were re-indexed.
        unchanged: Ids of documents kept as they were (their vectors reused).
        removed: Ids of documents dropped because their files are gone.
        problems: Files skipped or read with a warning.
        chunks_embedded: Chunks that went through the model in this update.
        total_chunks: Chunks in the index afterwards.
        version: The live index version afterwards.
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[FileProblem, ...] = field(default=())
    chunks_embedded: int = 0
    total_chunks: int = 0
    version: str = ""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def make_record(document: Document, config: ChunkingConfig) -> DocumentRecord:
    """Clean, chunk and sentence-split one document into the record the index stores."""
    chunks = chunk_document(document, config)
    sentences = tuple(
        sentence
        for block in content_blocks(document.text)
        for sentence in split_sentences(document.text, block.start, block.end)
    )
    return DocumentRecord(
        doc_id=document.doc_id,
        title=document.title,
        source_path=document.source_path,
        content_hash=document.content_hash,
        size_bytes=document.size_bytes,
        added_at=_now(),
        text=document.text,
        chunks=tuple(TextSpan(chunk.start, chunk.end) for chunk in chunks),
        sentences=sentences,
    )


def _is_under(path: str, roots: Sequence[Path]) -> bool:
    candidate = Path(path)
    return any(candidate == root or root in candidate.parents for root in roots)


class IndexBuilder:
    """Keeps the index in a folder in step with a set of document paths.

    Example:
        >>> builder = IndexBuilder(SentenceTransformerEmbedder(), Path("data/index"))
        >>> report = builder.update(["seeds"])
        >>> report.total_chunks > 0
        True

    Args:
        embedder: Makes chunk vectors; must be the model that built any existing index.
        index_dir: Folder of the index.
        chunking: Chunk size and overlap (default ``ChunkingConfig()``).
    """

    def __init__(
        self,
        embedder: Embedder,
        index_dir: Path,
        chunking: ChunkingConfig | None = None,
    ) -> None:
        self.embedder = embedder
        self.store = IndexStore(index_dir)
        self.chunking = chunking or ChunkingConfig()

    def _previous(self, rebuild: bool) -> StoredIndex | None:
        if rebuild or not self.store.exists():
            return None
        try:
            previous = self.store.load(expected_model=self.embedder.fingerprint())
        except CorruptIndexError:
            logger.warning("existing index is corrupt; rebuilding from the documents")
            return None
        except ModelMismatchError:
            raise
        if previous.chunking != self.chunking:
            logger.info("chunking changed; re-embedding every document")
        return previous

    def update(self, paths: Sequence[str | Path], rebuild: bool = False) -> BuildReport:
        """Add new files under ``paths``, re-index changed ones, drop deleted ones.

        Documents indexed earlier from outside ``paths`` are kept. A file that cannot be read
        now keeps its previously indexed version. Nothing is written when no document can
        be indexed at all.

        Args:
            paths: Files and folders to index.
            rebuild: Ignore the existing index and embed everything again (default False).

        Returns:
            What changed.
        """
        roots = [Path(path).resolve() for path in paths]
        with self.store.writing():
            loaded = load_documents(paths)
            previous = self._previous(rebuild)
            if not loaded.documents and (previous is None or not previous.documents):
                detail = "; ".join(f"{p.path}: {p.message}" for p in loaded.problems)
                raise NoDocumentsError(
                    "no documents to index in "
                    + ", ".join(str(path) for path in paths)
                    + (f" ({detail})" if detail else "")
                    + "; give a folder or files with .txt or .md documents"
                )
            return self._write(
                loaded.documents, loaded.problems, loaded.seen_paths, roots, previous
            )

    def remove(self, doc_ids: Sequence[str]) -> BuildReport:
        """Drop documents from the index by id.

        Args:
            doc_ids: Ids as listed by ``qa docs``.

        Returns:
            What changed; unknown ids raise KeyError naming them.
        """
        with self.store.writing():
            previous = self.store.load(expected_model=self.embedder.fingerprint())
            unknown = [doc_id for doc_id in doc_ids if doc_id not in previous.documents]
            if unknown:
                raise KeyError(f"no indexed document with id {', '.join(unknown)}")
            kept = [doc for doc_id, doc in previous.documents.items() if doc_id not in doc_ids]
            vectors = _stack([previous.vectors_of(doc.doc_id) for doc in kept], previous)
            version = self.store.write(kept, vectors, self.embedder.fingerprint(), self.chunking)
            return BuildReport(
                removed=tuple(doc_ids),
                unchanged=tuple(doc.doc_id for doc in kept),
                total_chunks=len(vectors),
                version=version,
            )

    def _write(
        self,
        documents: Sequence[Document],
        problems: Sequence[FileProblem],
        seen_paths: frozenset[str],
        roots: Sequence[Path],
        previous: StoredIndex | None,
    ) -> BuildReport:
        reusable = previous if previous is not None and previous.chunking == self.chunking else None
        old = previous.documents if previous is not None else {}
        records: list[DocumentRecord] = []
        pieces: list[npt.NDArray[np.float32]] = []
        to_embed: list[int] = []
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        for document in documents:
            earlier = old.get(document.doc_id)
            if (
                reusable is not None
                and earlier is not None
                and earlier.content_hash == document.content_hash
            ):
                records.append(earlier)
                pieces.append(reusable.vectors_of(earlier.doc_id))
                unchanged.append(document.doc_id)
                continue
            (updated if earlier is not None else added).append(document.doc_id)
            records.append(make_record(document, self.chunking))
            pieces.append(np.zeros((0, 0), dtype=np.float32))
            to_embed.append(len(records) - 1)
        fresh_ids = {record.doc_id for record in records}
        removed: list[str] = []
        for doc_id, earlier in old.items():
            if previous is None or doc_id in fresh_ids:
                continue
            gone = _is_under(earlier.source_path, roots) and earlier.source_path not in seen_paths
            if gone and not Path(earlier.source_path).exists():
                removed.append(doc_id)
                continue
            # Outside the given paths, or present but unreadable now: keep what was indexed.
            records.append(earlier)
            pieces.append(previous.vectors_of(doc_id))
            unchanged.append(doc_id)
        texts = [
            records[position].text[span.start : span.end]
            for position in to_embed
            for span in records[position].chunks
        ]
        logger.info("embedding %d chunks from %d documents", len(texts), len(to_embed))
        embedded = self.embedder.embed(texts)
        cursor = 0
        for position in to_embed:
            count = len(records[position].chunks)
            pieces[position] = embedded[cursor : cursor + count]
            cursor += count
        if previous is not None and not (added or updated or removed) and reusable is not None:
            # Nothing changed: keep the live version instead of writing an identical one.
            return BuildReport(
                unchanged=tuple(sorted(unchanged)),
                problems=tuple(problems),
                total_chunks=previous.vectors.ntotal,
                version=previous.version,
            )
        order = sorted(range(len(records)), key=lambda position: records[position].doc_id)
        records = [records[position] for position in order]
        vectors = _stack([pieces[position] for position in order], previous, self.embedder)
        version = self.store.write(records, vectors, self.embedder.fingerprint(), self.chunking)
        return BuildReport(
            added=tuple(added),
            updated=tuple(updated),
            unchanged=tuple(sorted(unchanged)),
            removed=tuple(sorted(removed)),
            problems=tuple(problems),
            chunks_embedded=len(texts),
            total_chunks=len(vectors),
            version=version,
        )


def _stack(
    pieces: Sequence[npt.NDArray[np.float32]],
    previous: StoredIndex | None,
    embedder: Embedder | None = None,
) -> npt.NDArray[np.float32]:
    non_empty = [piece for piece in pieces if piece.size]
    if non_empty:
        return np.ascontiguousarray(np.vstack(non_empty), dtype=np.float32)
    dimension = (
        previous.model.dimension
        if previous is not None
        else embedder.fingerprint().dimension
        if embedder is not None
        else 0
    )
    return np.zeros((0, dimension), dtype=np.float32)
