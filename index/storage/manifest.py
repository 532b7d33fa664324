"""The manifest of an index version (``manifest.json``): typed, and read and written only here.

A version's manifest names what built it (model, chunking), where its vectors are (the
``vector_store`` entry; ``vector_index`` for FAISS), its documents in row order and the
checksum of each file in the version folder. ``Manifest.from_json`` refuses a manifest that
lacks a field with ``IncompleteManifestError`` (listing what is missing) and one whose fields
cannot be read with ``ManifestError``; ``to_json`` gives back the JSON it was read from.
``read_manifest`` and ``write_manifest`` are the one way the file is read and written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from index.embedding.embedder import ModelFingerprint
from index.errors import CorruptIndexError
from index.hashing import file_sha256
from index.storage.records import DocumentRecord, IndexedDocument
from index.storage.vector_index import VectorIndexSpec
from index.text.chunking import ChunkingConfig

FORMAT_VERSION = 1
# The live version's name, in the index folder; each version folder's manifest.
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
REBUILD_HINT = "rebuild it with `qa index --rebuild PATH`"
# Present in every manifest since the first; the others came later and may be absent.
REQUIRED_FIELDS = ("version", "model", "chunking", "order", "documents", "files")

JsonScalar = str | int | float | bool | None


class ManifestError(ValueError):
    """A manifest whose fields cannot be read (wrong types or values)."""


class NewerFormatError(ManifestError):
    """A manifest written in a format newer than this code reads."""


class IncompleteManifestError(ManifestError):
    """A manifest that lacks fields; ``missing`` names them (``files.vectors.faiss``…)."""

    def __init__(self, missing: Collection[str]) -> None:
        self.missing = tuple(missing)
        super().__init__(f"no {', '.join(self.missing)}")


@dataclass(frozen=True)
class StoreEntry:
    """Where a version's vectors are: the store's kind and what it records of itself.

    Attributes:
        kind: The back end, a name in ``index.storage.backends.STORE_KINDS``.
        options: What that back end records (Milvus: uri, collection, index_type, metric;
            FAISS: nothing), in the order written; never credentials.
    """

    kind: str
    options: Mapping[str, JsonScalar] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.options}

    @classmethod
    def from_json(cls, data: Any) -> StoreEntry:
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise ManifestError(f"vector_store {data!r} names no kind")
        return cls(data["kind"], {key: value for key, value in data.items() if key != "kind"})


@dataclass(frozen=True)
class VectorIndexEntry:
    """The FAISS index of a version: its kind and parameters, and how its graph was made.

    Attributes:
        spec: Flat or HNSW, with the HNSW parameters.
        graph: For HNSW, ``"built"`` afresh or ``"extended"`` from the live version's graph.
    """

    spec: VectorIndexSpec
    graph: str | None = None

    def to_json(self) -> dict[str, Any]:
        described = self.spec.to_json()
        if self.graph is not None:
            described["graph"] = self.graph
        return described

    @classmethod
    def from_json(cls, data: Any) -> VectorIndexEntry:
        if not isinstance(data, dict):
            raise ManifestError(f"vector_index {data!r} is not an object")
        graph = data.get("graph")
        return cls(VectorIndexSpec.from_json(data), None if graph is None else str(graph))


@dataclass(frozen=True)
class DocumentCounts:
    """How many documents and chunks a version holds."""

    documents: int
    chunks: int


@dataclass(frozen=True)
class DocumentSummary(IndexedDocument):
    """What the manifest lists about one document (``qa docs`` prints it).

    Attributes (beyond those of ``IndexedDocument``):
        format: ``text``, ``markdown``, ``html`` or ``pdf`` (``text`` in early manifests).
        pages: Page count of a PDF, 0 otherwise.
        chunks: Chunk count.
        duplicates: Other files with the same story, not indexed separately.
    """

    chunks: int
    format: str = "text"
    pages: int = 0
    duplicates: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: DocumentRecord) -> DocumentSummary:
        return cls(
            doc_id=record.doc_id,
            title=record.title,
            source_path=record.source_path,
            content_hash=record.content_hash,
            size_bytes=record.size_bytes,
            added_at=record.added_at,
            chunks=len(record.chunks),
            format=record.format,
            pages=len(record.page_starts),
            duplicates=tuple(dup.source_path for dup in record.duplicates),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source_path": self.source_path,
            "content_hash": self.content_hash,
            "size_bytes": self.size_bytes,
            "added_at": self.added_at,
            "format": self.format,
            "pages": self.pages,
            "chunks": self.chunks,
            "duplicates": list(self.duplicates),
        }

    @classmethod
    def from_json(cls, data: Any) -> DocumentSummary:
        return cls(
            doc_id=_text(data["doc_id"], "documents[].doc_id"),
            title=str(data["title"]),
            source_path=str(data["source_path"]),
            content_hash=_text(data["content_hash"], "documents[].content_hash"),
            size_bytes=int(data["size_bytes"]),
            added_at=str(data["added_at"]),
            chunks=int(data["chunks"]),
            format=str(data.get("format", "text")),
            pages=int(data.get("pages") or 0),
            duplicates=_texts(data.get("duplicates") or [], "documents[].duplicates"),
        )


# A summary's fields without defaults: in every manifest since the first.
_SUMMARY_FIELDS = tuple(
    f.name for f in fields(DocumentSummary) if f.default is MISSING and f.default_factory is MISSING
)


@dataclass(frozen=True)
class Manifest:
    """One index version's manifest (see the module docstring).

    Attributes:
        version: The version's name (its folder under ``versions/``).
        model: The model that made the vectors.
        chunking: The chunking that cut the documents.
        order: Document ids in the order of their vector rows.
        documents: What is listed about each document, in row order.
        files: sha256 of each file in the version folder, by name.
        format_version: The manifest format (``FORMAT_VERSION``).
        created_at: When the version was written (ISO 8601, UTC).
        vector_store: Where the vectors are (None in manifests older than stores: FAISS).
        vector_index: The FAISS index kind and parameters (None for other stores).
        counts: Documents and chunks of the version.
        excluded: Source paths removed on request, left out until named again.
        embedded_with: How the last update that embedded chunks embedded them: the code
            that ran the model and its precision ("torch bf16"); None when not recorded.
    """

    version: str
    model: ModelFingerprint
    chunking: ChunkingConfig
    order: tuple[str, ...]
    documents: tuple[DocumentSummary, ...]
    files: Mapping[str, str]
    format_version: int | None = FORMAT_VERSION
    created_at: str | None = None
    vector_store: StoreEntry | None = None
    vector_index: VectorIndexEntry | None = None
    counts: DocumentCounts | None = None
    excluded: tuple[str, ...] = ()
    embedded_with: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))

    def to_json(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json`` (keys in this order)."""
        data: dict[str, Any] = {}
        if self.format_version is not None:
            data["format_version"] = self.format_version
        data["version"] = self.version
        if self.created_at is not None:
            data["created_at"] = self.created_at
        data["model"] = asdict(self.model)
        data["chunking"] = asdict(self.chunking)
        if self.vector_store is not None:
            data["vector_store"] = self.vector_store.to_json()
        if self.vector_index is not None:
            data["vector_index"] = self.vector_index.to_json()
        if self.embedded_with is not None:
            data["embedded_with"] = self.embedded_with
        if self.counts is not None:
            data["counts"] = asdict(self.counts)
        data["order"] = list(self.order)
        data["documents"] = [summary.to_json() for summary in self.documents]
        data["excluded"] = list(self.excluded)
        data["files"] = dict(self.files)
        return data

    @classmethod
    def from_json(
        cls, data: Any, needed_files: Callable[[StoreEntry | None], Collection[str]] | None = None
    ) -> Manifest:
        """Read a manifest's JSON, refusing one that lacks a field or a file it must list.

        Args:
            data: The parsed ``manifest.json``.
            needed_files: The files a manifest with this ``vector_store`` must list (the
                documents file and whatever its store keeps in the version folder); default:
                none.

        Raises:
            IncompleteManifestError: A field is missing; if every field is there, a needed
                file is not listed (then all needed files are named).
            ManifestError: A field cannot be read.
        """
        if not isinstance(data, dict):
            raise ManifestError("the manifest is not a JSON object")
        missing = [key for key in REQUIRED_FIELDS if key not in data]
        if missing:
            raise IncompleteManifestError(missing)
        try:
            store = StoreEntry.from_json(data["vector_store"]) if data.get("vector_store") else None
            files = data["files"]
            needed = set(needed_files(store)) if needed_files is not None else set()
            if not (isinstance(files, dict) and needed <= set(files)):
                raise IncompleteManifestError([f"files.{name}" for name in sorted(needed)])
            summaries = data["documents"]
            if not isinstance(summaries, list):
                raise ManifestError("documents is not a list")
            for number, summary in enumerate(summaries):
                if not isinstance(summary, dict):
                    raise ManifestError(f"documents[{number}] is not an object")
                absent = [
                    f"documents[{number}].{key}" for key in _SUMMARY_FIELDS if key not in summary
                ]
                if absent:
                    raise IncompleteManifestError(absent)
            counts = data.get("counts")
            vector_index = data.get("vector_index")
            format_version = data.get("format_version")
            if format_version is not None and int(format_version) > FORMAT_VERSION:
                raise NewerFormatError(
                    f"manifest format {int(format_version)}, and this version of qa-over-docs "
                    f"reads formats up to {FORMAT_VERSION}"
                )
            created_at = data.get("created_at")
            embedded_with = data.get("embedded_with")
            return cls(
                version=str(data["version"]),
                model=ModelFingerprint(**data["model"]),
                chunking=ChunkingConfig(**data["chunking"]),
                order=_texts(data["order"], "order"),
                documents=tuple(DocumentSummary.from_json(summary) for summary in summaries),
                files={str(name): str(digest) for name, digest in files.items()},
                format_version=None if format_version is None else int(format_version),
                created_at=None if created_at is None else str(created_at),
                embedded_with=None if embedded_with is None else str(embedded_with),
                vector_store=store,
                vector_index=(
                    None if vector_index is None else VectorIndexEntry.from_json(vector_index)
                ),
                counts=None if counts is None else DocumentCounts(**counts),
                excluded=_texts(data.get("excluded") or [], "excluded"),
            )
        except ManifestError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ManifestError(f"a field cannot be read: {exc}") from exc


def read_manifest(
    path: Path, needed_files: Callable[[StoreEntry | None], Collection[str]] | None = None
) -> Manifest:
    """Read a version's ``manifest.json`` (see ``Manifest.from_json`` for ``needed_files``).

    Raises:
        CorruptIndexError: The file is missing, not JSON, incomplete or unreadable; the
            message names the file and says to rebuild.
    """
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CorruptIndexError(f"index file {path} is missing; {REBUILD_HINT}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptIndexError(f"index file {path} is corrupt; {REBUILD_HINT}") from exc
    try:
        return Manifest.from_json(data, needed_files)
    except IncompleteManifestError as exc:
        raise CorruptIndexError(f"index file {path} is incomplete ({exc}); {REBUILD_HINT}") from exc
    except NewerFormatError as exc:
        raise CorruptIndexError(
            f"index file {path} was written by a newer qa-over-docs ({exc}); upgrade it, "
            f"or {REBUILD_HINT}"
        ) from exc
    except ManifestError as exc:
        raise CorruptIndexError(f"index file {path} is corrupt ({exc}); {REBUILD_HINT}") from exc


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Write ``manifest`` to ``path``, flushed to disk (two-space indent, UTF-8 as is)."""
    with path.open("w", encoding="utf-8") as handle:
        json.dump(manifest.to_json(), handle, indent=2, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Check that every file ``manifest`` lists is in ``folder`` with its recorded sha256.

    Raises:
        CorruptIndexError: A file is missing or fails its checksum.
    """
    paths = {name: folder / name for name in manifest.files}
    for path in paths.values():
        if not path.is_file():
            raise CorruptIndexError(f"index file {path} is missing; {REBUILD_HINT}")
    # Hashing releases the GIL: the files are checked side by side, which at a million
    # chunks (about 5 GB) takes a second or two off every start.
    workers = max(1, min(4, os.cpu_count() or 1, len(paths)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = dict(zip(paths, pool.map(file_sha256, paths.values()), strict=True))
    for name, expected_hash in manifest.files.items():
        if found[name] != expected_hash:
            raise CorruptIndexError(
                f"index file {paths[name]} is corrupt (checksum mismatch); {REBUILD_HINT}"
            )


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ManifestError(f"{name} is not text: {value!r}")
    return value


def _texts(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ManifestError(f"{name} is not a list")
    return tuple(_text(item, f"{name}[]") for item in value)
