"""Building the index: load, clean, chunk, split sentences, embed and store documents."""

from index.builder import BuildReport, IndexBuilder, make_record
from index.chunking import Chunk, ChunkingConfig, chunk_document
from index.cleaning import TextSpan, content_blocks, content_lines
from index.documents import Document, FileProblem, LoadResult, load_documents
from index.embedder import (
    Embedder,
    ModelFingerprint,
    SentenceTransformerEmbedder,
    default_model_path,
)
from index.errors import (
    CorruptIndexError,
    IndexLockedError,
    IndexNotFoundError,
    ModelMismatchError,
    NoDocumentsError,
    QaIndexError,
)
from index.sentences import split_sentences
from index.store import DocumentRecord, IndexStore, StoredIndex

__all__ = [
    "BuildReport",
    "Chunk",
    "ChunkingConfig",
    "CorruptIndexError",
    "Document",
    "DocumentRecord",
    "Embedder",
    "FileProblem",
    "IndexBuilder",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStore",
    "LoadResult",
    "ModelFingerprint",
    "ModelMismatchError",
    "NoDocumentsError",
    "QaIndexError",
    "SentenceTransformerEmbedder",
    "StoredIndex",
    "TextSpan",
    "chunk_document",
    "content_blocks",
    "content_lines",
    "default_model_path",
    "load_documents",
    "make_record",
    "split_sentences",
]
