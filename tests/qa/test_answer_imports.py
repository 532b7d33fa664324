"""Answering imports nothing of indexing: not the text splitter (langchain), nor the torch
path of the embedding model (a question is embedded by the NumPy encoder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from qa import QA
from tests.conftest import ROOT

# Loaded only to index documents, never to answer a question over an index.
INDEXING_ONLY = ("langchain_text_splitters", "torch", "sentence_transformers", "transformers")

PROBE = """
import json, sys
{ask}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


def _modules_after(ask: str) -> set[str]:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(ask=ask)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_qa_ask_imports_nothing_of_indexing(seed_qa: QA) -> None:
    index_dir = str(seed_qa.settings.index_dir)
    ask = (
        "from ui.cli import main\n"
        f"assert main(['ask', 'What did Larijani say?', '--index-dir', {index_dir!r}]) == 0"
    )
    loaded = _modules_after(ask)
    assert "qa" in loaded and "onnxruntime" in loaded  # it did answer
    assert not loaded & set(INDEXING_ONLY)


def test_answer_from_python_imports_nothing_of_indexing(seed_qa: QA) -> None:
    index_dir = str(seed_qa.settings.index_dir)
    ask = (
        "from qa import Settings, answer\n"
        f"a = answer('Who reported from Tehran?', settings=Settings(index_dir={index_dir!r}))\n"
        "assert a.citations"
    )
    assert not _modules_after(ask) & set(INDEXING_ONLY)
