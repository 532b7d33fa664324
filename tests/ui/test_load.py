"""Twenty users asking at once while the index changes get the answers one user would get.

The page is served on loopback over the seed article and two SQuAD articles; 20
gradio_client users each ask 50 questions while a story is added to the index and removed
again (``benchmarks/page_load.py``, which prints the same run's latency figures).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.page_load import SHARED_EVAL, STORY_QUESTIONS, run_load

pytestmark = pytest.mark.skipif(
    not (SHARED_EVAL / "squad2_fit_pool.json").is_file(),
    reason="the shared evaluation files are not checked out",
)


def test_concurrent_answers_during_updates_equal_the_serial_answers(tmp_path: Path) -> None:
    result = run_load(users=20, questions_per_user=50, work=tmp_path)
    print(result.summary())
    assert result.errors == []
    assert result.answers == 1000
    assert result.mismatches == []
    # The story changes answers: it answers its questions only while it is indexed ...
    opening = STORY_QUESTIONS[0]
    assert result.serial["with story"][opening]["answer"] == "14 March"
    assert result.serial["without story"][opening]["abstained"] is True
    # ... and it really was in the index for part of the run, and out of it for another part.
    assert result.by_state["with story"] > 0
    assert result.by_state["without story"] > 0
