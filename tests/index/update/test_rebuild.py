"""A rebuild never drops documents: it reads every indexed document again from its file, plus
the paths named, or refuses (naming what would go) and leaves the index as it was."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from index import IndexBuilder, IndexStore, RebuildWouldDropError, SentenceTransformerEmbedder
from tests.conftest import ROOT
from tests.index.stories import HARBOUR, ORCHARD

MORE = {
    "ferry.txt": "Ferry timetable\n\nThe summer timetable adds a late boat on Fridays.\n",
    "market.txt": "Market moves\n\nThe Saturday market moves to the quay from June.\n",
    "school.txt": "School roof\n\nThe school roof will be repaired over the holidays.\n",
}


def _folders(root: Path) -> tuple[Path, Path]:
    first, second = root / "first", root / "second"
    first.mkdir()
    second.mkdir()
    (first / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (first / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    for name, text in MORE.items():
        (second / name).write_text(text, encoding="utf-8")
    return first, second


def _documents(index_dir: Path) -> dict[str, str]:
    loaded = IndexStore(index_dir).load()
    return {doc_id: Path(record.source_path).name for doc_id, record in loaded.documents.items()}


def test_rebuilding_one_folder_keeps_the_documents_indexed_from_another(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    first, second = _folders(tmp_path)
    builder = IndexBuilder(embedder, tmp_path / "index")
    builder.update([first, second])
    before = _documents(tmp_path / "index")
    assert len(before) == 5
    report = builder.update([second], rebuild=True)
    assert _documents(tmp_path / "index") == before
    assert report.removed == ()
    # Everything was embedded again, not only the folder named.
    assert report.chunks_embedded == report.total_chunks > 0
    # A rebuild with nothing named reads everything indexed again too.
    report = builder.update([], rebuild=True)
    assert _documents(tmp_path / "index") == before
    assert report.chunks_embedded == report.total_chunks


def test_a_rebuild_that_would_drop_documents_is_refused(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    first, second = _folders(tmp_path)
    builder = IndexBuilder(embedder, tmp_path / "index")
    builder.update([first, second])
    version = IndexStore(tmp_path / "index").current_version()
    (first / "orchard.txt").unlink()
    with pytest.raises(RebuildWouldDropError, match=r"orchard \(.*orchard\.txt\)"):
        builder.update([second], rebuild=True)
    assert IndexStore(tmp_path / "index").current_version() == version


@pytest.mark.slow
def test_a_rebuild_killed_at_any_point_leaves_every_document(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    first, second = _folders(tmp_path)
    index_dir = tmp_path / "index"
    IndexBuilder(embedder, index_dir).update([first, second])
    before = _documents(index_dir)
    rng = random.Random(36)
    for kill_at in sorted(rng.sample(range(1, 30), 5)):
        command = [
            sys.executable, "-m", "tests.index.crashing_cli", str(kill_at), "index",
            str(second), "--rebuild", "--index-dir", str(index_dir), "--no-progress",
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, capture_output=True, timeout=300, check=False)
        # Killed or not, the live version holds every document: the old one or the new.
        assert _documents(index_dir) == before
