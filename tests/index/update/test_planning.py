"""``plan_update`` decides what an update does from files and records alone, changing nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from index.sources.documents import scan
from index.storage.records import DocumentRecord, DuplicateSource
from index.update.planning import plan_update


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _record(doc_id: str, path: Path, copies: tuple[DuplicateSource, ...] = ()) -> DocumentRecord:
    data = path.read_bytes() if path.exists() else b"gone"
    return DocumentRecord(
        doc_id=doc_id,
        title=doc_id,
        source_path=str(path.resolve()),
        content_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        added_at="2026-12-01T00:00:00+00:00",
        text=data.decode("utf-8", "replace"),
        chunks=(),
        sentences=(),
        duplicates=copies,
    )


def test_unchanged_files_are_kept_changed_and_new_ones_read_gone_ones_dropped(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    same = _record("same", _write(docs, "same.txt", "The ferry runs on Saturday."))
    changed = _record("changed", _write(docs, "changed.txt", "The bridge opened in May."))
    _write(docs, "changed.txt", "The bridge opened in June.")
    gone = _record("gone", docs / "gone.txt")
    _write(docs, "new.md", "A new story about the orchard.")
    elsewhere = _record("elsewhere", _write(tmp_path, "elsewhere.txt", "Kept from elsewhere."))
    before = sorted(p.name for p in docs.iterdir())
    documents = {r.doc_id: r for r in (same, changed, gone, elsewhere)}

    plan = plan_update(scan([docs]), documents, reusable=True, excluded=())

    assert [k.record.doc_id for k in plan.kept] == ["elsewhere", "same"]
    assert plan.removed == ("gone",)
    # Files the index knows come first (they keep their ids), then new ones.
    assert [s.path.name for s in plan.pending] == ["changed.txt", "new.md"]
    assert plan.earlier[str((docs / "changed.txt").resolve())].doc_id == "changed"
    assert plan.taken == {"same", "elsewhere", "changed"}
    assert sorted(p.name for p in docs.iterdir()) == before  # nothing written or deleted


def test_a_chunking_change_reads_every_file_again(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    same = _record("same", _write(docs, "same.txt", "The ferry runs on Saturday."))
    plan = plan_update(scan([docs]), {"same": same}, reusable=False, excluded=())
    assert plan.kept == ()
    assert [s.path.name for s in plan.pending] == ["same.txt"]
    assert plan.taken == {"same"}  # it keeps its id


def test_excluded_files_stay_out_of_a_folder_but_come_back_when_named(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    removed = _write(docs, "removed.txt", "Removed on request.")
    _write(docs, "other.txt", "Another story.")
    excluded = [str(removed.resolve()), str((docs / "deleted-since.txt").resolve())]

    in_folder = plan_update(scan([docs]), {}, reusable=True, excluded=excluded)
    assert [s.path.name for s in in_folder.left_out] == ["removed.txt"]
    assert [s.path.name for s in in_folder.pending] == ["other.txt"]
    # An excluded file that is gone from the folder is forgotten.
    assert in_folder.excluded == {str(removed.resolve())}

    named = plan_update(scan([removed]), {}, reusable=True, excluded=excluded)
    assert named.left_out == ()
    assert [s.path.name for s in named.pending] == ["removed.txt"]
    assert str(removed.resolve()) not in named.excluded


def test_a_recorded_copy_of_a_kept_document_is_confirmed_without_reading_it(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    story = _write(docs, "story.md", "The library opened on 14 March.")
    copy = _write(docs, "story.txt", "The library opened on 14 March.")
    recorded = DuplicateSource(
        str(copy.resolve()), hashlib.sha256(copy.read_bytes()).hexdigest(), 1.0
    )
    record = _record("story", story, copies=(recorded,))

    plan = plan_update(scan([docs]), {"story": record}, reusable=True, excluded=())
    assert [k.record.doc_id for k in plan.kept] == ["story"]
    # Inside the folder, the copy is confirmed again by this update, not carried over.
    assert plan.kept[0].sources == ()
    assert [(s.path.name, doc_id) for s, doc_id, _ in plan.copies] == [("story.txt", "story")]
    assert plan.pending == ()

    copy.write_text("The library opened on 15 March.", encoding="utf-8")
    edited = plan_update(scan([docs]), {"story": record}, reusable=True, excluded=())
    assert edited.copies == ()
    assert [s.path.name for s in edited.pending] == ["story.txt"]


def test_a_file_that_cannot_be_hashed_is_read_so_its_problem_is_reported(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    record = _record("locked", _write(docs, "locked.txt", "Locked story."))

    def refuse(path: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))

    plan = plan_update(scan([docs]), {"locked": record}, reusable=True, excluded=(), digest=refuse)
    assert plan.kept == ()
    assert [s.path.name for s in plan.pending] == ["locked.txt"]
    assert plan.earlier[record.source_path] is record
