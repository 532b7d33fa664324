"""The one-line public API works from a fresh process: default index built from seeds/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """
import json
from qa import answer
first = answer("What did Larijani say?")
follow = answer("Which country did he visit?", history=["Who is Ali Larijani?"])
print(json.dumps({"first": first.to_dict(), "follow": follow.to_dict()}))
"""


def test_answer_builds_the_default_index_from_the_seeds(tmp_path: Path) -> None:
    # QA_INDEX_DIR keeps the test's index out of the project's data/ folder.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_INDEX_DIR": str(tmp_path / "index")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    first = data["first"]
    assert not first["abstained"]
    assert "That discussion on Wednesday was positive" in first["answer"]
    assert all(c["source_path"].endswith("000_0c4851bab53c4404.txt") for c in first["citations"])
    assert "Qatar" in data["follow"]["answer"]
    # The index went where it was told, ready for the next call.
    assert (tmp_path / "index" / "CURRENT").is_file()


def test_the_default_index_is_the_projects_whatever_the_working_folder(tmp_path: Path) -> None:
    probe = "from qa import Settings; print(Settings().index_dir)"
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert Path(shown) == ROOT / "data" / "index"
