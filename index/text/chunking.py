"""Cutting documents into overlapping chunks with exact character offsets into the original text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.sources.cleaning import TextSpan, content_blocks
from index.sources.documents import Document

# Blocks longer than this (only in huge files) are cut at line breaks before splitting.
_WINDOW_CHARS = 200_000


@dataclass(frozen=True)
class ChunkingConfig:
    """How documents are cut into chunks.

    Attributes:
        chunk_size_chars: Largest chunk, in characters (default 1000).
        chunk_overlap_chars: Characters shared by neighbouring chunks (default 150).
    """

    chunk_size_chars: int = 1000
    chunk_overlap_chars: int = 150

    def __post_init__(self) -> None:
        if self.chunk_size_chars < 50:
            raise ValueError("chunk_size_chars must be at least 50")
        if not 0 <= self.chunk_overlap_chars < self.chunk_size_chars:
            raise ValueError("chunk_overlap_chars must be >= 0 and smaller than chunk_size_chars")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: ``text == document.text[start:end]``.

    Attributes:
        chunk_id: ``"{doc_id}#{ordinal}"``, stable while the document does not change.
        doc_id: The document it was cut from.
        start: Offset of its first character in the document's text.
        end: Offset just past its last character.
        text: The chunk's text.
    """

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str


if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter


def _splitter(config: ChunkingConfig) -> RecursiveCharacterTextSplitter:
    # Imported here: only indexing cuts text, and answering should not pay for the import.
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=config.chunk_size_chars,
        chunk_overlap=config.chunk_overlap_chars,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        strip_whitespace=True,
    )


def _locate(block_text: str, pieces: list[str], overlap_chars: int) -> list[TextSpan]:
    """Find each piece in ``block_text`` in order.

    Pieces come out of the splitter in document order; each starts after the previous one's
    start and shares at most ``overlap_chars`` with it, so it is searched from
    ``max(previous start + 1, previous end - overlap)``. That bound is what keeps offsets
    right on repeated text, where LangChain's ``add_start_index`` goes wrong (issue 21475).
    """
    spans: list[TextSpan] = []
    search_from = 0
    for piece in pieces:
        position = block_text.find(piece, search_from)
        if position < 0:
            raise ValueError("text splitter returned a piece that is not in the text")
        spans.append(TextSpan(position, position + len(piece)))
        search_from = max(position + 1, position + len(piece) - overlap_chars)
    return spans


def _windows(text: str, block: TextSpan) -> list[TextSpan]:
    """Cut a very long block at line breaks into windows of about ``_WINDOW_CHARS``.

    Keeps the splitter's working set small on huge files; article blocks are far shorter.
    """
    if block.end - block.start <= _WINDOW_CHARS:
        return [block]
    windows: list[TextSpan] = []
    start = block.start
    while block.end - start > _WINDOW_CHARS:
        cut = text.rfind("\n", start + _WINDOW_CHARS // 2, start + _WINDOW_CHARS)
        if cut < 0:
            cut = start + _WINDOW_CHARS
        windows.append(TextSpan(start, cut))
        start = cut
    windows.append(TextSpan(start, block.end))
    return windows


def chunk_spans(
    text: str, config: ChunkingConfig, blocks: list[TextSpan] | None = None
) -> Iterator[TextSpan]:
    """The chunk ranges of ``text``, in order, without making every chunk's text at once.

    Args:
        text: A document's text.
        config: Chunk size and overlap.
        blocks: Its clutter-free blocks, when already computed (default:
            ``content_blocks(text)``).

    Yields:
        Exact ranges into ``text``; clutter lines are never inside one.
    """
    splitter = _splitter(config)
    for block in content_blocks(text) if blocks is None else blocks:
        for window in _windows(text, block):
            window_text = text[window.start : window.end]
            pieces = [piece for piece in splitter.split_text(window_text) if piece.strip()]
            for span in _locate(window_text, pieces, config.chunk_overlap_chars):
                yield TextSpan(window.start + span.start, window.start + span.end)


def chunk_document(document: Document, config: ChunkingConfig) -> list[Chunk]:
    """Cut the article text of ``document`` into chunks; clutter lines are never inside one.

    Args:
        document: The document to cut.
        config: Chunk size and overlap.

    Returns:
        Chunks in document order with exact offsets into ``document.text``.
    """
    return [
        Chunk(
            chunk_id=f"{document.doc_id}#{ordinal}",
            doc_id=document.doc_id,
            start=span.start,
            end=span.end,
            text=document.text[span.start : span.end],
        )
        for ordinal, span in enumerate(chunk_spans(document.text, config))
    ]
