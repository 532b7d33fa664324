"""Fit the span reader's confidence and abstain threshold on SQuAD and news questions alike.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/make_unanswerables.py \
        --squad ../shared/eval/squad2_fit_pool.json --limit 2000 --out data/calibration/made_up.json
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/calibrate_reader.py \
        ../shared/eval/squad2_fit_pool.json --made-up data/calibration/made_up.json \
        --news ../shared/eval/news_train/news_fit.json   # writes qa/reader_model/calibration.json

Indexes the paragraphs of the calibration articles (the pool articles ``scripts/train_reader.py``
keeps out of training) as one corpus and asks these groups of questions through the product's
retriever and reader:

- ``answerable``: the calibration articles' answerable questions;
- ``adversarial``: their SQuAD 2.0 unanswerable questions, written to look answerable from the
  paragraph they were written on;
- ``made_up``: made-up unanswerables over them (``scripts/make_unanswerables.py``: an
  answerable question with its key entity, number or date swapped for another of the same
  kind from the article, so that the paragraph no longer answers it);
- ``not_covered``: questions of the other pool articles, whose answers are in no indexed
  document;

and, over the news fitting set's own documents, its factoid (``news_answerable``) and
unanswerable (``news_unanswerable``) questions. The groups are weighted to the shares of
``MIX`` whatever their sizes: half answerable and half not, as in SQuAD 2.0, with news a quarter
of each half, so that one confidence means the same on encyclopaedia text and on news. A
logistic model from the reader's scores and the answer check's features
(``qa.readers.span.check``) to "the best answer is right" (F1 >= 0.5; the news set's rule for
news; any answer to an unanswerable question is wrong) is fitted on that weighted mix. The
threshold is chosen for what users ask (``USE_RULE``: 70% answerable, 30% not). Prints the curve of
answers kept against no-answer accuracy on the mix, and each unanswerable group's refusals at
the chosen point. Never reads the report subset, ``news_check`` or ``news_dev``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_rule import THRESHOLDS, fit_and_write
from train_reader import CALIBRATION_ARTICLES

from qa import QA, Settings
from qa.evaluation.news import load_news, span_counts
from qa.evaluation.squad import EvalQuestion, f1_score, load_squad
from qa.question import analyse_question
from qa.readers.span.check import CHECK_FEATURES
from qa.readers.span.model import CALIBRATION_FILE, DEFAULT_READER_MODEL, FEATURES, MODEL_FILE

logger = logging.getLogger("calibrate_reader")

# Shares of the question mix the confidence is fitted and the threshold chosen on: half
# answerable and half not, as in SQuAD 2.0, from the SQuAD calibration articles and the news
# fitting set alike (groups a run does not have are left out, the rest scaled to 1).
MIX = {
    "answerable": 0.35,
    "news_answerable": 0.15,
    "adversarial": 0.20,
    "made_up": 0.10,
    "not_covered": 0.10,
    "news_unanswerable": 0.10,
}
ANSWERABLE_GROUPS = frozenset({"answerable", "news_answerable"})
# Sets that are reported on: fitting on them would make their figures meaningless.
REPORT_SETS = ("news_check", "news_dev", "squad2_dev_subset", "seed_examples")
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
        return self.group in ANSWERABLE_GROUPS


def collect(
    qa: QA,
    questions: Sequence[tuple[str, EvalQuestion]],
    right: Callable[[str, EvalQuestion], float] | None = None,
) -> list[Row]:
    """Read every question through the retriever and reader; score the best span.

    Args:
        qa: The pipeline over the questions' documents.
        questions: (group, question) pairs.
        right: Scores an answer text against a question, 0..1 (default: the best SQuAD F1
            against its gold answers).
    """
    rows: list[Row] = []
    reader = qa.span_reader
    for number, (group, item) in enumerate(questions):
        passages = qa.retrieve(item.question)
        reading = reader.reading(item.question, passages)
        if reading.places:
            place = reading.places[0]
            text = qa.index.documents[place.passage.doc_id].text[place.start : place.end]
            if right is not None:
                f1 = right(text, item)
            else:
                f1 = max((f1_score(text, gold) for gold in item.answers), default=0.0)
            features: dict[str, float] | None = reader.features(
                analyse_question(item.question), reading
            )
        else:
            text, f1, features = "", 0.0, None
        rows.append(Row(group, item.article, item.question, features, text, f1))
        if (number + 1) % 200 == 0:
            logger.info("%d/%d questions read", number + 1, len(questions))
    return rows


def weights_for(rows: Sequence[Row], mix: dict[str, float]) -> np.ndarray:
    """Each row's weight, so that each group carries its ``mix`` share of the total.

    They average 1, so the regularisation of the fit weighs as it would unweighted.
    """
    sizes = {group: sum(r.group == group for r in rows) for group in mix}
    return np.array([len(rows) * mix[r.group] / sizes[r.group] for r in rows])


def points(
    rows: Sequence[Row], probabilities: np.ndarray, mix: dict[str, float]
) -> list[dict[str, float]]:
    """Figures at each threshold, on the weighted mix and for each group."""
    weights = weights_for(rows, mix)
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
        for group in mix:
            members = np.array([r.group == group for r in rows])
            if group in ANSWERABLE_GROUPS:
                point[f"{group}_right"] = float((right & answered)[members].mean())
            else:
                point[f"{group}_refused"] = float((~answered[members]).mean())
        result.append(point)
    return result


# What users ask, as we read it: mostly what their documents say.
USE = {"answerable": 0.70, "unanswerable": 0.30}
USE_RULE = (
    "the threshold (0.05..0.95) that handles the most of what users ask right: 70% "
    "answerable questions answered right, 30% unanswerable ones refused, each side the mean "
    "of its groups (SQuAD and news alike); the middle of a plateau (0.002)"
)


def best_for_use(points: Sequence[dict[str, float]]) -> dict[str, float]:
    """The point of ``USE_RULE``."""

    def handled(point: dict[str, float]) -> float:
        right = [v for k, v in point.items() if k.endswith("_right")]
        refused = [v for k, v in point.items() if k.endswith("_refused")]
        return USE["answerable"] * float(np.mean(right)) + USE["unanswerable"] * float(
            np.mean(refused)
        )

    best = max(handled(p) for p in points)
    tied = [p for p in points if handled(p) >= best - 0.002]
    return tied[(len(tied) - 1) // 2]


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


def _made_up(path: Path) -> list[tuple[str, EvalQuestion]]:
    """Made-up unanswerables (``scripts/make_unanswerables.py``) over the calibration
    articles: asked against the same corpus, none may be answered."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        ("made_up", EvalQuestion(str(q["id"]), str(q["question"]), (), article["title"], ""))
        for article in data["data"]
        if article["title"] in CALIBRATION_ARTICLES
        for paragraph in article["paragraphs"]
        for q in paragraph["qas"]
    ]


def _news(path: Path) -> list[tuple[str, EvalQuestion]]:
    """A news questions file's factoid and unanswerable questions (quotes have their own
    reader and calibration)."""
    chosen = []
    for item in load_news(path):
        if item.conversation or item.kind not in ("factoid", "unanswerable"):
            continue
        group = "news_answerable" if item.kind == "factoid" else "news_unanswerable"
        question = item.turns[-1]
        chosen.append((group, EvalQuestion(item.item_id, question, item.gold, "news", "")))
    return chosen


def _read(
    work_dir: Path,
    name: str,
    documents_dir: Path,
    questions: Sequence[tuple[str, EvalQuestion]],
    args: argparse.Namespace,
    right: Callable[[str, EvalQuestion], float] | None = None,
) -> list[Row]:
    """The questions read over their documents (an index of their own), cached by model."""
    reading = {"first_passages": args.first_passages, "early_margin": args.early_margin}
    cache = work_dir / f"rows-{name}.json"
    key = _model_key(args.model_dir, reading, len(questions))
    cached = json.loads(cache.read_text()) if cache.is_file() else {}
    if cached.get("key") == key:
        logger.info("read %d %s readings from %s", len(cached["rows"]), name, cache)
        return [Row(**row) for row in cached["rows"]]
    qa = QA(
        Settings(
            index_dir=work_dir / f"index-{name}",
            documents=(documents_dir,),
            reader_model_path=args.model_dir,
            reader_first_passages=args.first_passages,
            reader_early_margin=args.early_margin,
        )
    )
    qa.update([documents_dir])
    rows = collect(qa, questions, right)
    cache.write_text(json.dumps({"key": key, "rows": [asdict(r) for r in rows]}))
    return rows


def _news_right(text: str, item: EvalQuestion) -> float:
    return float(span_counts(text, list(item.answers), "factoid")) if item.answers else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", type=Path)
    parser.add_argument("--made-up", type=Path, help="made-up unanswerables (SQuAD format)")
    parser.add_argument("--news", type=Path, help="a news questions file to fit on too")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_READER_MODEL)
    parser.add_argument("--out", type=Path, help="calibration written (default: the model's)")
    parser.add_argument("--work-dir", type=Path, default=Path("data/calibration"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--first-passages", type=int, default=Settings().reader_first_passages)
    parser.add_argument("--early-margin", type=float, default=Settings().reader_early_margin)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for path in (args.pool, args.news):
        if path is not None and any(name in path.name for name in REPORT_SETS):
            raise SystemExit(f"refusing to calibrate on a set that is reported on: {path}")
    pool = json.loads(args.pool.read_text(encoding="utf-8"))
    documents_dir, questions = _questions(pool, args.work_dir, args.seed)
    rows = _read(args.work_dir, "squad", documents_dir, questions, args)
    if args.made_up is not None:
        rows += _read(args.work_dir, "made_up", documents_dir, _made_up(args.made_up), args)
    if args.news is not None:
        news = _news(args.news)
        rows += _read(args.work_dir, "news", args.news.parent / "docs", news, args, _news_right)
    mix = {group: share for group, share in MIX.items() if any(r.group == group for r in rows)}
    total = sum(mix.values())
    mix = {group: share / total for group, share in mix.items()}
    counts = {group: sum(r.group == group for r in rows) for group in mix}
    names = (*FEATURES, *CHECK_FEATURES)
    best = fit_and_write(
        names,
        [[r.features[n] for n in names] if r.features else None for r in rows],
        [r.answerable and r.f1 >= 0.5 for r in rows],
        weights_for(rows, mix),
        lambda probability: points(rows, probability, mix),
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
                "files": [args.pool.name]
                + ([args.made_up.name] if args.made_up else [])
                + ([args.news.name] if args.news else []),
                "articles": list(CALIBRATION_ARTICLES),
                "questions": counts,
                "mix": mix,
                "label": "best span F1 >= 0.5 against the gold answers (news: the answer holds "
                "a gold span); any answer to an unanswerable question is wrong",
                "threshold_rule": USE_RULE,
            },
            "reading": {"first_passages": args.first_passages, "early_margin": args.early_margin},
            "script": "scripts/calibrate_reader.py",
        },
        args.out or args.model_dir / CALIBRATION_FILE,
        choose=best_for_use,
    )
    refused = ", ".join(
        f"{group} refused {100 * best[f'{group}_refused']:.1f}%"
        for group in mix
        if f"{group}_refused" in best
    )
    print(f"at {best['threshold']:.2f}: {refused}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
