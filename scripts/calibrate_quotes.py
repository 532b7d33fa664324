"""Fit the confidence and abstain threshold of quote answers ("What did X say about Y?") on news.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/calibrate_quotes.py  # writes the quote calibration

The fit uses the fitting half of the news training set only
(``../shared/eval/news_train/news_fit.json`` over its ``docs/``; never ``news_check.json``,
``news_dev`` or the seed article):

- positives: its quote questions, each right when the answer holds one of its gold fragments
  (the news set's own rule: a whole-word match, at most 100 words);
- negatives: its unanswerable items that ask for a statement ("What did X say about Y?"
  where X never spoke of Y), and each quote question's speaker asked about the topic of a
  quote question on another article ("What did Gordon Brown say about the crossover
  market?"), which the documents do not answer: any answer to them is wrong.

Every question goes through the product's retriever and quote reader, always answering, and a
logistic model of the reading's features (``QUOTE_FEATURES``) to "right" is fitted with the
questions weighted 70% answerable, 30% not (the span reader's mix,
``scripts/calibrate_reader.py``). The threshold is the one at which the most of that mix is
handled right: answerable questions answered right, the others refused
(``calibration_rule.most_accurate``). The span reader's rule (the lowest threshold at which
80% of the answers given are right) would answer nearly every quote question here, since the
answers given are mostly right at any threshold, and refuse few of those it should.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_rule import ACCURACY_RULE, THRESHOLDS, fit_and_write, most_accurate

from qa import QA, Settings
from qa.evaluation.news import span_counts
from qa.question import analyse_question
from qa.readers.calibration import Calibration
from qa.readers.quotes.reader import QUOTE_CALIBRATION, QUOTE_FEATURES

logger = logging.getLogger("calibrate_quotes")

ROOT = Path(__file__).resolve().parents[1]
FIT = ROOT.parent / "shared" / "eval" / "news_train" / "news_fit.json"
MIX = {"answerable": 0.70, "unanswerable": 0.30}
# Sets that are reported on: fitting on them would make their figures meaningless.
REPORT_SETS = ("news_check", "news_dev", "squad2_dev_subset", "seed_examples")


@dataclass(frozen=True)
class QuoteQuestion:
    question: str
    gold: tuple[str, ...]  # accepted fragments; empty: the documents do not answer it
    document: str  # the article it is about
    kind: str  # answerable, unanswerable (the set's), other_topic (made here)


@dataclass(frozen=True)
class Row:
    question: str
    kind: str
    features: dict[str, float] | None
    answer: str
    right: bool

    @property
    def answerable(self) -> bool:
        return self.kind == "answerable"


def gather(questions_file: Path) -> list[QuoteQuestion]:
    """The set's quote questions, and its unanswerable items that ask for a statement."""
    data = json.loads(questions_file.read_text(encoding="utf-8"))
    found = []
    for item in data["questions"]:
        document = item["doc"] if isinstance(item["doc"], str) else item["doc"][0]
        asks_statement = analyse_question(item["q"]).kind == "say"
        if item["kind"] == "quote":
            found.append(QuoteQuestion(item["q"], tuple(item["gold"]), document, "answerable"))
        elif item["kind"] == "unanswerable" and asks_statement:
            found.append(QuoteQuestion(item["q"], (), document, "unanswerable"))
    return found


def other_topics(questions: list[QuoteQuestion], seed: int) -> list[QuoteQuestion]:
    """Each answerable question's speaker, asked about another article's quote topic."""
    rng = random.Random(seed)
    topics = []
    for question in questions:
        analysed = analyse_question(question.question)
        about = question.question.lower().rsplit(" about ", 1)
        if analysed.kind == "say" and len(about) == 2:
            topics.append((question.document, about[1].rstrip("?").strip()))
    made: list[QuoteQuestion] = []
    for question in questions:
        speaker = analyse_question(question.question).speaker
        if question.kind != "answerable" or not speaker:
            continue
        document, topic = rng.choice(topics)
        while document == question.document:
            document, topic = rng.choice(topics)
        made.append(QuoteQuestion(f"What did {speaker} say about {topic}?", (), "", "other_topic"))
    return made


def collect(qa: QA, questions: Sequence[QuoteQuestion]) -> list[Row]:
    """Ask every question through the retriever and the quote reader, answering always."""
    always = Calibration(
        weights=(0.0,) * len(QUOTE_FEATURES), bias=0.0, threshold=0.0, features=QUOTE_FEATURES
    )
    reader = qa.quote_reader(always)
    rows = []
    for item in questions:
        question = analyse_question(item.question)
        passages = qa.retrieve(item.question)
        reading = reader.reading(question, passages)
        answer = reader.answer(question, passages, reading)
        right = bool(item.gold) and not answer.abstained
        right = right and span_counts(answer.text, item.gold, "quote")
        rows.append(
            Row(
                item.question,
                item.kind,
                dict(reading.features) if reading.chosen else None,
                answer.text,
                right,
            )
        )
    return rows


def weights_for(rows: Sequence[Row]) -> np.ndarray:
    """Each row's weight, so that answerable and other questions carry their ``MIX`` shares."""
    sizes = {True: sum(r.answerable for r in rows), False: sum(not r.answerable for r in rows)}
    shares = {True: MIX["answerable"], False: MIX["unanswerable"]}
    return np.array([shares[r.answerable] / sizes[r.answerable] for r in rows])


def curve(rows: Sequence[Row], probabilities: np.ndarray) -> list[dict[str, float]]:
    answerable = np.array([r.answerable for r in rows])
    weights = weights_for(rows)
    right = np.array([r.right for r in rows])
    has = np.array([r.features is not None for r in rows])
    points = []
    for threshold in THRESHOLDS:
        answered = has & (probabilities >= threshold)
        points.append(
            {
                "threshold": float(threshold),
                "answers_kept": float(np.average(answered, weights=weights)),
                "precision": (
                    float(np.average(right[answered], weights=weights[answered]))
                    if answered.any()
                    else 1.0
                ),
                "answerable_right": float((right & answered)[answerable].mean()),
                "no_answer_accuracy": float((~answered)[~answerable].mean()),
            }
        )
    return points


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=FIT)
    parser.add_argument("--documents", type=Path, help="default: docs/ beside the questions")
    parser.add_argument("--work-dir", type=Path, default=Path("data/quote_calibration"))
    parser.add_argument("--out", type=Path, default=QUOTE_CALIBRATION)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if any(name in args.questions.name for name in REPORT_SETS):
        raise SystemExit(f"refusing to calibrate on a set that is reported on: {args.questions}")
    documents = args.documents or args.questions.parent / "docs"
    questions = gather(args.questions)
    questions += other_topics(questions, args.seed)
    qa = QA(Settings(index_dir=args.work_dir / "index", documents=(documents,)))
    qa.update([documents])
    rows = collect(qa, questions)
    (args.work_dir / "rows.json").write_text(
        json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8"
    )
    kinds = {
        kind: sum(r.kind == kind for r in rows)
        for kind in ("answerable", "unanswerable", "other_topic")
    }
    logger.info(
        "questions: %s; answered right when always answering: %d", kinds, sum(r.right for r in rows)
    )
    fit_and_write(
        QUOTE_FEATURES,
        [[r.features[n] for n in QUOTE_FEATURES] if r.features else None for r in rows],
        [r.right for r in rows],
        weights_for(rows),
        lambda probability: curve(rows, probability),
        [
            ("threshold", lambda p: f"{p['threshold']:.2f}"),
            ("answers kept", lambda p: f"{p['answers_kept']:.3f}"),
            ("right when given", lambda p: f"{100 * p['precision']:.1f}%"),
            ("answerable right", lambda p: f"{100 * p['answerable_right']:.1f}%"),
            ("no-answer acc", lambda p: f"{100 * p['no_answer_accuracy']:.1f}%"),
        ],
        {
            "fitted_on": {
                "file": args.questions.name,
                "questions": kinds,
                "mix": MIX,
                "label": "the answer holds a gold fragment (the news set's rule: whole words, "
                "at most 100 words); a question the documents do not answer is never right",
                "threshold_rule": ACCURACY_RULE,
            },
            "script": "scripts/calibrate_quotes.py",
        },
        args.out,
        choose=lambda points: most_accurate(points, MIX),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
