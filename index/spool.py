"""New documents' records and vectors, kept in a temporary file until the version is written.

An update that indexes many files would otherwise hold every new document's text, sentence
and chunk offsets, and vectors in memory until the end (the peak was 12.4 GB at 1.2M
chunks). Instead each is appended to one unnamed temporary file in the index folder (gone
when closed, or if the process dies) and read back, one document at a time, as the version
is written.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from index.records import DocumentRecord


class Spool:
    """Records and vectors by document id, on disk; only their places are in memory.

    Args:
        folder: Where the temporary file is made (the index folder: same disk, writable).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._file: IO[bytes] | None = None
        self._records: dict[str, tuple[int, int]] = {}
        self._vectors: dict[str, tuple[int, int, int]] = {}

    def _append(self, data: bytes) -> int:
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
        data = json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8")
        self._records[record.doc_id] = (self._append(data), len(data))

    def record(self, doc_id: str) -> DocumentRecord:
        """The record kept for ``doc_id``."""
        offset, length = self._records[doc_id]
        return DocumentRecord.from_json(json.loads(self._read(offset, length)))

    def __setitem__(self, doc_id: str, vectors: npt.NDArray[np.float32]) -> None:
        """Keep the chunk vectors of ``doc_id``."""
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        self._vectors[doc_id] = (self._append(rows.tobytes()), rows.shape[0], rows.shape[1])

    def pop(
        self, doc_id: str, default: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32] | None:
        """The vectors kept for ``doc_id`` (forgotten here), or ``default``."""
        place = self._vectors.pop(doc_id, None)
        if place is None:
            return default
        offset, rows, dimension = place
        data = self._read(offset, rows * dimension * 4)
        return np.frombuffer(data, dtype=np.float32).reshape(rows, dimension).copy()

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
