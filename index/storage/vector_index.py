"""Choosing the FAISS index by corpus size: exact while small, HNSW once search time matters."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

# Below this many vectors an exact scan stays cheap (about 6 ms at 100k and 12 ms at 200k on
# two cores), exactness is free, and every update rewrites the index in seconds. Above it,
# the scan grows towards 60 ms at 1M and HNSW answers in well under a millisecond; its graph
# costs minutes to build, which is paid on each update of such a corpus.
HNSW_FROM_VECTORS = 200_000


@dataclass(frozen=True)
class VectorIndexSpec:
    """Which FAISS index holds the vectors, with its parameters (recorded in the manifest).

    Attributes:
        kind: ``"flat"`` (exact inner product) or ``"hnsw"``.
        hnsw_m: Neighbours per HNSW node (default 32).
        ef_construction: HNSW build-time search depth (default 80).
        ef_search: HNSW query-time search depth (default 256).
    """

    kind: str = "flat"
    hnsw_m: int = 32
    ef_construction: int = 80
    # 64 found 0.967 of the exact top 10 for held-out passages over 869k real passage
    # embeddings, but 0.64 for questions far from every passage; 256 finds 0.993 and 0.81
    # for about 1 ms a search (benchmarks/hnsw_recall_1m.py; docs/benchmarks.md).
    ef_search: int = 256

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "metric": "inner_product"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VectorIndexSpec:
        known = {
            key: data[key]
            for key in ("kind", "hnsw_m", "ef_construction", "ef_search")
            if key in data
        }
        if "type" in data and "kind" not in data:  # manifests before the spec existed
            known["kind"] = "flat"
        return cls(**known)


def spec_for(count: int, threshold: int = HNSW_FROM_VECTORS) -> VectorIndexSpec:
    """The index kind for ``count`` vectors: flat below ``threshold``, HNSW from it."""
    return VectorIndexSpec(kind="hnsw" if count >= threshold else "flat")


def build_vector_index(
    vectors: npt.NDArray[np.float32], dimension: int, spec: VectorIndexSpec
) -> faiss.Index:
    """Build the FAISS index ``spec`` describes over unit-length ``vectors``.

    Args:
        vectors: ``(n, dimension)`` float32 rows.
        dimension: Vector size (needed when ``vectors`` is empty).
        spec: Which index and its parameters.

    Returns:
        The filled index; inner product equals cosine similarity for unit vectors.
    """
    index: faiss.Index
    if spec.kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dimension, spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = spec.ef_construction
        hnsw.hnsw.efSearch = spec.ef_search
        index = hnsw
    elif spec.kind == "flat":
        index = faiss.IndexFlatIP(dimension)
    else:
        raise ValueError(f"unknown vector index kind {spec.kind!r}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def configure_loaded(index: faiss.Index, spec: VectorIndexSpec) -> faiss.Index:
    """Re-apply query-time parameters that FAISS does not keep in the file (efSearch)."""
    if spec.kind == "hnsw":
        hnsw = faiss.downcast_index(index)
        hnsw.hnsw.efSearch = spec.ef_search  # type: ignore[attr-defined]
    return index
