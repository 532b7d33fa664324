"""A running pipeline follows index updates made by another process, and survives a bad one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from tests.conftest import ROOT, SEED_FILE
from tests.index.stories import HARBOUR

QUESTION = "When will ferry services to the mainland resume?"


def _index_in_another_process(index_dir: Path, *paths: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "ui", "index", *map(str, paths), "--index-dir", str(index_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def test_an_update_by_another_process_answers_the_next_question(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED_FILE, docs / SEED_FILE.name)
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs,)), embedder=embedder)
    qa.warm_up()
    before = qa.answer(QUESTION)
    assert all(c.doc_id != "harbour" for c in before.citations)

    story = tmp_path / "harbour.md"
    story.write_text(HARBOUR, encoding="utf-8")
    _index_in_another_process(tmp_path / "index", story)

    after = qa.answer(QUESTION)
    assert not after.abstained and after.text == "Saturday"
    assert after.citations[0].doc_id == "harbour"
    assert "harbour" in qa.index.documents


def test_a_version_that_cannot_be_loaded_leaves_answers_coming_from_the_old_one(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs,)), embedder=embedder)
    qa.warm_up()
    version = qa.index.version
    # Another process points CURRENT at a version whose files are missing.
    (tmp_path / "index" / "CURRENT").write_text("20990101T000000-broken\n")
    answer = qa.answer(QUESTION)
    assert answer.text == "Saturday" and qa.index.version == version
