"""The one-line public API works from a fresh process: default index built from seeds/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json
from qa import answer
first = answer("What did Larijani say?")
follow = answer("Which country did he visit?", history=["Who is Ali Larijani?"])
print(json.dumps({"first": first.to_dict(), "follow": follow.to_dict()}))
"""


def test_answer_builds_the_default_index_from_the_seeds(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
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
    # The index went to the default place under the working folder, ready for the next call.
    assert (tmp_path / "data" / "index" / "CURRENT").is_file()
