"""Reading one file into the record the index stores: clean, chunk, split sentences, statements."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from index.sources.cleaning import content_blocks, content_lines
from index.sources.documents import Document, FileProblem, SourceFile, make_document, read_bytes
from index.sources.duplicates import sketch
from index.sources.formats import TextExtractor, extract
from index.statements.extraction import StatementExtractor
from index.storage.records import DocumentRecord
from index.text.chunking import ChunkingConfig, chunk_spans
from index.text.sentences import split_sentences


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def with_statements(record: DocumentRecord, extractor: StatementExtractor) -> DocumentRecord:
    """The record with its attributed statements and their speakers' descriptions
    (extracted now if it has none yet)."""
    if record.statements is not None:
        return record
    found = extractor.extract(record.text, record.sentences)
    return replace(record, statements=found.statements, descriptors=found.descriptors)


def make_record(
    document: Document, config: ChunkingConfig, extractor: StatementExtractor | None = None
) -> DocumentRecord:
    """Clean, chunk and sentence-split one document into the record the index stores.

    Args:
        document: The document.
        config: Chunk size and overlap.
        extractor: Finds its attributed statements (default None: ``statements`` is left
            None, for a later ``with_statements``).

    Returns:
        The record; its chunks and sentences cover article text only, with exact offsets.
    """
    lines = content_lines(document.text)
    blocks = content_blocks(document.text, lines)
    sentences = tuple(
        sentence
        for block in blocks
        for sentence in split_sentences(document.text, block.start, block.end)
    )
    record = DocumentRecord(
        doc_id=document.doc_id,
        title=document.title,
        source_path=document.source_path,
        content_hash=document.content_hash,
        size_bytes=document.size_bytes,
        added_at=_now(),
        text=document.text,
        chunks=tuple(chunk_spans(document.text, config, blocks)),
        sentences=sentences,
        format=document.format,
        page_starts=document.page_starts,
        sketch=sketch(document.text, lines),
    )
    if extractor is None or not record.chunks:
        return record
    return with_statements(record, extractor)


@dataclass(frozen=True)
class PreparedFile:
    """A pending file read and cut into a record, before the update decides what becomes of it.

    Attributes:
        source: The file.
        record: Its record, or None when the file could not be read or holds nothing to
            index. Its ``doc_id`` is a placeholder (the file's stem): the update assigns
            ids, in order, when it accepts the file.
        problems: What went wrong or needs attention, in the order met.
        readable: Whether the file's bytes could be read; a file that cannot be read right
            now keeps the version indexed earlier.
    """

    source: SourceFile
    record: DocumentRecord | None
    problems: tuple[FileProblem, ...] = ()
    readable: bool = True


def prepare_file(
    source: SourceFile,
    config: ChunkingConfig,
    extract_text: TextExtractor = extract,
    extractor: StatementExtractor | None = None,
) -> PreparedFile:
    """Read one file and make its record; the per-file work of an index update.

    Pure apart from reading the file, so it can run in another process (the ray engine).

    Args:
        source: A file found by ``scan``.
        config: Chunk size and overlap.
        extract_text: What extracts the text (default ``extract``; see ``make_document``).
        extractor: Finds the document's attributed statements (default None: not now).

    Returns:
        The record (or None) with the file's problems.
    """
    raw, problem = read_bytes(source)
    if raw is None:
        assert problem is not None
        return PreparedFile(source, None, (problem,), readable=False)
    document, problem = make_document(source, raw, source.path.stem, extract_text)
    del raw
    problems = [problem] if problem is not None else []
    if document is None:
        return PreparedFile(source, None, tuple(problems))
    record = make_record(document, config, extractor)
    if not record.chunks:
        problems.append(
            FileProblem(str(source.path), "no article text left after removing page clutter")
        )
        return PreparedFile(source, None, tuple(problems))
    return PreparedFile(source, record, tuple(problems))
