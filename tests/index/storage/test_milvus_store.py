"""The same product with its vectors in Milvus (Milvus Lite here; a cluster speaks the same API).

Answers and citations must not depend on the store: the seed article's questions and the
shared SQuAD 2.0 subset are answered identically from FAISS and from Milvus. Updates keep the
promises of the FAISS store: incremental, old rows gone once unused, and a writer killed at
any step leaves the previous version answering and nothing behind after the next update.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from index import IndexBuilder, IndexProgress, IndexStore, SentenceTransformerEmbedder
from index.storage.backends import StoreConfig
from index.storage.backends.milvus import MilvusConnection
from qa import QA, Settings
from qa.evaluation.squad import load_squad
from tests.conftest import ROOT, SEEDS, SHARED_EVAL
from tests.index.stories import HARBOUR, ORCHARD

SUBSET = SHARED_EVAL / "squad2_dev_subset.json"
EXAMPLES = SHARED_EVAL / "seed_examples.json"


def _milvus(index_dir: Path, index: str = "FLAT") -> StoreConfig:
    return StoreConfig(kind="milvus", milvus_uri=str(index_dir / "milvus.db"), milvus_index=index)


def _rows_in(config: StoreConfig) -> int:
    with MilvusConnection(config) as connection:
        connection.client.flush(config.milvus_collection)
        return int(connection.client.get_collection_stats(config.milvus_collection)["row_count"])


def _pipeline(index_dir: Path, embedder: SentenceTransformerEmbedder, docs: Path) -> QA:
    qa = QA(Settings(index_dir=index_dir, documents=(docs,)), embedder=embedder)
    qa.warm_up()
    return qa


def _answer_key(qa: QA, question: str) -> tuple[object, ...]:
    answer = qa.answer(question)
    return (
        answer.text,
        answer.abstained,
        round(answer.confidence, 4),
        tuple((c.doc_id, c.start, c.end, c.quote) for c in answer.citations),
    )


def _questions_of_examples() -> list[str]:
    data = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    questions = ["What did Larijani say?", *(item["q"] for item in data["questions"])]
    return list(dict.fromkeys(questions))


@pytest.mark.parametrize("milvus_index", ["FLAT", "HNSW"])
def test_seed_questions_get_identical_answers_from_faiss_and_milvus(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, milvus_index: str
) -> None:
    if not EXAMPLES.is_file():
        pytest.skip("the shared seed examples are not checked out")
    faiss_dir, milvus_dir = tmp_path / "faiss", tmp_path / "milvus"
    IndexBuilder(embedder, faiss_dir).update([SEEDS])
    config = _milvus(milvus_dir, milvus_index)
    IndexBuilder(embedder, milvus_dir, vector_store=config).update([SEEDS])
    manifest = IndexStore(milvus_dir).read_manifest()
    assert manifest["vector_store"]["kind"] == "milvus"
    assert manifest["vector_store"]["index_type"] == milvus_index
    assert manifest["vector_store"]["uri"] == "milvus.db"  # inside the folder: moves with it
    assert not (milvus_dir / "versions" / manifest["version"] / "vectors.faiss").exists()
    from_faiss = _pipeline(faiss_dir, embedder, SEEDS)
    from_milvus = _pipeline(milvus_dir, embedder, SEEDS)
    for question in _questions_of_examples():
        assert _answer_key(from_milvus, question) == _answer_key(from_faiss, question), question
    larijani = from_milvus.answer("What did Larijani say?")
    assert not larijani.abstained and "Larijani" not in larijani.text
    record = from_milvus.index.documents[larijani.citations[0].doc_id]
    for citation in larijani.citations:
        assert record.text[citation.start : citation.end] == citation.quote


@pytest.mark.slow
def test_the_squad_subset_gets_identical_answers_from_faiss_and_milvus(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    if not SUBSET.is_file():
        pytest.skip("the shared evaluation subset is not checked out")
    corpus = load_squad(SUBSET, tmp_path / "work")
    faiss_dir, milvus_dir = tmp_path / "faiss", tmp_path / "milvus"
    IndexBuilder(embedder, faiss_dir).update([corpus.documents_dir])
    # The Milvus index reuses the FAISS index's vectors: switching stores embeds nothing.
    shutil.copytree(faiss_dir, milvus_dir)
    report = IndexBuilder(embedder, milvus_dir, vector_store=_milvus(milvus_dir)).update(
        [corpus.documents_dir]
    )
    assert report.chunks_embedded == 0
    assert IndexStore(milvus_dir).read_manifest()["vector_store"]["kind"] == "milvus"
    from_faiss = _pipeline(faiss_dir, embedder, corpus.documents_dir)
    from_milvus = _pipeline(milvus_dir, embedder, corpus.documents_dir)
    differing = []
    for question in corpus.questions:
        faiss_key = _answer_key(from_faiss, question.question)
        milvus_key = _answer_key(from_milvus, question.question)
        if faiss_key == milvus_key:
            continue
        # Allowed only where the stores order passages whose scores tie.
        faiss_hits = from_faiss.index.vectors.search(embedder.embed([question.question])[0], 50)
        milvus_hits = from_milvus.index.vectors.search(embedder.embed([question.question])[0], 50)
        tied = all(abs(a[1] - b[1]) < 1e-5 for a, b in zip(faiss_hits, milvus_hits, strict=True))
        if not tied:
            differing.append((question.question, faiss_key, milvus_key))
    assert not differing, differing[:3]
    assert len(corpus.questions) > 1000


def test_updates_on_milvus_are_incremental_and_leave_no_stale_rows(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    config = _milvus(index_dir)
    builder = IndexBuilder(embedder, index_dir, vector_store=config)
    first = builder.update([docs])
    assert _rows_in(config) == first.total_chunks

    (docs / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    added = IndexBuilder(embedder, index_dir).update([docs])  # store follows the manifest
    assert added.added == ("orchard",) and added.chunks_embedded == 1
    assert _rows_in(config) == added.total_chunks

    (docs / "harbour.md").write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    changed = builder.update([docs])
    assert changed.updated == ("harbour",) and changed.chunks_embedded == 1
    assert _rows_in(config) == changed.total_chunks  # the old harbour rows are gone

    qa = _pipeline(index_dir, embedder, docs)
    answer = qa.answer("When will ferry services resume?")
    assert "Monday" in answer.text
    assert qa.retrieve("When will ferry services resume?")[0].doc_id == "harbour"

    removed = builder.remove(["orchard"])
    assert _rows_in(config) == removed.total_chunks
    qa.reload()
    assert all(p.doc_id != "orchard" for p in qa.retrieve("apple growers harvest"))


def _index_cli(docs: Path, index_dir: Path, kill_at: int) -> list[str]:
    """``qa index`` into Milvus, SIGKILLed at progress event ``kill_at`` (crashing_cli)."""
    return [
        sys.executable,
        "-m",
        "tests.index.crashing_cli",
        str(kill_at),
        "index",
        str(docs),
        "--index-dir",
        str(index_dir),
        "--store",
        "milvus",
        "--no-progress",
    ]


def _live_docs(index_dir: Path) -> dict[str, str]:
    manifest = IndexStore(index_dir).read_manifest()
    return {d["doc_id"]: d["content_hash"] for d in manifest["documents"]}


@pytest.mark.slow
def test_a_writer_killed_at_any_step_leaves_an_answering_index_and_no_orphans(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    template = tmp_path / "template"
    IndexBuilder(embedder, template, vector_store=_milvus(template)).update([docs])
    before = _live_docs(template)
    (docs / "harbour.md").write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    (docs / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    events: list[IndexProgress] = []
    reference = tmp_path / "reference"
    shutil.copytree(template, reference)
    IndexBuilder(embedder, reference).update([docs], progress=events.append)
    after = _live_docs(reference)
    writing = [number for number, event in enumerate(events, 1) if event.phase == "writing"]
    assert len(writing) >= 5
    outcomes = []
    for kill_at in [1, *writing]:
        index_dir = tmp_path / f"trial-{kill_at}"
        shutil.copytree(template, index_dir)
        run = subprocess.run(_index_cli(docs, index_dir, kill_at), cwd=ROOT, capture_output=True)
        assert run.returncode != 0  # it was killed
        state = _live_docs(index_dir)
        assert state in (before, after), f"killed at event {kill_at}: {state}"
        outcomes.append("new" if state == after else "old")
        qa = _pipeline(index_dir, embedder, docs)
        answer = qa.answer("When will ferry services resume?")
        assert not answer.abstained
        assert ("Monday" if state == after else "Saturday") in answer.text
        qa.store.close()
        del qa
        # The next update finishes the job and deletes what the killed one left behind.
        report = IndexBuilder(embedder, index_dir).update([docs])
        assert _live_docs(index_dir) == after
        assert _rows_in(_milvus(index_dir)) == report.total_chunks, f"killed at {kill_at}"
        assert not list(index_dir.glob(".milvus-intent-*"))
    assert "old" in outcomes and "new" in outcomes, outcomes


def test_index_files_torn_by_a_killed_milvus_lite_are_rebuilt_not_fatal(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    # Milvus Lite writes each segment's index files in place from a background thread; a
    # kill -9 during that leaves them torn and the collection would not load again.
    docs, built, index_dir = tmp_path / "docs", tmp_path / "built", tmp_path / "index"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    IndexBuilder(embedder, built, vector_store=_milvus(built)).update([docs])
    question = "When will ferry services resume?"
    expected = _pipeline(built, embedder, docs).answer(question)
    assert "Saturday" in expected.text
    # A copy: this process's embedded Milvus Lite keeps the built file open until it exits.
    shutil.copytree(built, index_dir)
    index_files = [
        path
        for path in (index_dir / "milvus.db").rglob("*")
        if path.is_file() and path.parent.name == "indexes"
    ]
    assert index_files, "Milvus Lite kept no index files: this test no longer tears anything"
    for path in index_files:
        path.write_bytes(path.read_bytes()[:20])
    # Read by another process, as after a kill: it finds the torn files on disk.
    ask = [sys.executable, "-m", "ui.cli", "ask", question, "--index-dir", str(index_dir)]
    run = subprocess.run([*ask, "--json"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    answered = json.loads(run.stdout)
    assert answered["answer"] == expected.text
    assert [c["quote"] for c in answered["citations"]] == [c.quote for c in expected.citations]
    (docs / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    report = IndexBuilder(embedder, index_dir).update([docs])
    assert report.added == ("orchard",)
    assert _rows_in(_milvus(index_dir)) == report.total_chunks


def test_a_milvus_lite_file_open_in_another_process_gives_a_clear_error(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    index_dir = tmp_path / "index"
    IndexBuilder(embedder, index_dir, vector_store=_milvus(index_dir)).update([SEEDS])
    version = IndexStore(index_dir).current_version()
    # This process keeps the file open; a second `qa index` cannot, and says why.
    held = MilvusConnection(_milvus(index_dir))
    assert held.client is not None
    run = subprocess.run(
        _index_cli(SEEDS, index_dir, 0),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert run.returncode == 1
    assert "Milvus Lite opens a file in one process at a time" in run.stderr
    assert "Traceback" not in run.stderr
    assert IndexStore(index_dir).current_version() == version  # nothing lost
    held.close()


def test_store_settings_are_checked_with_clear_messages(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown vector store 'redis'"):
        Settings(index_dir=tmp_path, vector_store="redis")
    with pytest.raises(ValueError, match="needs a URI"):
        StoreConfig(kind="milvus")
    settings = Settings.from_env({"QA_VECTOR_STORE": "milvus", "QA_INDEX_DIR": str(tmp_path)})
    config = settings.store_config()
    assert config is not None and config.milvus_uri == str(tmp_path / "milvus.db")
    assert "token" not in json.dumps(
        StoreConfig(kind="milvus", milvus_uri="http://h:19530", milvus_token="u:p")
        .describe()
        .to_json()
    )
