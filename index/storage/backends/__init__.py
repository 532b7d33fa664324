"""Vector store back ends: the protocol each one meets (``base``) and the registry of them.

A back end is one module (``faiss``) or package (``milvus``) with a class meeting
``VectorBackend``, and one line in ``BACKENDS`` below; the index (``index.storage.store``) asks the
back end a manifest or a ``StoreConfig`` names, and never compares kind names itself.

Example:
    >>> backend_for("faiss").needed_files()
    ('vectors.faiss',)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from index.storage.backends.base import (
    DEFAULT_KIND,
    PreviousVectors,
    ReadRequest,
    StoreConfig,
    StoredVectors,
    VectorBackend,
    VectorStore,
    VectorWriter,
    WriteRequest,
    vectors_for,
)
from index.storage.backends.faiss import FaissBackend
from index.storage.backends.milvus import MilvusBackend

# Kind name (as given to --store and recorded in manifests) -> the back end's class.
BACKENDS: Mapping[str, Callable[[], VectorBackend]] = MappingProxyType(
    {
        "faiss": FaissBackend,
        "milvus": MilvusBackend,
    }
)
STORE_KINDS: tuple[str, ...] = tuple(BACKENDS)

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


def backend_for(kind: str) -> VectorBackend:
    """A new back end of ``kind``; it holds no connection until one is used.

    Raises:
        ValueError: ``kind`` is not registered; the message names the known kinds.
    """
    try:
        make = BACKENDS[kind]
    except KeyError:
        raise ValueError(
            f"unknown vector store {kind!r}; choose one of {', '.join(STORE_KINDS)}"
        ) from None
    return make()
