"""The on-disk index: reload gives the same answers, builds are repeatable, damage is detected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from index import (
    CorruptIndexError,
    IndexBuilder,
    IndexStore,
    ModelFingerprint,
    ModelMismatchError,
    NoDocumentsError,
    SentenceTransformerEmbedder,
)
from qa import QA, Settings
from tests.index.stories import HARBOUR


class OtherModel:
    """An embedder that claims to be a different model (vectors of the same size)."""

    def __init__(self, real: SentenceTransformerEmbedder) -> None:
        self.real = real

    def fingerprint(self) -> ModelFingerprint:
        return ModelFingerprint("other-model", "0" * 64, self.real.fingerprint().dimension)

    def warm_up(self) -> None:
        """Nothing to load."""

    def engine(self) -> str:
        return self.real.engine()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.real.embed(texts)


def test_manifest_records_model_and_hashes(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    IndexBuilder(embedder, tmp_path / "index").update([docs_dir])
    manifest = IndexStore(tmp_path / "index").read_manifest()
    assert manifest["model"]["name"] == "all-MiniLM-L6-v2"
    assert len(manifest["model"]["weights_sha256"]) == 64
    assert manifest["model"]["dimension"] == 384
    assert manifest["chunking"] == {"chunk_size_chars": 1000, "chunk_overlap_chars": 150}
    [entry] = manifest["documents"]
    assert entry["doc_id"] == "000_0c4851bab53c4404" and len(entry["content_hash"]) == 64


def test_build_twice_is_identical_and_second_build_embeds_nothing(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    first = IndexBuilder(embedder, tmp_path / "a").update([docs_dir])
    second = IndexBuilder(embedder, tmp_path / "b").update([docs_dir])
    again = IndexBuilder(embedder, tmp_path / "a").update([docs_dir])
    assert first.chunks_embedded > 0 and again.chunks_embedded == 0
    assert again.unchanged == ("000_0c4851bab53c4404",)
    assert again.version == first.version, "an unchanged folder does not rewrite the index"
    a, b = IndexStore(tmp_path / "a").load(), IndexStore(tmp_path / "b").load()
    # Same records (only the time each was indexed differs) and the same vectors.
    assert {k: replace(v, added_at="") for k, v in a.documents.items()} == {
        k: replace(v, added_at="") for k, v in b.documents.items()
    }
    assert second.total_chunks == first.total_chunks
    np.testing.assert_array_equal(
        a.vectors.rows(0, a.vectors.count), b.vectors.rows(0, b.vectors.count)
    )


def test_saved_and_reloaded_index_answers_the_same(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = Settings(index_dir=tmp_path / "index", documents=(docs_dir,))
    first = QA(settings, embedder=embedder).answer("When did Trump speak to Axios?")
    reloaded = QA(settings, embedder=embedder).answer("When did Trump speak to Axios?")
    assert first == reloaded
    assert not first.abstained


def test_index_built_with_another_model_is_refused(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    IndexBuilder(OtherModel(embedder), tmp_path / "index").update([docs_dir])
    with pytest.raises(ModelMismatchError, match="built with model 'other-model'"):
        IndexStore(tmp_path / "index").load(expected_model=embedder.fingerprint())
    with pytest.raises(ModelMismatchError):
        IndexBuilder(embedder, tmp_path / "index").update([docs_dir])


@pytest.mark.parametrize("victim", ["documents.jsonl", "vectors.faiss"])
def test_corrupt_index_file_is_named_with_the_fix(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder, victim: str
) -> None:
    store = IndexStore(tmp_path / "index")
    IndexBuilder(embedder, store.index_dir).update([docs_dir])
    path = store.index_dir / "versions" / str(store.current_version()) / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match=f"{victim}.*qa index --rebuild"):
        store.load()


def test_empty_folder_is_refused_and_the_index_is_kept(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    store = IndexStore(tmp_path / "index")
    builder = IndexBuilder(embedder, store.index_dir)
    builder.update([docs_dir])
    version = store.current_version()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NoDocumentsError, match="no documents to index"):
        IndexBuilder(embedder, tmp_path / "fresh").update([empty])
    builder.update([empty])  # other documents stay indexed; nothing is lost or rewritten
    assert store.current_version() == version
    assert "000_0c4851bab53c4404" in store.load().documents


def test_unreadable_and_binary_files_are_reported_and_others_indexed(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    (docs_dir / "empty.txt").write_text("   \n")
    (docs_dir / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (docs_dir / "latin1.md").write_bytes("Caf\xe9 opened in Paris in 1890.".encode("latin-1"))
    report = IndexBuilder(embedder, tmp_path / "index").update([docs_dir])
    messages = {Path(p.path).name: p.message for p in report.problems}
    assert messages["empty.txt"] == "file is empty"
    assert "binary" in messages["binary.txt"]
    assert "read as Windows-1252 (Latin-1)" in messages["latin1.md"]
    assert set(report.added) == {"000_0c4851bab53c4404", "latin1"}


def test_large_corpora_get_an_hnsw_index_that_answers_the_same(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    flat_dir, graph_dir = tmp_path / "flat", tmp_path / "graph"
    IndexBuilder(embedder, flat_dir).update([docs_dir])
    builder = IndexBuilder(embedder, graph_dir, store=IndexStore(graph_dir, hnsw_from_vectors=2))
    builder.update([docs_dir])
    manifest = IndexStore(graph_dir).read_manifest()
    assert manifest["vector_index"]["kind"] == "hnsw"
    assert manifest["vector_index"]["ef_search"] == 256
    assert IndexStore(flat_dir).read_manifest()["vector_index"]["kind"] == "flat"
    questions = ["What did Larijani say?", "When did Trump speak to Axios?"]
    answers = [
        QA(Settings(index_dir=folder, documents=(docs_dir,)), embedder=embedder).answer(q)
        for folder in (flat_dir, graph_dir)
        for q in questions
    ]
    assert [a.text for a in answers[:2]] == [a.text for a in answers[2:]]


def test_adding_documents_extends_the_hnsw_graph_and_changing_one_rebuilds_it(
    tmp_path: Path, docs_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    graph_dir, flat_dir = tmp_path / "graph", tmp_path / "flat"
    builder = IndexBuilder(embedder, graph_dir, store=IndexStore(graph_dir, hnsw_from_vectors=2))
    builder.update([docs_dir])
    before = IndexStore(graph_dir).load()
    assert IndexStore(graph_dir).read_manifest()["vector_index"]["graph"] == "built"

    # Named to sort before the seed article: it still goes after the rows already there.
    story = docs_dir / "00-harbour.md"
    story.write_text(HARBOUR, encoding="utf-8")
    added = builder.update([docs_dir])
    assert len(added.added) == 1 and sorted([*before.documents, *added.added])[0] in added.added
    manifest = IndexStore(graph_dir).read_manifest()
    assert manifest["vector_index"]["graph"] == "extended"
    assert manifest["order"] == [*before.documents, *added.added]
    after = IndexStore(graph_dir).load()
    for doc_id in before.documents:
        assert after.first_rows[doc_id] == before.first_rows[doc_id]
        assert np.array_equal(after.vectors_of(doc_id), before.vectors_of(doc_id))
    IndexBuilder(embedder, flat_dir).update([docs_dir])
    questions = ["What did Larijani say?", "When will ferry services resume?"]
    for question in questions:
        from_graph = QA(Settings(index_dir=graph_dir, documents=(docs_dir,)), embedder=embedder)
        from_flat = QA(Settings(index_dir=flat_dir, documents=(docs_dir,)), embedder=embedder)
        assert from_graph.answer(question).text == from_flat.answer(question).text, question

    story.write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    builder.update([docs_dir])
    assert IndexStore(graph_dir).read_manifest()["vector_index"]["graph"] == "built"
    answer = QA(Settings(index_dir=graph_dir, documents=(docs_dir,)), embedder=embedder).answer(
        "When will ferry services resume?"
    )
    assert "Monday" in answer.text
