"""Documents added and removed through the web page: checks, a private uploads folder, rollback."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index import BuildReport, IndexProgress, QaIndexError
from index.sources.documents import SUPPORTED_SUFFIXES
from qa import QA
from ui.formatting import SourceRow, human_size

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 200

Progress = Callable[[float, str], None]

# The upload bar's stretches, as fractions of the whole: reading the files (and finding who
# said what in them), embedding their chunks, writing the new index version. Checking and
# saving the files come before, updating the document list after.
READING = (0.08, 0.45)
EMBEDDING = (0.45, 0.92)
WRITING = (0.92, 0.98)


class UploadRefused(ValueError):
    """A file the page will not index, with the reason in words a person can act on."""


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived from the browser.

    Attributes:
        name: The file name the person's browser gave (untrusted).
        path: Where the web framework stored the bytes.
    """

    name: str
    path: Path


@dataclass(frozen=True)
class UploadResult:
    """What an upload did.

    Attributes:
        indexed: Names of the files now answerable (added or replaced).
        messages: One line per file, in words: indexed, refused and why, or warnings.
    """

    indexed: tuple[str, ...]
    messages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when at least one file was indexed and none was refused."""
        return bool(self.indexed) and len(self.messages) == len(self.indexed)


def embedding_progress(step: IndexProgress, name: str) -> tuple[float, str]:
    """The upload bar's position and words while chunks are embedded: "N of M chunks".

    The bar runs through ``EMBEDDING`` as the known chunks are embedded. Time left is
    given once the speed is known.
    """
    total = max(step.chunks_total, step.chunks_embedded)
    done = step.chunks_embedded / total if total else 0.0
    words = f"Embedding {name}: {step.chunks_embedded:,} of {total:,} chunks"
    left = step.embedding_left_s
    if left is not None and step.chunks_embedded < total:
        words += f", about {_duration(left)} left"
    low, high = EMBEDDING
    return low + (high - low) * done, words


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"


def supported_suffixes() -> tuple[str, ...]:
    """The file types the index can read, sorted (".md", ".txt", and any added later)."""
    return tuple(sorted(SUPPORTED_SUFFIXES))


def safe_name(name: str) -> str:
    """Check an uploaded file's name and return it, or refuse it.

    Names that hold a folder separator, ``..``, a leading dot (hidden files), control
    characters or more than 200 characters are refused, so a name such as ``../../x.txt``
    can never place a file outside the uploads folder.

    Args:
        name: The name the browser sent.

    Returns:
        The same name, known to be a plain file name.

    Raises:
        UploadRefused: The name is not a plain file name.
    """
    if not name or not name.strip():
        raise UploadRefused("the file has no name")
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise UploadRefused("the file name must not contain folders or '..'")
    if name.startswith("."):
        raise UploadRefused("hidden files (names starting with '.') are not accepted")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise UploadRefused("the file name contains control characters")
    if len(name) > MAX_NAME_CHARS:
        raise UploadRefused(f"the file name is longer than {MAX_NAME_CHARS} characters")
    return name


def upload_target(folder: Path, name: str) -> Path:
    """Where an uploaded file is kept: directly inside ``folder``, never anywhere else.

    Args:
        folder: The uploads folder.
        name: The name the browser sent.

    Returns:
        The absolute path for the file.

    Raises:
        UploadRefused: The name is unsafe or would resolve outside ``folder``.
    """
    root = folder.resolve()
    target = (root / safe_name(name)).resolve()
    if target.parent != root:
        raise UploadRefused("the file name must not point outside the uploads folder")
    return target


class DocumentLibrary:
    """The indexed documents as the page shows them, with upload and removal.

    Uploaded files are copied into ``uploads_dir`` and indexed there. A refused or failed
    file is taken out again (a file it replaced is put back), so the index and the folder
    stay as they were for it.

    Example:
        >>> library = DocumentLibrary(qa, Path("data/uploads"), max_upload_bytes=5_000_000)
        >>> result = library.add([IncomingFile("notes.txt", Path("/tmp/notes.txt"))])
        >>> result.indexed
        ('notes.txt',)

    Args:
        qa: The pipeline whose index is changed.
        uploads_dir: Folder that keeps uploaded documents.
        max_upload_bytes: Largest file accepted, in bytes.
    """

    def __init__(self, qa: QA, uploads_dir: Path, max_upload_bytes: int) -> None:
        self.qa = qa
        self.uploads_dir = uploads_dir
        self.max_upload_bytes = max_upload_bytes
        self._lock = threading.Lock()
        self._busy = ""

    @property
    def busy(self) -> str:
        """What the library is changing now, in words ("the upload of digest.txt"); "" when
        idle."""
        return self._busy

    def rows(self) -> list[SourceRow]:
        """The indexed documents, most recently added first."""
        # From the manifest: listing the documents reads none of their texts.
        summaries = sorted(
            self.qa.index.summaries,
            key=lambda summary: (summary.added_at, summary.doc_id),
            reverse=True,
        )
        return [
            SourceRow(
                doc_id=summary.doc_id,
                title=summary.title,
                file_name=Path(summary.source_path).name,
                size_bytes=summary.size_bytes,
                chunks=summary.chunks,
                added_at=summary.added_at,
                also_in=tuple(Path(path).name for path in summary.duplicates),
            )
            for summary in summaries
        ]

    def _check(self, incoming: IncomingFile, taken: set[Path]) -> Path:
        target = upload_target(self.uploads_dir, incoming.name)
        suffix = target.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            shown = suffix or "without a suffix"
            raise UploadRefused(
                f"files of type {shown!r} cannot be indexed; use " + ", ".join(supported_suffixes())
            )
        size = incoming.path.stat().st_size
        if size > self.max_upload_bytes:
            raise UploadRefused(
                f"the file is {human_size(size)}; the largest accepted is "
                f"{human_size(self.max_upload_bytes)}"
            )
        if target in taken:
            raise UploadRefused("another file in this upload has the same name")
        existing = self.qa.index.documents.get(target.stem)
        if existing is not None and Path(existing.source_path).resolve() != target:
            raise UploadRefused(
                f"a document with the id {target.stem!r} is already indexed from another "
                "file; rename this file or remove that document first"
            )
        return target

    def add(self, files: Sequence[IncomingFile], progress: Progress | None = None) -> UploadResult:
        """Check, keep and index uploaded files; refused files change nothing.

        Args:
            files: The files as they arrived.
            progress: Called with (fraction done, what is happening) as work goes on.

        Returns:
            Which files were indexed, and a message per file.
        """
        report_progress = progress or (lambda fraction, description: None)
        with self._lock:
            self._busy = "the upload of " + ", ".join(incoming.name for incoming in files)
            try:
                return self._add(files, report_progress)
            finally:
                self._busy = ""

    def _add(self, files: Sequence[IncomingFile], report_progress: Progress) -> UploadResult:
        report_progress(0.02, "Checking the files")
        messages: list[str] = []
        accepted: list[tuple[IncomingFile, Path]] = []
        taken: set[Path] = set()
        for incoming in files:
            try:
                target = self._check(incoming, taken)
            except (UploadRefused, OSError) as exc:
                messages.append(f"{incoming.name}: not added; {exc}")
                continue
            taken.add(target)
            accepted.append((incoming, target))
        if not accepted:
            return UploadResult((), tuple(messages))
        report_progress(0.04, f"Saving {len(accepted)} file(s)")
        backups: dict[Path, Path | None] = {}
        try:
            self._save(accepted, backups)
            report_progress(
                READING[0], "Reading " + ", ".join(target.name for _, target in accepted)
            )
            report = self._index([target for _, target in accepted], report_progress)
        except (UploadRefused, QaIndexError, OSError) as exc:
            logger.warning("upload failed, restoring the previous state: %s", exc)
            for target, backup in backups.items():
                _restore(target, backup)
            messages.extend(f"{incoming.name}: not added; {exc}" for incoming, _ in accepted)
            return UploadResult((), tuple(messages))
        report_progress(WRITING[1], "Updating the document list")
        problems = {Path(problem.path).resolve(): problem for problem in report.problems}
        repeats = {Path(note.path).resolve(): note for note in report.duplicates}
        indexed: list[str] = []
        for incoming, target in accepted:
            problem = problems.get(target)
            if problem is not None and problem.skipped:
                _restore(target, backups[target])
                messages.append(f"{incoming.name}: not added; {problem.message}")
                continue
            _discard(backups[target])
            indexed.append(incoming.name)
            note = f" ({problem.message})" if problem is not None else ""
            verb = "replaced" if backups[target] is not None else "added"
            repeat = repeats.get(target)
            if repeat is not None:
                note += (
                    f" (the same text as the indexed document {repeat.doc_id!r}; "
                    "kept as another source of it)"
                )
            messages.append(f"{incoming.name}: {verb}, ready for questions{note}")
        report_progress(1.0, "Done")
        return UploadResult(tuple(indexed), tuple(messages))

    def _save(
        self, accepted: Sequence[tuple[IncomingFile, Path]], backups: dict[Path, Path | None]
    ) -> None:
        """Copy the files into the uploads folder; ``backups`` gets what each one replaced."""
        try:
            self.uploads_dir.mkdir(parents=True, exist_ok=True)
            for incoming, target in accepted:
                backups[target] = _set_aside(target)
                _copy_in(incoming.path, target)
        except OSError as exc:
            raise UploadRefused(
                f"cannot save it in the uploads folder {self.uploads_dir}: "
                f"{exc.strerror or exc}; give the server write access to it, or set "
                "QA_UPLOADS_DIR to another folder"
            ) from exc

    def _index(self, targets: Sequence[Path], report_progress: Progress) -> BuildReport:
        """Index ``targets`` with step-by-step progress, then answer from the new version."""
        everything = ", ".join(target.name for target in targets)

        def on_progress(step: IndexProgress) -> None:
            name = Path(step.path).name if step.path else everything
            if step.phase in ("scanning", "reading"):
                done = step.files_done / max(step.files_total, 1)
                low, high = READING
                report_progress(
                    low + (high - low) * done,
                    f"Reading {name} and finding who said what",
                )
            elif step.phase == "embedding":
                report_progress(*embedding_progress(step, name))
            elif step.phase == "writing":
                report_progress(WRITING[0], "Saving the new index")

        return self.qa.update(targets, progress=on_progress)

    def remove(self, doc_id: str) -> str:
        """Take a document out of the index (and its file, if it was uploaded here).

        Args:
            doc_id: The document's id, as the sources list gives it.

        Returns:
            What happened, in words.

        Raises:
            UploadRefused: The document is unknown or is the last one left.
        """
        with self._lock:
            documents = self.qa.index.documents
            record = documents.get(doc_id)
            if record is None:
                raise UploadRefused("that document is not indexed (it may have been removed)")
            if len(documents) == 1:
                raise UploadRefused("it is the only document left; add another before removing it")
            self._busy = f"the removal of “{record.title}”"
            try:
                self.qa.remove([doc_id])
            finally:
                self._busy = ""
            source = Path(record.source_path).resolve()
            if source.parent == self.uploads_dir.resolve():
                source.unlink(missing_ok=True)
            return f"Removed {record.title!r} ({source.name})."


def _set_aside(target: Path) -> Path | None:
    """Move an existing file out of the way so that it can be restored; None if none."""
    if not target.exists():
        return None
    backup = target.with_name(f".{target.name}.{uuid.uuid4().hex}.previous")
    os.replace(target, backup)
    return backup


def _copy_in(source: Path, target: Path) -> None:
    """Copy to a hidden temporary name, then rename, so a half-written file is never indexed."""
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _restore(target: Path, backup: Path | None) -> None:
    if backup is None:
        target.unlink(missing_ok=True)
    else:
        os.replace(backup, target)


def _discard(backup: Path | None) -> None:
    if backup is not None:
        backup.unlink(missing_ok=True)
