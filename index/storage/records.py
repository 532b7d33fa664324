"""Per-document index records (text, chunks, sentences, pages, copies) and how they are made."""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from index.sources.cleaning import TextSpan, content_blocks, content_lines
from index.sources.documents import Document, FileProblem, SourceFile, make_document, read_bytes
from index.sources.duplicates import sketch
from index.sources.formats import TextExtractor, extract
from index.statements.extraction import STATEMENTS_VERSION, Statement, StatementExtractor
from index.storage.manifest import IndexedDocument
from index.text.chunking import Chunk, ChunkingConfig, chunk_spans
from index.text.sentences import split_sentences


@dataclass(frozen=True)
class DuplicateSource:
    """Another file holding the same story as an indexed document (indexed once, listed here).

    Attributes:
        source_path: The other file.
        content_hash: sha256 of its bytes when it was compared.
        resemblance: Estimated share of word 4-grams the two have in common, in [0, 1].
    """

    source_path: str
    content_hash: str
    resemblance: float


@dataclass(frozen=True)
class DocumentRecord(IndexedDocument):
    """An indexed document with its text, chunk ranges and sentence ranges.

    Attributes (beyond those of ``IndexedDocument``):
        text: The full text that offsets point into.
        chunks: Chunk ranges, in order; chunk ``i`` has id ``f"{doc_id}#{i}"``.
        sentences: Sentence ranges of the article text, in order.
        format: ``text``, ``markdown``, ``html`` or ``pdf``.
        page_starts: For PDFs, the offset in ``text`` where each page starts.
        duplicates: Other files with the same story, not indexed separately.
        sketch: Shingle sketch of the article text, to recognise near-duplicates.
        statements: Attributed statements (who said what), in document order; None when
            the record was written before statements were extracted, or by another version
            of the extraction (``with_statements``).
    """

    text: str
    chunks: tuple[TextSpan, ...]
    sentences: tuple[TextSpan, ...]
    format: str = "text"
    page_starts: tuple[int, ...] = ()
    duplicates: tuple[DuplicateSource, ...] = ()
    sketch: tuple[int, ...] = ()
    statements: tuple[Statement, ...] | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """Every file this document was found in: its own first, then its duplicates."""
        return (self.source_path, *(dup.source_path for dup in self.duplicates))

    def page_at(self, offset: int) -> int | None:
        """The page (1-based) holding character ``offset``, or None for unpaged formats."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def chunk(self, ordinal: int) -> Chunk:
        """Return chunk number ``ordinal`` of this document."""
        span = self.chunks[ordinal]
        return Chunk(
            chunk_id=f"{self.doc_id}#{ordinal}",
            doc_id=self.doc_id,
            start=span.start,
            end=span.end,
            text=self.text[span.start : span.end],
        )

    def chunk_texts(self) -> list[str]:
        """The text of each chunk, in chunk order."""
        return [self.text[span.start : span.end] for span in self.chunks]

    def to_json(self) -> dict[str, Any]:
        """The record as one JSON object (a line of ``documents.jsonl``)."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source_path": self.source_path,
            "content_hash": self.content_hash,
            "size_bytes": self.size_bytes,
            "added_at": self.added_at,
            "format": self.format,
            "page_starts": list(self.page_starts),
            "duplicates": [asdict(dup) for dup in self.duplicates],
            "sketch": list(self.sketch),
            "statements": (
                None if self.statements is None else [s.to_json() for s in self.statements]
            ),
            "statements_version": STATEMENTS_VERSION,
            "chunks": [[span.start, span.end] for span in self.chunks],
            "sentences": [[span.start, span.end] for span in self.sentences],
            "text": self.text,
        }

    def json_pieces(self, piece_chars: int = 1 << 20) -> Iterator[str]:
        """``json.dumps(self.to_json())`` in pieces, the text a megabyte at a time.

        A book-length document's JSON line would otherwise be built whole, beside the text it
        copies: writing it piece by piece keeps the peak of an update near the text's size.
        """
        head = self.to_json()
        text = head.pop("text")
        opened = json.dumps(head, ensure_ascii=False)
        # "text" is the last field: the head's closing brace makes way for it.
        yield opened[:-1] + ', "text": "'
        for start in range(0, len(text), piece_chars):
            # JSON escapes character by character, so escaped pieces join into the whole.
            yield json.dumps(text[start : start + piece_chars], ensure_ascii=False)[1:-1]
        yield '"}'

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentRecord:
        """Read a record written by ``to_json`` (fields added later take their defaults)."""
        return cls(
            doc_id=str(data["doc_id"]),
            title=str(data["title"]),
            source_path=str(data["source_path"]),
            content_hash=str(data["content_hash"]),
            size_bytes=int(data["size_bytes"]),
            added_at=str(data["added_at"]),
            text=str(data["text"]),
            chunks=tuple(TextSpan(int(s), int(e)) for s, e in data["chunks"]),
            sentences=tuple(TextSpan(int(s), int(e)) for s, e in data["sentences"]),
            format=str(data.get("format", "text")),
            page_starts=tuple(int(p) for p in data.get("page_starts", ())),
            duplicates=tuple(DuplicateSource(**dup) for dup in data.get("duplicates", ())),
            sketch=tuple(int(v) for v in data.get("sketch", ())),
            statements=(
                None
                if data.get("statements") is None
                or data.get("statements_version") != STATEMENTS_VERSION
                else tuple(Statement.from_json(s) for s in data["statements"])
            ),
        )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


_extractor = StatementExtractor()


def with_statements(record: DocumentRecord) -> DocumentRecord:
    """The record with its attributed statements (extracted now if it has none yet)."""
    if record.statements is not None:
        return record
    return replace(record, statements=_extractor.extract(record.text, record.sentences))


def make_record(
    document: Document, config: ChunkingConfig, statements: bool = True
) -> DocumentRecord:
    """Clean, chunk and sentence-split one document into the record the index stores.

    Args:
        document: The document.
        config: Chunk size and overlap.
        statements: Extract its attributed statements too (default True; False leaves
            ``statements`` None).

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
    return with_statements(record) if statements and record.chunks else record


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
    statements: bool = True,
) -> PreparedFile:
    """Read one file and make its record; the per-file work of an index update.

    Pure apart from reading the file, so it can run in another process (the ray engine).

    Args:
        source: A file found by ``scan``.
        config: Chunk size and overlap.
        extract_text: What extracts the text (default ``extract``; see ``make_document``).
        statements: Extract the document's attributed statements (default True).

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
    record = make_record(document, config, statements)
    if not record.chunks:
        problems.append(
            FileProblem(str(source.path), "no article text left after removing page clutter")
        )
        return PreparedFile(source, None, tuple(problems))
    return PreparedFile(source, record, tuple(problems))
