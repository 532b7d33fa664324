"""Bad files each get a clear message while every good file in the same run is indexed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from index import IndexBuilder, IndexProgress, IndexStore, SentenceTransformerEmbedder
from tests.conftest import ROOT, SEED_FILE
from tests.index.pdf_files import encrypt_pdf, make_pdf

HARBOUR = "# Harbour reopens\n\nThe harbour at Port Ellen reopened on Thursday after repairs.\n"
GUILD = [["The lighthouse keepers guild was founded in 1821 by seven keepers."]]


def _bad_corpus(folder: Path, outside: Path) -> None:
    folder.mkdir()
    (folder / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    (folder / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (folder / "guild.pdf").write_bytes(make_pdf(GUILD))
    (folder / "latin1.txt").write_bytes("Café Procope opened in Paris in 1686.".encode("latin-1"))
    (folder / "empty.txt").write_bytes(b"")
    # Printable ASCII and high bytes at random, no control byte: looks like text, is not.
    printable = [*range(32, 127), *range(128, 256)]
    rng = random.Random(11)
    (folder / "noise.txt").write_bytes(bytes(rng.choice(printable) for _ in range(4096)))
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (folder / "locked.pdf").write_bytes(encrypt_pdf(make_pdf(GUILD), "secret"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R")
    (folder / "scripts.html").write_text(
        "<html><head><script>var a = 1;</script></head><body><script>go()</script>"
        "<noscript>Please enable JavaScript.</noscript></body></html>"
    )
    (folder / "vanishing.txt").write_text("This file is deleted while the index is updated.\n")
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "alias.md").symlink_to(folder / "harbour.md")  # inside: fine, indexed once
    (folder / "sub").mkdir()
    (folder / "sub" / "back").symlink_to(folder)
    outside.mkdir()
    (outside / "secret.txt").write_text("Private notes that are not in the documents folder.\n")
    (folder / "notes.txt").symlink_to(outside / "secret.txt")
    (folder / "elsewhere").symlink_to(outside)


def test_bad_files_are_reported_one_by_one_and_the_rest_indexed(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    folder = tmp_path / "docs"
    _bad_corpus(folder, tmp_path / "outside")

    def vanish(event: IndexProgress) -> None:
        if event.files_done >= 1:
            (folder / "vanishing.txt").unlink(missing_ok=True)

    report = IndexBuilder(embedder, tmp_path / "index").update([folder], progress=vanish)
    messages = {Path(p.path).relative_to(folder).as_posix(): p.message for p in report.problems}
    assert messages["empty.txt"] == "file is empty"
    assert "binary" in messages["photo.txt"]
    assert "read as Windows-1252" in messages["latin1.txt"]
    assert "no encoding reads it without noise" in messages["noise.txt"]
    assert "encrypted" in messages["locked.pdf"]
    assert "malformed PDF" in messages["broken.pdf"]
    assert "no article text" in messages["scripts.html"]
    assert "disappeared" in messages["vanishing.txt"]
    assert "symlink loop" in messages["loop.txt"]
    assert "symlink loop" in messages["sub/back"]
    assert "outside the documents folder" in messages["notes.txt"]
    assert "outside the documents folder" in messages["elsewhere"]
    assert "alias.md" not in messages
    assert [p for p in report.problems if not p.skipped] == [
        p for p in report.problems if p.path.endswith("latin1.txt")
    ]
    indexed = IndexStore(tmp_path / "index").load().documents
    assert set(indexed) == {SEED_FILE.stem, "harbour", "guild", "latin1"}
    assert "Café Procope opened in Paris" in indexed["latin1"].text
    assert not any("Private notes" in record.text for record in indexed.values())


@pytest.mark.slow
def test_fifty_megabyte_file_is_indexed_with_progress_in_bounded_memory(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    paragraph = (
        "The committee met on day {n} to review the harbour accounts. Members discussed "
        "repairs to the pier, the cost of new pilings and the ferry timetable for the "
        "coming season. The treasurer reported that spending stayed within the budget.\n\n"
    )
    with (folder / "huge.txt").open("w", encoding="utf-8") as handle:
        number = 0
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(paragraph.format(n=number))
            number += 1
    (folder / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (folder / "empty.txt").write_text("")
    # A fresh process, so its peak memory is this update's alone (tests/process_memory.py:
    # not ru_maxrss, which counts the pytest process it was started from).
    script = """
import json, sys
from pathlib import Path
from index import IndexBuilder
from tests.index.fakes import HashEmbedder
from tests.process_memory import peak_rss_mb
events = []
report = IndexBuilder(HashEmbedder(), Path(sys.argv[2])).update(
    [Path(sys.argv[1])], progress=events.append
)
print(json.dumps({
    "added": report.added,
    "problems": [p.message for p in report.problems],
    "total_chunks": report.total_chunks,
    "embedding_events": sum(e.phase == "embedding" for e in events),
    "chunks_seen": [e.chunks_embedded for e in events],
    "peak_mb": peak_rss_mb(),
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["added"] == ["harbour", "huge"]
    assert result["problems"] == ["file is empty"]
    # About 60k chunks, reported batch by batch as they are embedded.
    assert result["total_chunks"] > 50_000
    assert result["embedding_events"] >= result["total_chunks"] // 64
    assert result["chunks_seen"] == sorted(result["chunks_seen"])
    # The text (50 MB), its chunk vectors (85 MB) and the index being written fit in well
    # under 1 GB: chunk texts and vectors are never all held twice.
    assert result["peak_mb"] < 1000, result["peak_mb"]
    huge = IndexStore(tmp_path / "index").load().documents["huge"]
    for span in huge.chunks[::5000]:
        assert huge.text[span.start : span.end].startswith("The committee met on day")
