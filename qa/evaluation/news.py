"""Evaluation on a documents folder plus a questions file (quotes, factoids, unanswerables, chats).

The questions file holds ``questions`` (``id``, ``kind``: quote / factoid / unanswerable, ``q``,
``gold``: accepted spans) and ``conversations`` (``turns``, ``kinds``, ``gold`` per turn). An
answerable item counts when the answer holds a gold span as a whole-word sequence and is at most
40 words long (100 for quotes); an unanswerable one counts when the system abstains; a
conversation counts when its last turn does, asked after the earlier turns.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa.confidence import HIGH_CONFIDENCE, high_confidence_line
from qa.evaluation.curve import Scored
from qa.evaluation.squad import normalize_answer
from qa.pipeline import QA
from qa.types import Answer

logger = logging.getLogger(__name__)

__all__ = [
    "NewsItem",
    "NewsReport",
    "NewsResult",
    "evaluate_news",
    "format_news_report",
    "is_news_file",
    "load_news",
    "scored_news",
    "span_counts",
]

MAX_WORDS = 40
MAX_QUOTE_WORDS = 100


@dataclass(frozen=True)
class NewsItem:
    """A question, or a conversation whose last turn is scored."""

    item_id: str
    kind: str
    turns: tuple[str, ...]
    gold: tuple[str, ...]
    conversation: bool = False


@dataclass(frozen=True)
class NewsResult:
    """How the system did on one item."""

    item_id: str
    kind: str
    conversation: bool
    correct: bool
    abstained: bool
    prediction: str
    confidence: float
    latency_ms: float
    answerable: bool = True
    quote_answer: bool = False


@dataclass(frozen=True)
class NewsReport:
    """Counts per kind, and for conversations."""

    questions: int
    correct: int
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    conversations: tuple[int, int] = (0, 0)
    high_confidence: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_news_file(path: Path) -> bool:
    """True when ``path`` is a questions file of this format (not SQuAD)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "questions" in data and "data" not in data


def load_news(path: Path) -> list[NewsItem]:
    """The items of a questions file: its questions, then its conversations."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = [
        NewsItem(str(q["id"]), str(q["kind"]), (str(q["q"]),), tuple(q.get("gold") or ()))
        for q in data.get("questions", [])
    ]
    for chat in data.get("conversations", []):
        items.append(
            NewsItem(
                str(chat["id"]),
                str(chat["kinds"][-1]),
                tuple(chat["turns"]),
                tuple(chat["gold"][-1] or ()),
                conversation=True,
            )
        )
    return items


def span_counts(answer_text: str, gold: Sequence[str], kind: str) -> bool:
    """Whether an answer counts: it holds a gold span word for word and is short enough."""
    words = normalize_answer(answer_text).split()
    if not words or len(words) > (MAX_QUOTE_WORDS if kind == "quote" else MAX_WORDS):
        return False
    padded = f" {' '.join(words)} "
    return any(
        normalized and f" {normalized} " in padded
        for normalized in (normalize_answer(g) for g in gold)
    )


def _correct(answer: Answer, item: NewsItem) -> bool:
    if not item.gold:
        return answer.abstained
    return not answer.abstained and span_counts(answer.text, item.gold, item.kind)


def evaluate_news(qa: QA, items: Sequence[NewsItem]) -> list[NewsResult]:
    """Ask every item (a conversation's turns in order) and score its last answer."""
    qa.warm_up()
    results = []
    for item in items:
        # As in the chat page: each earlier question with the answer it got (none if refused).
        history: list[dict[str, str]] = []
        started, answer = time.perf_counter(), None
        for turn in item.turns:
            started = time.perf_counter()
            answer = qa.answer(turn, history=history)
            history.append({"role": "user", "content": turn})
            history.append(
                {"role": "assistant", "content": "" if answer.abstained else answer.text}
            )
        assert answer is not None
        results.append(
            NewsResult(
                item_id=item.item_id,
                kind=item.kind,
                conversation=item.conversation,
                correct=_correct(answer, item),
                abstained=answer.abstained,
                prediction=answer.text,
                confidence=answer.confidence,
                latency_ms=1000 * (time.perf_counter() - started),
                answerable=bool(item.gold),
                quote_answer=answer.joined,
            )
        )
    return results


def scored_news(results: Sequence[NewsResult]) -> list[Scored]:
    """The questions (not conversations) as ``curve`` items, from a run answering all."""
    return [
        Scored(
            answerable=r.answerable,
            score=float(r.correct) if r.answerable else 0.0,
            confidence=r.confidence,
            answered=not r.abstained,
            quote=r.quote_answer,
        )
        for r in results
        if not r.conversation
    ]


def summarise_news(results: Sequence[NewsResult]) -> NewsReport:
    """Correct out of asked, per kind (questions) and for the conversations."""
    questions = [r for r in results if not r.conversation]
    chats = [r for r in results if r.conversation]
    sure = [r for r in results if not r.abstained and r.confidence >= HIGH_CONFIDENCE]
    by_kind: dict[str, tuple[int, int]] = {}
    for result in questions:
        right, total = by_kind.get(result.kind, (0, 0))
        by_kind[result.kind] = (right + int(result.correct), total + 1)
    return NewsReport(
        questions=len(questions),
        correct=sum(r.correct for r in questions),
        by_kind=dict(sorted(by_kind.items())),
        conversations=(sum(r.correct for r in chats), len(chats)),
        high_confidence=(sum(r.correct for r in sure), len(sure)),
    )


def format_news_report(report: NewsReport, results: Sequence[NewsResult]) -> str:
    """The figures ``qa eval`` prints for a questions file, with every miss listed."""
    lines = [f"questions            {report.correct}/{report.questions}"]
    for kind, (right, total) in report.by_kind.items():
        lines.append(f"  {kind:<18} {right}/{total}")
    lines.append(f"conversations        {report.conversations[0]}/{report.conversations[1]}")
    lines.append(high_confidence_line(*report.high_confidence))
    misses = [r for r in results if not r.correct]
    if misses:
        lines.append("missed:")
        for miss in misses:
            shown = miss.prediction if len(miss.prediction) <= 90 else miss.prediction[:87] + "..."
            lines.append(f"  {miss.item_id} ({miss.kind}): {shown}")
    return "\n".join(lines)
