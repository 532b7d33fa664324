"""Progress of an index update, reported to a callback as it goes (CLI bar, web page upload)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Phase = Literal["scanning", "reading", "embedding", "writing", "done"]


@dataclass(frozen=True)
class IndexProgress:
    """A snapshot of an index update.

    Attributes:
        phase: What the update is doing: ``scanning`` folders, ``reading`` a file,
            ``embedding`` chunks, ``writing`` the new version, or ``done``.
        files_total: Supported files found under the given paths.
        files_done: Files finished (unchanged, indexed, skipped or recognised as duplicates).
        chunks_embedded: Chunks that went through the model so far.
        chunks_total: Chunks known so far to need embedding in this update: those embedded
            plus those of the model call in progress. Files not read yet are not counted,
            so it grows when an update holds several files.
        elapsed_s: Seconds since the update started (after the writer lock was taken).
        embedding_s: Seconds spent in the model so far (loading it excluded).
        path: The file being read or embedded, when there is one.
        step: For ``writing``, which step of the write has just finished.
    """

    phase: Phase
    files_total: int
    files_done: int
    chunks_embedded: int
    elapsed_s: float
    chunks_total: int = 0
    embedding_s: float = 0.0
    path: str = ""
    step: str = ""

    @property
    def chunks_per_s(self) -> float:
        """Chunks embedded per second of embedding so far."""
        return self.chunks_embedded / self.embedding_s if self.embedding_s > 0 else 0.0

    @property
    def embedding_left_s(self) -> float | None:
        """Seconds of embedding left for the chunks known so far; None before any is done."""
        rate = self.chunks_per_s
        if rate <= 0:
            return None
        return max(0, self.chunks_total - self.chunks_embedded) / rate


ProgressCallback = Callable[[IndexProgress], None]
