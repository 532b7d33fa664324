"""An index update killed at any moment leaves the old index or the new one, never a broken one.

Also: two writers at once are serialised by the lock, and a damaged index file is named on
load together with the fix.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import (
    CorruptIndexError,
    IndexBuilder,
    IndexProgress,
    IndexStore,
    SentenceTransformerEmbedder,
)
from qa import QA, Settings
from tests.conftest import ROOT, SEED_FILE
from tests.index.pdf_files import make_pdf
from tests.index.stories import GUILD, HARBOUR, ORCHARD

TRIALS = 24


def _index_cli(docs: Path, index_dir: Path, *extra: str, kill_at: int = 0) -> list[str]:
    """The ``qa index`` command line, run with this interpreter from the project folder.

    With ``kill_at`` N > 0 the process SIGKILLs itself at progress event N
    (``tests/index/crashing_cli.py``).
    """
    command = [sys.executable, "-m", "tests.index.crashing_cli", str(kill_at), "index", str(docs)]
    return [*command, "--index-dir", str(index_dir), "--no-progress", *extra]


def _state(index_dir: Path, embedder: SentenceTransformerEmbedder) -> dict[str, str]:
    """Document id -> content hash of the live index; loading it checks every file."""
    loaded = IndexStore(index_dir).load(expected_model=embedder.fingerprint())
    return {doc_id: record.content_hash for doc_id, record in loaded.documents.items()}


@pytest.mark.slow
def test_kill_minus_nine_at_any_point_of_an_update_never_breaks_the_index(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (docs / "guild.pdf").write_bytes(make_pdf(GUILD))
    template = tmp_path / "template"
    IndexBuilder(embedder, template).update([docs])
    before = _state(template, embedder)
    # The update every trial is killed during: one story changed, one added.
    (docs / "harbour.md").write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    (docs / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    events: list[IndexProgress] = []
    reference = tmp_path / "reference"
    shutil.copytree(template, reference)
    IndexBuilder(embedder, reference).update([docs], progress=events.append)
    after = _state(reference, embedder)
    assert set(after) == set(before) | {"orchard"} and after["harbour"] != before["harbour"]

    rng = random.Random(6)
    started = time.monotonic()
    full = subprocess.run(_index_cli(docs, reference), cwd=ROOT, capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    run_s = time.monotonic() - started
    outcomes: list[str] = []
    index_dir = tmp_path / "trial"
    shutil.copytree(template, index_dir)
    # One pipeline for all trials, reloaded from disk after each: parsers load only once.
    qa = QA(Settings(index_dir=index_dir, documents=(docs,)), embedder=embedder)
    qa.warm_up()
    for trial in range(TRIALS):
        shutil.rmtree(index_dir)
        shutil.copytree(template, index_dir)
        # A crash point: SIGKILL at progress event N, spread over the whole update
        # (scanning, reading, embedding and every step of writing); or none (N = 0).
        kill_at = 1 + (trial * len(events)) // TRIALS if trial % 3 != 2 else 0
        process = subprocess.Popen(
            _index_cli(docs, index_dir, kill_at=kill_at),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if trial % 3 == 2:
            # kill -9 from outside after a random delay.
            time.sleep(rng.uniform(0.0, run_s))
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=300)
        state = _state(index_dir, embedder)
        assert state in (before, after), f"trial {trial}: {state}"
        outcomes.append("new" if state == after else "old")
        qa.reload()
        passages = qa.retrieve("Who is the treasurer of the lighthouse keepers guild?")
        assert passages and passages[0].doc_id == "guild"
        answer = qa.answer("Who is the treasurer of the lighthouse keepers guild?")
        assert answer.abstained or {c.doc_id for c in answer.citations} <= set(state)
        # The next run finishes the job and clears what the killed one left behind.
        IndexBuilder(embedder, index_dir).update([docs])
        assert _state(index_dir, embedder) == after
        assert not list((index_dir / "versions").glob(".staging-*"))
    assert "old" in outcomes and "new" in outcomes, outcomes


@pytest.mark.slow
def test_two_qa_index_runs_at_once_are_serialised(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    first, second, index_dir = tmp_path / "first", tmp_path / "second", tmp_path / "index"
    first.mkdir()
    second.mkdir()
    (first / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (second / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    runs = [
        subprocess.Popen(
            _index_cli(folder, index_dir, "--wait", "300"),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in (first, second)
    ]
    results = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    # Neither run lost the other's document: the second writer read the first's result.
    assert set(_state(index_dir, embedder)) == {"harbour", "orchard"}


def _built(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    index_dir = tmp_path / "index"
    IndexBuilder(embedder, index_dir).update([docs])
    version = IndexStore(index_dir).current_version()
    return docs, index_dir / "versions" / str(version)


def test_partial_manifest_is_named_with_the_fix_and_not_silently_replaced(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs, folder = _built(tmp_path, embedder)
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])
    store = IndexStore(folder.parent.parent)
    with pytest.raises(CorruptIndexError, match=r"manifest\.json.*qa index --rebuild"):
        store.load()
    # An update refuses too, rather than rebuilding from this folder alone and losing
    # whatever else was indexed; --rebuild repairs it.
    builder = IndexBuilder(embedder, store.index_dir)
    with pytest.raises(CorruptIndexError, match="qa index --rebuild"):
        builder.update([docs])
    builder.update([docs], rebuild=True)
    assert set(store.load().documents) == {"harbour"}


def test_truncated_documents_file_and_dangling_current_are_detected(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    _, folder = _built(tmp_path, embedder)
    store = IndexStore(folder.parent.parent)
    documents = folder / "documents.jsonl"
    original = documents.read_bytes()
    documents.write_bytes(original[: len(original) // 2])
    with pytest.raises(CorruptIndexError, match=r"documents\.jsonl.*checksum.*qa index --rebuild"):
        store.load()
    documents.write_bytes(original)
    (store.index_dir / "CURRENT").write_text("20990101T000000-deadbeef\n")
    with pytest.raises(CorruptIndexError, match=r"20990101T000000-deadbeef.*manifest\.json"):
        store.load()


def test_manifest_missing_a_field_is_reported_as_corrupt(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    _, folder = _built(tmp_path, embedder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndexError, match=r"manifest\.json.*qa index --rebuild"):
        IndexStore(folder.parent.parent).load()
