"""Incremental updates through the Python API: ids stay put, copies are tracked, readers wait."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from index import IndexBuilder, IndexProgress, IndexStore, SentenceTransformerEmbedder
from qa import QA, Settings
from tests.conftest import SEED_FILE
from tests.index.pdf_files import make_pdf
from tests.index.sources.test_duplicates import seed_as_html
from tests.index.stories import GUILD, HARBOUR


def test_unchanged_documents_keep_ids_chunks_and_vectors(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    builder = IndexBuilder(embedder, tmp_path / "index")
    builder.update([docs_dir])
    store = IndexStore(tmp_path / "index")
    first = store.load()
    (docs_dir / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    report = builder.update([docs_dir])
    assert report.added == ("harbour",) and report.unchanged == (SEED_FILE.stem,)
    assert report.chunks_embedded == len(store.load().documents["harbour"].chunks)
    second = store.load()
    seed = SEED_FILE.stem
    assert second.documents[seed] == first.documents[seed]
    np.testing.assert_array_equal(second.vectors_of(seed), first.vectors_of(seed))
    chunk_ids = [second.chunk(row).chunk_id for row in range(len(second.chunk_refs))]
    assert f"{seed}#0" in chunk_ids and "harbour#0" in chunk_ids


def test_same_file_name_in_two_folders_gets_two_stable_ids(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    for folder, text in (("a", HARBOUR), ("b", HARBOUR.replace("Port Ellen", "Portree"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.md").write_text(text + f"\nFiled from {folder}.\n")
    builder = IndexBuilder(embedder, tmp_path / "index")
    builder.update([tmp_path / "a"])
    report = builder.update([tmp_path / "b"])
    documents = IndexStore(tmp_path / "index").load().documents
    assert "report" in documents and "Port Ellen" in documents["report"].text
    [other] = report.added
    assert other.startswith("report-") and "Portree" in documents[other].text
    again = builder.update([tmp_path / "a", tmp_path / "b"])
    assert again.added == () and set(again.unchanged) == {"report", other}


def test_copies_are_listed_as_sources_and_take_over_when_the_original_goes(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    (docs_dir / "saved-page.html").write_bytes(seed_as_html())
    builder = IndexBuilder(embedder, tmp_path / "index")
    report = builder.update([docs_dir])
    store = IndexStore(tmp_path / "index")
    seed = SEED_FILE.stem
    assert report.added == (seed,) and [d.doc_id for d in report.duplicates] == [seed]
    record = store.load().documents[seed]
    assert record.sources == (str(docs_dir / SEED_FILE.name), str(docs_dir / "saved-page.html"))
    assert builder.update([docs_dir]).version == report.version, "nothing changed"
    (docs_dir / SEED_FILE.name).unlink()
    report = builder.update([docs_dir])
    assert report.removed == (seed,) and report.added == ("saved-page",)
    [record] = store.load().documents.values()
    assert record.format == "html" and record.sources == (str(docs_dir / "saved-page.html"),)


def test_pdf_citations_can_name_their_page(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guild.pdf").write_bytes(make_pdf(GUILD))
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs,)), embedder=embedder)
    qa.update([docs])
    [passage, *_] = qa.retrieve("Who is the treasurer of the guild?")
    record = qa.index.documents[passage.doc_id]
    where = record.text.index("Mara Lindqvist")
    assert record.format == "pdf" and record.page_at(where) == 2
    assert record.page_at(record.text.index("1821")) == 1


def test_readers_answer_from_the_previous_index_until_the_update_is_complete(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs_dir,)), embedder=embedder)
    qa.warm_up()
    old_version = qa.index.version
    (docs_dir / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    embedding, carry_on = threading.Event(), threading.Event()

    def pause_while_embedding(event: IndexProgress) -> None:
        if event.phase == "embedding" and not embedding.is_set():
            embedding.set()
            carry_on.wait(60)

    worker = threading.Thread(
        target=lambda: qa.builder().update([docs_dir], progress=pause_while_embedding)
    )
    worker.start()
    assert embedding.wait(60)
    # Mid-update: the pipeline still answers, from the old version, which is still live.
    assert qa.index.version == old_version == IndexStore(tmp_path / "index").current_version()
    passages = qa.retrieve("When will ferry services to the mainland resume?")
    assert passages and all(p.doc_id == SEED_FILE.stem for p in passages)
    carry_on.set()
    worker.join(60)
    qa.reload()
    assert qa.index.version != old_version
    assert qa.retrieve("When will ferry services to the mainland resume?")[0].doc_id == "harbour"


def test_progress_reaches_every_file_and_ends_done(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    (docs_dir / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (docs_dir / "empty.txt").write_text("")
    events: list[IndexProgress] = []
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs_dir,)), embedder=embedder)
    report = qa.update([docs_dir], progress=events.append)
    assert events[-1].phase == "done"
    assert events[-1].files_done == events[-1].files_total == 3
    assert events[-1].chunks_embedded == report.chunks_embedded == report.total_chunks
    assert [e.files_done for e in events] == sorted(e.files_done for e in events)
    assert {e.step for e in events if e.phase == "writing"} >= {"switched to the new version"}
    assert events[-1].chunks_per_s > 0
    embedding = [e for e in events if e.phase == "embedding"]
    # "N of M": the total is known before the first chunk is done, and never passed.
    assert embedding[0].chunks_total > 0
    assert all(e.chunks_embedded <= e.chunks_total for e in embedding)
    assert embedding[-1].chunks_embedded == embedding[-1].chunks_total == report.chunks_embedded
