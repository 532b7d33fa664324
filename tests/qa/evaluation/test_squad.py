"""Evaluation: SQuAD scoring, calibration figures, and `qa eval` on a slice of the subset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.evaluation.squad import QuestionResult, f1_score, normalize_answer, summarise
from tests.conftest import SHARED_EVAL
from ui.cli import main

SUBSET = SHARED_EVAL / "squad2_dev_subset.json"


def _result(confidence: float, right: bool, answerable: bool = True) -> QuestionResult:
    return QuestionResult(
        qid="q",
        article="a",
        kind="what",
        answerable=answerable,
        abstained=False,
        prediction="x",
        confidence=confidence,
        exact=float(right),
        f1=float(right),
        retrieved_rank=0,
        latency_ms=10.0,
    )


def test_official_normalisation_ignores_case_articles_and_punctuation() -> None:
    assert normalize_answer("The  Normans!") == "normans"
    assert f1_score("in the 10th century", "10th century") == pytest.approx(0.8)
    assert f1_score("Rollo", "Charles") == 0.0


def test_reliability_table_and_ece_show_overconfidence() -> None:
    honest = [_result(0.75, right=i < 3) for i in range(4)]
    boastful = [_result(0.95, right=i < 1) for i in range(4)]
    assert summarise(honest).expected_calibration_error == pytest.approx(0.0)
    report = summarise(boastful)
    assert report.expected_calibration_error == pytest.approx(0.7)
    (row,) = report.reliability
    assert row["count"] == 4 and row["accuracy"] == pytest.approx(0.25)


@pytest.mark.slow
@pytest.mark.skipif(not SUBSET.is_file(), reason="the shared evaluation subset is not checked out")
def test_qa_eval_on_a_slice_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_dir = tmp_path / "report"
    status = main(
        [
            "eval",
            str(SUBSET),
            "--limit",
            "80",
            "--work-dir",
            str(tmp_path / "work"),
            "--report-dir",
            str(report_dir),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "paragraph recall@5" in printed and "calibration (ECE)" in printed
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    summary = data["summary"]
    assert summary["questions"] == 80 == len(data["questions"])
    # The full run gives recall@5 0.925, F1 53.0 on these 80 questions (docs/evaluation.md).
    assert summary["recall_at_5"] >= 0.85
    assert summary["f1"] >= 40.0
    # The confidence must rank answers: of the answers given, the surer half is right more
    # often than the less sure half (halves, not bins: a bin may hold three answers).
    assert 0.0 <= summary["expected_calibration_error"] <= 1.0
    assert summary["reliability"], "answers were given, so the table has rows"
    given = sorted(
        (q for q in data["questions"] if not q["abstained"]), key=lambda q: q["confidence"]
    )
    half = len(given) // 2
    assert half >= 10, "the slice gives enough answers to compare halves"

    def right(part: list[dict]) -> float:
        return sum(q["f1"] >= 0.5 for q in part) / len(part)

    assert right(given[half:]) > right(given[:half])
    assert "high confidence" in printed
    assert (report_dir / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
