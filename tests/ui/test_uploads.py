"""Documents added and removed through the page: answerable at once, refused cleanly otherwise."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from index import IndexProgress, SentenceTransformerEmbedder
from qa import QA, Settings
from tests.conftest import SEED_FILE
from ui.documents.table import sources_html
from ui.documents.uploads import (
    EMBEDDING,
    DocumentLibrary,
    IncomingFile,
    UploadRefused,
    embedding_progress,
    safe_name,
    upload_target,
)

LIGHTHOUSE = (
    "Brightwater lighthouse report\n"
    "The Brightwater lighthouse keeper is Mira Okafor, who took the post in 2019. "
    "The lamp was converted to LED light in 2021.\n"
)


@pytest.fixture()
def library(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> DocumentLibrary:
    documents = tmp_path / "docs"
    documents.mkdir()
    shutil.copy(SEED_FILE, documents / SEED_FILE.name)
    settings = Settings(
        index_dir=tmp_path / "index",
        documents=(documents,),
        uploads_dir=tmp_path / "uploads",
        max_upload_bytes=2_048,
    )
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    return DocumentLibrary(qa, settings.uploads_dir, settings.max_upload_bytes)


def _incoming(
    folder: Path, name: str, content: str | bytes, sent_as: str | None = None
) -> IncomingFile:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return IncomingFile(sent_as or name, path)


@pytest.mark.parametrize(
    "name",
    ["../../x.txt", "..", "sub/x.txt", "..\\x.txt", "/etc/x.txt", ".hidden.txt", "a\x00.txt"],
)
def test_names_that_could_leave_the_uploads_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UploadRefused):
        upload_target(tmp_path / "uploads", name)


def test_a_plain_name_lands_directly_in_the_uploads_folder(tmp_path: Path) -> None:
    assert safe_name("notes 2026.txt") == "notes 2026.txt"
    target = upload_target(tmp_path / "uploads", "notes 2026.txt")
    assert target.parent == (tmp_path / "uploads").resolve()


def test_uploaded_document_answers_the_next_question(
    library: DocumentLibrary, tmp_path: Path
) -> None:
    before = library.qa.answer("Who is the Brightwater lighthouse keeper?")
    assert before.abstained or "Mira Okafor" not in before.text
    result = library.add([_incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE)])
    assert result.ok and result.indexed == ("lighthouse.txt",)
    assert "added" in result.messages[0]
    after = library.qa.answer("Who is the Brightwater lighthouse keeper?")
    assert not after.abstained and "Mira Okafor" in after.text
    assert after.citations[0].doc_id == "lighthouse"
    assert library.rows()[0].file_name == "lighthouse.txt"
    assert (library.uploads_dir / "lighthouse.txt").read_text(encoding="utf-8") == LIGHTHOUSE


def test_progress_is_reported_until_done(library: DocumentLibrary, tmp_path: Path) -> None:
    steps: list[tuple[float, str]] = []
    library.add(
        [_incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE)],
        lambda done, what: steps.append((done, what)),
    )
    fractions = [done for done, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    embedding = [what for _, what in steps if what.startswith("Embedding lighthouse.txt")]
    assert embedding and embedding[-1] == "Embedding lighthouse.txt: 1 of 1 chunks"


def test_embedding_progress_says_n_of_m_and_time_left() -> None:
    step = IndexProgress(
        phase="embedding",
        files_total=1,
        files_done=0,
        chunks_embedded=128,
        chunks_total=512,
        elapsed_s=20.0,
        embedding_s=16.0,
        path="/uploads/digest.txt",
    )
    fraction, words = embedding_progress(step, "digest.txt")
    assert words == "Embedding digest.txt: 128 of 512 chunks, about 48 s left"
    low, high = EMBEDDING
    assert fraction == pytest.approx(low + (high - low) * 0.25)
    later, _ = embedding_progress(replace(step, chunks_embedded=256, embedding_s=32.0), "x")
    assert later > fraction
    _, first = embedding_progress(replace(step, chunks_embedded=0, embedding_s=0.0), "x")
    assert first == "Embedding x: 0 of 512 chunks"


def test_a_copy_of_an_indexed_document_is_kept_as_another_source(
    library: DocumentLibrary, tmp_path: Path
) -> None:
    library.add([_incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE)])
    result = library.add([_incoming(tmp_path / "browser", "copy.txt", LIGHTHOUSE)])
    assert result.indexed == ("copy.txt",)
    assert "same text as the indexed document 'lighthouse'" in result.messages[0]
    assert sorted(library.qa.index.documents) == sorted([SEED_FILE.stem, "lighthouse"])
    row = next(row for row in library.rows() if row.doc_id == "lighthouse")
    assert row.also_in == ("copy.txt",)
    assert "also in copy.<wbr>txt" in sources_html(library.rows())


@pytest.mark.parametrize(
    ("name", "content", "sent_as", "reason"),
    [
        ("big.txt", "x" * 2_049, None, "largest accepted is 2.0 KB"),
        ("tool.exe", b"MZ\x90\x00binary", None, "cannot be indexed"),
        ("escape.txt", LIGHTHOUSE, "../../escape.txt", "must not contain folders"),
        ("empty.txt", "   \n", None, "empty"),
        ("clash.txt", LIGHTHOUSE, SEED_FILE.name, "already indexed from another file"),
    ],
)
def test_refused_upload_leaves_index_and_folders_as_they_were(
    library: DocumentLibrary,
    tmp_path: Path,
    name: str,
    content: str | bytes,
    sent_as: str | None,
    reason: str,
) -> None:
    version = library.qa.store.current_version()
    documents = dict(library.qa.index.documents)
    result = library.add([_incoming(tmp_path / "browser", name, content, sent_as)])
    assert not result.ok and result.indexed == ()
    assert reason in result.messages[0] and "not added" in result.messages[0]
    assert library.qa.store.current_version() == version
    assert library.qa.index.documents == documents
    leftovers = list(library.uploads_dir.iterdir()) if library.uploads_dir.exists() else []
    assert leftovers == []
    assert not (tmp_path.parent / "escape.txt").exists()


def test_an_upload_that_fails_while_indexing_is_rolled_back(
    library: DocumentLibrary, tmp_path: Path
) -> None:
    version = library.qa.store.current_version()
    # Another writer (say `qa index` in a terminal) holds the index while the page uploads.
    with library.qa.store.writing():
        result = library.add([_incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE)])
    assert result.indexed == () and "not added" in result.messages[0]
    assert library.qa.store.current_version() == version
    assert not (library.uploads_dir / "lighthouse.txt").exists()
    assert "lighthouse" not in library.qa.index.documents


def test_one_bad_file_does_not_stop_the_good_one(library: DocumentLibrary, tmp_path: Path) -> None:
    result = library.add(
        [
            _incoming(tmp_path / "browser", "tool.exe", b"MZ\x90\x00"),
            _incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE),
        ]
    )
    assert result.indexed == ("lighthouse.txt",) and not result.ok
    assert any("tool.exe: not added" in message for message in result.messages)
    assert "lighthouse" in library.qa.index.documents


def test_removing_an_uploaded_document_forgets_it_and_its_file(
    library: DocumentLibrary, tmp_path: Path
) -> None:
    library.add([_incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE)])
    message = library.remove("lighthouse")
    assert "Removed" in message and "lighthouse.txt" in message
    assert "lighthouse" not in library.qa.index.documents
    assert not (library.uploads_dir / "lighthouse.txt").exists()
    answer = library.qa.answer("Who is the Brightwater lighthouse keeper?")
    assert answer.abstained or "Mira Okafor" not in answer.text
    # The seed document was not uploaded here: removing it keeps the user's own file.
    library.add([_incoming(tmp_path / "browser", "lighthouse.txt", LIGHTHOUSE)])
    library.remove(SEED_FILE.stem)
    assert (tmp_path / "docs" / SEED_FILE.name).exists()


def test_the_last_document_cannot_be_removed(library: DocumentLibrary) -> None:
    with pytest.raises(UploadRefused, match="only document"):
        library.remove(SEED_FILE.stem)
    with pytest.raises(UploadRefused, match="not indexed"):
        library.remove("no-such-document")
