"""The documents an update's new version will hold: kept ones as they are, new ones spooled."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.sources.duplicates import DuplicateFinder, sketch
from index.statements.extraction import StatementExtractor
from index.storage.records import DocumentRecord, DuplicateSource
from index.storage.stored_index import StoredIndex
from index.update.reading import with_statements
from index.update.spool import Spool


class AcceptedDocuments:
    """The documents the new version will hold, and their recorded copies.

    Documents kept from the live index are held as they are; new and changed ones, with
    their vectors, wait in a temporary file (``index.update.spool``) until written.

    Args:
        index_dir: The index folder (the spool's temporary file goes there).
        previous: The live index (None for a first build or a rebuild).
        extractor: Gives documents indexed before statements were extracted their
            statements (None: leave them without).
    """

    def __init__(
        self,
        index_dir: Path,
        previous: StoredIndex | None,
        extractor: StatementExtractor | None = None,
    ) -> None:
        self.previous = previous
        self.extractor = extractor
        self.held: dict[str, DocumentRecord | int] = {}
        self.sources: dict[str, list[DuplicateSource]] = {}
        self.spool = Spool(index_dir)
        self.finder = DuplicateFinder()

    def add(self, record: DocumentRecord, kept_sources: Sequence[DuplicateSource]) -> None:
        if not record.sketch:
            # Indexed before sketches were stored: compute it once; the next write keeps it.
            record = replace(record, sketch=_sketch_of(record))
        if self.extractor is not None and record.statements is None:
            # Indexed before statements were extracted: extract them once, as for sketches.
            record = with_statements(record, self.extractor)
        live = self.previous.documents.get(record.doc_id) if self.previous is not None else None
        if record is live:
            self.held[record.doc_id] = record
        else:
            self.spool.put_record(record)
            self.held[record.doc_id] = len(record.chunks)  # the record is in the spool
        self.sources[record.doc_id] = list(kept_sources)
        self.finder.add(record.doc_id, record.sketch)

    def chunks(self) -> int:
        return sum(
            held if isinstance(held, int) else len(held.chunks) for held in self.held.values()
        )

    def record(self, doc_id: str) -> DocumentRecord:
        """An accepted document as it is written: read back if spooled, with its sources."""
        held = self.held[doc_id]
        record = self.spool.record(doc_id) if isinstance(held, int) else held
        return replace(
            record, duplicates=tuple(sorted(self.sources[doc_id], key=lambda d: d.source_path))
        )

    def unchanged_from_previous(self) -> bool:
        """Whether these are exactly the live version's documents, with nothing spooled."""
        previous = self.previous
        return (
            previous is not None
            and not self.spool.records  # all held, so comparing them is cheap
            and not self.spool
            and {doc_id: self.record(doc_id) for doc_id in self.held} == previous.documents
        )

    def entries(self) -> Iterator[tuple[DocumentRecord, npt.NDArray[np.float32] | None]]:
        # One document at a time, read back from the spool. None: unchanged, the store reuses
        # the live version's vectors. The live version's documents keep their order and new
        # ones follow, so an update that only adds documents leaves the old rows where they
        # were (an HNSW graph is then extended).
        previous = self.previous.order if self.previous is not None else ()
        before = [doc_id for doc_id in previous if doc_id in self.held]
        for doc_id in [*before, *sorted(set(self.held) - set(before))]:
            yield self.record(doc_id), self.spool.pop(doc_id, None)


def _sketch_of(record: DocumentRecord) -> tuple[int, ...]:
    """Sketch of a record written before sketches were stored."""
    return sketch(record.text)
