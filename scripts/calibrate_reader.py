"""Fit the span reader's confidence and abstain threshold on a question mix that looks like use.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/calibrate_reader.py \
        ../shared/eval/squad2_fit_pool.json            # writes qa/reader_model/calibration.json

Indexes the paragraphs of the calibration articles (the pool articles ``scripts/train_reader.py``
keeps out of training) as one corpus and asks three groups of questions through the product's
retriever and reader:

- ``answerable``: the calibration articles' answerable questions;
- ``not_covered``: questions of the other pool articles, whose answers are in no indexed
  document (what most unanswerable questions of this product's users are);
- ``adversarial``: the calibration articles' SQuAD 2.0 unanswerable questions, written to look
  answerable from the paragraph they were written on.

Users ask mostly answerable questions, so the groups are weighted to the shares of ``MIX``
(70% answerable, 20% not covered, 10% adversarial) whatever their sizes. A logistic model from
the reader's scores to "the best answer is right" (F1 >= 0.5; any answer to an unanswerable
question is wrong) is fitted on that weighted mix. The rule for the threshold: the lowest at
which the answers given on the mix are right at least ``PRECISION`` (80%) of the time, so that
an answer shown can be trusted four times in five; among thresholds that qualify it answers
the most. Prints the curve of answers kept against no-answer accuracy on the mix, and each
group's figures at the chosen point. Never reads the report subset.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_rule import RULE, THRESHOLDS, fit_and_write
from train_reader import CALIBRATION_ARTICLES

from qa import QA, Settings
from qa.evaluation.squad import EvalQuestion, f1_score, load_squad
from qa.readers.span.model import CALIBRATION_FILE, DEFAULT_READER_MODEL, FEATURES, MODEL_FILE

logger = logging.getLogger("calibrate_reader")

# Shares of the question mix the confidence is fitted and the threshold chosen on.
MIX = {"answerable": 0.70, "not_covered": 0.20, "adversarial": 0.10}
NOT_COVERED_QUESTIONS = 800


@dataclass(frozen=True)
class Row:
    """One question read: its group, the reading's features (None: no span) and its F1."""

    group: str
    article: str
    question: str
    features: dict[str, float] | None
    prediction: str
    f1: float

    @property
    def answerable(self) -> bool:
        return self.group == "answerable"


def collect(qa: QA, questions: Sequence[tuple[str, EvalQuestion]]) -> list[Row]:
    """Read every question through the retriever and reader; score the best span."""
    rows: list[Row] = []
    reader = qa.span_reader
    for number, (group, item) in enumerate(questions):
        passages = qa.retrieve(item.question)
        reading = reader.reading(item.question, passages)  # type: ignore[attr-defined]
        if reading.places:
            place = reading.places[0]
            text = qa.index.documents[place.passage.doc_id].text[place.start : place.end]
            f1 = max((f1_score(text, gold) for gold in item.answers), default=0.0)
            features: dict[str, float] | None = dict(reading.features)
        else:
            text, f1, features = "", 0.0, None
        rows.append(Row(group, item.article, item.question, features, text, f1))
        if (number + 1) % 200 == 0:
            logger.info("%d/%d questions read", number + 1, len(questions))
    return rows


def weights_for(rows: Sequence[Row]) -> np.ndarray:
    """Each row's weight, so that each group carries its ``MIX`` share of the total.

    They average 1, so the regularisation of the fit weighs as it would unweighted.
    """
    sizes = {group: sum(r.group == group for r in rows) for group in MIX}
    return np.array([len(rows) * MIX[r.group] / sizes[r.group] for r in rows])


def points(rows: Sequence[Row], probabilities: np.ndarray) -> list[dict[str, float]]:
    """Figures at each threshold, on the weighted mix and for each group."""
    weights = weights_for(rows)
    answerable = np.array([r.answerable for r in rows])
    f1 = np.array([r.f1 for r in rows])
    has_span = np.array([r.features is not None for r in rows])
    result = []
    for threshold in THRESHOLDS:
        answered = has_span & (probabilities >= threshold)
        # Per question: its F1 if answerable and answered, 1 if unanswerable and refused.
        score = np.where(answerable, f1 * answered, ~answered)
        unanswerable = ~answerable
        right = answerable & (f1 >= 0.5)
        point = {
            "threshold": float(threshold),
            "answers_kept": float(np.average(answered, weights=weights)),
            "precision": (
                float(np.average(right[answered], weights=weights[answered]))
                if answered.any()
                else 1.0
            ),
            "no_answer_accuracy": float(
                np.average(~answered[unanswerable], weights=weights[unanswerable])
            ),
            "answerable_f1": float(100 * (f1 * answered)[answerable].mean()),
            "overall_f1": float(100 * np.average(score, weights=weights)),
        }
        for group in ("not_covered", "adversarial"):
            members = np.array([r.group == group for r in rows])
            point[f"{group}_refused"] = float((~answered[members]).mean())
        result.append(point)
    return result


def _model_key(model_dir: Path, reading: dict[str, float | int], questions: int) -> str:
    digest = hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest()[:16]
    return f"{digest}-{json.dumps(reading, sort_keys=True)}-{questions}"


def _questions(
    pool: dict[str, object], work_dir: Path, seed: int
) -> tuple[Path, list[tuple[str, EvalQuestion]]]:
    """The calibration corpus and the (group, question) pairs asked against it."""
    articles = pool["data"]
    assert isinstance(articles, list)
    calibration = {**pool, "data": [a for a in articles if a["title"] in CALIBRATION_ARTICLES]}
    others = {**pool, "data": [a for a in articles if a["title"] not in CALIBRATION_ARTICLES]}
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "calibration_articles.json").write_text(json.dumps(calibration), encoding="utf-8")
    (work_dir / "other_articles.json").write_text(json.dumps(others), encoding="utf-8")
    corpus = load_squad(work_dir / "calibration_articles.json", work_dir / "corpus")
    outside = load_squad(work_dir / "other_articles.json", work_dir / "outside")
    chosen: list[tuple[str, EvalQuestion]] = [
        ("answerable" if q.answerable else "adversarial", q) for q in corpus.questions
    ]
    sample = random.Random(seed).sample(list(outside.questions), NOT_COVERED_QUESTIONS)
    # Their answers are in no indexed document: nothing they ask for may be answered.
    chosen += [("not_covered", EvalQuestion(q.qid, q.question, (), q.article, "")) for q in sample]
    return corpus.documents_dir, chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", type=Path)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_READER_MODEL)
    parser.add_argument("--work-dir", type=Path, default=Path("data/calibration"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--first-passages", type=int, default=Settings().reader_first_passages)
    parser.add_argument("--early-margin", type=float, default=Settings().reader_early_margin)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if "dev_subset" in args.pool.name:
        raise SystemExit("refusing to calibrate on the report subset")
    pool = json.loads(args.pool.read_text(encoding="utf-8"))
    documents_dir, questions = _questions(pool, args.work_dir, args.seed)
    reading = {"first_passages": args.first_passages, "early_margin": args.early_margin}
    cache = args.work_dir / "rows.json"
    key = _model_key(args.model_dir, reading, len(questions))
    cached = json.loads(cache.read_text()) if cache.is_file() else {}
    if cached.get("key") == key:
        rows = [Row(**row) for row in cached["rows"]]
        logger.info("read %d questions' readings from %s", len(rows), cache)
    else:
        # Fit from the uncalibrated reader: a calibration file already there must not shape it.
        stale = args.model_dir / CALIBRATION_FILE
        if stale.exists():
            stale.unlink()
        qa = QA(
            Settings(
                index_dir=args.work_dir / "index",
                documents=(documents_dir,),
                reader_model_path=args.model_dir,
                reader_first_passages=args.first_passages,
                reader_early_margin=args.early_margin,
            )
        )
        qa.update([documents_dir])
        rows = collect(qa, questions)
        cache.write_text(json.dumps({"key": key, "rows": [asdict(r) for r in rows]}))
    counts = {group: sum(r.group == group for r in rows) for group in MIX}
    best = fit_and_write(
        FEATURES,
        [[r.features[n] for n in FEATURES] if r.features else None for r in rows],
        [r.answerable and r.f1 >= 0.5 for r in rows],
        weights_for(rows),
        lambda probability: points(rows, probability),
        [
            ("threshold", lambda p: f"{p['threshold']:.2f}"),
            ("answers kept", lambda p: f"{p['answers_kept']:.3f}"),
            ("right when given", lambda p: f"{100 * p['precision']:.1f}%"),
            ("no-answer acc", lambda p: f"{100 * p['no_answer_accuracy']:.1f}%"),
            ("answerable F1", lambda p: f"{p['answerable_f1']:.1f}"),
            ("overall F1", lambda p: f"{p['overall_f1']:.1f}"),
        ],
        {
            "fitted_on": {
                "file": args.pool.name,
                "articles": list(CALIBRATION_ARTICLES),
                "questions": counts,
                "mix": MIX,
                "label": "best span F1 >= 0.5 against the gold answers (unanswerable: never right)",
                "threshold_rule": RULE,
            },
            "reading": reading,
            "script": "scripts/calibrate_reader.py",
        },
        args.model_dir / CALIBRATION_FILE,
    )
    print(
        f"at {best['threshold']:.2f}: not-covered questions refused "
        f"{100 * best['not_covered_refused']:.1f}%, adversarial refused "
        f"{100 * best['adversarial_refused']:.1f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
