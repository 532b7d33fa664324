"""One open Milvus client (a server, or Milvus Lite in a local ``.db`` file) and its errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import QaIndexError

if TYPE_CHECKING:
    from types import TracebackType

    from pymilvus import MilvusClient

    from index.storage.backends.base import StoreConfig

logger = logging.getLogger(__name__)


class MilvusUnavailableError(QaIndexError):
    """Milvus cannot be reached or opened (server down, Lite file held by another process)."""


def import_pymilvus() -> Any:
    """The pymilvus module, or a QaIndexError saying which extra installs it."""
    try:
        import pymilvus
    except ImportError as exc:
        raise QaIndexError(
            "the milvus store needs the optional scale extra: pip install 'qa-over-docs[scale]'"
        ) from exc
    return pymilvus


def resolve_uri(uri: str) -> str:
    """A server URI as given; a Milvus Lite file as an absolute path (the manifest keeps it)."""
    if "://" in uri:
        return uri
    return str(Path(uri).expanduser().resolve())


def is_local(uri: str) -> bool:
    """Whether ``uri`` names a Milvus Lite file rather than a server."""
    return "://" not in resolve_uri(uri)


class _QuietUnimplemented(logging.Filter):
    """Drops the gRPC server's log of calls Milvus Lite does not implement.

    pymilvus asks the embedded server for a timestamp it does not serve, falls back on its
    own, and the server logs the refusal with a traceback at ERROR; nothing is wrong.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "Method not implemented" not in record.getMessage()


@contextmanager
def silenced(*names: str) -> Iterator[None]:
    """Hold back the named loggers' tracebacks for an error we report ourselves."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


class MilvusConnection:
    """A Milvus client for one URI and token, opened on first use and closed by its owner.

    The Milvus back end of an ``IndexStore`` keeps one per URI and token, and hands the same
    one to the readers and writers of that index; ``close`` ends it (Milvus Lite lets one
    process at a time open a file, and this process keeps its embedded server until exit).

    Example:
        >>> with MilvusConnection(StoreConfig(kind="milvus", milvus_uri="data/m.db")) as m:
        ...     m.client.list_collections()

    Args:
        config: The store: ``milvus_uri`` and ``milvus_token`` are used.
    """

    def __init__(self, config: StoreConfig) -> None:
        self.uri = resolve_uri(config.milvus_uri)
        self._token = config.milvus_token
        self._client: MilvusClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> MilvusClient:
        """The open client (opened now if it is not yet).

        Raises:
            MilvusUnavailableError: The server cannot be reached, or the Lite file is held
                by another process.
        """
        with self._lock:
            if self._client is None:
                self._client = self._open()
            return self._client

    def _open(self) -> MilvusClient:
        pymilvus = import_pymilvus()
        local = "://" not in self.uri
        if local:
            Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
            server_log = logging.getLogger("grpc._server")
            if not any(isinstance(f, _QuietUnimplemented) for f in server_log.filters):
                server_log.addFilter(_QuietUnimplemented())
        try:
            # Milvus Lite logs a traceback when its file is held elsewhere; we say it plainly.
            with silenced("milvus_lite.server_manager"):
                client: MilvusClient = pymilvus.MilvusClient(uri=self.uri, token=self._token)
        except Exception as exc:
            hint = (
                "; Milvus Lite opens a file in one process at a time: stop the other "
                "process using it (for example `qa serve`), or use a Milvus server"
                if local
                else "; check that the server is running and the address and token"
            )
            raise MilvusUnavailableError(f"cannot open Milvus at {self.uri} ({exc}){hint}") from exc
        return client

    def close(self) -> None:
        """Close the client, if open; the next use of ``client`` opens a new one."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing is best effort
                logger.debug("closing a Milvus client failed", exc_info=True)

    def __enter__(self) -> MilvusConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
