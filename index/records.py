"""Turning a document into the record the index stores: chunks, sentences and a sketch."""

from __future__ import annotations

import time

from index.chunking import ChunkingConfig, chunk_spans
from index.cleaning import content_blocks, content_lines
from index.documents import Document
from index.duplicates import sketch
from index.sentences import split_sentences
from index.store import DocumentRecord


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def make_record(document: Document, config: ChunkingConfig) -> DocumentRecord:
    """Clean, chunk and sentence-split one document into the record the index stores.

    Args:
        document: The document.
        config: Chunk size and overlap.

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
    return DocumentRecord(
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
