"""What an index update did: the report ``qa index`` prints and the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.sources.documents import FileProblem


@dataclass(frozen=True)
class DuplicateNote:
    """A file recognised as another copy of an indexed document, and not indexed again.

    Attributes:
        path: The file.
        doc_id: The document it repeats.
        resemblance: Estimated share of word 4-grams they have in common, in [0, 1].
    """

    path: str
    doc_id: str
    resemblance: float


@dataclass(frozen=True)
class BuildReport:
    """What an index update did.

    Attributes:
        added: Ids of documents indexed for the first time.
        updated: Ids of documents whose content changed and were re-indexed.
        unchanged: Ids of documents kept as they were (their vectors reused).
        removed: Ids of documents dropped because their files are gone (or, by
            ``remove``, on request).
        left_out: Files under the given folders not indexed because they were removed on
            request earlier (``IndexBuilder.remove``); naming such a file indexes it again.
        duplicates: Files found to repeat an indexed document, listed as its sources.
        problems: Files skipped or read with a warning.
        chunks_embedded: Chunks that went through the model in this update.
        total_chunks: Chunks in the index afterwards.
        version: The live index version afterwards.
        files_seen: Supported files found under the given paths.
        elapsed_s: Seconds the update took (after the writer lock was taken).
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    duplicates: tuple[DuplicateNote, ...] = ()
    problems: tuple[FileProblem, ...] = field(default=())
    chunks_embedded: int = 0
    total_chunks: int = 0
    version: str = ""
    files_seen: int = 0
    elapsed_s: float = 0.0
