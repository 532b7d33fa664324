"""Building the index: load, clean, chunk, split sentences, embed and store documents."""

from index.builder import INDEX_ENGINES, BuildReport, DuplicateNote, IndexBuilder, make_record
from index.chunking import Chunk, ChunkingConfig, chunk_document
from index.cleaning import TextSpan, content_blocks, content_lines
from index.documents import Document, FileProblem, scan
from index.duplicates import DuplicateFinder, sketch
from index.embedder import (
    Embedder,
    ModelFingerprint,
    RecentTexts,
    SentenceTransformerEmbedder,
    default_model_path,
)
from index.errors import (
    CorruptIndexError,
    IndexLockedError,
    IndexNotFoundError,
    IndexNotWritableError,
    ModelMismatchError,
    NoDocumentsError,
    QaIndexError,
)
from index.formats import ExtractedText, ExtractionError, extract
from index.manifest import Manifest
from index.progress import IndexProgress, ProgressCallback
from index.records import DocumentRecord, DuplicateSource
from index.sentences import split_sentences
from index.store import IndexStore, StoredIndex
from index.stores import STORE_KINDS, StoreConfig

__all__ = [
    "INDEX_ENGINES",
    "STORE_KINDS",
    "BuildReport",
    "Chunk",
    "ChunkingConfig",
    "CorruptIndexError",
    "Document",
    "DocumentRecord",
    "DuplicateFinder",
    "DuplicateNote",
    "DuplicateSource",
    "Embedder",
    "ExtractedText",
    "ExtractionError",
    "FileProblem",
    "IndexBuilder",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexNotWritableError",
    "IndexProgress",
    "IndexStore",
    "Manifest",
    "ModelFingerprint",
    "ModelMismatchError",
    "NoDocumentsError",
    "ProgressCallback",
    "QaIndexError",
    "RecentTexts",
    "SentenceTransformerEmbedder",
    "StoreConfig",
    "StoredIndex",
    "TextSpan",
    "chunk_document",
    "content_blocks",
    "content_lines",
    "default_model_path",
    "extract",
    "make_record",
    "scan",
    "sketch",
    "split_sentences",
]
