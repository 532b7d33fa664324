"""Fit the built-in reader's span scorer and answer/abstain model on the SQuAD 2.0 fit pool.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/fit_reader.py ../shared/eval/squad2_fit_pool.json

Only the fit pool is read here (never the evaluation subset). The span scorer is a linear
model trained with a softmax over each question's candidate spans (targets weighted by each
span's F1 against the gold answers); the answer/abstain model is a logistic regression on
question-level features, trained on span scores from models fitted on the other articles
(article-level cross-fitting), so its confidence is calibrated for unseen articles. The
threshold is the lowest whose cross-fitted no-answer accuracy on the pool reaches 80%.
Output: qa/reader_weights.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from qa import QA, Settings
from qa.evaluation import f1_score, load_squad
from qa.question import Question, analyse_question
from qa.reader import RuleReader, answerability_features
from qa.scoring import DEFAULT_WEIGHTS_FILE, LinearModel, ReaderModels, TreeEnsemble

logger = logging.getLogger("fit_reader")

FloatArray = npt.NDArray[np.floating]


@dataclass
class Collected:
    """Every candidate of every question, as a sparse feature table."""

    names: dict[str, int] = field(default_factory=dict)
    values: list[float] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    row_starts: list[int] = field(default_factory=lambda: [0])
    row_f1: list[float] = field(default_factory=list)
    row_question: list[int] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    contexts: list[dict[str, float]] = field(default_factory=list)
    answerable: list[bool] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)

    def add_row(self, question_number: int, features: dict[str, float], f1: float) -> None:
        for name, value in features.items():
            if value == 0.0:
                continue
            column = self.names.setdefault(name, len(self.names))
            self.columns.append(column)
            self.values.append(value)
        self.row_starts.append(len(self.values))
        self.row_f1.append(f1)
        self.row_question.append(question_number)

    def save(self, path: Path) -> None:
        """Keep the collected table so that refitting needs no second pass over the pool."""
        np.savez_compressed(
            path.with_suffix(".npz"),
            values=np.array(self.values, dtype=np.float32),
            columns=np.array(self.columns, dtype=np.int32),
            row_starts=np.array(self.row_starts, dtype=np.int64),
            row_f1=np.array(self.row_f1),
            row_question=np.array(self.row_question, dtype=np.int64),
        )
        meta = {
            "names": self.names,
            "questions": [q.text for q in self.questions],
            "contexts": self.contexts,
            "answerable": self.answerable,
            "articles": self.articles,
        }
        path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Collected:
        arrays = np.load(path.with_suffix(".npz"))
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return cls(
            names=meta["names"],
            values=arrays["values"].tolist(),
            columns=arrays["columns"].tolist(),
            row_starts=arrays["row_starts"].tolist(),
            row_f1=arrays["row_f1"].tolist(),
            row_question=arrays["row_question"].tolist(),
            questions=[analyse_question(text) for text in meta["questions"]],
            contexts=meta["contexts"],
            answerable=meta["answerable"],
            articles=meta["articles"],
        )

    def dense(self, min_rows: int) -> tuple[FloatArray, list[str]]:
        """The table with the features seen in at least ``min_rows`` candidates, and their names."""
        columns = np.array(self.columns, dtype=np.int64)
        counts = np.bincount(columns, minlength=len(self.names))
        kept = np.flatnonzero(counts >= min_rows)
        position = np.full(len(self.names), -1, dtype=np.int64)
        position[kept] = np.arange(len(kept))
        by_column = {column: name for name, column in self.names.items()}
        table = np.zeros((len(self.row_f1), len(kept)), dtype=np.float32)
        values = np.array(self.values, dtype=np.float32)
        starts = np.array(self.row_starts, dtype=np.int64)
        rows = np.repeat(np.arange(len(self.row_f1)), np.diff(starts))
        mask = position[columns] >= 0
        table[rows[mask], position[columns[mask]]] = values[mask]
        return table, [by_column[int(column)] for column in kept]


def collect(qa: QA, reader: RuleReader, path: Path, work: Path, limit: int | None) -> Collected:
    corpus = load_squad(path, work)
    data = Collected()
    started = time.perf_counter()
    for number, item in enumerate(corpus.questions[:limit]):
        question = analyse_question(item.question)
        passages = qa.retrieve(item.question)
        reading = reader.reading(question, passages)
        data.questions.append(question)
        data.contexts.append(reading.context)
        data.answerable.append(item.answerable)
        data.articles.append(item.article)
        for option in reading.options:
            text = reader.documents[option.sentence.doc_id].text[option.start : option.end]
            f1 = max((f1_score(text, gold) for gold in item.answers), default=0.0)
            data.add_row(len(data.questions) - 1, option.features, f1)
        if (number + 1) % 500 == 0:
            logger.info(
                "%d/%d questions, %.0f s",
                number + 1,
                len(corpus.questions),
                time.perf_counter() - started,
            )
    return data


def fit_span_model(
    table: FloatArray,
    groups: npt.NDArray[np.int64],
    f1: FloatArray,
    rows: npt.NDArray[np.bool_],
    l2: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Softmax-over-candidates linear model; returns (weights, means, scales)."""
    x_all = table[rows]
    means = x_all.mean(axis=0)
    scales = x_all.std(axis=0)
    scales[scales < 1e-6] = 1.0
    x = torch.tensor((x_all - means) / scales, dtype=torch.float32)
    group = torch.tensor(groups[rows], dtype=torch.int64)
    _, group = torch.unique(group, return_inverse=True)
    count = int(group.max().item()) + 1
    target = torch.tensor(f1[rows], dtype=torch.float32) ** 2
    totals = torch.zeros(count).index_add_(0, group, target)
    target = target / totals[group].clamp_min(1e-9)
    weights = torch.zeros(x.shape[1], requires_grad=True)
    optimiser = torch.optim.LBFGS([weights], max_iter=300, line_search_fn="strong_wolfe")

    def loss_fn() -> torch.Tensor:
        optimiser.zero_grad()
        scores = x @ weights
        top = torch.full((count,), -1e9).scatter_reduce(0, group, scores, "amax")
        shifted = scores - top[group]
        log_norm = torch.log(torch.zeros(count).index_add_(0, group, torch.exp(shifted)))
        log_prob = shifted - log_norm[group]
        loss = -(target * log_prob).sum() / count + l2 * (weights**2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimiser.step(loss_fn)  # type: ignore[no-untyped-call]
    return weights.detach().numpy().astype(np.float64), means, scales


def span_scores(table: FloatArray, model: tuple[FloatArray, FloatArray, FloatArray]) -> FloatArray:
    weights, means, scales = model
    result: FloatArray = ((table - means) / scales) @ weights
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", type=Path, help="the SQuAD 2.0 fit pool (never the eval subset)")
    parser.add_argument("--work-dir", type=Path, default=Path("data/fit"))
    parser.add_argument("--output", type=Path, default=DEFAULT_WEIGHTS_FILE)
    parser.add_argument("--sentences-parsed", type=int, default=5)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--limit", type=int, help="use only the first N questions (a dry run)")
    parser.add_argument(
        "--no-answer-target",
        type=float,
        default=0.8,
        help="abstain on at least this share of the pool's unanswerable questions (default 0.8)",
    )
    parser.add_argument("--min-rows", type=int, default=100, help="rarest feature kept")
    parser.add_argument("--answer-model", choices=["linear", "trees"], default="linear")
    parser.add_argument(
        "--reuse", action="store_true", help="refit from the table a previous run collected"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # One thread: on a shared, busy machine torch's extra threads only wait for each other.
    torch.set_num_threads(1)
    if "dev_subset" in args.pool.name:
        raise SystemExit("refusing to fit on the evaluation subset")

    work = args.work_dir / args.pool.stem
    cache = work / "collected"
    if args.reuse:
        data = Collected.load(cache)
    else:
        documents = load_squad(args.pool, work).documents_dir
        qa = QA(Settings(index_dir=work / "index", documents=(documents,)))
        qa.update([documents])
        qa.warm_up()
        empty = LinearModel((), (), (), (), 0.0)
        placeholder = ReaderModels(empty, empty, 0.5, args.sentences_parsed)
        reader = RuleReader(
            qa.index.documents, qa.analyzer, embedder=qa.embedder, models=placeholder
        )
        data = collect(qa, reader, args.pool, work, args.limit)
        data.save(cache)
    table, names = data.dense(args.min_rows)
    groups = np.array(data.row_question, dtype=np.int64)
    f1 = np.array(data.row_f1, dtype=np.float64)
    question_count = len(data.questions)
    best_f1 = np.zeros(question_count)
    np.maximum.at(best_f1, groups, f1)
    answerable = np.array(data.answerable)
    logger.info(
        "%d candidates, %d features; oracle answerable F1 %.1f",
        len(f1),
        len(names),
        100 * best_f1[answerable].mean(),
    )
    articles = sorted(set(data.articles))
    folds = [articles[i::3] for i in range(3)]
    article_of = np.array(data.articles)
    out_of_fold = np.zeros(len(f1))
    for fold in folds:
        held = np.isin(article_of[groups], fold)
        train = ~held & (best_f1[groups] > 0)
        if not train.any() or not held.any():
            continue
        model = fit_span_model(table, groups, f1, train, args.l2)
        out_of_fold[held] = span_scores(table[held], model)
    answer_rows, answer_labels, answer_f1 = _answerability_rows(
        data, table, names, groups, f1, out_of_fold
    )
    feature_names = sorted({name for row in answer_rows for name in row})
    matrix = np.array([[row.get(n, 0.0) for n in feature_names] for row in answer_rows])
    question_articles = np.array(data.articles)
    probability = np.zeros(question_count)
    for fold in folds:
        held_questions = np.isin(question_articles, fold)
        if held_questions.all() or not held_questions.any():
            continue
        fold_model = _fit_answerable(
            matrix[~held_questions],
            answer_labels[~held_questions],
            feature_names,
            args.answer_model,
        )
        probability[held_questions] = [
            fold_model.probability(row)
            for row, held in zip(answer_rows, held_questions, strict=True)
            if held
        ]
    threshold, figures = _best_threshold(probability, answer_f1, answerable, args.no_answer_target)
    for candidate_threshold in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        answer = probability >= candidate_threshold
        logger.info(
            "threshold %.2f: F1 %.1f, answerable F1 %.1f, no-answer accuracy %.1f",
            candidate_threshold,
            100 * np.where(answerable, np.where(answer, answer_f1, 0.0), ~answer).mean(),
            100 * np.where(answer, answer_f1, 0.0)[answerable].mean(),
            100 * (~answer)[~answerable].mean(),
        )
    logger.info("cross-fitted pool figures at threshold %.2f: %s", threshold, figures)
    final = fit_span_model(table, groups, f1, best_f1[groups] > 0, args.l2)
    span_model = LinearModel.fitted(
        names, final[0].tolist(), final[1].tolist(), final[2].tolist(), 0.0
    )
    answer_model = _fit_answerable(matrix, answer_labels, feature_names, args.answer_model)
    models = ReaderModels(
        span=span_model,
        answerable=answer_model,
        abstain_below=threshold,
        sentences_parsed=args.sentences_parsed,
        about={
            "fitted_on": args.pool.name,
            "questions": question_count,
            "articles": articles,
            "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cross_fitted_pool_figures": figures,
            "script": "scripts/fit_reader.py",
            "threshold_rule": (
                f"lowest confidence threshold with cross-fitted no-answer accuracy >= "
                f"{args.no_answer_target:.0%} on the fit pool"
            ),
        },
    )
    args.output.write_text(json.dumps(models.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {figures}")
    return 0


def _answerability_rows(
    data: Collected,
    table: FloatArray,
    names: list[str],
    groups: npt.NDArray[np.int64],
    f1: FloatArray,
    scores: FloatArray,
) -> tuple[list[dict[str, float]], npt.NDArray[np.int64], FloatArray]:
    rows: list[dict[str, float]] = []
    labels = np.zeros(len(data.questions), dtype=np.int64)
    chosen_f1 = np.zeros(len(data.questions))
    starts = np.searchsorted(groups, np.arange(len(data.questions)), side="left")
    ends = np.searchsorted(groups, np.arange(len(data.questions)), side="right")
    for number, question in enumerate(data.questions):
        start, end = int(starts[number]), int(ends[number])
        question_scores = scores[start:end].tolist()
        best_features = None
        if question_scores:
            best = start + int(np.argmax(scores[start:end]))
            best_features = {names[c]: float(table[best, c]) for c in np.flatnonzero(table[best])}
            chosen_f1[number] = f1[best]
        rows.append(
            answerability_features(question, data.contexts[number], question_scores, best_features)
        )
        labels[number] = int(data.answerable[number] and chosen_f1[number] >= 0.5)
    return rows, labels, chosen_f1


def _fit_answerable(
    matrix: FloatArray, labels: npt.NDArray[np.int64], names: list[str], kind: str
) -> LinearModel | TreeEnsemble:
    if kind == "trees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        boosted = HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=0,
        )
        boosted.fit(matrix, labels)
        return _export_trees(boosted, names)
    from sklearn.linear_model import LogisticRegression

    means, scales = matrix.mean(axis=0), matrix.std(axis=0)
    scales[scales < 1e-6] = 1.0
    classifier = LogisticRegression(C=1.0, max_iter=3000)
    classifier.fit((matrix - means) / scales, labels)
    return LinearModel.fitted(
        names,
        classifier.coef_[0].tolist(),
        means.tolist(),
        scales.tolist(),
        float(classifier.intercept_[0]),
    )


def _export_trees(boosted: Any, names: list[str]) -> TreeEnsemble:
    """Copy a fitted HistGradientBoostingClassifier's trees into plain lists."""
    trees = []
    for (predictor,) in boosted._predictors:
        nodes = predictor.nodes
        trees.append(
            {
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": nodes["num_threshold"].astype(float).tolist(),
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "value": nodes["value"].astype(float).tolist(),
                "leaf": nodes["is_leaf"].astype(int).tolist(),
            }
        )
    baseline = float(np.ravel(boosted._baseline_prediction)[0])
    return TreeEnsemble(names=tuple(names), baseline=baseline, trees=tuple(trees))


def _best_threshold(
    probability: FloatArray,
    chosen_f1: FloatArray,
    answerable: npt.NDArray[np.bool_],
    no_answer_target: float,
) -> tuple[float, dict[str, float]]:
    """The lowest threshold whose no-answer accuracy reaches the target (most answers kept).

    Overall F1 on the pool is nearly flat around the optimum, so among the thresholds that
    abstain on at least ``no_answer_target`` of the unanswerable questions, the lowest keeps
    the most right answers for a small cost in F1.
    """
    chosen = 0.95
    for threshold in np.arange(0.05, 0.95, 0.01):
        if (probability < threshold)[~answerable].mean() >= no_answer_target:
            chosen = float(threshold)
            break
    answer = probability >= chosen
    total = np.where(answerable, np.where(answer, chosen_f1, 0.0), ~answer).mean()
    figures = {
        "f1": round(100 * float(total), 2),
        "answerable_f1": round(100 * float(np.where(answer, chosen_f1, 0.0)[answerable].mean()), 2),
        "no_answer_accuracy": round(100 * float((~answer)[~answerable].mean()), 2),
        "answerable_f1_if_always_answering": round(100 * float(chosen_f1[answerable].mean()), 2),
    }
    return round(chosen, 2), figures


if __name__ == "__main__":
    sys.exit(main())
