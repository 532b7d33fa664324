"""`--engine ray` builds the index the local engine builds: documents, offsets, vectors, answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index import BuildReport, IndexBuilder, IndexStore, SentenceTransformerEmbedder
from qa import QA, Settings
from tests.conftest import SEED_FILE, SEEDS
from tests.index.sources.test_duplicates import OTHER_STORY, seed_as_html
from ui.cli import main

ray = pytest.importorskip("ray")

GUILD_PAGE = (
    "<html><head><title>The keepers guild</title></head><body><nav>Home</nav><article>"
    "<h1>The keepers guild</h1>"
    "<p>The lighthouse keepers guild was founded in 1821 by seven keepers.</p>"
    "<p>Its treasurer is Mara Lindqvist, who keeps the accounts in a ledger.</p>"
    "</article><footer>All rights reserved.</footer></body></html>"
)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        object_store_memory=256 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
    )
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def fp32_embedder() -> SentenceTransformerEmbedder:
    """fp32 on both engines, so vectors differ only by batching noise."""
    embedder = SentenceTransformerEmbedder(precision="fp32")
    embedder.warm_up()
    return embedder


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "harbour.md").write_text(OTHER_STORY, encoding="utf-8")
    (folder / "guild.html").write_text(GUILD_PAGE, encoding="utf-8")
    (folder / "saved-page.html").write_bytes(seed_as_html())  # the seed story again
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return folder


def _same_outcome(local: BuildReport, ray_report: BuildReport) -> None:
    for name in ("added", "updated", "unchanged", "removed", "duplicates", "problems"):
        assert getattr(ray_report, name) == getattr(local, name), name
    assert ray_report.chunks_embedded == local.chunks_embedded
    assert ray_report.total_chunks == local.total_chunks


def _same_index(local_dir: Path, ray_dir: Path) -> None:
    local, other = IndexStore(local_dir).load(), IndexStore(ray_dir).load()
    assert set(other.documents) == set(local.documents)
    for doc_id, record in local.documents.items():
        twin = other.documents[doc_id]
        assert twin.text == record.text and twin.title == record.title
        assert twin.chunks == record.chunks
        assert twin.sentences == record.sentences
        assert twin.sources == record.sources
        np.testing.assert_allclose(
            other.vectors_of(doc_id), local.vectors_of(doc_id), rtol=0, atol=1e-5
        )


def test_ray_engine_builds_and_updates_the_same_index_as_local(
    tmp_path: Path, local_ray: None, fp32_embedder: SentenceTransformerEmbedder
) -> None:
    docs = _corpus(tmp_path / "docs")
    local_builder = IndexBuilder(fp32_embedder, tmp_path / "local")
    ray_builder = IndexBuilder(fp32_embedder, tmp_path / "ray", engine="ray")

    local = local_builder.update([SEEDS, docs])
    on_ray = ray_builder.update([SEEDS, docs])
    assert {"harbour", "guild"} <= set(local.added)
    assert [d.doc_id for d in local.duplicates], "the saved page repeats the seed story"
    assert {Path(p.path).name for p in local.problems} == {"empty.txt", "binary.txt"}
    _same_outcome(local, on_ray)
    _same_index(tmp_path / "local", tmp_path / "ray")

    (docs / "harbour.md").write_text(OTHER_STORY.replace("Saturday", "Monday"), encoding="utf-8")
    (docs / "guild.html").unlink()
    local = local_builder.update([SEEDS, docs])
    on_ray = ray_builder.update([SEEDS, docs])
    assert local.updated == ("harbour",) and local.removed == ("guild",)
    _same_outcome(local, on_ray)
    _same_index(tmp_path / "local", tmp_path / "ray")

    answers = [
        QA(Settings(index_dir=index_dir, documents=(SEEDS,)), embedder=fp32_embedder).answer(
            "What did Larijani say?"
        )
        for index_dir in (tmp_path / "local", tmp_path / "ray")
    ]
    assert not answers[0].abstained and answers[0].citations
    assert answers[1].text == answers[0].text
    assert [(c.doc_id, c.start, c.end) for c in answers[1].citations] == [
        (c.doc_id, c.start, c.end) for c in answers[0].citations
    ]


def test_qa_index_engine_ray_through_the_cli(
    tmp_path: Path, local_ray: None, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    (docs / "harbour.md").write_text(OTHER_STORY, encoding="utf-8")
    index_dir = tmp_path / "index"
    code = main(["index", str(docs), "--index-dir", str(index_dir), "--engine", "ray"])
    out = capsys.readouterr().out
    assert code == 0 and "indexed 2 new, 0 changed, 0 unchanged, 0 removed" in out
    assert set(IndexStore(index_dir).load().documents) == {SEED_FILE.stem, "harbour"}
    assert ray.is_initialized(), "a Ray instance the caller started is left running"
