"""``qa index`` and ``qa docs`` follow a folder as it changes, and say what they did."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from pathlib import Path

import pytest

from index import IndexStore
from tests.conftest import SEED_FILE
from tests.index.sources.test_duplicates import seed_as_html
from tests.index.stories import HARBOUR
from ui.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _cited(capsys: pytest.CaptureFixture[str], index_dir: Path, question: str) -> set[str]:
    code, out, _ = _run(capsys, "ask", question, "--json", "--index-dir", str(index_dir))
    assert code == 0
    return {citation["doc_id"] for citation in json.loads(out)["citations"]}


def test_add_change_delete_and_remove_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, index_dir = tmp_path / "docs", str(tmp_path / "index")
    docs.mkdir()
    (docs / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    code, out, _ = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "indexed 1 new, 0 changed, 0 unchanged, 0 removed" in out

    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (docs / "saved-page.html").write_bytes(seed_as_html())
    code, out, err = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "indexed 1 new, 0 changed, 1 unchanged, 0 removed" in out
    assert f"duplicate: {docs / 'saved-page.html'}: same story as {SEED_FILE.stem}" in err
    code, out, _ = _run(capsys, "docs", "--index-dir", index_dir)
    lines = {line.split("\t")[0]: line for line in out.splitlines()[1:]}
    assert set(lines) == {SEED_FILE.stem, "harbour"}
    assert lines[SEED_FILE.stem].endswith(f"also in: {docs / 'saved-page.html'}")
    assert "harbour" in _cited(capsys, Path(index_dir), "When will ferry services resume?")

    (docs / "harbour.md").write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    code, out, _ = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "0 new, 1 changed, 1 unchanged, 0 removed" in out
    assert "Monday" in IndexStore(Path(index_dir)).load().documents["harbour"].text

    (docs / "harbour.md").unlink()
    code, out, _ = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "0 new, 0 changed, 1 unchanged, 1 removed" in out
    assert "harbour" not in _cited(capsys, Path(index_dir), "When will ferry services resume?")

    code, out, _ = _run(capsys, "index", "--remove", SEED_FILE.stem, "--index-dir", index_dir)
    assert code == 0 and f"removed {SEED_FILE.stem}" in out
    assert "name the file: qa index FILE" in out
    code, out, _ = _run(capsys, "docs", "--index-dir", index_dir)
    # No document is left; the removed file and its copy are listed as left out.
    assert code == 0 and sorted(out.splitlines()[1:]) == [
        f"(removed, left out until named again)\t{docs / SEED_FILE.name}",
        f"(removed, left out until named again)\t{docs / 'saved-page.html'}",
    ]
    code, _, err = _run(capsys, "index", "--remove", "nothing-here", "--index-dir", index_dir)
    assert code == 1 and "no indexed document with id nothing-here" in err


def test_a_removed_file_stays_out_when_its_folder_is_indexed_until_named_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, index_dir = tmp_path / "docs", str(tmp_path / "index")
    docs.mkdir()
    (docs / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    assert _run(capsys, "index", str(docs), "--index-dir", index_dir)[0] == 0
    assert _run(capsys, "index", "--remove", "harbour", "--index-dir", index_dir)[0] == 0
    store = IndexStore(Path(index_dir))
    version = store.current_version()

    # The folder is indexed again (as the container does at every start): harbour stays out,
    # nothing is rewritten, and the output says why and how to add it back.
    code, out, err = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "indexed 0 new, 0 changed, 1 unchanged, 0 removed" in out
    assert f"left out 1 file(s) removed from the index earlier ({docs / 'harbour.md'})" in err
    assert "name it: qa index FILE" in err
    assert store.current_version() == version
    assert "harbour" not in _cited(capsys, Path(index_dir), "When will ferry services resume?")
    # A rebuild keeps it out too.
    code, out, _ = _run(capsys, "index", str(docs), "--rebuild", "--index-dir", index_dir)
    assert code == 0 and set(store.load().documents) == {SEED_FILE.stem}

    # Naming the file brings it back, and from then on the folder's updates keep it.
    code, out, _ = _run(capsys, "index", str(docs / "harbour.md"), "--index-dir", index_dir)
    assert code == 0 and "indexed 1 new" in out
    code, out, err = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "0 removed" in out and "left out" not in err
    assert set(store.load().documents) == {SEED_FILE.stem, "harbour"}
    assert store.load().excluded == ()
    assert "harbour" in _cited(capsys, Path(index_dir), "When will ferry services resume?")


def test_progress_bar_shows_documents_and_chunks_per_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    code, _, err = _run(
        capsys, "index", str(docs), "--index-dir", str(tmp_path / "i"), "--progress"
    )
    assert code == 0
    assert "indexing: 100%" in err and "2/2" in err
    assert "file/s" in err or "s/file" in err
    assert "chunks/s" in err


def test_progress_moves_within_one_large_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One file of many chunks: the bar says how many of them are embedded, how fast, and how
    # long the rest will take, while the file count stays at 0/1.
    docs = tmp_path / "docs"
    docs.mkdir()
    paragraphs = [f"Paragraph {n} of the long report. " * 30 for n in range(140)]
    (docs / "report.txt").write_text("Long report\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    code, _, err = _run(
        capsys, "index", str(docs), "--index-dir", str(tmp_path / "i"), "--progress"
    )
    assert code == 0
    shown = err.replace("\r", "\n")
    assert re.search(r"0/1 .*\b64 of 1\d\d chunks, [\d.]+ chunks/s, about \d+ s left", shown)


def test_a_rebuild_with_nothing_named_keeps_every_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    (second / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    index_dir = str(tmp_path / "i")
    assert _run(capsys, "index", str(first), str(second), "--index-dir", index_dir)[0] == 0
    code, out, _ = _run(capsys, "index", "--rebuild", "--index-dir", index_dir)
    assert code == 0 and "0 removed" in out
    assert len(IndexStore(Path(index_dir)).load().documents) == 2
    code, out, _ = _run(capsys, "index", str(second), "--rebuild", "--index-dir", index_dir)
    assert code == 0 and "0 removed" in out
    assert len(IndexStore(Path(index_dir)).load().documents) == 2


def test_a_mistyped_index_folder_is_never_filled_with_the_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "my-indx"
    code, _, err = _run(capsys, "ask", "What did Larijani say?", "--index-dir", str(typo))
    assert code == 1
    assert f"no index in {typo}; build one with `qa index PATH`" in err
    assert not typo.exists()
    # The same message as `qa docs` on that folder.
    code, _, docs_err = _run(capsys, "docs", "--index-dir", str(typo))
    assert code == 1 and f"no index in {typo}" in docs_err


def test_second_writer_gets_a_clear_message_or_waits_its_turn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    store = IndexStore(index_dir)
    with store.writing():
        code, _, err = _run(capsys, "index", str(docs), "--index-dir", str(index_dir))
    assert code == 1
    assert "another process is updating the index" in err and "--wait SECONDS" in err
    assert not store.exists(), "the refused writer wrote nothing"

    released = threading.Event()

    def hold_lock_for_a_while() -> None:
        with store.writing():
            held.set()
            time.sleep(2.0)
        released.set()

    held = threading.Event()
    holder = threading.Thread(target=hold_lock_for_a_while)
    holder.start()
    held.wait(10)
    code, out, err = _run(capsys, "index", str(docs), "--index-dir", str(index_dir), "--wait", "60")
    holder.join()
    assert code == 0 and released.is_set()
    assert "waiting up to 60 s" in err and "indexed 1 new" in out


def test_unknown_engine_or_missing_ray_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, index_dir = tmp_path / "docs", str(tmp_path / "index")
    docs.mkdir()
    (docs / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    with pytest.raises(SystemExit):
        main(["index", str(docs), "--index-dir", index_dir, "--engine", "spark"])
    assert "invalid choice: 'spark' (choose from 'local', 'ray')" in capsys.readouterr().err
    monkeypatch.setenv("QA_INDEX_ENGINE", "spark")
    code, _, err = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 1 and "unknown index engine 'spark'; choose one of local, ray" in err
    monkeypatch.delenv("QA_INDEX_ENGINE")
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the scale extra were not installed
    code, _, err = _run(capsys, "index", str(docs), "--index-dir", index_dir, "--engine", "ray")
    assert code == 1
    assert "the ray engine needs the optional scale extra: pip install 'qa-over-docs[scale]'" in err
    assert not IndexStore(Path(index_dir)).exists()


def test_each_file_left_out_gets_a_line_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "minutes.docx").write_bytes(b"PK\x03\x04 not read")
    (docs / "README").write_text("notes without an extension\n", encoding="utf-8")
    index_dir = str(tmp_path / "i")
    code, _, err = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 1
    assert "minutes.docx: unsupported file type '.docx'" in err
    assert "README: no file extension" in err
    # Beside a document that is read, they are listed as skipped, one line each.
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    code, out, err = _run(capsys, "index", str(docs), "--index-dir", index_dir)
    assert code == 0 and "indexed 1 new" in out
    assert f"skipped: {docs / 'minutes.docx'}: unsupported file type '.docx'" in err
    assert f"skipped: {docs / 'README'}: no file extension" in err
