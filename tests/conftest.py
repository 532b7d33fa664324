"""Shared fixtures: the real bundled model, loaded once per session, and a seed-article index."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from index import SentenceTransformerEmbedder
from qa import QA, Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_0c4851bab53c4404.txt"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    model = SentenceTransformerEmbedder()
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def seed_qa(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> QA:
    index_dir = tmp_path_factory.mktemp("seed-index")
    qa = QA(Settings(index_dir=index_dir, documents=(SEEDS,)), embedder=embedder)
    qa.warm_up()
    return qa


@pytest.fixture()
def docs_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder / SEED_FILE.name)
    yield folder
