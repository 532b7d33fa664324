"""The one typed settings object, filled at the edge from flags, then environment, then defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.sources.extraction_process import DEFAULT_TIME_LIMIT_S
from index.storage.backends import STORE_KINDS, StoreConfig
from index.update.builder import INDEX_ENGINES


def default_data_dir() -> Path:
    """Where the index and uploads live unless told: the project's ``data/`` folder when it
    runs from a source checkout (``make run``), else the user's data folder
    (``~/.local/share/ask-your-documents`` on Linux). Never the current working folder: an
    ``answer()`` run from another folder finds the same index."""
    project = Path(__file__).resolve().parents[1]
    if (project / "pyproject.toml").is_file():
        return project / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("ask-your-documents"))


DEFAULT_INDEX_DIR = default_data_dir() / "index"
DEFAULT_UPLOADS_DIR = default_data_dir() / "uploads"


def default_documents_dir() -> Path:
    """The bundled seed documents (``seeds/``), wherever the package is installed."""
    import importlib.util

    spec = importlib.util.find_spec("seeds")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the bundled seeds/ folder is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline, CLI and web app can be told.

    Attributes:
        index_dir: Where the index lives (default ``data/index`` of the project, or of the
            user's data folder when installed as a package: ``default_data_dir``; env
            ``QA_INDEX_DIR``).
        documents: Files or folders indexed when the default index is missing (default: the
            seeds; env ``QA_DOCUMENTS``, paths separated by ``:``).
        build_missing_index: Index ``documents`` when there is no index yet, at the first
            question (default True). The CLI turns it off for an index folder named on
            purpose (``--index-dir``, ``QA_INDEX_DIR``): a mistyped folder is never filled
            with the sample, and gets the message ``qa docs`` gives.
        model_path: Embedding model folder (default: the bundled all-MiniLM-L6-v2;
            env ``QA_MODEL_PATH``).
        reader_model_path: The span reader's model folder (default None: the reader shipped
            in ``qa/reader_model``, a fine-tuned MiniLM; env ``QA_READER_MODEL``).
        reader_first_passages: Passages the reader reads before deciding whether it needs
            the rest (default 2; 0 reads all at once; env ``QA_READER_FIRST``).
        reader_early_margin: The reader stops after the first passages when its best span
            there beats "no answer" by this much, in log probability (default 2.0).
        min_confidence: Answer only when the calibrated confidence is at least this, between
            0 and 1 (default None: each reader's calibrated threshold, 0.50 for answers and
            0.30 for quotes; env ``QA_MIN_CONFIDENCE``). Higher: fewer answers, more of them
            right (see docs/evaluation.md for the curve).
        reader_focus_chars: Characters read of each of the other passages, around the
            sentence that best matches the question (0: whole passages; env
            ``QA_READER_FOCUS``).
        top_k: Passages consulted per question (default 5; env ``QA_TOP_K``).
        chunk_size_chars: Chunk size in characters (default 1000; env ``QA_CHUNK_SIZE``).
        chunk_overlap_chars: Chunk overlap in characters (default 150; env ``QA_CHUNK_OVERLAP``).
        host: Web app address (default 127.0.0.1; env ``QA_HOST``).
        port: Web app port (default 7860; env ``QA_PORT``).
        uploads_dir: Where documents uploaded through the web page are kept
            (default ``data/uploads`` beside the default index; env ``QA_UPLOADS_DIR``).
        max_upload_bytes: Largest document the web page accepts, in bytes
            (default 5 MiB, 5,242,880; env ``QA_MAX_UPLOAD_BYTES``).
        vector_store: Where index updates keep the vectors: ``"faiss"`` or ``"milvus"``
            (default None: where the live index keeps them, FAISS for a new one; env
            ``QA_VECTOR_STORE``). Questions always use the store the manifest names.
        milvus_uri: Milvus address, ``http://host:19530`` for a server or cluster, or a local
            file for Milvus Lite (default ``<index_dir>/milvus.db``; env ``QA_MILVUS_URI``).
        milvus_collection: Milvus collection (default ``qa_chunks``; env
            ``QA_MILVUS_COLLECTION``).
        milvus_token: Milvus credentials, never written to disk (env ``QA_MILVUS_TOKEN``).
        milvus_index: Milvus index type, ``FLAT`` (exact) or ``HNSW`` (default ``FLAT``;
            env ``QA_MILVUS_INDEX``).
        index_engine: How ``qa index`` reads and embeds files: ``local`` in its own process
            (default) or ``ray`` on Ray workers, which needs the ``scale`` extra
            (env ``QA_INDEX_ENGINE``).
        ray_address: For the ray engine, the Ray cluster to run on (default None: a local
            Ray instance for the duration of the update; env ``QA_RAY_ADDRESS``).
        file_time_limit_s: Longest one PDF or HTML file may take to read while indexing,
            in seconds; a file that takes longer is skipped with a message (default 30;
            None: no limit; env ``QA_FILE_TIME_LIMIT``).
    """

    index_dir: Path = DEFAULT_INDEX_DIR
    documents: tuple[Path, ...] = field(default_factory=lambda: (default_documents_dir(),))
    model_path: Path | None = None
    reader_model_path: Path | None = None
    reader_first_passages: int = 2
    reader_early_margin: float = 2.0
    reader_focus_chars: int = 0
    min_confidence: float | None = None
    top_k: int = 5
    chunk_size_chars: int = 1000
    chunk_overlap_chars: int = 150
    host: str = "127.0.0.1"
    port: int = 7860
    uploads_dir: Path = DEFAULT_UPLOADS_DIR
    max_upload_bytes: int = 5 * 1024 * 1024
    vector_store: str | None = None
    milvus_uri: str | None = None
    milvus_collection: str = "qa_chunks"
    milvus_token: str = ""
    milvus_index: str = "FLAT"

    index_engine: str = "local"
    ray_address: str | None = None
    file_time_limit_s: float | None = DEFAULT_TIME_LIMIT_S
    build_missing_index: bool = True

    def __post_init__(self) -> None:
        # Paths given as strings (``Settings(index_dir="my-index")``) are taken as paths,
        # and documents as a tuple, so a Settings stays hashable and usable as a cache key.
        for name in ("index_dir", "uploads_dir", "model_path", "reader_model_path"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))
        documents = self.documents
        if isinstance(documents, (str, Path)):
            documents = (documents,)
        object.__setattr__(self, "documents", tuple(Path(d) for d in documents))
        if self.file_time_limit_s is not None and not self.file_time_limit_s > 0:
            raise ValueError(
                f"the time limit per file must be positive, not {self.file_time_limit_s} "
                "(QA_FILE_TIME_LIMIT)"
            )
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(
                f"the minimum confidence must be between 0 and 1, not {self.min_confidence} "
                "(QA_MIN_CONFIDENCE)"
            )
        if self.top_k < 1:
            raise ValueError(
                f"passages per question must be at least 1, not {self.top_k} (QA_TOP_K, --top-k)"
            )
        if self.vector_store is not None and self.vector_store not in STORE_KINDS:
            raise ValueError(
                f"unknown vector store {self.vector_store!r}; choose one of "
                + ", ".join(STORE_KINDS)
                + " (QA_VECTOR_STORE, --store)"
            )
        if self.milvus_index.upper() not in ("FLAT", "HNSW"):
            raise ValueError(
                f"unknown Milvus index type {self.milvus_index!r}; use FLAT or HNSW "
                "(QA_MILVUS_INDEX, --milvus-index)"
            )
        if self.index_engine not in INDEX_ENGINES:
            raise ValueError(
                f"unknown index engine {self.index_engine!r}; "
                f"choose one of {', '.join(INDEX_ENGINES)} (QA_INDEX_ENGINE, --engine)"
            )

    def store_config(self) -> StoreConfig | None:
        """The vector store index updates write to (None: keep the live index's store)."""
        config = self.index_store_config()
        return config if config.kind is not None else None

    def index_store_config(self) -> StoreConfig:
        """What the pipeline hands the index: the store updates write to (kind None: the
        live index's), with the Milvus token for a server the index names."""
        return StoreConfig(
            kind=self.vector_store,
            milvus_uri=self.milvus_uri or str(self.index_dir / "milvus.db"),
            milvus_collection=self.milvus_collection,
            milvus_token=self.milvus_token,
            milvus_index=self.milvus_index.upper(),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Defaults overridden by the ``QA_*`` variables in ``environ``."""
        settings = cls()
        changes: dict[str, object] = {}
        if value := environ.get("QA_INDEX_DIR"):
            changes["index_dir"] = Path(value)
        if value := environ.get("QA_DOCUMENTS"):
            changes["documents"] = tuple(Path(p) for p in value.split(":") if p)
        if value := environ.get("QA_MODEL_PATH"):
            changes["model_path"] = Path(value)
        if value := environ.get("QA_READER_MODEL"):
            changes["reader_model_path"] = Path(value)
        for name, variable in (
            ("top_k", "QA_TOP_K"),
            ("chunk_size_chars", "QA_CHUNK_SIZE"),
            ("chunk_overlap_chars", "QA_CHUNK_OVERLAP"),
            ("port", "QA_PORT"),
            ("max_upload_bytes", "QA_MAX_UPLOAD_BYTES"),
            ("reader_focus_chars", "QA_READER_FOCUS"),
            ("reader_first_passages", "QA_READER_FIRST"),
        ):
            if value := environ.get(variable):
                try:
                    changes[name] = int(value)
                except ValueError as exc:
                    raise ValueError(f"{variable} must be a whole number, not {value!r}") from exc
        if value := environ.get("QA_FILE_TIME_LIMIT"):
            try:
                changes["file_time_limit_s"] = float(value)
            except ValueError as exc:
                raise ValueError(f"QA_FILE_TIME_LIMIT must be seconds, not {value!r}") from exc
        if value := environ.get("QA_MIN_CONFIDENCE"):
            try:
                changes["min_confidence"] = float(value)
            except ValueError as exc:
                raise ValueError(
                    f"QA_MIN_CONFIDENCE must be a number between 0 and 1, not {value!r}"
                ) from exc
        if value := environ.get("QA_UPLOADS_DIR"):
            changes["uploads_dir"] = Path(value)
        if value := environ.get("QA_HOST"):
            changes["host"] = value
        for name, variable in (
            ("vector_store", "QA_VECTOR_STORE"),
            ("milvus_uri", "QA_MILVUS_URI"),
            ("milvus_collection", "QA_MILVUS_COLLECTION"),
            ("milvus_token", "QA_MILVUS_TOKEN"),
            ("milvus_index", "QA_MILVUS_INDEX"),
            ("index_engine", "QA_INDEX_ENGINE"),
            ("ray_address", "QA_RAY_ADDRESS"),
        ):
            if value := environ.get(variable):
                changes[name] = value
        return replace(settings, **changes)  # type: ignore[arg-type]
