"""An index version's document records, read from its ``documents.jsonl`` when they are asked for.

Answering needs the text of the few documents its passages come from, not every document's:
a ``DocumentTable`` knows where each record's line starts (``documents.offsets.npy``, written
with the version) and reads and parses a record on first use, keeping the most recently used
ones up to a budget of characters. Its memory is a few numbers per document, whatever the
size of the texts.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from index.errors import CorruptIndexError
from index.statements.statement import Descriptor, Statement
from index.storage.manifest import REBUILD_HINT
from index.storage.records import DocumentRecord

DOCUMENTS = "documents.jsonl"
OFFSETS = "documents.offsets.npy"
STATEMENTS = "statements.jsonl"

# Characters of document text kept parsed between reads: a few hundred news articles, or one
# long book (a record bigger than the budget is read each time it is needed).
CACHE_CHARS = 32 << 20
_SCAN_BLOCK = 16 << 20


def _record_size(record: DocumentRecord) -> int:
    # The text dominates; the rest of a record is of the order of its chunk and sentence
    # ranges, counted here at a few characters each.
    return len(record.text) + 16 * (len(record.chunks) + len(record.sentences)) + 1_000


def line_offsets(path: Path) -> npt.NDArray[np.int64]:
    """Byte offsets where each line of ``path`` starts, and its size at the end.

    For versions written before ``documents.offsets.npy`` was: the file is read in blocks, so
    memory stays flat.
    """
    starts = [np.zeros(1, dtype=np.int64)]
    position = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_SCAN_BLOCK), b""):
            newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 0x0A)
            starts.append(newlines.astype(np.int64) + position + 1)
            position += len(block)
    offsets = np.concatenate(starts)
    if offsets[-1] != position:  # a last line without its newline
        offsets = np.append(offsets, position)
    return offsets


class DocumentTable(Mapping[str, DocumentRecord]):
    """The records of one index version, by document id, in index order, read on demand.

    Example:
        >>> table = DocumentTable(folder / "documents.jsonl", manifest.order, offsets)
        >>> table["larijani"].text[:40]

    Args:
        path: The version's ``documents.jsonl`` (one record per line, in ``order``).
        order: The document ids, in the order of the file's lines.
        offsets: Where each line starts, and the file's size last (``len(order) + 1`` values).
        cache_chars: Characters of text kept parsed (default ``CACHE_CHARS``).

    The file stays open while the table lives, so a table goes on reading after a newer
    version has replaced its own and the old folder has been removed. Reads are safe from
    several threads.

    Raises:
        CorruptIndexError: The offsets do not fit the file or the ids (at construction), or a
            line does not hold the record it should (when it is read).
    """

    def __init__(
        self,
        path: Path,
        order: Sequence[str],
        offsets: npt.NDArray[np.int64],
        cache_chars: int = CACHE_CHARS,
    ) -> None:
        self.path = Path(path)
        self._order = tuple(order)
        self._lines = {doc_id: line for line, doc_id in enumerate(self._order)}
        self._offsets = np.asarray(offsets, dtype=np.int64)
        handle = self.path.open("rb")
        size = self.path.stat().st_size
        if (
            len(self._offsets) != len(self._order) + 1
            or len(self._lines) != len(self._order)
            or (len(self._offsets) and int(self._offsets[-1]) != size)
            or np.any(np.diff(self._offsets) <= 0)
        ):
            handle.close()
            raise CorruptIndexError(
                f"index file {self.path} does not hold the {len(self._order)} documents its "
                f"version lists; {REBUILD_HINT}"
            )
        self._handle = handle
        weakref.finalize(self, handle.close)
        self._lock = threading.Lock()
        self._cache: LRUCache[str, DocumentRecord] = LRUCache(
            maxsize=cache_chars, getsizeof=_record_size
        )

    @classmethod
    def open(cls, folder: Path, order: Sequence[str], has_offsets: bool) -> DocumentTable:
        """The table of the version in ``folder``; ``has_offsets``: it wrote its offsets."""
        path = folder / DOCUMENTS
        try:
            offsets = np.load(folder / OFFSETS) if has_offsets else line_offsets(path)
        except (OSError, ValueError) as exc:
            raise CorruptIndexError(
                f"index file {folder / OFFSETS} cannot be read ({exc}); {REBUILD_HINT}"
            ) from exc
        return cls(path, order, offsets, CACHE_CHARS)

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._lines

    def __getitem__(self, doc_id: str) -> DocumentRecord:
        line = self._lines[doc_id]  # KeyError for an id the version lacks, as a dict gives
        with self._lock:
            cached = self._cache.get(doc_id)
            if cached is not None:
                return cached
            start, end = int(self._offsets[line]), int(self._offsets[line + 1])
            self._handle.seek(start)
            raw = self._handle.read(end - start)
        record = self._parse(raw, doc_id)
        if _record_size(record) <= self._cache.maxsize:
            with self._lock:
                self._cache[doc_id] = record
        return record

    def _parse(self, raw: bytes, doc_id: str) -> DocumentRecord:
        try:
            record = DocumentRecord.from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptIndexError(
                f"index file {self.path} cannot be read at document {doc_id!r} ({exc}); "
                f"{REBUILD_HINT}"
            ) from exc
        if record.doc_id != doc_id:
            raise CorruptIndexError(
                f"index file {self.path} holds {record.doc_id!r} where {doc_id!r} should be; "
                f"{REBUILD_HINT}"
            )
        return record


class ChunkRefs(Sequence[tuple[str, int]]):
    """Which document and chunk each vector row holds: ``refs[row] == (doc_id, ordinal)``.

    Kept as one integer per document (its first row), not a tuple per chunk: at a million
    chunks the tuples alone were about 100 MB.

    Args:
        order: Document ids in the order of their rows.
        chunk_counts: Each document's number of chunks, in that order.
    """

    def __init__(self, order: Sequence[str], chunk_counts: Sequence[int]) -> None:
        self._order = tuple(order)
        counts = np.asarray(chunk_counts, dtype=np.int64)
        self.first_rows = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._rows = int(self.first_rows[-1])

    def __len__(self) -> int:
        return self._rows

    def _ref(self, row: int) -> tuple[str, int]:
        if row < 0:
            row += self._rows
        if not 0 <= row < self._rows:
            raise IndexError(f"row {row} is not in an index of {self._rows} chunks")
        # A document without chunks starts where the next one does: "right" skips past it.
        document = int(np.searchsorted(self.first_rows, row, side="right")) - 1
        return self._order[document], row - int(self.first_rows[document])

    def __getitem__(self, row):  # type: ignore[no-untyped-def,override]
        if isinstance(row, slice):
            return [self._ref(i) for i in range(*row.indices(self._rows))]
        return self._ref(int(row))


@dataclass(frozen=True)
class DocumentStatements:
    """One document's attributed statements with their words, without the rest of its text.

    A version keeps these in ``statements.jsonl`` beside its records, so gathering who said
    what across an index reads the statements alone, not every document's text.

    Attributes:
        doc_id: The document.
        statements: Its statements in document order; None when its record was written
            before statements were extracted.
        texts: Each statement's words, as they stand in the text.
        also_in: The other files holding the same story (the record's duplicates).
        descriptors: How the document describes its speakers (``Descriptor``).
        descriptor_texts: Each descriptor's words, as they stand in the text.
    """

    doc_id: str
    statements: tuple[Statement, ...] | None
    texts: tuple[str, ...] = ()
    also_in: tuple[str, ...] = ()
    descriptors: tuple[Descriptor, ...] = ()
    descriptor_texts: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: DocumentRecord) -> DocumentStatements:
        statements = record.statements
        return cls(
            doc_id=record.doc_id,
            statements=statements,
            texts=tuple(record.text[s.start : s.end] for s in statements or ()),
            also_in=tuple(dup.source_path for dup in record.duplicates),
            descriptors=record.descriptors,
            descriptor_texts=tuple(record.text[d.start : d.end] for d in record.descriptors),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "statements": (
                None if self.statements is None else [s.to_json() for s in self.statements]
            ),
            "texts": list(self.texts),
            "also_in": list(self.also_in),
            "descriptors": [d.to_json() for d in self.descriptors],
            "descriptor_texts": list(self.descriptor_texts),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentStatements:
        statements = data["statements"]
        return cls(
            doc_id=str(data["doc_id"]),
            statements=(
                None if statements is None else tuple(Statement.from_json(s) for s in statements)
            ),
            texts=tuple(str(text) for text in data["texts"]),
            also_in=tuple(str(path) for path in data["also_in"]),
            descriptors=tuple(Descriptor.from_json(d) for d in data.get("descriptors", ())),
            descriptor_texts=tuple(str(text) for text in data.get("descriptor_texts", ())),
        )


def read_statements(path: Path) -> Iterator[DocumentStatements]:
    """The statements file of a version, one document at a time.

    Raises:
        CorruptIndexError: A line cannot be read.
    """
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield DocumentStatements.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise CorruptIndexError(
                    f"index file {path} cannot be read at line {number} ({exc}); {REBUILD_HINT}"
                ) from exc
