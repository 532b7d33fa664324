"""Per-document index records: text, chunks, sentences, pages, copies and statements."""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from index.sources.cleaning import TextSpan
from index.statements.statement import STATEMENTS_VERSION, Descriptor, Statement
from index.text.chunking import Chunk


@dataclass(frozen=True)
class IndexedDocument:
    """Which document, from which file, indexed when: what a record and its summary share.

    Attributes:
        doc_id: Stable id.
        title: Display title.
        source_path: Where the text was read from.
        content_hash: sha256 of the source bytes when indexed.
        size_bytes: Source size in bytes.
        added_at: When this version of the document was indexed (ISO 8601, UTC).
    """

    doc_id: str
    title: str
    source_path: str
    content_hash: str
    size_bytes: int
    added_at: str


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
        descriptors: How the document describes the speakers of its statements (titles,
            roles, employers), found with them.
    """

    text: str
    chunks: tuple[TextSpan, ...]
    sentences: tuple[TextSpan, ...]
    format: str = "text"
    page_starts: tuple[int, ...] = ()
    duplicates: tuple[DuplicateSource, ...] = ()
    sketch: tuple[int, ...] = ()
    statements: tuple[Statement, ...] | None = None
    descriptors: tuple[Descriptor, ...] = ()

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
            "descriptors": [d.to_json() for d in self.descriptors],
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
        current = (
            data.get("statements") is not None
            and data.get("statements_version") == STATEMENTS_VERSION
        )
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
                tuple(Statement.from_json(s) for s in data["statements"]) if current else None
            ),
            descriptors=(
                tuple(Descriptor.from_json(d) for d in data.get("descriptors", ()))
                if current
                else ()
            ),
        )
