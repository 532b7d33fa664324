"""Document records stay on disk: a loaded index reads only the records a question needs."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from index import (
    CorruptIndexError,
    IndexBuilder,
    IndexStore,
    SentenceTransformerEmbedder,
)
from index.storage import document_table
from index.storage.document_table import OFFSETS, ChunkRefs, DocumentTable, line_offsets
from index.storage.records import DocumentRecord
from qa import QA, Settings
from tests.index.stories import GUILD, HARBOUR, ORCHARD


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (folder / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    for number, page in enumerate(GUILD):
        (folder / f"guild-{number}.txt").write_text("Guild\n\n" + page[0] + "\n", "utf-8")
    towns = ["Arden", "Belmont", "Corrie", "Dunmore", "Elgin", "Fenwick", "Garth", "Hollin"]
    for number, town in enumerate(towns):
        (folder / f"council-{number}.txt").write_text(
            f"{town} council\n\nThe council of {town} met on day {number + 2} of the month "
            f"and agreed a budget of {number + 3} million pounds for roads and schools.\n",
            encoding="utf-8",
        )
    (folder / "bridge.txt").write_text(
        "Bridge to reopen\n\nThe Kelso bridge will reopen in May, the mayor, Ellen Frost, said "
        'on Monday. "We have waited long enough," Ms Frost told reporters.\n',
        encoding="utf-8",
    )
    (folder / "accents.txt").write_text(
        "Café notes\n\nThe café in Zürich served crème brûlée; naïve critics loved it.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture()
def built(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> IndexStore:
    store = IndexStore(tmp_path / "index")
    IndexBuilder(embedder, store.index_dir).update([_corpus(tmp_path / "docs")])
    return store


@pytest.fixture()
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the records parsed from now on, in order."""
    ids: list[str] = []
    from_json = DocumentRecord.from_json

    def counting(data: dict[str, object]) -> DocumentRecord:
        ids.append(str(data["doc_id"]))
        return from_json(data)

    monkeypatch.setattr(DocumentRecord, "from_json", staticmethod(counting))
    return ids


def _file_records(store: IndexStore) -> dict[str, DocumentRecord]:
    folder = store.index_dir / "versions" / str(store.current_version())
    lines = (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return {
        record.doc_id: record
        for record in (DocumentRecord.from_json(json.loads(line)) for line in lines)
    }


def test_loading_reads_no_record_and_asking_for_one_reads_it_once(
    built: IndexStore, parsed: list[str]
) -> None:
    expected = _file_records(built)
    parsed.clear()
    index = built.load()
    assert parsed == []
    # Every record is there, the same as the file holds, in index order.
    assert list(index.documents) == list(expected) and len(index.documents) == len(expected)
    harbour = next(d for d, r in expected.items() if r.source_path.endswith("harbour.txt"))
    assert index.documents[harbour] == expected[harbour]
    assert parsed == [harbour]
    assert index.documents[harbour] is index.documents[harbour]  # kept, not read again
    assert parsed == [harbour]
    assert "nobody" not in index.documents and index.documents.get("nobody") is None
    with pytest.raises(KeyError):
        index.documents["nobody"]
    assert dict(index.documents) == expected
    # Non-ASCII text is found at the right bytes.
    accents = next(r for r in expected.values() if r.source_path.endswith("accents.txt"))
    assert "crème brûlée" in index.documents[accents.doc_id].text


def test_starting_reads_no_record_and_a_question_only_its_passages(
    built: IndexStore, embedder: SentenceTransformerEmbedder, parsed: list[str]
) -> None:
    qa = QA(Settings(index_dir=built.index_dir, documents=()), embedder=embedder)
    qa.warm_up()  # loads the index, its postings and who said what
    assert parsed == [] and qa.statements.speakers()
    answer = qa.answer("When will ferry services resume?")
    assert set(parsed) <= {citation.doc_id for citation in answer.citations} | {
        passage.doc_id for passage in qa.retrieve("When will ferry services resume?")
    }
    assert answer.citations and len(set(parsed)) < len(qa.index.documents)


def test_records_beyond_the_cache_are_read_again_alike(built: IndexStore) -> None:
    expected = _file_records(built)
    folder = built.index_dir / "versions" / str(built.current_version())
    offsets = np.load(folder / OFFSETS)
    assert (offsets == line_offsets(folder / "documents.jsonl")).all()
    small = DocumentTable(folder / "documents.jsonl", list(expected), offsets, cache_chars=1)
    for _ in range(2):
        assert [small[doc_id] for doc_id in expected] == list(expected.values())
    # Threads reading at once get whole, right records.
    results: list[bool] = []

    def read_all() -> None:
        results.append(all(small[d] == r for d, r in expected.items() for _ in range(5)))

    threads = [threading.Thread(target=read_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 4


def test_a_version_written_without_offsets_still_loads(built: IndexStore) -> None:
    expected = _file_records(built)
    folder = built.index_dir / "versions" / str(built.current_version())
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"][OFFSETS]
    (folder / OFFSETS).unlink()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert dict(built.load().documents) == expected


def test_a_record_that_is_not_where_the_offsets_say_is_reported(built: IndexStore) -> None:
    expected = _file_records(built)
    folder = built.index_dir / "versions" / str(built.current_version())
    path = folder / "documents.jsonl"
    offsets = line_offsets(path)
    order = list(expected)
    swapped = [order[1], order[0], *order[2:]]
    table = DocumentTable(path, swapped, offsets)
    with pytest.raises(CorruptIndexError, match=r"should be.*qa index --rebuild"):
        table[order[0]]
    with pytest.raises(CorruptIndexError, match="does not hold the"):
        DocumentTable(path, order[:-1], offsets)
    with pytest.raises(CorruptIndexError, match="does not hold the"):
        DocumentTable(path, order, offsets[:-1])


def test_chunk_refs_name_the_document_and_chunk_of_every_row() -> None:
    refs = ChunkRefs(["a", "empty", "b", "c", "last-empty"], [2, 0, 3, 1, 0])
    expected = [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("b", 2), ("c", 0)]
    assert len(refs) == 6
    assert list(refs) == expected and refs[-1] == ("c", 0) and refs[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        refs[6]


def test_an_update_reads_each_live_record_once(
    built: IndexStore,
    embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    parsed: list[str],
) -> None:
    live = _file_records(built)
    parsed.clear()
    # As at a scale where the records outgrow the cache: none is kept between reads.
    monkeypatch.setattr(document_table, "CACHE_CHARS", 1)
    (tmp_path / "docs" / "late.txt").write_text(
        "Late news\n\nThe late ferry to Islay was cancelled because of fog.\n", encoding="utf-8"
    )
    report = IndexBuilder(embedder, built.index_dir).update([tmp_path / "docs"])
    assert report.added and not report.updated and not report.removed
    live_reads = [doc_id for doc_id in parsed if doc_id in live]
    assert sorted(live_reads) == sorted(live)  # each once (spooled records are not these)
    monkeypatch.undo()
    assert {d: r for d, r in dict(built.load().documents).items() if d in live} == live
