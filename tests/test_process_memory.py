"""The peak memory a child process reports is its own, not its parent's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.process_memory import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]


def _child_peak() -> float:
    script = "from tests.process_memory import peak_rss_mb; print(peak_rss_mb())"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return float(done.stdout)


def test_a_child_of_a_large_process_reports_its_own_small_peak() -> None:
    held = np.ones(600 * 1024 * 1024 // 8)  # 600 MB, touched, in this (the parent) process
    assert peak_rss_mb() > 600
    assert _child_peak() < 100  # a bare interpreter importing one small module
    del held


def test_the_peak_counts_what_the_process_held_and_freed() -> None:
    before = peak_rss_mb()
    block = np.ones(int((before + 300) * 1024 * 1024 // 8))
    del block
    assert peak_rss_mb() > before + 250
