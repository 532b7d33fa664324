"""Vector store back ends: the protocol each one meets (``base``) and the registry of them.

A back end is one module (``faiss``) or package (``milvus``) with a class meeting
``VectorBackend``, and one line in ``BACKENDS`` (in ``base``); the index
(``index.storage.store``) asks the back end a manifest or a ``StoreConfig`` names, and never
compares kind names itself.

Example:
    >>> backend_for("faiss").needed_files()
    ('vectors.faiss',)
"""

from __future__ import annotations

from index.storage.backends.base import (
    BACKENDS,
    DEFAULT_KIND,
    STORE_KINDS,
    PreviousVectors,
    ReadRequest,
    StoreConfig,
    StoredVectors,
    VectorBackend,
    VectorStore,
    VectorWriter,
    WriteRequest,
    backend_for,
    vectors_for,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_KIND",
    "STORE_KINDS",
    "PreviousVectors",
    "ReadRequest",
    "StoreConfig",
    "StoredVectors",
    "VectorBackend",
    "VectorStore",
    "VectorWriter",
    "WriteRequest",
    "backend_for",
    "vectors_for",
]
