"""Where an update's new files are read and cut (and perhaps embedded): a ``PreparedFiles``.

``IndexUpdate`` is given one of these and does not care which: ``LocalFiles`` reads each
file in this process (PDF and HTML in a child process with a time limit) and leaves the
embedding to the update; ``index.update.ray_engine.RayFiles`` reads and embeds on Ray workers.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from index.sources.documents import SourceFile
from index.sources.extraction_process import DEFAULT_TIME_LIMIT_S, ExtractionProcess
from index.statements.extraction import StatementExtractor
from index.text.chunking import ChunkingConfig
from index.update.reading import PreparedFile, prepare_file


@dataclass(frozen=True)
class Prepared:
    """One file read and cut, maybe embedded.

    Attributes:
        file: The file's record (or why it has none) and its problems.
        vectors: Its chunk vectors when already embedded; None for the update to embed.
        embedding_s: Seconds of model time spent on those vectors.
    """

    file: PreparedFile
    vectors: npt.NDArray[np.float32] | None = None
    embedding_s: float = 0.0


class PreparedFiles(Protocol):
    """Reads, cuts (and maybe embeds) the files an update must index."""

    def prepare(
        self, pending: Sequence[SourceFile], chunking: ChunkingConfig
    ) -> Generator[Prepared, None, None]:
        """Each of ``pending`` prepared, in the order given.

        The caller closes the iterator when done (``contextlib.closing``), which releases
        what it holds (a child process, a Ray instance) even when the update fails.
        """
        ...


class LocalFiles:
    """Files read in this process; PDF and HTML in a child killed past a time limit.

    Args:
        file_time_limit_s: Longest one PDF or HTML file may take to extract, in seconds,
            before it is refused (None: no limit; see ``ExtractionProcess``).
        extractor: Finds each document's attributed statements (default None: none).
    """

    def __init__(
        self,
        file_time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
        extractor: StatementExtractor | None = None,
    ) -> None:
        self.file_time_limit_s = file_time_limit_s
        self.extractor = extractor

    def prepare(
        self, pending: Sequence[SourceFile], chunking: ChunkingConfig
    ) -> Generator[Prepared, None, None]:
        with ExtractionProcess(self.file_time_limit_s) as extraction:
            for source in pending:
                yield Prepared(prepare_file(source, chunking, extraction.extract, self.extractor))
