"""The ``qa index`` progress bar: files done, and chunks embedded of those known, with the
rate and the time left, moving within one large file too."""

from __future__ import annotations

from typing import IO, Any

from index import IndexProgress


def describe(event: IndexProgress) -> str:
    """What the bar says beside the files: "64 of 260 chunks, 20.1 chunks/s, about 10 s left"."""
    if not event.chunks_total:
        return "reading" if event.phase in ("scanning", "reading") else event.phase
    said = f"{event.chunks_embedded:,} of {event.chunks_total:,} chunks"
    if event.chunks_per_s > 0:
        said += f", {event.chunks_per_s:.1f} chunks/s"
    left = event.embedding_left_s
    if left is not None and event.chunks_embedded < event.chunks_total:
        said += f", about {_duration(left)} left"
    if event.phase == "writing" and event.step:
        said += f"; {event.step}"
    return said


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class ProgressBar:
    """A tqdm bar over the files of an index update, described by ``describe``."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._bar: Any = None

    def __call__(self, event: IndexProgress) -> None:
        from tqdm import tqdm

        if self._bar is None:
            if not event.files_total:
                return
            self._bar = tqdm(
                total=event.files_total, unit="file", desc="indexing", file=self.stream
            )
        self._bar.total = event.files_total
        # Refreshed on every event: within one large file the files do not move, the chunks do.
        self._bar.set_postfix_str(describe(event), refresh=False)
        self._bar.update(event.files_done - self._bar.n)
        self._bar.refresh()
        if event.phase == "done":
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
