"""The hybrid retriever over a tiny made-up index: what it finds, where, and how many."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from index import ChunkingConfig, CorruptIndexError, IndexBuilder, IndexStore, StoredIndex
from index.storage.lexical import LEXICAL_FILES, lexical_tokens
from qa import QA, EmptyQuestionError, Passage, Settings
from qa.retriever import HybridRetriever, RetrievalConfig
from tests.index.fakes import HashEmbedder

# Small chunks, so the volcano story is cut in three and offsets are not all 0.
CHUNKING = ChunkingConfig(chunk_size_chars=120, chunk_overlap_chars=20)

DOCUMENTS = {
    "volcano.txt": (
        "The Kestrel volcano erupted in the spring.\n\n"
        "Ash from the eruption covered three villages near the coast, and farmers moved "
        "their sheep inland.\n\n"
        "Geologists expect quieter years ahead, though the crater still smokes at dawn.\n"
    ),
    "bakery.txt": (
        "A small bakery opened on Main Street.\n\n"
        "The baker sells rye bread and cinnamon rolls every morning before sunrise.\n"
    ),
    "chess.txt": (
        "The chess club met on Tuesday evening.\n\n"
        "Twelve players entered the tournament, and the youngest won every game.\n"
    ),
    "harbour.txt": (
        "A new ferry now crosses the northern harbour.\n\n"
        "Commuters reach the island in twenty minutes, half the time the old boat took.\n"
    ),
}


class AliasEmbedder(HashEmbedder):
    """Embeds some texts as if they were others: a model that sees through a paraphrase."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self.aliases = dict(aliases)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return super().embed([self.aliases.get(text, text) for text in texts])


def write_documents(folder: Path, names: Sequence[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(DOCUMENTS[name], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> StoredIndex:
    root = tmp_path_factory.mktemp("retriever")
    docs = write_documents(root / "docs", list(DOCUMENTS))
    IndexBuilder(HashEmbedder(), root / "index", CHUNKING).update([docs])
    return IndexStore(root / "index").load()


@pytest.fixture(scope="module")
def ids(index: StoredIndex) -> dict[str, str]:
    """Document id of each file name."""
    return {Path(record.source_path).name: doc_id for doc_id, record in index.documents.items()}


@pytest.fixture(scope="module")
def retriever(index: StoredIndex) -> HybridRetriever:
    retriever = HybridRetriever(index, HashEmbedder())
    retriever.warm_up()
    return retriever


def chunk_text(index: StoredIndex, doc_id: str, containing: str) -> str:
    """The text of ``doc_id``'s one chunk holding ``containing``."""
    record = index.documents[doc_id]
    texts = [record.chunk(ordinal).text for ordinal in range(len(record.chunks))]
    (text,) = [text for text in texts if containing in text]
    return text


def test_the_tiny_index_has_every_document_and_a_story_in_several_chunks(
    index: StoredIndex, ids: dict[str, str]
) -> None:
    assert set(ids) == set(DOCUMENTS)
    assert len(index.documents[ids["volcano.txt"]].chunks) >= 3


@pytest.mark.parametrize(
    ("question", "file", "word"),
    [
        ("Which villages did the ash cover?", "volcano.txt", "villages"),
        ("Who sells cinnamon rolls?", "bakery.txt", "cinnamon"),
        ("How many players entered the tournament?", "chess.txt", "tournament"),
        ("Which island do the commuters reach?", "harbour.txt", "island"),
    ],
)
def test_words_only_one_document_has_find_its_passage_first(
    retriever: HybridRetriever, ids: dict[str, str], question: str, file: str, word: str
) -> None:
    best = retriever.retrieve(question)[0]
    assert best.doc_id == ids[file]
    assert word in best.text
    assert best.lexical_score is not None and best.lexical_score > 0


def test_a_singular_word_finds_the_plural_in_the_text(
    retriever: HybridRetriever, ids: dict[str, str]
) -> None:
    best = retriever.retrieve("Which village was hit?")[0]
    assert best.doc_id == ids["volcano.txt"] and "villages" in best.text


def test_a_rare_name_wins_even_when_the_dense_side_prefers_another_document(
    index: StoredIndex, ids: dict[str, str]
) -> None:
    question = "When did Kestrel wake?"
    decoy = chunk_text(index, ids["bakery.txt"], "cinnamon")
    retriever = HybridRetriever(index, AliasEmbedder({question: decoy}))
    passages = retriever.retrieve(question, k=2)
    assert passages[0].doc_id == ids["volcano.txt"] and "Kestrel" in passages[0].text
    assert passages[1].text == decoy and passages[1].lexical_score is None


def test_a_paraphrase_sharing_no_word_is_found_by_the_dense_side(
    index: StoredIndex, ids: dict[str, str]
) -> None:
    question = "Where can I buy pastries early?"
    target = chunk_text(index, ids["bakery.txt"], "cinnamon")
    retriever = HybridRetriever(index, AliasEmbedder({question: target}))
    best = retriever.retrieve(question)[0]
    assert best.text == target
    assert best.dense_score == pytest.approx(1.0, abs=1e-4)
    assert best.lexical_score is None


@pytest.mark.parametrize(
    "question",
    [
        "Which villages did the ash cover?",
        "When do the crater and the harbour smoke?",
        "Who won every game at the chess club?",
    ],
)
def test_passages_point_at_their_text_in_their_document(
    retriever: HybridRetriever, index: StoredIndex, question: str
) -> None:
    passages = retriever.retrieve(question, k=10)
    assert passages
    for passage in passages:
        record = index.documents[passage.doc_id]
        assert record.text[passage.start : passage.end] == passage.text
        assert passage.chunk_id.startswith(f"{passage.doc_id}#")
        assert (passage.title, passage.source_path) == (record.title, record.source_path)


def test_a_passage_from_the_middle_of_a_document_has_its_offset_there(
    retriever: HybridRetriever, ids: dict[str, str]
) -> None:
    best = retriever.retrieve("Which villages did the ash cover?")[0]
    text = DOCUMENTS["volcano.txt"]
    assert best.start == text.index("Ash from the eruption") > 0
    assert text[best.start : best.end] == best.text


def test_passages_come_best_first_and_each_once(retriever: HybridRetriever) -> None:
    passages = retriever.retrieve("Who won the chess tournament on Tuesday?", k=10)
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert len({p.chunk_id for p in passages}) == len(passages)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_k_passages_are_returned(retriever: HybridRetriever, k: int) -> None:
    assert len(retriever.retrieve("Who sells rye bread?", k=k)) == k


def test_k_beyond_the_index_returns_every_chunk_once(
    retriever: HybridRetriever, index: StoredIndex
) -> None:
    passages = retriever.retrieve("Who sells rye bread?", k=100)
    assert len(passages) == len(index.chunk_refs)
    assert len({p.chunk_id for p in passages}) == len(passages)


def test_k_of_zero_returns_nothing(retriever: HybridRetriever) -> None:
    assert retriever.retrieve("Who sells rye bread?", k=0) == []


def test_without_k_the_configured_number_is_returned(index: StoredIndex) -> None:
    retriever = HybridRetriever(index, HashEmbedder(), RetrievalConfig(top_k=2))
    assert len(retriever.retrieve("Who sells rye bread?")) == 2


@pytest.mark.parametrize("question", ["", "   ", "what is the", "Zanzibar quokka?"])
def test_a_question_with_no_indexed_word_has_no_lexical_evidence(
    retriever: HybridRetriever, question: str
) -> None:
    # The retriever does not refuse it (QA.answer does, for empty ones); what it returns
    # comes from the dense side alone.
    passages = retriever.retrieve(question, k=3)
    assert all(p.lexical_score is None for p in passages)


@pytest.mark.parametrize("question", ["", "  \t\n"])
def test_answering_or_retrieving_for_an_empty_question_is_refused(
    tmp_path: Path, question: str
) -> None:
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(tmp_path,)), embedder=HashEmbedder())
    with pytest.raises(EmptyQuestionError, match="empty"):
        qa.answer(question)
    with pytest.raises(EmptyQuestionError, match="empty"):
        qa.retrieve(question)


def make_qa(tmp_path: Path, names: Sequence[str]) -> tuple[QA, Path]:
    docs = write_documents(tmp_path / "docs", names)
    settings = Settings(
        index_dir=tmp_path / "index",
        documents=(docs,),
        chunk_size_chars=CHUNKING.chunk_size_chars,
        chunk_overlap_chars=CHUNKING.chunk_overlap_chars,
    )
    return QA(settings, embedder=HashEmbedder()), docs


def doc_id_of(qa: QA, name: str) -> str:
    (doc_id,) = [i for i, r in qa.index.documents.items() if Path(r.source_path).name == name]
    return doc_id


def sources(passages: Sequence[Passage]) -> set[str]:
    return {Path(p.source_path).name for p in passages}


def test_removed_documents_are_no_longer_returned(tmp_path: Path) -> None:
    qa, _ = make_qa(tmp_path, list(DOCUMENTS))
    question = "Which villages did the ash cover?"
    assert "volcano.txt" in sources(qa.retrieve(question, k=20))
    qa.remove([doc_id_of(qa, "volcano.txt")])
    passages = qa.retrieve(question, k=20)
    assert "volcano.txt" not in sources(passages)
    assert sources(passages) == set(DOCUMENTS) - {"volcano.txt"}
    assert all(p.lexical_score is None for p in passages)


def test_added_documents_are_returned(tmp_path: Path) -> None:
    qa, docs = make_qa(tmp_path, ["bakery.txt", "chess.txt"])
    assert "harbour.txt" not in sources(qa.retrieve("How long does the ferry take?", k=20))
    write_documents(docs, ["harbour.txt"])
    qa.update([docs])
    assert sources(qa.retrieve("How long does the ferry take?", k=1)) == {"harbour.txt"}


def test_removing_every_document_leaves_nothing_to_retrieve(tmp_path: Path) -> None:
    qa, _ = make_qa(tmp_path, ["bakery.txt"])
    qa.remove([doc_id_of(qa, "bakery.txt")])
    assert qa.retrieve("Who sells rye bread?") == []
    assert qa.answer("Who sells rye bread?").abstained


QUESTIONS = {
    "Which villages did the ash cover?": "volcano.txt",
    "Who sells cinnamon rolls?": "bakery.txt",
    "How many players entered the tournament?": "chess.txt",
    "How long does the ferry take to the island?": "harbour.txt",
}


def lexical_rankings(retriever: HybridRetriever) -> list[list[tuple[int, float]]]:
    return [retriever._lexical(question, 20) for question in QUESTIONS]


def test_a_version_keeps_its_bm25_postings_on_disk_and_answers_from_them(
    tmp_path: Path,
) -> None:
    docs = write_documents(tmp_path / "docs", list(DOCUMENTS))
    IndexBuilder(HashEmbedder(), tmp_path / "index", CHUNKING).update([docs])
    store = IndexStore(tmp_path / "index")
    manifest = store.read_manifest()
    assert sorted(name for name in manifest["files"] if name.startswith("bm25.")) == sorted(
        LEXICAL_FILES
    )
    index = store.load()
    assert index.lexical_folder == tmp_path / "index" / "versions" / manifest["version"]
    mapped = HybridRetriever(index, HashEmbedder())
    mapped.warm_up()
    # Read from the version folder, mapped, not built again from the texts.
    assert mapped._bm25 is not None
    assert isinstance(mapped._bm25.scores["data"], np.memmap)

    # The same rankings as postings built from every chunk's text at load, as before.
    built = HybridRetriever(replace(index, lexical_folder=None), HashEmbedder())
    built.warm_up()
    assert built._bm25 is not None
    assert not isinstance(built._bm25.scores["data"], np.memmap)
    assert lexical_rankings(mapped) == lexical_rankings(built)
    # And the words of each question lead to its story first.
    names = {doc_id: Path(record.source_path).name for doc_id, record in index.documents.items()}
    firsts = [names[index.chunk_refs[ranking[0][0]][0]] for ranking in lexical_rankings(mapped)]
    assert firsts == list(QUESTIONS.values())


def test_a_version_written_before_postings_were_kept_still_answers(tmp_path: Path) -> None:
    qa, _ = make_qa(tmp_path, list(DOCUMENTS))
    expected = [[p.chunk_id for p in qa.retrieve(question, k=3)] for question in QUESTIONS]
    # Make the live version look like one written by an earlier release: no bm25 files.
    store = IndexStore(tmp_path / "index")
    manifest = store.read_manifest()
    folder = tmp_path / "index" / "versions" / manifest["version"]
    for name in LEXICAL_FILES:
        (folder / name).unlink()
        del manifest["files"][name]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    older, _ = make_qa(tmp_path, list(DOCUMENTS))
    assert older.index.lexical_folder is None
    got = [[p.chunk_id for p in older.retrieve(question, k=3)] for question in QUESTIONS]
    assert got == expected
    assert all(older.retrieve(question, k=3)[0].lexical_score for question in QUESTIONS)


def test_a_damaged_postings_file_is_reported_with_the_way_to_rebuild(tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "docs", ["bakery.txt", "chess.txt"])
    IndexBuilder(HashEmbedder(), tmp_path / "index", CHUNKING).update([docs])
    store = IndexStore(tmp_path / "index")
    folder = tmp_path / "index" / "versions" / store.read_manifest()["version"]
    data = folder / "bm25.data.npy"
    data.write_bytes(data.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(CorruptIndexError, match=r"bm25\.data\.npy.*rebuild"):
        store.load()


def test_an_update_tokenizes_only_new_documents_and_ranks_as_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = write_documents(tmp_path / "docs", ["volcano.txt", "bakery.txt", "chess.txt"])
    builder = IndexBuilder(HashEmbedder(), tmp_path / "index", CHUNKING)
    builder.update([docs])
    tokenized: list[str] = []

    def recording(texts: Sequence[str]) -> list[list[str]]:
        tokenized.extend(texts)
        return lexical_tokens(texts)

    monkeypatch.setattr("index.storage.lexical.lexical_tokens", recording)
    write_documents(docs, ["harbour.txt"])
    (docs / "chess.txt").unlink()
    builder.update([docs])
    monkeypatch.undo()
    assert tokenized and all(text in DOCUMENTS["harbour.txt"] for text in tokenized)

    updated = HybridRetriever(IndexStore(tmp_path / "index").load(), HashEmbedder())
    rebuilt_dir = tmp_path / "rebuilt"
    IndexBuilder(HashEmbedder(), rebuilt_dir, CHUNKING).update([docs])
    rebuilt = HybridRetriever(IndexStore(rebuilt_dir).load(), HashEmbedder())
    for question in QUESTIONS:
        ours = [(p.chunk_id, p.lexical_score) for p in updated.retrieve(question, k=5)]
        assert ours == [(p.chunk_id, p.lexical_score) for p in rebuilt.retrieve(question, k=5)]
    assert sources(updated.retrieve("How many players entered the tournament?", k=20)) == {
        "volcano.txt",
        "bakery.txt",
        "harbour.txt",
    }
