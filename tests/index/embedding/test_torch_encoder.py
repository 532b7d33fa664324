"""The index's own torch forward pass gives sentence-transformers' vectors, faster to start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import SentenceTransformerEmbedder, default_model_path
from index.embedding.torch_encoder import TorchEncoder
from tests.conftest import SEED_FILE

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Texts of very different lengths: seed paragraphs, a word, one past 256 tokens."""
    paragraphs = [p for p in SEED_FILE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return [
        *paragraphs[:12],
        "x",
        "ünïcödé and emoji 🙂 survive tokenisation",
        " ".join(["The Normans conquered England in 1066."] * 80),
    ]


@pytest.fixture(scope="module")
def reference(texts: list[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    return np.asarray(model.encode(texts, normalize_embeddings=True), dtype=np.float32)


def test_fp32_matches_sentence_transformers(texts: list[str], reference: np.ndarray) -> None:
    vectors = TorchEncoder(default_model_path()).embed(texts)
    assert vectors.shape == reference.shape
    assert float((vectors * reference).sum(axis=1).min()) > 0.9999
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_bf16_stays_close(texts: list[str], reference: np.ndarray) -> None:
    vectors = TorchEncoder(default_model_path()).embed(texts, bf16=True)
    assert float((vectors * reference).sum(axis=1).min()) > 0.999


def test_padding_does_not_change_a_vector(texts: list[str]) -> None:
    """A short text batched with long ones gets the vector it gets alone."""
    encoder = TorchEncoder(default_model_path())
    together = encoder.embed(texts, batch_size=len(texts))
    alone = np.vstack([encoder.embed([text]) for text in texts])
    assert float((together * alone).sum(axis=1).min()) > 0.99999


def test_an_index_build_embeds_without_importing_sentence_transformers(tmp_path: Path) -> None:
    """``qa index`` loads torch for its batches but neither transformers nor
    sentence-transformers, whose imports took about five seconds of every build."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    script = (
        "import sys; from pathlib import Path; from ui.cli import main; "
        f"main(['index', '--index-dir', {str(tmp_path / 'index')!r}, "
        f"{str(tmp_path / 'docs')!r}, '--no-progress']); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "['torch']"
    version = (tmp_path / "index" / "CURRENT").read_text().strip()
    manifest = json.loads((tmp_path / "index" / "versions" / version / "manifest.json").read_text())
    assert manifest["embedded_with"] == SentenceTransformerEmbedder().engine()


def test_the_embedder_names_how_it_embeds() -> None:
    fp32 = SentenceTransformerEmbedder(precision="fp32")
    assert fp32.engine() == "torch fp32"
    assert SentenceTransformerEmbedder(precision="bf16").engine() == "torch bf16"
