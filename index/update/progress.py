"""Progress of an index update, reported to a callback as it goes (CLI bar, web page upload)."""

from __future__ import annotations

import time
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


class ProgressCounter:
    """Counts what an update has done and reports it to a callback as ``IndexProgress``."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.started = time.monotonic()
        self.files_total = 0
        self.files_done = 0
        self.chunks_embedded = 0
        self.chunks_total = 0
        self.embedding_s = 0.0

    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def emit(self, phase: Phase, path: str = "", step: str = "") -> None:
        if self.callback is not None:
            self.callback(
                IndexProgress(
                    phase=phase,
                    files_total=self.files_total,
                    files_done=self.files_done,
                    chunks_embedded=self.chunks_embedded,
                    chunks_total=self.chunks_total,
                    elapsed_s=self.elapsed_s(),
                    embedding_s=self.embedding_s,
                    path=path,
                    step=step,
                )
            )

    def file_done(self, path: object) -> None:
        """One more file finished (``path``: the file, as found)."""
        self.files_done += 1
        self.emit("reading", path=str(path))
