"""A loaded index version: its documents, the vector of every chunk, and what built it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.embedding.embedder import ModelFingerprint
from index.storage.backends.base import VectorStore
from index.storage.document_table import DocumentStatements, read_statements
from index.storage.manifest import DocumentSummary
from index.storage.records import DocumentRecord
from index.text.chunking import Chunk, ChunkingConfig


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
    # How the last update that embedded chunks ran the model ("torch bf16"; the manifest's
    # ``embedded_with``); None when not recorded.
    embedded_with: str | None = None

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
