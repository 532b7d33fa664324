"""New documents' records and vectors, kept in a temporary file until the version is written.

An update that indexes many files would otherwise hold every new document's text, sentence
and chunk offsets, and vectors in memory until the end (the peak was 12.4 GB at 1.2M
chunks). Instead each is appended to one unnamed temporary file in the index folder (gone
when closed, or if the process dies) and read back, one document at a time, as the version
is written.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.storage.records import DocumentRecord


class Spool:
    """Records and vectors by document id, on disk; only their places are in memory.

    Args:
        folder: Where the temporary file is made (the index folder: same disk, writable).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._file: io.BufferedRandom | None = None
        self._records: dict[str, tuple[int, int]] = {}
        self._vectors: dict[str, tuple[int, int, int]] = {}

    def _append(self, data: bytes | memoryview) -> int:
        if self._file is None:
            # Closed by close(), which the update calls when it ends, however it ends.
            self._file = tempfile.TemporaryFile(dir=self.folder, prefix=".spool-")  # noqa: SIM115
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        return offset

    def _read(self, offset: int, length: int) -> bytes:
        assert self._file is not None
        self._file.seek(offset)
        return self._file.read(length)

    @property
    def records(self) -> int:
        """How many records are spooled."""
        return len(self._records)

    def put_record(self, record: DocumentRecord) -> None:
        """Keep ``record`` (a later one for the same id replaces it)."""
        offset = self._append(b"")
        assert self._file is not None
        length = 0
        for piece in record.json_pieces():
            data = piece.encode("utf-8")
            self._file.write(data)
            length += len(data)
        self._records[record.doc_id] = (offset, length)

    def record(self, doc_id: str) -> DocumentRecord:
        """The record kept for ``doc_id``."""
        offset, length = self._records[doc_id]
        return DocumentRecord.from_json(json.loads(self._read(offset, length)))

    def __setitem__(self, doc_id: str, vectors: npt.NDArray[np.float32]) -> None:
        """Keep the chunk vectors of ``doc_id``."""
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        # Written from the array's own memory, not from a bytes copy of it.
        self._vectors[doc_id] = (
            self._append(rows.data.cast("B")),
            rows.shape[0],
            rows.shape[1],
        )

    def pop(
        self, doc_id: str, default: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32] | None:
        """The vectors kept for ``doc_id`` (forgotten here), or ``default``."""
        place = self._vectors.pop(doc_id, None)
        if place is None:
            return default
        offset, rows, dimension = place
        assert self._file is not None
        # Read straight into the array: a bytes buffer and a copy of it would be two.
        vectors = np.empty((rows, dimension), dtype=np.float32)
        self._file.seek(offset)
        if self._file.readinto(vectors.data.cast("B")) != vectors.nbytes:
            raise OSError(f"the spool file ended early reading the vectors of {doc_id}")
        return vectors

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._vectors

    def __bool__(self) -> bool:
        """Whether any vectors are kept."""
        return bool(self._vectors)

    def close(self) -> None:
        """Drop the temporary file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._records.clear()
        self._vectors.clear()
