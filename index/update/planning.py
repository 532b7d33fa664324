"""What an index update will do, decided before anything is read for text or embedded.

``plan_update`` compares the files found under the given paths with the live index: which
documents are kept as they are (same bytes), which files are known copies of a kept
document, which documents are gone, which files were removed on request and stay out, and
which files must be read, cut and embedded. It looks at the file system (a stat and, for
files the index already knows, a hash) but changes nothing; ``IndexUpdate`` executes the
plan.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.hashing import file_sha256
from index.sources.documents import FileProblem, ScanResult, SourceFile
from index.storage.records import DocumentRecord, DuplicateSource

# Preferred canonical copy when one story is saved in several formats: the plainest text.
_FORMAT_RANK = {".md": 0, ".markdown": 0, ".txt": 1, ".text": 1, ".html": 2, ".htm": 2}


def is_under(path: str, roots: Sequence[Path]) -> bool:
    """Whether ``path`` is one of ``roots`` or inside one of them."""
    candidate = Path(path)
    return any(candidate == root or root in candidate.parents for root in roots)


def is_gone(path: str) -> bool:
    """Whether a file no longer exists; one that cannot be looked at is not gone.

    A file in a folder this user may not list or enter (say, chmod 000) is still there,
    and keeps its indexed version, where ``Path.exists()`` would raise PermissionError.
    """
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class Kept:
    """A live document kept as it is.

    Attributes:
        record: Its record in the live index.
        sources: Its copies kept from before: those outside the paths being indexed (the
            ones inside are confirmed again by this update, as ``UpdatePlan.copies``).
        source: The file found unchanged (same bytes), or None for a document indexed from
            outside the paths, or whose file could not be found but is not gone.
    """

    record: DocumentRecord
    sources: tuple[DuplicateSource, ...]
    source: SourceFile | None = None


@dataclass(frozen=True)
class UpdatePlan:
    """What one update will do; see ``plan_update``.

    Attributes:
        files: Every supported file found under the paths (excluded ones too).
        problems: Problems met while looking for files.
        left_out: Files found but removed on request earlier, so not indexed.
        excluded: Source paths excluded after this update (named files are no longer
            excluded; excluded files gone from a folder being indexed are forgotten).
        kept: Live documents kept as they are, in the order they are accepted.
        copies: Files that repeat a kept document byte for byte: (file, its document's id,
            the copy as recorded).
        removed: Ids of live documents whose files are gone.
        pending: Files to read, cut and embed: those the index already knows first (they
            keep their ids), then by format (Markdown before text before HTML before PDF,
            so the plainest copy of a story becomes the document) and path.
        earlier: The live record of each file the index already knows, by source path.
        taken: Document ids in use before any pending file is read.
    """

    files: tuple[SourceFile, ...]
    problems: tuple[FileProblem, ...]
    left_out: tuple[SourceFile, ...]
    excluded: frozenset[str]
    kept: tuple[Kept, ...]
    copies: tuple[tuple[SourceFile, str, DuplicateSource], ...]
    removed: tuple[str, ...]
    pending: tuple[SourceFile, ...]
    earlier: Mapping[str, DocumentRecord]
    taken: frozenset[str]


def plan_update(
    found: ScanResult,
    documents: Mapping[str, DocumentRecord],
    reusable: bool,
    excluded: Iterable[str],
    digest: Callable[[Path], str] = file_sha256,
    gone: Callable[[str], bool] = is_gone,
) -> UpdatePlan:
    """Decide what an update of the files in ``found`` does to the live ``documents``.

    Args:
        found: The files under the paths being indexed (``scan``).
        documents: The live index's records by id (empty for a first build or a rebuild).
        reusable: Whether the live records can be kept as they are (False when the
            chunking changed: every file is read and embedded again).
        excluded: Source paths removed on request earlier.
        digest: The content hash of a file (default sha256 of its bytes).
        gone: Whether a path no longer exists (default: a stat that says so).

    Returns:
        The plan. Nothing on disk is changed.
    """
    roots = found.roots
    named = {s.source_path for s in found.files if str(s.root) == s.source_path}
    still_excluded = frozenset(
        path for path in set(excluded) - named if not (is_under(path, roots) and gone(path))
    )
    left_out = tuple(s for s in found.files if s.source_path in still_excluded)
    files = [s for s in found.files if s.source_path not in still_excluded]
    by_path = {record.source_path: record for record in documents.values()}
    recorded_copies = {
        dup.source_path: (record.doc_id, dup)
        for record in documents.values()
        for dup in record.duplicates
    }
    scanned = {source.source_path for source in files}

    def keep(record: DocumentRecord, source: SourceFile | None = None) -> Kept:
        # Copies under the roots are confirmed again in this run; others are kept as listed.
        elsewhere = tuple(d for d in record.duplicates if not is_under(d.source_path, roots))
        return Kept(record, elsewhere, source)

    kept: list[Kept] = []
    removed: list[str] = []
    pending: list[SourceFile] = []
    possible_copies: list[tuple[SourceFile, str, DuplicateSource]] = []
    # Documents indexed from elsewhere stay; so do files under the roots that still exist
    # but were not found (refused links) and, when read, files unreadable right now.
    for record in documents.values():
        if record.source_path in scanned:
            continue
        if is_under(record.source_path, roots) and gone(record.source_path):
            removed.append(record.doc_id)
        else:
            kept.append(keep(record))
    for source in files:
        indexed = by_path.get(source.source_path)
        copy = recorded_copies.get(source.source_path)
        if indexed is None and copy is None:
            pending.append(source)
            continue
        try:
            content_hash = digest(source.path)
        except OSError:
            pending.append(source)  # reported, and the old version handled, when read
            continue
        if indexed is not None and reusable and content_hash == indexed.content_hash:
            kept.append(keep(indexed, source))
        elif indexed is None and copy is not None and content_hash == copy[1].content_hash:
            possible_copies.append((source, copy[0], copy[1]))
        else:
            pending.append(source)
    kept_ids = {k.record.doc_id for k in kept}
    copies = []
    for source, doc_id, dup in possible_copies:
        if doc_id in kept_ids:
            copies.append((source, doc_id, dup))
        else:
            pending.append(source)
    reserved = {by_path[s.source_path].doc_id for s in pending if s.source_path in by_path}
    pending.sort(
        key=lambda s: (
            s.source_path not in by_path,
            _FORMAT_RANK.get(s.path.suffix.lower(), 3),
            s.source_path,
        )
    )
    return UpdatePlan(
        files=found.files,
        problems=found.problems,
        left_out=left_out,
        excluded=still_excluded,
        kept=tuple(kept),
        copies=tuple(copies),
        removed=tuple(removed),
        pending=tuple(pending),
        earlier={
            s.source_path: by_path[s.source_path] for s in pending if s.source_path in by_path
        },
        taken=frozenset(kept_ids | reserved),
    )
