"""Fit the confidence and abstain threshold of quote answers ("What did X say about Y?").

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/calibrate_quotes.py  # writes the quote calibration

Quote questions are rare in SQuAD, but the training files hold a few hundred that the question
analysis routes to quote attribution ("What did Thoreau claim about the majority?"), each with
its gold answer. This script takes them from the training files and the fitting pool (never
the report subset, the news set or the seed article), indexes their articles (one document per
article, paragraphs kept apart by blank lines) and asks each through the product's retriever
and quote reader. It adds, for each of them, the same speaker asked about the topic of a quote
question from another article ("What did Thoreau say about Beyonce's voice?"), which the
documents do not answer: the speaker said something, but not about that. A quote answer is
right when the sentence of one of the statements it quotes holds, or overlaps, the place of the
gold answer (SQuAD answers are short phrases, often inside what the speaker said); any answer to
a question the documents do not answer is wrong.

A logistic model from the reading's features (``QUOTE_FEATURES``) to "right" is fitted with the
questions weighted 70% answerable, 30% not (as for the span reader's mix, see
``scripts/calibrate_reader.py``), and the threshold is the lowest at which the answers given
are right at least 80% of the time (``calibration_rule.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_rule import RULE, THRESHOLDS, fit_and_write
from train_reader import load_squad_file

from qa import QA, Settings
from qa.question import analyse_question
from qa.readers.calibration import Calibration
from qa.readers.quotes.reader import QUOTE_CALIBRATION, QUOTE_FEATURES

logger = logging.getLogger("calibrate_quotes")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SOURCES = (
    "train/squad11_train.json.gz",
    "train/squad2_dev_more.json.gz",
    "train/squadshifts_new_wiki.json.gz",
    "train/squadshifts_reddit.json.gz",
    "train/squadshifts_amazon.json.gz",
    "eval/squad2_fit_pool.json",
)
MIX = {"answerable": 0.70, "unanswerable": 0.30}
# Articles longer than this many paragraphs (a Reddit dump) become one document a paragraph.
MAX_PARAGRAPHS_PER_DOCUMENT = 80
_BETWEEN = "\n\n"
_ABOUT = re.compile(r"\babout\s+(?P<topic>[^?]+?)\s*\??\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class QuoteQuestion:
    question: str
    gold: tuple[tuple[int, int], ...]  # the gold answers' places in the document's text
    document: str  # file name of the document holding them
    article: str
    kind: str  # answerable, unanswerable (SQuAD 2.0), other_topic (made here)


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


def gather(shared: Path, documents: Path) -> list[QuoteQuestion]:
    """Quote questions of the training files; their articles written to ``documents``."""
    documents.mkdir(parents=True, exist_ok=True)
    found: list[QuoteQuestion] = []
    for source_number, relative in enumerate(SOURCES):
        for article_number, article in enumerate(load_squad_file(shared / relative)):
            paragraphs = article["paragraphs"]
            asked = [
                (number, qa)
                for number, paragraph in enumerate(paragraphs)
                for qa in paragraph["qas"]
                if analyse_question(qa["question"].strip()).kind == "say"
            ]
            if not asked:
                continue
            name = f"{source_number}_{article_number:04d}"
            # Where each paragraph starts in the document that holds it.
            starts: dict[int, tuple[str, int]] = {}
            if len(paragraphs) <= MAX_PARAGRAPHS_PER_DOCUMENT:
                offset = 0
                for number, paragraph in enumerate(paragraphs):
                    starts[number] = (f"{name}.txt", offset)
                    offset += len(paragraph["context"]) + len(_BETWEEN)
                text = _BETWEEN.join(p["context"] for p in paragraphs)
                (documents / f"{name}.txt").write_text(text, encoding="utf-8")
            else:
                for number in {number for number, _ in asked}:
                    starts[number] = (f"{name}_{number:04d}.txt", 0)
                    (documents / f"{name}_{number:04d}.txt").write_text(
                        paragraphs[number]["context"], encoding="utf-8"
                    )
            for number, qa in asked:
                document, start = starts[number]
                gold = tuple(
                    (
                        start + int(a["answer_start"]),
                        start + int(a["answer_start"]) + len(a["text"]),
                    )
                    for a in qa.get("answers") or []
                )
                impossible = bool(qa.get("is_impossible")) or not gold
                found.append(
                    QuoteQuestion(
                        qa["question"].strip(),
                        () if impossible else gold,
                        document,
                        name,
                        "unanswerable" if impossible else "answerable",
                    )
                )
    return found


def other_topics(questions: list[QuoteQuestion], seed: int) -> list[QuoteQuestion]:
    """Each answerable question's speaker, asked about another article's quote topic."""
    rng = random.Random(seed)
    topics = [
        (q.article, match.group("topic"))
        for q in questions
        if (match := _ABOUT.search(q.question)) is not None
    ]
    made: list[QuoteQuestion] = []
    for question in questions:
        speaker = analyse_question(question.question).speaker
        if question.kind != "answerable" or not speaker:
            continue
        article, topic = rng.choice(topics)
        while article == question.article:
            article, topic = rng.choice(topics)
        made.append(
            QuoteQuestion(f"What did {speaker} say about {topic}?", (), "", "", "other_topic")
        )
    return made


def collect(qa: QA, questions: Sequence[QuoteQuestion]) -> list[Row]:
    """Ask every question through the retriever and the quote reader, answering always."""
    always = Calibration(
        weights=(0.0,) * len(QUOTE_FEATURES), bias=0.0, threshold=0.0, features=QUOTE_FEATURES
    )
    reader = qa.quote_reader(always)
    rows = []
    for number, item in enumerate(questions):
        question = analyse_question(item.question)
        passages = qa.retrieve(item.question)
        reading = reader.reading(question, passages)
        answer = reader.answer(question, passages, reading)
        # Right: the sentence of a statement quoted holds, or overlaps, where the gold answer
        # stands (SQuAD's answers are short phrases, often inside what the speaker said).
        right = not answer.abstained and any(
            Path(citation.source_path).name == item.document
            and citation.sentence_span.start < end
            and start < citation.sentence_span.end
            for citation in answer.citations
            for start, end in item.gold
        )
        rows.append(
            Row(
                item.question,
                "answerable" if item.gold else item.kind,
                dict(reading.features) if reading.chosen else None,
                answer.text,
                right,
            )
        )
        if (number + 1) % 100 == 0:
            logger.info("%d/%d questions read", number + 1, len(questions))
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
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--work-dir", type=Path, default=Path("data/quote_calibration"))
    parser.add_argument("--out", type=Path, default=QUOTE_CALIBRATION)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    documents = args.work_dir / "documents"
    questions = gather(args.shared, documents)
    questions += other_topics(questions, args.seed)
    cache = args.work_dir / "rows.json"
    if cache.is_file() and json.loads(cache.read_text())["questions"] == len(questions):
        rows = [Row(**row) for row in json.loads(cache.read_text())["rows"]]
    else:
        qa = QA(Settings(index_dir=args.work_dir / "index", documents=(documents,)))
        qa.update([documents])
        rows = collect(qa, questions)
        cache.write_text(
            json.dumps({"questions": len(questions), "rows": [asdict(r) for r in rows]})
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
                "files": list(SOURCES),
                "questions": kinds,
                "mix": MIX,
                "label": "a quoted statement's sentence holds or overlaps the gold answer's "
                "place (unanswerable: never right)",
                "threshold_rule": RULE,
            },
            "script": "scripts/calibrate_quotes.py",
        },
        args.out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
