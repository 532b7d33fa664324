"""The ray engine: read, cut and embed pending files as a Ray Data pipeline (``--engine ray``).

The driver scans, detects changes, orders the pending files, assigns ids, recognises
near-duplicates and writes the index exactly as the local engine does; only the per-file
work (read, extract, clean, chunk, sentence-split) and the embedding of each file's chunks
run on Ray workers, each of which loads the model once. Results come back in the pending
order, so the index is the same as the local engine's: same ids, chunks and offsets, and
vectors equal up to floating-point noise.

Ray is optional (``pip install 'qa-over-docs[scale]'``) and imported only here, when the
engine runs. On a real cluster (``ray_address``), every worker node needs this package
installed and must see the documents under the same paths as the driver.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from index.embedding.embedder import Precision, SentenceTransformerEmbedder
from index.errors import QaIndexError
from index.sources.documents import FileProblem, SourceFile
from index.statements.extraction import StatementExtractor
from index.storage.records import DocumentRecord
from index.text.chunking import ChunkingConfig
from index.update.preparing import Prepared
from index.update.reading import PreparedFile, prepare_file, with_statements

if TYPE_CHECKING:
    from types import ModuleType

logger = logging.getLogger(__name__)

MISSING_RAY = "the ray engine needs the optional scale extra: pip install 'qa-over-docs[scale]'"
# A local Ray instance keeps its object store this small: results stream to the driver.
_OBJECT_STORE_BYTES = 512 * 1024 * 1024


class RayUnavailableError(QaIndexError):
    """The ray engine was asked for but Ray is not installed."""


def import_ray() -> ModuleType:
    """The ``ray`` module, or RayUnavailableError saying how to install it."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayUnavailableError(MISSING_RAY) from exc
    return ray


def _source_row(position: int, source: SourceFile) -> dict[str, Any]:
    return {
        "position": position,
        "path": str(source.path),
        "source_path": source.source_path,
        "root": str(source.root),
    }


def prepare_row(row: dict[str, Any], chunking: ChunkingConfig) -> dict[str, Any]:
    """Ray Data row function: one pending file read and cut into its record, as JSON.

    A plain function (Ray tasks, no actors), so Ray Data can run it inside the embedding
    workers instead of holding CPUs for a second pool. Statements are found by the embedding
    actors (``EmbedChunks``), which hold a parser as they hold a model.
    """
    source = SourceFile(Path(row["path"]), str(row["source_path"]), Path(row["root"]))
    prepared = prepare_file(source, chunking)
    return {
        "position": int(row["position"]),
        "readable": prepared.readable,
        # Empty strings rather than nulls keep every block's columns one type.
        "record": json.dumps(prepared.record.to_json()) if prepared.record else "",
        "problems": json.dumps([asdict(problem) for problem in prepared.problems]),
    }


@contextmanager
def _quiet_ray_data() -> Iterator[None]:
    """Keep Ray Data's progress chatter and tuning warnings out of ``qa index``'s output.

    With ``qa -v`` (INFO logging) they are shown.
    """
    if logger.isEnabledFor(logging.INFO):
        yield
        return
    data_log = logging.getLogger("ray.data")
    level = data_log.level
    data_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        data_log.setLevel(level)


class EmbedChunks:
    """Ray Data batch UDF: finds statements and embeds every chunk of a batch of records.

    One model (and one parser) per worker.

    Args:
        model_path: Model folder as the workers see it (None: the bundled model, found on
            each worker).
        precision: Bulk precision (``"auto"`` is resolved by each worker for its CPU).
        batch_size: Texts per forward pass.
        statements: Find each record's attributed statements too (default True).
    """

    def __init__(
        self,
        model_path: Path | None,
        precision: Precision,
        batch_size: int,
        statements: bool = True,
    ) -> None:
        self.embedder = SentenceTransformerEmbedder(
            model_path, batch_size=batch_size, precision=precision
        )
        self.embedder.warm_up()
        self.extractor = StatementExtractor() if statements else None

    def __call__(self, batch: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
        records = [
            DocumentRecord.from_json(json.loads(text)) if text else None
            for text in batch["record"].tolist()
        ]
        if self.extractor is not None:
            extractor = self.extractor
            records = [
                with_statements(record, extractor) if record is not None else None
                for record in records
            ]
        texts = [
            record.text[span.start : span.end]
            for record in records
            if record is not None
            for span in record.chunks
        ]
        began = time.monotonic()
        vectors = self.embedder.embed(texts)
        elapsed = time.monotonic() - began
        blobs: list[bytes] = []
        shares: list[float] = []
        row = 0
        for record in records:
            count = len(record.chunks) if record is not None else 0
            blobs.append(vectors[row : row + count].tobytes())
            shares.append(elapsed * count / len(texts) if texts else 0.0)
            row += count
        return {
            **batch,
            "record": np.array(
                [json.dumps(record.to_json()) if record else "" for record in records],
                dtype=object,
            ),
            "vectors": np.array(blobs, dtype=object),
            "embedding_s": np.array(shares, dtype=np.float64),
        }


class RayFiles:
    """A ``PreparedFiles`` source whose files are read, cut and embedded on Ray workers.

    Args:
        embedder: The model the workers load (its path, precision and batch size).
        ray_address: An existing Ray cluster to run on (default None: start a local Ray
            instance with one worker per CPU, shut down afterwards). A Ray instance this
            process already holds is used as it is and left running.
        workers: Embedding workers, each holding one model (default: the cluster's CPUs).
        documents_per_batch: Records embedded per worker call (default 16).
        statements: Find each document's attributed statements on the workers (default True).
    """

    def __init__(
        self,
        embedder: SentenceTransformerEmbedder,
        ray_address: str | None = None,
        workers: int | None = None,
        documents_per_batch: int = 16,
        statements: bool = True,
    ) -> None:
        self.model = embedder
        self.statements = statements
        self.ray_address = ray_address
        self.workers = workers
        self.documents_per_batch = documents_per_batch

    def prepare(
        self, pending: Sequence[SourceFile], chunking: ChunkingConfig
    ) -> Generator[Prepared, None, None]:
        if not pending:
            return
        ray = import_ray()
        started_here = not ray.is_initialized()
        if started_here:
            self._start(ray)
        try:
            with _quiet_ray_data():
                yield from self._prepared(ray, pending, chunking)
        finally:
            if started_here:
                ray.shutdown()

    def _start(self, ray: ModuleType) -> None:
        if self.ray_address:
            logger.info("connecting to the Ray cluster at %s", self.ray_address)
            ray.init(address=self.ray_address, logging_level=logging.WARNING)
            return
        cpus = self.workers or os.cpu_count() or 1
        logger.info("starting a local Ray instance with %d CPUs", cpus)
        ray.init(
            address="local",
            num_cpus=cpus,
            object_store_memory=_OBJECT_STORE_BYTES,
            include_dashboard=False,
            ignore_reinit_error=True,
            logging_level=logging.WARNING,
            # Workers' model-loading chatter stays out of the terminal; errors still raise here.
            log_to_driver=False,
        )

    def _prepared(
        self, ray: ModuleType, pending: Sequence[SourceFile], chunking: ChunkingConfig
    ) -> Iterator[Prepared]:
        """Each pending file prepared and embedded on the workers, in the pending order."""
        from ray.data import DataContext

        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        dimension = self.model.fingerprint().dimension
        context = DataContext.get_current()
        saved = (context.execution_options.preserve_order, context.enable_progress_bars)
        # Datasets copy the context they are made in; it is restored once they are made.
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        try:
            rows = [_source_row(position, source) for position, source in enumerate(pending)]
            # Small blocks stream: each worker gets files to read while results flow back.
            blocks = min(len(rows), max(workers, -(-len(rows) // self.documents_per_batch)))
            dataset = (
                ray.data.from_items(rows, override_num_blocks=blocks)
                .map(prepare_row, fn_args=(chunking,))
                .map_batches(
                    EmbedChunks,
                    fn_constructor_args=(
                        self.model.model_path,
                        self.model.precision,
                        self.model.batch_size,
                        self.statements,
                    ),
                    # From one worker up: a small update does not wait for (or warn about)
                    # workers it has no files for.
                    compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers),
                    batch_size=self.documents_per_batch,
                    batch_format="numpy",
                )
            )
        finally:
            context.execution_options.preserve_order, context.enable_progress_bars = saved
        yield from self._in_order(dataset, pending, dimension)

    def _in_order(
        self, dataset: Any, pending: Sequence[SourceFile], dimension: int
    ) -> Iterator[Prepared]:
        waiting: dict[int, dict[str, Any]] = {}
        next_position = 0
        for row in dataset.iter_rows():
            # preserve_order keeps rows in order; this only guards against a reordering.
            waiting[int(row["position"])] = row
            while next_position in waiting:
                yield self._unpack(pending[next_position], waiting.pop(next_position), dimension)
                next_position += 1
        if next_position != len(pending):
            raise QaIndexError(
                f"the ray engine returned {next_position} of {len(pending)} files; "
                "index again, or use --engine local"
            )

    def _unpack(self, source: SourceFile, row: dict[str, Any], dimension: int) -> Prepared:
        problems = tuple(FileProblem(**problem) for problem in json.loads(row["problems"]))
        if not row["record"]:
            return Prepared(PreparedFile(source, None, problems, bool(row["readable"])))
        record = DocumentRecord.from_json(json.loads(row["record"]))
        vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(
            len(record.chunks), dimension
        )
        return Prepared(
            PreparedFile(source, record, problems), vectors.copy(), float(row["embedding_s"])
        )
