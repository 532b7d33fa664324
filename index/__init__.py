"""Building the index: load, clean, chunk, split sentences, embed and store documents."""

from index.embedding.embedder import (
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
    RebuildWouldDropError,
)
from index.sources.cleaning import TextSpan, content_blocks, content_lines
from index.sources.documents import Document, FileProblem, scan
from index.sources.duplicates import DuplicateFinder, sketch
from index.sources.formats import ExtractedText, ExtractionError, extract
from index.storage.backends import STORE_KINDS, StoreConfig
from index.storage.manifest import Manifest
from index.storage.records import DocumentRecord, DuplicateSource
from index.storage.store import IndexStore
from index.storage.stored_index import StoredIndex
from index.text.chunking import Chunk, ChunkingConfig, chunk_document
from index.text.sentences import split_sentences
from index.update.builder import (
    INDEX_ENGINES,
    BuildReport,
    DuplicateNote,
    IndexBuilder,
    make_record,
)
from index.update.progress import IndexProgress, ProgressCallback

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
    "RebuildWouldDropError",
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
