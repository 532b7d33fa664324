"""The ``qa`` command: JSON output and a clear one-line error for each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEED_FILE
from ui.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("cli-index")
    assert main(["index", str(SEED_FILE.parent), "--index-dir", str(index_dir)]) == 0
    return index_dir


def test_ask_json_has_the_documented_fields(
    built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "ask", "What did Larijani say?", "--json", "--index-dir", str(built_index)
    )
    assert code == 0
    data = json.loads(out)
    assert {"question", "answer", "abstained", "confidence", "sentence", "citations"} <= set(data)
    assert "That discussion on Wednesday was positive" in data["answer"]
    text = SEED_FILE.read_text(encoding="utf-8")
    for citation in data["citations"]:
        assert {
            "doc_id",
            "title",
            "source_path",
            "start",
            "end",
            "quote",
            "passage",
            "score",
        } <= set(citation)
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_docs_lists_the_seed_article_under_a_header(
    built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "docs", "--index-dir", str(built_index))
    header, row = out.splitlines()
    assert code == 0
    assert header.split("\t") == ["doc_id", "chunks", "size", "added", "format", "source", "copies"]
    doc_id, _, size, _, _, source = row.split("\t")
    assert (doc_id, size) == (SEED_FILE.stem, f"{SEED_FILE.stat().st_size} bytes")
    assert source.endswith(SEED_FILE.name)


FOLLOW_UP = "Which country did he visit?"


@pytest.mark.parametrize(
    "history_args",
    [
        # Earlier questions before the question, the form the README shows.
        ["--history", "Who is Ali Larijani?", FOLLOW_UP],
        # After the question, several at once: the form that always worked.
        [FOLLOW_UP, "--history", "Who is Ali Larijani?", "What did Larijani say?"],
        # One flag per earlier question.
        ["--history", "Who is Ali Larijani?", "--history", "What did Larijani say?", FOLLOW_UP],
    ],
    ids=["before", "after", "repeated"],
)
def test_ask_follow_up_with_history_before_after_or_repeated(
    built_index: Path, capsys: pytest.CaptureFixture[str], history_args: list[str]
) -> None:
    code, out, err = _run(capsys, "ask", *history_args, "--json", "--index-dir", str(built_index))
    assert code == 0, err
    data = json.loads(out)
    assert data["question"] == FOLLOW_UP
    # "he" is Larijani from the earlier questions; alone, the question is answered "Oman".
    assert "Larijani" in data["resolved_question"]
    assert data["answer"] == "Qatar"


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_error(
    built_index: Path, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    code, _, err = _run(capsys, "ask", question, "--index-dir", str(built_index))
    assert code == 1
    assert err.strip() == "qa: error: the question is empty; type a question about your documents"


def test_missing_and_empty_documents_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys, "index", str(tmp_path / "nowhere"), "--index-dir", str(tmp_path / "i")
    )
    assert code == 1 and "no such file or folder" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "empty").mkdir()
    code, _, err = _run(
        capsys, "index", str(tmp_path / "empty"), "--index-dir", str(tmp_path / "i")
    )
    assert code == 1 and "no documents to index" in err


def test_unreadable_file_is_reported_and_the_rest_indexed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "seed.txt").write_text(SEED_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "blank.md").write_text("")
    code, out, err = _run(capsys, "index", str(folder), "--index-dir", str(tmp_path / "i"))
    assert code == 0
    assert "blank.md: file is empty" in err
    assert "indexed 1 new" in out


def test_corrupt_index_gets_the_rebuild_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "i"
    assert main(["index", str(SEED_FILE.parent), "--index-dir", str(index_dir)]) == 0
    version = (index_dir / "CURRENT").read_text().strip()
    (index_dir / "versions" / version / "vectors.faiss").write_bytes(b"garbage")
    code, _, err = _run(capsys, "ask", "What did Larijani say?", "--index-dir", str(index_dir))
    assert code == 1
    assert "vectors.faiss" in err and "qa index --rebuild" in err
    # Rebuilding repairs it; the documents come back.
    assert main(["index", "--rebuild", str(SEED_FILE.parent), "--index-dir", str(index_dir)]) == 0
    code, out, _ = _run(capsys, "ask", "What did Larijani say?", "--index-dir", str(index_dir))
    assert code == 0 and "positive" in out


def test_other_model_index_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index_dir = tmp_path / "i"
    assert main(["index", str(SEED_FILE.parent), "--index-dir", str(index_dir)]) == 0
    version = (index_dir / "CURRENT").read_text().strip()
    manifest_path = index_dir / "versions" / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model"]["name"] = "some-other-model"
    manifest["model"]["weights_sha256"] = "f" * 64
    manifest_path.write_text(json.dumps(manifest))
    code, _, err = _run(capsys, "ask", "What did Larijani say?", "--index-dir", str(index_dir))
    assert code == 1 and "some-other-model" in err and "qa index --rebuild" in err
