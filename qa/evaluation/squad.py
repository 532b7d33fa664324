"""Evaluation on SQuAD 2.0 files: retrieval recall, EM/F1, abstention, calibration, latency."""

from __future__ import annotations

import collections
import json
import logging
import re
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.confidence import HIGH_CONFIDENCE, high_confidence_line
from qa.evaluation.curve import Scored
from qa.pipeline import QA
from qa.types import Answer

logger = logging.getLogger(__name__)


def normalize_answer(text: str) -> str:
    """Official SQuAD normalisation: lower-case, drop punctuation and articles, squash spaces."""
    text = text.lower()
    text = "".join(char for char in text if char not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the normalised strings are equal."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    """Token-level F1 between the normalised strings (official SQuAD definition)."""
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(gold).split()
    if not predicted or not expected:
        return float(predicted == expected)
    common = collections.Counter(predicted) & collections.Counter(expected)
    shared = sum(common.values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class EvalQuestion:
    """One question of the evaluation file."""

    qid: str
    question: str
    answers: tuple[str, ...]
    article: str
    doc_id: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class EvalCorpus:
    """Paragraphs written as documents, and the questions over them."""

    documents_dir: Path
    questions: tuple[EvalQuestion, ...]


def load_squad(path: Path, work_dir: Path) -> EvalCorpus:
    """Write every paragraph of a SQuAD 2.0 file as a text document; collect its questions.

    Args:
        path: The SQuAD-format JSON file.
        work_dir: Folder for the paragraph files (reused across runs).

    Returns:
        The folder of documents and the questions.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    documents_dir = work_dir / "documents"
    documents_dir.mkdir(parents=True, exist_ok=True)
    questions: list[EvalQuestion] = []
    wanted: set[str] = set()
    for article_number, article in enumerate(data["data"]):
        title = str(article.get("title", f"article{article_number}"))
        for paragraph_number, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{article_number:03d}_{paragraph_number:03d}"
            file_path = documents_dir / f"{doc_id}.txt"
            wanted.add(file_path.name)
            if (
                not file_path.exists()
                or file_path.read_text(encoding="utf-8") != paragraph["context"]
            ):
                file_path.write_text(paragraph["context"], encoding="utf-8")
            for qa_item in paragraph["qas"]:
                answers = (
                    ()
                    if qa_item.get("is_impossible")
                    else tuple(dict.fromkeys(answer["text"] for answer in qa_item["answers"]))
                )
                questions.append(
                    EvalQuestion(str(qa_item["id"]), qa_item["question"], answers, title, doc_id)
                )
    for stale in documents_dir.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()
    return EvalCorpus(documents_dir=documents_dir, questions=tuple(questions))


@dataclass(frozen=True)
class QuestionResult:
    """How the system did on one question."""

    qid: str
    article: str
    kind: str
    answerable: bool
    abstained: bool
    prediction: str
    confidence: float
    exact: float
    f1: float
    retrieved_rank: int | None
    latency_ms: float
    quote_answer: bool = False


@dataclass(frozen=True)
class EvalReport:
    """Figures over a set of questions (see ``summarise``)."""

    questions: int
    answerable: int
    unanswerable: int
    recall_at_1: float
    recall_at_5: float
    exact: float
    f1: float
    has_answer_f1: float
    has_answer_exact: float
    no_answer_accuracy: float
    latency_p50_ms: float
    latency_p95_ms: float
    expected_calibration_error: float
    high_confidence: tuple[int, int] = (0, 0)
    reliability: list[dict[str, float]] = field(default_factory=list)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    by_article: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_answer(answer: Answer, question: EvalQuestion) -> tuple[float, float]:
    """(exact, f1) of an answer; an unanswerable question scores 1 only on abstention."""
    if not question.answerable:
        return (1.0, 1.0) if answer.abstained else (0.0, 0.0)
    if answer.abstained:
        return 0.0, 0.0
    return (
        max(exact_match(answer.text, gold) for gold in question.answers),
        max(f1_score(answer.text, gold) for gold in question.answers),
    )


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def reliability_table(results: Sequence[QuestionResult], bins: int = 10) -> list[dict[str, float]]:
    """Confidence bins of the answers given, against how often they were right (F1 >= 0.5)."""
    answered = [r for r in results if not r.abstained]
    table = []
    for number in range(bins):
        low, high = number / bins, (number + 1) / bins
        members = [
            r
            for r in answered
            if low <= r.confidence < high or (number == bins - 1 and r.confidence == 1.0)
        ]
        if members:
            table.append(
                {
                    "low": low,
                    "high": high,
                    "count": float(len(members)),
                    "mean_confidence": _mean([r.confidence for r in members]),
                    "accuracy": _mean([float(r.f1 >= 0.5) for r in members]),
                }
            )
    return table


def summarise(results: Sequence[QuestionResult]) -> EvalReport:
    """Aggregate per-question results into the report ``qa eval`` prints."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    latencies = [r.latency_ms for r in results]
    table = reliability_table(results)
    sure = [r for r in results if not r.abstained and r.confidence >= HIGH_CONFIDENCE]
    answered = sum(row["count"] for row in table)
    ece = (
        sum(
            row["count"] / answered * abs(row["accuracy"] - row["mean_confidence"]) for row in table
        )
        if answered
        else 0.0
    )

    def group(key: Callable[[QuestionResult], str]) -> dict[str, dict[str, float]]:
        groups: dict[str, list[QuestionResult]] = collections.defaultdict(list)
        for result in results:
            groups[key(result)].append(result)
        return {
            name: {
                "questions": float(len(members)),
                "f1": 100 * _mean([m.f1 for m in members]),
                "has_answer_f1": 100 * _mean([m.f1 for m in members if m.answerable]),
                "no_answer_accuracy": 100 * _mean([m.f1 for m in members if not m.answerable]),
            }
            for name, members in sorted(groups.items())
        }

    return EvalReport(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        recall_at_1=_mean([float(r.retrieved_rank == 0) for r in results]),
        recall_at_5=_mean(
            [float(r.retrieved_rank is not None and r.retrieved_rank < 5) for r in results]
        ),
        exact=100 * _mean([r.exact for r in results]),
        f1=100 * _mean([r.f1 for r in results]),
        has_answer_f1=100 * _mean([r.f1 for r in answerable]),
        has_answer_exact=100 * _mean([r.exact for r in answerable]),
        no_answer_accuracy=100 * _mean([r.f1 for r in unanswerable]),
        latency_p50_ms=float(np.percentile(latencies, 50)) if latencies else 0.0,
        latency_p95_ms=float(np.percentile(latencies, 95)) if latencies else 0.0,
        expected_calibration_error=float(ece),
        high_confidence=(
            sum(r.f1 >= 0.5 for r in sure),
            len(sure),
        ),
        reliability=table,
        by_kind=group(lambda r: r.kind),
        by_article=group(lambda r: r.article),
    )


def evaluate(
    qa: QA,
    questions: Sequence[EvalQuestion],
    progress: Callable[[int, int], None] | None = None,
) -> list[QuestionResult]:
    """Ask every question and score it.

    Args:
        qa: A pipeline over the evaluation corpus.
        questions: The questions to ask.
        progress: Called with (done, total) after each question.

    Returns:
        One result per question.
    """
    from qa.question import analyse_question

    qa.warm_up()
    results = []
    retriever_depth = max(5, qa.settings.top_k)
    for number, question in enumerate(questions):
        started = time.perf_counter()
        answer = qa.answer(question.question)
        latency_ms = 1000 * (time.perf_counter() - started)
        passages = qa.retrieve(question.question, k=retriever_depth)
        ranks = [i for i, passage in enumerate(passages) if passage.doc_id == question.doc_id]
        exact, f1 = score_answer(answer, question)
        results.append(
            QuestionResult(
                qid=question.qid,
                article=question.article,
                kind=analyse_question(question.question).kind,
                answerable=question.answerable,
                abstained=answer.abstained,
                prediction=answer.text,
                confidence=answer.confidence,
                exact=exact,
                f1=f1,
                retrieved_rank=ranks[0] if ranks else None,
                latency_ms=latency_ms,
                quote_answer=answer.joined,
            )
        )
        if progress is not None:
            progress(number + 1, len(questions))
    return results


def scored_squad(results: Sequence[QuestionResult]) -> list[Scored]:
    """The results as ``curve`` items (score: F1), from a run answering every question."""
    return [
        Scored(
            answerable=r.answerable,
            score=r.f1 if r.answerable else 0.0,
            confidence=r.confidence,
            answered=not r.abstained,
            quote=r.quote_answer,
        )
        for r in results
    ]


def format_report(report: EvalReport) -> str:
    """The human-readable figures ``qa eval`` prints."""
    lines = [
        f"questions            {report.questions} ({report.answerable} answerable, "
        f"{report.unanswerable} unanswerable)",
        f"paragraph recall@1   {report.recall_at_1:.3f}",
        f"paragraph recall@5   {report.recall_at_5:.3f}",
        f"exact match          {report.exact:.1f}",
        f"F1                   {report.f1:.1f}",
        f"answerable F1 / EM   {report.has_answer_f1:.1f} / {report.has_answer_exact:.1f}",
        f"no-answer accuracy   {report.no_answer_accuracy:.1f}%",
        f"latency p50 / p95    {report.latency_p50_ms:.1f} ms / {report.latency_p95_ms:.1f} ms",
        f"calibration (ECE)    {report.expected_calibration_error:.3f}",
        high_confidence_line(*report.high_confidence),
        "reliability (answers given): confidence bin -> mean confidence, accuracy (F1>=0.5), n",
    ]
    for row in report.reliability:
        lines.append(
            f"  [{row['low']:.1f}, {row['high']:.1f})  {row['mean_confidence']:.2f}  "
            f"{row['accuracy']:.2f}  {int(row['count'])}"
        )
    lines.append("by question kind: n, F1, answerable F1, no-answer accuracy")
    for kind, row in report.by_kind.items():
        lines.append(
            f"  {kind:<9} {int(row['questions']):>5}  {row['f1']:5.1f}  "
            f"{row['has_answer_f1']:5.1f}  {row['no_answer_accuracy']:5.1f}"
        )
    lines.append("by article: n, F1, answerable F1, no-answer accuracy")
    for article, row in report.by_article.items():
        lines.append(
            f"  {article[:30]:<30} {int(row['questions']):>5}  {row['f1']:5.1f}  "
            f"{row['has_answer_f1']:5.1f}  {row['no_answer_accuracy']:5.1f}"
        )
    return "\n".join(lines)
