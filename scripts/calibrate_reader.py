"""Fit the span reader's confidence and abstain threshold on pool articles it was not trained on.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/calibrate_reader.py \
        ../shared/eval/squad2_fit_pool.json            # writes qa/reader_model/calibration.json

Indexes the paragraphs of the calibration articles (those ``scripts/train_reader.py`` keeps out
of training) as one corpus, asks each question through the product's retriever and reader,
and fits a logistic model from the reader's scores to "the best answer is right" (F1 >= 0.5;
any answer to an unanswerable question is wrong). The threshold is the one with the best
overall SQuAD 2.0 F1 on those questions. Prints the curve of answers kept against no-answer
accuracy. Never reads the report subset.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_reader import CALIBRATION_ARTICLES

from qa import QA, Settings
from qa.evaluation import f1_score, load_squad
from qa.span_model import CALIBRATION_FILE, DEFAULT_READER_MODEL, FEATURES

logger = logging.getLogger("calibrate_reader")


@dataclass(frozen=True)
class Row:
    article: str
    answerable: bool
    features: tuple[float, ...] | None
    f1: float


def collect(qa: QA, questions: Sequence[object], limit: int | None) -> list[Row]:
    rows: list[Row] = []
    chosen = list(questions)[:limit] if limit else list(questions)
    for number, item in enumerate(chosen):
        passages = qa.retrieve(item.question)  # type: ignore[attr-defined]
        reading = qa.reader.reading(item.question, passages)  # type: ignore[attr-defined]
        answers = item.answers  # type: ignore[attr-defined]
        if reading.places:
            place = reading.places[0]
            text = qa.index.documents[place.passage.doc_id].text[place.start : place.end]
            f1 = max((f1_score(text, gold) for gold in answers), default=0.0)
            features: tuple[float, ...] | None = tuple(reading.features[n] for n in FEATURES)
        else:
            f1, features = 0.0, None
        rows.append(Row(item.article, bool(answers), features, f1))  # type: ignore[attr-defined]
        if (number + 1) % 200 == 0:
            logger.info("%d/%d questions read", number + 1, len(chosen))
    return rows


def overall_f1(rows: Sequence[Row], probabilities: np.ndarray, threshold: float) -> float:
    total = 0.0
    for row, probability in zip(rows, probabilities, strict=True):
        answered = row.features is not None and probability >= threshold
        if answered:
            total += row.f1 if row.answerable else 0.0
        else:
            total += 0.0 if row.answerable else 1.0
    return 100.0 * total / len(rows)


def curve(rows: Sequence[Row], probabilities: np.ndarray) -> list[dict[str, float]]:
    points = []
    for threshold in np.round(np.arange(0.05, 0.96, 0.05), 2):
        answered = np.array(
            [
                r.features is not None and p >= threshold
                for r, p in zip(rows, probabilities, strict=True)
            ]
        )
        answerable = np.array([r.answerable for r in rows])
        f1 = np.array([r.f1 for r in rows])
        points.append(
            {
                "threshold": float(threshold),
                "answers_kept": float(answered.mean()),
                "no_answer_accuracy": float((~answered[~answerable]).mean()),
                "answerable_f1": float(100 * (f1 * answered)[answerable].mean()),
                "overall_f1": overall_f1(rows, probabilities, float(threshold)),
            }
        )
    return points


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", type=Path)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_READER_MODEL)
    parser.add_argument("--work-dir", type=Path, default=Path("data/calibration"))
    parser.add_argument("--limit", type=int, help="ask at most this many questions")
    parser.add_argument(
        "--focus-chars",
        type=int,
        default=Settings().reader_focus_chars,
        help="characters of each passage read (default: the product's setting)",
    )
    parser.add_argument("--first-passages", type=int, default=Settings().reader_first_passages)
    parser.add_argument("--early-margin", type=float, default=Settings().reader_early_margin)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if "dev_subset" in args.pool.name:
        raise SystemExit("refusing to calibrate on the report subset")
    from sklearn.linear_model import LogisticRegression

    data = json.loads(args.pool.read_text(encoding="utf-8"))
    data["data"] = [a for a in data["data"] if a["title"] in CALIBRATION_ARTICLES]
    args.work_dir.mkdir(parents=True, exist_ok=True)
    subset = args.work_dir / "calibration_articles.json"
    subset.write_text(json.dumps(data), encoding="utf-8")
    corpus = load_squad(subset, args.work_dir)
    # Fit from the uncalibrated reader: a calibration file already there must not shape it.
    stale = args.model_dir / CALIBRATION_FILE
    if stale.exists():
        stale.unlink()
    qa = QA(
        Settings(
            index_dir=args.work_dir / "index",
            documents=(corpus.documents_dir,),
            reader="neural",
            reader_model_path=args.model_dir,
            reader_focus_chars=args.focus_chars,
            reader_first_passages=args.first_passages,
            reader_early_margin=args.early_margin,
        )
    )
    qa.update([corpus.documents_dir])
    rows = collect(qa, corpus.questions, args.limit)
    fitted = [r for r in rows if r.features is not None]
    x = np.array([r.features for r in fitted])
    y = np.array([r.answerable and r.f1 >= 0.5 for r in fitted], dtype=int)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    probabilities = np.zeros(len(rows))
    probabilities[[i for i, r in enumerate(rows) if r.features is not None]] = model.predict_proba(
        x
    )[:, 1]
    points = curve(rows, probabilities)
    best = max(points, key=lambda p: p["overall_f1"])
    print("threshold  answers kept  no-answer acc  answerable F1  overall F1")
    for point in points:
        mark = "  <- chosen" if point is best else ""
        print(
            f"  {point['threshold']:.2f}      {point['answers_kept']:.3f}        "
            f"{100 * point['no_answer_accuracy']:.1f}%         "
            f"{point['answerable_f1']:.1f}         {point['overall_f1']:.1f}{mark}"
        )
    calibration = {
        "features": list(FEATURES),
        "weights": [float(w) for w in model.coef_[0]],
        "bias": float(model.intercept_[0]),
        "threshold": best["threshold"],
        "fitted_on": {
            "file": args.pool.name,
            "articles": list(CALIBRATION_ARTICLES),
            "questions": len(rows),
            "label": "best span F1 >= 0.5 against the gold answers (unanswerable: never right)",
            "threshold_rule": "best overall SQuAD 2.0 F1 over thresholds 0.05..0.95",
        },
        "reading": {
            "focus_chars": args.focus_chars,
            "first_passages": args.first_passages,
            "early_margin": args.early_margin,
        },
        "curve": points,
        "script": "scripts/calibrate_reader.py",
    }
    (args.model_dir / CALIBRATION_FILE).write_text(json.dumps(calibration, indent=2) + "\n")
    print(f"wrote {args.model_dir / CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
