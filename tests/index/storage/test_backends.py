"""The vector store registry and the typed manifest: kinds, needed files, JSON round trips."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from index.embedding.embedder import ModelFingerprint
from index.errors import CorruptIndexError
from index.storage.backends import STORE_KINDS, StoreConfig, backend_for
from index.storage.backends.folder import vector_files
from index.storage.manifest import (
    FORMAT_VERSION,
    DocumentCounts,
    DocumentSummary,
    IncompleteManifestError,
    Manifest,
    StoreEntry,
    VectorIndexEntry,
    read_manifest,
)
from index.storage.vector_index import VectorIndexSpec
from index.text.chunking import ChunkingConfig

MODEL = ModelFingerprint(name="all-MiniLM-L6-v2", weights_sha256="ab" * 32, dimension=384)


def _manifest(store: StoreEntry, index: VectorIndexEntry | None) -> Manifest:
    summary = DocumentSummary(
        doc_id="harbour",
        title="Harbour – ferries resume",
        source_path="/docs/harbour.md",
        content_hash="cd" * 32,
        size_bytes=1234,
        added_at="2025-01-01T00:00:00Z",
        chunks=2,
        format="markdown",
        pages=0,
        duplicates=("/docs/copy/harbour.md",),
    )
    files = {"documents.jsonl": "01" * 32, **{name: "02" * 32 for name in vector_files(store)}}
    return Manifest(
        version="20250101T000000-deadbeef",
        model=MODEL,
        chunking=ChunkingConfig(),
        order=("harbour",),
        documents=(summary,),
        files=files,
        created_at="2025-01-01T00:00:00Z",
        vector_store=store,
        vector_index=index,
        counts=DocumentCounts(documents=1, chunks=2),
        excluded=("/docs/removed.txt",),
    )


MANIFESTS = {
    "faiss": _manifest(
        StoreEntry("faiss"), VectorIndexEntry(VectorIndexSpec(kind="hnsw"), graph="extended")
    ),
    "milvus": _manifest(
        StoreEntry(
            "milvus",
            {"uri": "milvus.db", "collection": "qa_chunks", "index_type": "HNSW", "metric": "IP"},
        ),
        None,
    ),
}


def _needed(store: StoreEntry | None) -> tuple[str, ...]:
    return ("documents.jsonl", *vector_files(store))


def test_an_unknown_kind_is_refused_naming_the_known_kinds() -> None:
    assert STORE_KINDS == ("faiss", "milvus")
    with pytest.raises(
        ValueError, match=r"unknown vector store 'qdrant'; choose one of faiss, milvus"
    ):
        backend_for("qdrant")
    with pytest.raises(
        ValueError, match=r"unknown vector store 'qdrant'; choose one of faiss, milvus"
    ):
        StoreConfig(kind="qdrant")


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_each_backend_reports_the_files_it_keeps_in_a_version_folder(kind: str) -> None:
    needed = backend_for(kind).needed_files()
    assert needed == {"faiss": ("vectors.faiss",), "milvus": ()}[kind]
    assert vector_files(StoreEntry(kind)) == needed
    assert vector_files(StoreEntry("qdrant")) == ()  # reported when loading, not here


def test_a_manifest_older_than_stores_keeps_its_vectors_in_faiss_files() -> None:
    assert vector_files(None) == ("vectors.faiss",)
    assert StoreConfig(kind=None).named_by(None).kind == "faiss"


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_manifest_round_trips_through_json_unchanged(kind: str, tmp_path: Path) -> None:
    manifest = MANIFESTS[kind]
    text = json.dumps(manifest.to_json(), indent=2, ensure_ascii=False)
    again = Manifest.from_json(json.loads(text), _needed)
    assert again == manifest
    assert json.dumps(again.to_json(), indent=2, ensure_ascii=False) == text
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="utf-8")
    assert read_manifest(path, _needed) == manifest


def test_the_json_keeps_the_layout_of_existing_indexes() -> None:
    data = MANIFESTS["faiss"].to_json()
    assert list(data) == [
        "format_version",
        "version",
        "created_at",
        "model",
        "chunking",
        "vector_store",
        "vector_index",
        "counts",
        "order",
        "documents",
        "excluded",
        "files",
    ]
    assert data["vector_store"] == {"kind": "faiss"}
    assert data["vector_index"] == {
        "kind": "hnsw",
        "hnsw_m": 32,
        "ef_construction": 80,
        "ef_search": 256,
        "metric": "inner_product",
        "graph": "extended",
    }
    assert list(data["documents"][0]) == [
        "doc_id",
        "title",
        "source_path",
        "content_hash",
        "size_bytes",
        "added_at",
        "format",
        "pages",
        "chunks",
        "duplicates",
    ]
    milvus = MANIFESTS["milvus"].to_json()
    assert "vector_index" not in milvus
    assert milvus["vector_store"] == {
        "kind": "milvus",
        "uri": "milvus.db",
        "collection": "qa_chunks",
        "index_type": "HNSW",
        "metric": "IP",
    }


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        (lambda data: data.pop("model"), "no model"),
        (lambda data: data.pop("files"), "no files"),
        (
            lambda data: data["files"].pop("vectors.faiss"),
            "no files.documents.jsonl, files.vectors.faiss",
        ),
        (lambda data: data["documents"][0].pop("content_hash"), "no documents[0].content_hash"),
    ],
)
def test_a_manifest_missing_a_field_is_refused_naming_it(
    change: Any, missing: str, tmp_path: Path
) -> None:
    data = MANIFESTS["faiss"].to_json()
    change(data)
    with pytest.raises(IncompleteManifestError, match=f"^{re.escape(missing)}$"):
        Manifest.from_json(data, _needed)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CorruptIndexError) as error:
        read_manifest(path, _needed)
    assert str(error.value) == (
        f"index file {path} is incomplete ({missing}); rebuild it with `qa index --rebuild PATH`"
    )


def test_a_manifest_in_a_newer_format_is_refused_saying_so(tmp_path: Path) -> None:
    data = MANIFESTS["faiss"].to_json()
    data["format_version"] = FORMAT_VERSION + 1
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CorruptIndexError, match="written by a newer qa-over-docs") as error:
        read_manifest(path, _needed)
    assert f"manifest format {FORMAT_VERSION + 1}" in str(error.value)
    data["format_version"] = FORMAT_VERSION
    assert Manifest.from_json(data, _needed) == MANIFESTS["faiss"]


def test_a_manifest_field_that_cannot_be_read_is_reported_as_corrupt(tmp_path: Path) -> None:
    data = MANIFESTS["faiss"].to_json()
    data["order"] = "harbour"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        CorruptIndexError, match=r"manifest\.json is corrupt \(order is not a list\)"
    ):
        read_manifest(path, _needed)
