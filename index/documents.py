"""Loading documents from files: decoding, titles, stable ids and per-file problems."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md"})


@dataclass(frozen=True)
class Document:
    """One source document: its full decoded text is what citation offsets point into.

    Attributes:
        doc_id: Stable id, the file name without its suffix.
        title: First non-empty line of the text (Markdown heading marks removed).
        source_path: Absolute path of the file it was read from.
        text: The decoded text of the file, unchanged.
        content_hash: sha256 of the file's bytes; unchanged files are not re-embedded.
        size_bytes: Size of the file in bytes.
    """

    doc_id: str
    title: str
    source_path: str
    text: str
    content_hash: str
    size_bytes: int


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped or only partly read, with the reason in words."""

    path: str
    message: str
    skipped: bool = True


@dataclass(frozen=True)
class LoadResult:
    """What loading a set of paths gave: documents, and problems per file."""

    documents: tuple[Document, ...]
    problems: tuple[FileProblem, ...] = field(default=())
    seen_paths: frozenset[str] = field(default=frozenset())


def title_of(text: str, fallback: str) -> str:
    """Return the first non-empty line of ``text`` as a title, at most 200 characters."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped[:200]
    return fallback


def _iter_candidate_files(path: Path, problems: list[FileProblem]) -> Iterator[Path]:
    if path.is_dir():
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                candidate = Path(root) / name
                if name.startswith("."):
                    continue
                if candidate.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield candidate
        return
    if path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
            problems.append(
                FileProblem(str(path), f"unsupported file type {path.suffix!r}; use {supported}")
            )
            return
        yield path
        return
    problems.append(FileProblem(str(path), "no such file or folder"))


def read_document(path: Path) -> tuple[Document | None, FileProblem | None]:
    """Read one file into a Document, or say why it cannot be indexed.

    Args:
        path: The file to read.

    Returns:
        The document (or None when the file is skipped) and a problem (or None when clean).
        Invalid UTF-8 is decoded with replacement characters and reported, not skipped.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, FileProblem(str(path), f"cannot read file: {exc.strerror or exc}")
    if not raw.strip():
        return None, FileProblem(str(path), "file is empty")
    if b"\x00" in raw[:8192]:
        return None, FileProblem(str(path), "file looks binary (contains NUL bytes), not text")
    problem: FileProblem | None = None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        problem = FileProblem(
            str(path),
            f"invalid UTF-8 at byte {exc.start}; undecodable bytes were replaced with U+FFFD",
            skipped=False,
        )
    document = Document(
        doc_id=path.stem,
        title=title_of(text, path.stem),
        source_path=str(path.resolve()),
        text=text,
        content_hash=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
    )
    return document, problem


def load_documents(paths: Iterable[str | Path]) -> LoadResult:
    """Load every supported file under ``paths`` (files or folders, recursively).

    Document ids are file stems; when two files share a stem, the later ones get a short
    hash of their path appended so ids stay unique and stable across runs.

    Args:
        paths: Files and folders to read.

    Returns:
        The loaded documents sorted by id, and one problem per file that needs attention.
    """
    problems: list[FileProblem] = []
    documents: dict[str, Document] = {}
    seen: set[str] = set()
    for given in paths:
        for file_path in _iter_candidate_files(Path(given), problems):
            resolved = str(file_path.resolve())
            if resolved in seen:
                continue
            seen.add(resolved)
            document, problem = read_document(file_path)
            if problem is not None:
                problems.append(problem)
            if document is None:
                continue
            if document.doc_id in documents:
                suffix = hashlib.sha1(resolved.encode()).hexdigest()[:8]
                document = Document(
                    **{**document.__dict__, "doc_id": f"{document.doc_id}-{suffix}"}
                )
            documents[document.doc_id] = document
    for problem in problems:
        logger.warning("%s: %s", problem.path, problem.message)
    ordered = tuple(documents[key] for key in sorted(documents))
    return LoadResult(documents=ordered, problems=tuple(problems), seen_paths=frozenset(seen))
