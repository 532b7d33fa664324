"""An upload's progress as the page shows it: the work runs in a thread while the page is sent
a bar that keeps moving between the steps the index reports."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from ui.documents.uploads import READING, WRITING, Progress
from ui.formatting import text

__all__ = ["ProgressView", "ProgressWatch", "progress_html", "reading_estimate_s"]

T = TypeVar("T")

# Reading a file is mostly finding who said what: spaCy parses news at about 20,000
# characters a second on two cores; files with fewer statements go faster.
READ_BYTES_PER_S = 20_000.0


@dataclass(frozen=True)
class ProgressView:
    """What the bar shows: how far (0..1) and what is happening, in words."""

    fraction: float
    words: str


def reading_estimate_s(sizes: list[int]) -> float:
    """Seconds reading files of ``sizes`` bytes is expected to take (at least one)."""
    return max(1.0, sum(sizes) / READ_BYTES_PER_S)


def _ceiling(fraction: float) -> float:
    """How far the bar may creep on its own from ``fraction``: the end of its stretch."""
    for low, high in (READING, WRITING):
        if low <= fraction < high:
            return high
    return fraction


class ProgressWatch(Generic[T]):
    """Runs ``work`` in a thread and yields what the bar shows, a few times a second.

    Between two reports the bar creeps towards the end of the stretch it is in (reading the
    files, writing the index), the slower the nearer it gets, so that a long file read is
    not a frozen bar. It never goes back, and never moves more than ``max_step`` a view: a
    read that ends sooner than expected is caught up over the next views, while the words
    say at once what is happening.

    Example:
        >>> watch = ProgressWatch(lambda report: library.add(files, report), reading_s=6.0)
        >>> for view in watch:
        ...     show(view.fraction, view.words)
        >>> watch.result

    Args:
        work: The work, given a ``Progress`` callback to report (fraction, words) to.
        reading_s: How long reading the files is expected to take, in seconds.
        tick_s: Seconds between two views (default 0.25).
        max_step: The most the bar moves from one view to the next (default 0.04).
    """

    def __init__(
        self,
        work: Callable[[Progress], T],
        reading_s: float,
        tick_s: float = 0.25,
        max_step: float = 0.04,
    ) -> None:
        self.work = work
        self.reading_s = max(reading_s, 0.5)
        self.tick_s = tick_s
        self.max_step = max_step
        self._lock = threading.Lock()
        self._reported = ProgressView(0.0, "Starting")
        self._reported_at = time.monotonic()
        self._result: T | None = None
        self._error: BaseException | None = None

    def _report(self, fraction: float, words: str) -> None:
        with self._lock:
            if fraction >= self._reported.fraction:
                self._reported = ProgressView(fraction, words)
                self._reported_at = time.monotonic()

    def _run(self) -> None:
        try:
            self._result = self.work(self._report)
        except BaseException as exc:  # handed to the caller's thread below
            self._error = exc

    @property
    def result(self) -> T:
        """What ``work`` returned (after the iteration); its exception is raised there."""
        if self._result is None:
            raise RuntimeError("the work has not finished")
        return self._result

    def __iter__(self) -> Iterator[ProgressView]:
        worker = threading.Thread(target=self._run, name="upload", daemon=True)
        worker.start()
        shown = 0.0
        while True:
            worker.join(self.tick_s)
            with self._lock:
                reported, since = self._reported, time.monotonic() - self._reported_at
            if not worker.is_alive():
                break
            ceiling = _ceiling(reported.fraction)
            pace = self.reading_s if reported.fraction < READING[1] else 2.0
            crept = reported.fraction + (ceiling - reported.fraction) * (
                1 - math.exp(-since / pace)
            )
            # Short of the stretch's end: the next report takes the bar there.
            target = max(min(crept, ceiling - 0.01), reported.fraction)
            shown = max(shown, min(target, shown + self.max_step))
            yield ProgressView(shown, reported.words)
        if self._error is not None:
            raise self._error


def progress_html(view: ProgressView, title: str) -> str:
    """The bar and its words: "Embedding digest.txt: 64 of 260 chunks · 57%".

    Args:
        view: How far, and what is happening.
        title: What the bar is the progress of ("Adding digest.txt").
    """
    percent = max(0, min(100, math.floor(view.fraction * 100)))
    return (
        '<div class="qa-progress">'
        f'<progress max="100" value="{percent}" aria-label="{text(title)}">{percent}%</progress>'
        f'<p class="qa-progress-words">{text(view.words)} · {percent}%</p></div>'
    )
