"""What following another process's index updates costs each question.

Every question reads the index folder's small ``CURRENT`` file to see whether the live
version changed. This times that check on a real index of seeds/ (built in a temporary
folder), next to a whole answer to the same index in the same run, so the two compare.

Usage: .venv/bin/python benchmarks/version_check.py [--checks 20000] [--answers 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa import QA, Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        qa = QA(Settings(index_dir=Path(folder) / "index", documents=(ROOT / "seeds",)))
        qa.warm_up()
        began = time.perf_counter()
        for _ in range(args.checks):
            qa.store.current_version()
        check_us = (time.perf_counter() - began) / args.checks * 1e6
        answers = []
        for _ in range(args.answers):
            began = time.perf_counter()
            qa.answer("What did Larijani say?")
            answers.append((time.perf_counter() - began) * 1e3)
    answer_ms = statistics.median(answers)
    print(f"version check (read CURRENT): {check_us:.1f} µs per question")
    print(f"whole answer, same index:     {answer_ms:.1f} ms median of {args.answers}")
    print(f"check as a share of an answer: {check_us / 1e3 / answer_ms:.3%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
