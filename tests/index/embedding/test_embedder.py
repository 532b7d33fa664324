"""Loading the embedding model: quiet for a program that calls ``answer()``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED_FILE

# The first question over a new index loads the embedding model to build it.
SCRIPT = """
import json, sys
from pathlib import Path
from transformers.utils import logging as transformers_logging
from qa import Settings, answer

root = Path(sys.argv[1])
settings = Settings(index_dir=root / "index", documents=(root / "docs",))
result = answer("What did Larijani say?", settings=settings)
print(json.dumps({"answer": result.text, "bars": transformers_logging.is_progress_bar_enabled()}))
"""


def test_answer_loads_the_model_without_a_progress_bar(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    # As in a program of the user's: progress bars as transformers sets them by default.
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert "Loading weights" not in result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert "That discussion on Wednesday was positive" in data["answer"]
    # The program's own transformers progress bars are left on.
    assert data["bars"] is True
    assert (tmp_path / "index" / "CURRENT").is_file()
