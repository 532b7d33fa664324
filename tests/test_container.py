"""The Docker image, tested for real by scripts/container_smoke.sh where containers can run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE_SCRIPT = ROOT / "scripts" / "container_smoke.sh"
SMOKE_LOG = ROOT / "test-output" / "container-smoke.log"
EXIT_SKIPPED = 77
TIMEOUT_S = 60 * 60


@pytest.mark.slow
def test_image_builds_runs_offline_and_answers_with_citations() -> None:
    """Build, run with no network, answer from the seeds and from a mounted documents folder.

    The script prints why it skips when no engine can run containers; CI sets
    QA_CONTAINER_SMOKE_REQUIRED=1 after preparing podman, so that a skip fails there.
    """
    result = subprocess.run(
        ["bash", str(SMOKE_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    output = result.stdout + result.stderr
    SMOKE_LOG.parent.mkdir(exist_ok=True)
    SMOKE_LOG.write_text(output, encoding="utf-8")
    last_line = output.strip().splitlines()[-1] if output.strip() else "(no output)"
    if result.returncode == EXIT_SKIPPED:
        if os.environ.get("QA_CONTAINER_SMOKE_REQUIRED") == "1":
            pytest.fail(f"the container smoke test was required but skipped: {last_line}")
        pytest.skip(last_line)
    tail = "\n".join(output.splitlines()[-60:])
    assert result.returncode == 0, f"container smoke test failed (see {SMOKE_LOG}):\n{tail}"
    assert "PASSED" in last_line, tail
