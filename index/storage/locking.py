"""The index folder's writer lock, the check that it can be written, and durable writes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import IndexLockedError, IndexNotWritableError

OTHER_FOLDER_HINT = "choose another index folder (--index-dir or QA_INDEX_DIR)"


@contextmanager
def writer_lock(index_dir: Path, timeout_s: float = 0.0) -> Iterator[None]:
    """Hold ``index_dir``'s writer lock, after checking the folder can be written.

    Raises:
        IndexNotWritableError: The folder cannot be created or written in.
        IndexLockedError: Another process holds the lock longer than ``timeout_s``.
    """
    check_writable(index_dir)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout as exc:
        raise IndexLockedError(
            f"another process is updating the index in {index_dir}; "
            "wait for it to finish and try again"
        ) from exc
    except OSError as exc:  # after Timeout, which is an OSError too
        raise IndexNotWritableError(
            f"cannot open the index's lock file {lock.lock_file}: {exc.strerror or exc}; "
            f"the index is unchanged; give this user write access to it, "
            f"or {OTHER_FOLDER_HINT}"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def check_writable(index_dir: Path) -> None:
    """Create the index folder if needed, and make sure new files can be made in it.

    Making a file is the one test that sees whatever forbids writing (file modes, ACLs,
    a read-only mount); without it an update would fail only when switching versions,
    after all the embedding, with a half-written version folder left behind.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexNotWritableError(
            f"cannot create the index folder {index_dir}: {exc.strerror or exc}; "
            f"create it with write access for this user, or {OTHER_FOLDER_HINT}"
        ) from exc
    for folder in (index_dir, index_dir / "versions"):
        try:
            if folder.is_dir():
                with tempfile.TemporaryFile(dir=folder):
                    pass
        except OSError as exc:
            raise IndexNotWritableError(
                f"cannot write in the index folder {folder}: {exc.strerror or exc}; "
                f"the index is unchanged; give this user write access to it, "
                f"or {OTHER_FOLDER_HINT}"
            ) from exc


def fsync_file(path: Path) -> None:
    """Flush a written file to disk."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new or renamed files) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
