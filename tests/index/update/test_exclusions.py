"""Removed on request stays removed: the manifest lists the file, and updates leave it out."""

from __future__ import annotations

from pathlib import Path

from index import IndexBuilder, IndexStore
from tests.index.fakes import HashEmbedder
from tests.index.stories import HARBOUR, ORCHARD


def _folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (docs / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    return docs


def test_removed_document_is_left_out_of_later_updates_and_rebuilds(tmp_path: Path) -> None:
    docs = _folder(tmp_path)
    builder = IndexBuilder(HashEmbedder(), tmp_path / "index")
    builder.update([docs])
    builder.remove(["harbour"])
    store = IndexStore(tmp_path / "index")
    assert store.load().excluded == (str((docs / "harbour.md").resolve()),)

    report = builder.update([docs])
    assert report.left_out == (str((docs / "harbour.md").resolve()),)
    assert report.added == () and set(store.load().documents) == {"orchard"}
    # Changing the file does not bring it back either: the user removed the file.
    (docs / "harbour.md").write_text(HARBOUR + "\nMore news.\n", encoding="utf-8")
    assert builder.update([docs]).added == ()
    assert builder.update([docs], rebuild=True).left_out == report.left_out
    assert set(store.load().documents) == {"orchard"}


def test_naming_the_file_indexes_it_again_and_ends_the_exclusion(tmp_path: Path) -> None:
    docs = _folder(tmp_path)
    builder = IndexBuilder(HashEmbedder(), tmp_path / "index")
    builder.update([docs])
    builder.remove(["harbour"])
    report = builder.update([docs / "harbour.md"])
    assert report.added == ("harbour",) and report.left_out == ()
    store = IndexStore(tmp_path / "index")
    assert store.load().excluded == ()
    assert builder.update([docs]).unchanged == ("harbour", "orchard")


def test_an_excluded_file_deleted_from_its_folder_is_no_longer_listed(tmp_path: Path) -> None:
    docs = _folder(tmp_path)
    builder = IndexBuilder(HashEmbedder(), tmp_path / "index")
    builder.update([docs])
    builder.remove(["harbour"])
    (docs / "harbour.md").unlink()
    report = builder.update([docs])
    assert report.left_out == ()
    assert IndexStore(tmp_path / "index").load().excluded == ()
    # A new file of the same name is a new document, indexed as any other.
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    assert builder.update([docs]).added == ("harbour",)


def test_copies_of_a_removed_story_stay_out_with_it(tmp_path: Path) -> None:
    docs = _folder(tmp_path)
    (docs / "harbour-copy.txt").write_text(HARBOUR.replace("# ", ""), encoding="utf-8")
    builder = IndexBuilder(HashEmbedder(), tmp_path / "index")
    first = builder.update([docs])
    assert [note.doc_id for note in first.duplicates] == ["harbour"]
    builder.remove(["harbour"])
    report = builder.update([docs])
    assert len(report.left_out) == 2 and report.added == ()
    assert set(IndexStore(tmp_path / "index").load().documents) == {"orchard"}
