"""Extracting PDF and HTML in a child process, killed when one file takes too long."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from types import TracebackType
from typing import cast

from index.sources.formats import ExtractedText, ExtractionError, Format, extract

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MEMORY_LIMIT_BYTES",
    "DEFAULT_TIME_LIMIT_S",
    "ISOLATED_FORMATS",
    "ExtractionProcess",
]

DEFAULT_TIME_LIMIT_S = 30.0
DEFAULT_MEMORY_LIMIT_BYTES = 2 * 1024**3
# Formats whose parsers (pypdf, lxml through trafilatura) can run for minutes, or crash, on
# a hostile file. Text and Markdown are only decoded, in linear time, in this process.
ISOLATED_FORMATS: frozenset[Format] = frozenset({"pdf", "html"})
# Starting the child (a fresh interpreter importing pypdf and trafilatura) does not count
# against a file's time limit; this bounds it on a very busy machine.
_START_TIMEOUT_S = 120.0
_FORMAT_NAMES = {"pdf": "PDF", "html": "HTML"}
# The child: take the parent's import path, then serve requests on the socket it was given.
# The ``index`` package is registered without running its ``__init__``, which imports the
# whole index builder (numpy, faiss, langchain): the child needs only the format readers,
# and starts in a third of the time.
_CHILD_MAIN = """
import importlib.util, sys
from multiprocessing.connection import Connection
connection = Connection(int(sys.argv[1]))
sys.path[:] = connection.recv()
spec = importlib.util.find_spec("index")
sys.modules["index"] = importlib.util.module_from_spec(spec)
from index.sources.extraction_process import _serve
_serve(connection, *connection.recv())
"""


def _log_levels() -> dict[str, int]:
    """This process's logging levels: the root's and every logger given one explicitly."""
    levels = {"": logging.getLogger().level}
    for name, item in logging.Logger.manager.loggerDict.items():
        if isinstance(item, logging.Logger) and item.level != logging.NOTSET:
            levels[name] = item.level
    return levels


def _serve(
    connection: Connection, memory_limit_bytes: int | None, log_levels: dict[str, int]
) -> None:
    """The child's loop: extract each ``(raw, format)`` received, send back what came of it."""
    # The parent's levels, so parser chatter the CLI silences stays silent here too; what is
    # let through goes to stderr, which the child shares with the parent.
    for name, level in log_levels.items():
        logging.getLogger(name or None).setLevel(level)
    # Imported before saying ready, so the first file's time limit is not spent importing.
    import pypdf  # noqa: F401
    import trafilatura  # noqa: F401

    if memory_limit_bytes is not None:
        _limit_memory(memory_limit_bytes)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    connection.send("ready")
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        raw, file_format = request
        del request
        reply = _extract_or_refuse(raw, file_format, memory_limit_bytes)
        del raw
        try:
            connection.send(reply)
        except MemoryError:  # too little left to send a huge text back
            connection.send(ExtractionError(_out_of_memory(file_format, memory_limit_bytes)))
        except OSError:  # the parent is gone
            return
        del reply


def _extract_or_refuse(
    raw: bytes, file_format: Format, memory_limit_bytes: int | None
) -> ExtractedText | ExtractionError:
    try:
        return extract(raw, file_format)
    except ExtractionError as exc:
        return exc
    except MemoryError:
        return ExtractionError(_out_of_memory(file_format, memory_limit_bytes))
    except Exception as exc:  # the readers catch their own; this is the last guard
        name = _FORMAT_NAMES.get(file_format, file_format)
        return ExtractionError(f"the {name} reader failed ({type(exc).__name__})")


def _exit_with_parent(parent_pid: int) -> None:
    """End this child soon after its parent dies, even in the middle of a slow file."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(0)


def _limit_memory(limit_bytes: int) -> None:
    """Let this process allocate at most ``limit_bytes`` more than it holds now (Linux only).

    Counted from what it holds after its imports, so the limit is the same on a machine
    whose libraries reserve more at start (per-CPU buffers, say).
    """
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            held_kib = next(int(line.split()[1]) for line in status if line.startswith("VmData:"))
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        # Data segment and private writable mappings: what a parser's allocations grow.
        resource.setrlimit(resource.RLIMIT_DATA, (held_kib * 1024 + limit_bytes, hard))
    except (ImportError, OSError, ValueError, StopIteration):  # not Linux, or not allowed
        logger.debug("memory limit not applied", exc_info=True)


def _out_of_memory(file_format: str, memory_limit_bytes: int | None) -> str:
    name = _FORMAT_NAMES.get(file_format, file_format)
    if memory_limit_bytes is None:
        return f"not read: the {name} reader ran out of memory on this file"
    return (
        f"not read: the {name} reader needs more than {memory_limit_bytes / 2**20:,.0f} MiB "
        "of memory for it (the memory limit per file)"
    )


class ExtractionProcess:
    """Extracts files as ``extract`` does, PDF and HTML in a child process under limits.

    The child starts with the first PDF or HTML file and serves every later one, so a
    folder of many small files pays for one start (half a second, not counted against any
    file's limit) and a round trip per file (well under a millisecond). A file that takes
    longer than ``time_limit_s`` is refused with ExtractionError and the child is killed; a
    child that dies (a parser crash, memory exhausted) refuses only the file it was reading.
    The next PDF or HTML file starts a new child. A file that needs more memory than the
    child may take is refused too, though the reason may be the parser's own (lxml takes a
    failed allocation for a page without text). Text and Markdown are decoded here.

    Not thread-safe: one update (one thread) at a time uses one of these.

    Example:
        >>> with ExtractionProcess(time_limit_s=30) as extractor:
        ...     extracted = extractor.extract(Path("report.pdf").read_bytes(), "pdf")

    Args:
        time_limit_s: Longest one PDF or HTML file may take to extract, in seconds
            (default 30). None extracts everything in this process, without limits.
        memory_limit_bytes: Memory the child may allocate beyond what it holds once started
            (default 2 GiB; None: no limit; applied on Linux, through ``RLIMIT_DATA``).
    """

    def __init__(
        self,
        time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
        memory_limit_bytes: int | None = DEFAULT_MEMORY_LIMIT_BYTES,
    ) -> None:
        if time_limit_s is not None and time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be positive, not {time_limit_s}")
        self.time_limit_s = time_limit_s
        self.memory_limit_bytes = memory_limit_bytes
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._unavailable = False

    def __enter__(self) -> ExtractionProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def extract(self, raw: bytes, file_format: Format) -> ExtractedText:
        """Extract one file's text; see ``index.sources.formats.extract``.

        Raises:
            ExtractionError: As ``extract`` does, and when a PDF or HTML file takes longer
                than the time limit, needs more memory than allowed or crashes its reader.
        """
        if self.time_limit_s is None or file_format not in ISOLATED_FORMATS:
            return extract(raw, file_format)
        connection = self._started()
        if connection is None:
            return extract(raw, file_format)
        name = _FORMAT_NAMES[file_format]
        try:
            connection.send((raw, file_format))
            answered = connection.poll(self.time_limit_s)
        except (OSError, EOFError):
            answered = True  # the child is gone: recv says so below
        if not answered:
            self._stop(kill=True)
            raise ExtractionError(
                f"not read: the {name} reader took longer than {self.time_limit_s:g} s "
                "(the time limit per file)"
            )
        try:
            reply = connection.recv()
        except (OSError, EOFError):
            code = self._stop(kill=True)
            raise ExtractionError(
                f"not read: the {name} reader stopped on this file (it crashed or ran out of "
                f"memory; exit code {code})"
            ) from None
        if isinstance(reply, ExtractionError):
            raise reply
        return cast(ExtractedText, reply)

    def close(self) -> None:
        """Stop the child, if one is running; a later PDF or HTML file starts a new one."""
        self._stop(kill=False)

    def _started(self) -> Connection | None:
        """The connection to a running child, started if needed; None if none can start."""
        if self._connection is not None and self._process is not None:
            if self._process.poll() is None:
                return self._connection
            self._stop(kill=True)
        if self._unavailable:
            return None
        began = time.monotonic()
        process: subprocess.Popen[bytes] | None = None
        ours: Connection | None = None
        ready = False
        try:
            # A fresh interpreter rather than a fork (the caller may hold threads and a
            # loaded model) and rather than multiprocessing's spawn, which would run the
            # caller's main script again in the child.
            parent_end, child_end = socket.socketpair()
            ours = Connection(parent_end.detach())
            with child_end:
                process = subprocess.Popen(
                    [sys.executable, "-c", _CHILD_MAIN, str(child_end.fileno())],
                    pass_fds=(child_end.fileno(),),
                    stdin=subprocess.DEVNULL,
                )
            ours.send(list(sys.path))
            ours.send((self.memory_limit_bytes, _log_levels()))
            ready = ours.poll(_START_TIMEOUT_S) and ours.recv() == "ready"
        except (OSError, EOFError, ValueError) as exc:
            logger.warning("cannot start the extraction process: %s", exc)
        if not ready or process is None or ours is None:
            if process is not None:
                process.kill()
                process.wait()
            if ours is not None:
                ours.close()
            # Without a child, files are still read, only without the time limit.
            logger.warning("PDF and HTML files are read without a time limit in this update")
            self._unavailable = True
            return None
        logger.debug("extraction process started in %.2f s", time.monotonic() - began)
        self._process, self._connection = process, ours
        return ours

    def _stop(self, kill: bool) -> int | None:
        """Stop the child (asked to finish, or killed); its exit code, or None if none ran."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if process is None or connection is None:
            return None
        if not kill:
            with contextlib.suppress(OSError):
                connection.send(None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        if process.poll() is None:
            process.kill()
        connection.close()
        return process.wait()
