"""Finding and reading document files: the documents folder, symlinks, formats, per-file problems.

The documents folder is the folder given to ``qa index``. Files are found by walking it;
hidden files and folders are skipped; a symlink is followed only when it points inside the
folder, so a link can neither pull in files from elsewhere nor walk in circles.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.sources.formats import (
    SUFFIX_FORMATS,
    ExtractionError,
    Format,
    TextExtractor,
    extract,
    format_of,
)

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(SUFFIX_FORMATS)


@dataclass(frozen=True)
class Document:
    """One source document: its text is what citation offsets point into.

    Attributes:
        doc_id: Stable id, the file name without its suffix (made unique when needed).
        title: The file's own title (``ExtractedText.title``), else the file name for
            Markdown and the first non-empty line for other formats.
        source_path: Absolute path of the file it was read from.
        text: The decoded text (plain text, Markdown) or the extracted text (HTML, PDF).
        content_hash: sha256 of the file's bytes; unchanged files are not re-embedded.
        size_bytes: Size of the file in bytes.
        format: ``text``, ``markdown``, ``html`` or ``pdf``.
        page_starts: For PDFs, the offset in ``text`` where each page starts.
    """

    doc_id: str
    title: str
    source_path: str
    text: str
    content_hash: str
    size_bytes: int
    format: Format = "text"
    page_starts: tuple[int, ...] = ()


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped or only partly read, with the reason in words."""

    path: str
    message: str
    skipped: bool = True


@dataclass(frozen=True)
class SourceFile:
    """A supported file found under a documents folder.

    Attributes:
        path: The path as found (under ``root``).
        source_path: Absolute path with symlinks resolved; what the index records.
        root: The documents folder it was found in (or the file itself when given directly).
    """

    path: Path
    source_path: str
    root: Path


@dataclass(frozen=True)
class ScanResult:
    """The supported files under some paths, and the problems met while looking."""

    files: tuple[SourceFile, ...]
    problems: tuple[FileProblem, ...]
    roots: tuple[Path, ...]


def title_of(text: str, fallback: str) -> str:
    """Return the first non-empty line of ``text`` as a title, at most 200 characters."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped[:200]
    return fallback


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _walk(folder: Path, root: Path, problems: list[FileProblem]) -> Iterator[Path]:
    """Supported files under ``folder`` (inside the documents folder ``root``), in order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        problems.append(FileProblem(str(folder), f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            yield from _follow_link(path, root, problems)
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(path, root, problems)
        elif entry.is_file(follow_symlinks=False):
            if format_of(path.suffix):
                yield path
            else:
                problems.append(_unsupported(path))


def _unsupported(path: Path) -> FileProblem:
    """Why a file in a documents folder is left out: its type is not one that is read."""
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    if not path.suffix:
        return FileProblem(str(path), f"no file extension; documents are read as {supported}")
    return FileProblem(str(path), f"unsupported file type {path.suffix!r}; use {supported}")


def _follow_link(link: Path, root: Path, problems: list[FileProblem]) -> Iterator[Path]:
    """A symlink met while walking ``root``: followed only to a file inside ``root``."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # how Python 3.11 reports a symlink loop
        problems.append(FileProblem(str(link), "symlink loop (the link points back to itself)"))
        return
    except OSError as exc:
        message = (
            "symlink loop (the link points back to itself)"
            if exc.errno == errno.ELOOP
            else "broken symlink (its target does not exist)"
        )
        problems.append(FileProblem(str(link), message))
        return
    if target.is_dir():
        if not _is_inside(target, root):
            problems.append(_outside(link, target, root))
        elif _is_inside(link.parent.resolve(), target):
            problems.append(
                FileProblem(str(link), f"symlink loop (points back to the folder {target})")
            )
        # A link to a folder inside the documents folder adds nothing: it is walked anyway.
        return
    if not format_of(link.suffix) and not format_of(target.suffix):
        return
    if not _is_inside(target, root):
        problems.append(_outside(link, target, root))
        return
    # The file itself, so it gets the same id whichever of its names is met first.
    yield target


def _outside(link: Path, target: Path, root: Path) -> FileProblem:
    return FileProblem(
        str(link),
        f"symlink points outside the documents folder {root} (to {target}); not indexed",
    )


def scan(paths: Iterable[str | Path]) -> ScanResult:
    """Find the supported files under ``paths`` (folders are walked, files taken as given).

    A folder given here is a documents folder: symlinks inside it are followed only when
    they point to a file inside it; links that point outside it, dangling links and link
    loops are reported and skipped. A file given directly is read wherever it lies.

    Args:
        paths: Files and folders.

    Returns:
        The files found (each once, in a stable order), problems, and the resolved roots.
    """
    problems: list[FileProblem] = []
    files: list[SourceFile] = []
    roots: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = path.resolve()
            found: Iterable[Path] = _walk(path, root, problems)
        elif path.is_file():
            root = path.resolve()
            found = [path]
            if not format_of(path.suffix):
                problems.append(_unsupported(path))
                found = []
        else:
            problems.append(FileProblem(str(path), "no such file or folder"))
            continue
        roots.append(root)
        for file_path in found:
            source_path = str(file_path.resolve())
            if source_path not in seen:
                seen.add(source_path)
                files.append(SourceFile(file_path, source_path, root))
    return ScanResult(tuple(files), tuple(problems), tuple(roots))


def read_bytes(source: SourceFile) -> tuple[bytes | None, FileProblem | None]:
    """Read a file found by ``scan``; a file gone or unreadable since is a problem, not an error."""
    try:
        return source.path.read_bytes(), None
    except FileNotFoundError:
        return None, FileProblem(str(source.path), "file disappeared while indexing; skipped")
    except IsADirectoryError:
        return None, FileProblem(str(source.path), "is a folder now, not a file; skipped")
    except OSError as exc:
        return None, FileProblem(str(source.path), f"cannot read file: {exc.strerror or exc}")


def make_document(
    source: SourceFile, raw: bytes, doc_id: str, extract_text: TextExtractor = extract
) -> tuple[Document | None, FileProblem | None]:
    """Extract one file's bytes into a Document, or say why it cannot be indexed.

    Args:
        source: The file.
        raw: Its bytes.
        doc_id: The id to give it.
        extract_text: What extracts the text (default ``extract``, in this process and
            without a time limit; an index update uses ``ExtractionProcess.extract``).

    Returns:
        The document (None when the file is skipped) and a problem (None when clean).
        Invalid UTF-8 is decoded with replacement characters and reported, not skipped.
    """
    file_format = format_of(source.path.suffix) or "text"
    try:
        extracted = extract_text(raw, file_format)
    except ExtractionError as exc:
        return None, FileProblem(str(source.path), str(exc))
    problem = (
        FileProblem(str(source.path), extracted.warning, skipped=False)
        if extracted.warning
        else None
    )
    title = (extracted.title or "").strip()[:200]
    if not title:
        # A Markdown file's first line, when it is no heading, is a badge or a paragraph.
        stem = source.path.stem
        title = stem if extracted.format == "markdown" else title_of(extracted.text, stem)
    document = Document(
        doc_id=doc_id,
        title=title,
        source_path=source.source_path,
        text=extracted.text,
        content_hash=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        format=extracted.format,
        page_starts=extracted.page_starts,
    )
    return document, problem


def unique_id(source: SourceFile, taken: set[str]) -> str:
    """The id of a newly indexed file: its stem, or the stem and a hash of its path if taken."""
    stem = source.path.stem
    if stem not in taken:
        return stem
    return f"{stem}-{hashlib.sha1(source.source_path.encode()).hexdigest()[:8]}"
