"""The evaluation report on disk: figures and per-question results as JSON, plus a PNG plot."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qa.evaluation.squad import EvalReport, QuestionResult

logger = logging.getLogger(__name__)

REPORT_JSON = "report.json"
REPORT_PLOT = "report.png"


def write_report(
    report: EvalReport,
    results: Sequence[QuestionResult],
    folder: Path,
    about: dict[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.png`` into ``folder`` (created if missing).

    The plot has three panels: F1 on answerable questions and no-answer accuracy by question
    kind, and the distribution of answer latencies.

    Args:
        report: The summary figures.
        results: The per-question results the figures came from.
        folder: Where to write.
        about: Extra facts stored under ``"about"`` (dataset, reader, weights).

    Returns:
        The JSON path and the PNG path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / REPORT_JSON
    data = {
        "about": about or {},
        "summary": report.to_dict(),
        "questions": [asdict(result) for result in results],
    }
    json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plot_path = folder / REPORT_PLOT
    _plot(report, results, plot_path)
    logger.info("wrote %s and %s", json_path, plot_path)
    return json_path, plot_path


def _plot(report: EvalReport, results: Sequence[QuestionResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(report.by_kind)
    counts = [int(report.by_kind[k]["questions"]) for k in kinds]
    figure, (by_kind, latency) = plt.subplots(1, 2, figsize=(12, 4.5))
    positions = range(len(kinds))
    width = 0.4
    by_kind.bar(
        [p - width / 2 for p in positions],
        [report.by_kind[k]["has_answer_f1"] for k in kinds],
        width,
        label="F1, answerable questions",
    )
    by_kind.bar(
        [p + width / 2 for p in positions],
        [report.by_kind[k]["no_answer_accuracy"] for k in kinds],
        width,
        label="no-answer accuracy (%)",
    )
    by_kind.set_xticks(list(positions))
    by_kind.set_xticklabels(
        [f"{k} (n={n})" for k, n in zip(kinds, counts, strict=True)],
        fontsize=8,
        rotation=45,
        ha="right",
    )
    by_kind.set_ylim(0, 100)
    by_kind.set_title(f"By question kind (overall F1 {report.f1:.1f})")
    by_kind.legend(fontsize=8)
    latencies = [result.latency_ms for result in results]
    latency.hist(latencies, bins=40, color="gray")
    latency.axvline(report.latency_p50_ms, color="black", linestyle="--", label="p50")
    latency.axvline(report.latency_p95_ms, color="red", linestyle=":", label="p95")
    latency.set_xlabel("answer latency (ms)")
    latency.set_ylabel("questions")
    latency.set_title(
        f"Latency: p50 {report.latency_p50_ms:.0f} ms, p95 {report.latency_p95_ms:.0f} ms"
    )
    latency.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
