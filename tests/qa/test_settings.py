"""Settings from the environment: each QA_* variable, the defaults, and errors that name it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qa import Settings
from qa.settings import default_documents_dir
from tests.conftest import ROOT


def test_no_variables_give_the_documented_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    # The project's data/ folder, whatever the working folder (a source checkout).
    assert settings.index_dir == ROOT / "data" / "index"
    assert settings.documents == (default_documents_dir(),)
    assert settings.uploads_dir == ROOT / "data" / "uploads"
    assert settings.reader_model_path is None  # the shipped reader
    assert (settings.top_k, settings.chunk_size_chars, settings.chunk_overlap_chars) == (
        5,
        1000,
        150,
    )
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)
    assert settings.max_upload_bytes == 5 * 1024 * 1024
    assert settings.vector_store is None and settings.store_config() is None
    assert (settings.milvus_collection, settings.milvus_index) == ("qa_chunks", "FLAT")
    assert settings.index_engine == "local" and settings.ray_address is None
    assert settings.file_time_limit_s == 30.0


def test_the_default_documents_are_the_bundled_seeds() -> None:
    assert any(default_documents_dir().glob("*.txt"))


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("QA_INDEX_DIR", "/srv/qa/index", "index_dir", Path("/srv/qa/index")),
        ("QA_MODEL_PATH", "/models/minilm", "model_path", Path("/models/minilm")),
        ("QA_READER_MODEL", "/models/reader", "reader_model_path", Path("/models/reader")),
        ("QA_UPLOADS_DIR", "/srv/qa/uploads", "uploads_dir", Path("/srv/qa/uploads")),
        ("QA_TOP_K", "8", "top_k", 8),
        ("QA_CHUNK_SIZE", "600", "chunk_size_chars", 600),
        ("QA_CHUNK_OVERLAP", "60", "chunk_overlap_chars", 60),
        ("QA_PORT", "8080", "port", 8080),
        ("QA_MAX_UPLOAD_BYTES", "2048", "max_upload_bytes", 2048),
        ("QA_READER_FOCUS", "400", "reader_focus_chars", 400),
        ("QA_READER_FIRST", "0", "reader_first_passages", 0),
        ("QA_FILE_TIME_LIMIT", "1.5", "file_time_limit_s", 1.5),
        ("QA_HOST", "0.0.0.0", "host", "0.0.0.0"),
        ("QA_VECTOR_STORE", "milvus", "vector_store", "milvus"),
        ("QA_MILVUS_URI", "http://db:19530", "milvus_uri", "http://db:19530"),
        ("QA_MILVUS_COLLECTION", "news", "milvus_collection", "news"),
        ("QA_MILVUS_TOKEN", "user:secret", "milvus_token", "user:secret"),
        ("QA_MILVUS_INDEX", "HNSW", "milvus_index", "HNSW"),
        ("QA_INDEX_ENGINE", "ray", "index_engine", "ray"),
        ("QA_RAY_ADDRESS", "ray://head:10001", "ray_address", "ray://head:10001"),
    ],
)
def test_each_variable_sets_its_own_setting_and_nothing_else(
    variable: str, value: str, field: str, expected: object
) -> None:
    settings = Settings.from_env({variable: value})
    assert getattr(settings, field) == expected
    defaults = Settings()
    assert replace(settings, **{field: getattr(defaults, field)}) == defaults


def test_documents_are_split_on_colons_and_empty_entries_dropped() -> None:
    settings = Settings.from_env({"QA_DOCUMENTS": "/data/news::/data/reports:"})
    assert settings.documents == (Path("/data/news"), Path("/data/reports"))
    assert Settings.from_env({"QA_DOCUMENTS": "notes"}).documents == (Path("notes"),)


def test_empty_variables_count_as_unset() -> None:
    names = ["QA_INDEX_DIR", "QA_DOCUMENTS", "QA_TOP_K", "QA_PORT", "QA_READER_MODEL", "QA_HOST"]
    names += ["QA_FILE_TIME_LIMIT", "QA_VECTOR_STORE", "QA_MILVUS_INDEX", "QA_INDEX_ENGINE"]
    assert Settings.from_env(dict.fromkeys(names, "")) == Settings()


def test_other_variables_are_ignored() -> None:
    settings = Settings.from_env({"qa_top_k": "9", "TOP_K": "9", "QA_TOPK": "9", "PORT": "1"})
    assert settings == Settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("QA_TOP_K", "five"),
        ("QA_PORT", "80.5"),
        ("QA_CHUNK_SIZE", "1k"),
        ("QA_CHUNK_OVERLAP", "10%"),
        ("QA_MAX_UPLOAD_BYTES", "lots"),
        ("QA_READER_FOCUS", "wide"),
        ("QA_READER_FIRST", "two"),
        ("QA_FILE_TIME_LIMIT", "soon"),
        ("QA_FILE_TIME_LIMIT", "0"),
        ("QA_FILE_TIME_LIMIT", "-5"),
    ],
)
def test_a_bad_number_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})


@pytest.mark.parametrize(
    ("variable", "value", "choices"),
    [
        ("QA_INDEX_ENGINE", "spark", ("local", "ray")),
    ],
)
def test_an_unknown_name_is_refused_naming_the_variable_and_the_choices(
    variable: str, value: str, choices: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match=variable) as error:
        Settings.from_env({variable: value})
    assert repr(value) in str(error.value)
    assert all(choice in str(error.value) for choice in choices)


@pytest.mark.parametrize(
    ("variable", "value", "choices"),
    [
        ("QA_VECTOR_STORE", "chroma", ("faiss", "milvus")),
        ("QA_MILVUS_INDEX", "IVF", ("FLAT", "HNSW")),
    ],
)
def test_an_unknown_store_name_is_refused_with_the_choices(
    variable: str, value: str, choices: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError) as error:
        Settings.from_env({variable: value})
    assert repr(value) in str(error.value)
    assert all(choice in str(error.value) for choice in choices)


@pytest.mark.parametrize(
    ("variable", "value"), [("QA_VECTOR_STORE", "chroma"), ("QA_MILVUS_INDEX", "IVF")]
)
def test_an_unknown_store_name_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_top_k_below_one_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="QA_TOP_K"):
        Settings.from_env({"QA_TOP_K": value})


def test_a_milvus_store_defaults_to_a_lite_file_in_the_index_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"QA_VECTOR_STORE": "milvus", "QA_INDEX_DIR": str(tmp_path)})
    config = settings.store_config()
    assert config is not None
    assert config.kind == "milvus" and config.milvus_uri == str(tmp_path / "milvus.db")


def test_milvus_variables_reach_the_store_and_the_index_type_ignores_case() -> None:
    settings = Settings.from_env(
        {
            "QA_VECTOR_STORE": "milvus",
            "QA_MILVUS_URI": "http://db:19530",
            "QA_MILVUS_COLLECTION": "news",
            "QA_MILVUS_INDEX": "hnsw",
        }
    )
    config = settings.store_config()
    assert config is not None
    assert (config.milvus_uri, config.milvus_collection, config.milvus_index) == (
        "http://db:19530",
        "news",
        "HNSW",
    )


def test_a_faiss_store_needs_no_milvus_settings() -> None:
    config = Settings.from_env({"QA_VECTOR_STORE": "faiss"}).store_config()
    assert config is not None and config.kind == "faiss"


def test_paths_given_as_strings_are_taken_as_paths(tmp_path: Path) -> None:
    settings = Settings(index_dir=str(tmp_path / "index"), documents=str(tmp_path))  # type: ignore[arg-type]
    assert settings.index_dir == tmp_path / "index"
    assert settings.documents == (tmp_path,)
    assert settings.index_store_config().milvus_uri == str(tmp_path / "index" / "milvus.db")
    assert hash(settings) == hash(Settings(index_dir=tmp_path / "index", documents=(tmp_path,)))
