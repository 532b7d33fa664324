"""scripts/make_unanswerables.py on a tiny made-up SQuAD article."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from index.statements.english import load_english

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import make_unanswerables as mu

PARAGRAPHS = [
    (
        "Microsoft opened its first European office in London in 1982. The office was led by "
        "David Smith, who had joined the company from IBM.",
        [
            ("In what year did Microsoft open its office in London?", "1982"),
            ("Who led the office that Microsoft opened in London?", "David Smith"),
        ],
    ),
    (
        "Google moved its headquarters to Mountain View in 2003. Its founders, Larry Page and "
        "Sergey Brin, had met at Stanford University in 1995.",
        [
            ("When did Google move its headquarters to Mountain View?", "2003"),
            ("Where did Larry Page and Sergey Brin meet?", "Stanford University"),
        ],
    ),
    (
        "In 2010, Apple sold fifteen million iPads in the United States. Steve Jobs presented "
        "the device in San Francisco.",
        [
            ("How many iPads did Apple sell in the United States in 2010?", "fifteen million"),
            ("Where did Steve Jobs present the device?", "San Francisco"),
        ],
    ),
]


def _article() -> dict[str, Any]:
    paragraphs = []
    for number, (context, questions) in enumerate(PARAGRAPHS):
        qas = [
            {
                "id": f"tech_p{number}_q{index}",
                "question": question,
                "answers": [{"text": answer, "answer_start": context.index(answer)}],
                "is_impossible": False,
            }
            for index, (question, answer) in enumerate(questions)
        ]
        paragraphs.append({"context": context, "qas": qas})
    return {"title": "Technology_companies", "paragraphs": paragraphs}


@pytest.fixture(scope="module")
def made() -> tuple[dict[str, Any], list[mu.MadeQuestion], Any]:
    nlp = mu.fast_english(load_english())
    article = _article()
    return article, mu.make_unanswerables([article], nlp, limit=100, seed=0), nlp


def test_made_questions_differ_from_the_originals_only_by_the_swapped_entity(made) -> None:
    article, questions, _ = made
    originals = {qa["id"]: qa for p in article["paragraphs"] for qa in p["qas"]}
    assert len(questions) >= 3
    for item in questions:
        entry = item.to_squad()
        old, new, _label = entry["swap"]
        original = originals[entry["made_from"]]["question"]
        assert entry["question"] != original
        assert original.replace(old, new) == entry["question"]
        assert entry["answers"] == [] and entry["is_impossible"] is True


def test_swapped_in_entity_has_the_same_label_and_is_not_in_the_answer_sentence(made) -> None:
    article, questions, nlp = made
    contexts = [p["context"] for p in article["paragraphs"]]
    found = {(e.text, e.label) for doc in nlp.pipe(contexts) for e in mu.entities(doc)}
    answers = {qa["id"]: qa["answers"][0] for p in article["paragraphs"] for qa in p["qas"]}
    for item in questions:
        _old, new, label = item.to_squad()["swap"]
        assert (new, label) in found
        answer = answers[item.made_from]
        context = contexts[item.paragraph]
        start = answer["answer_start"]
        sentence = next(s.text for s in nlp(context).sents if s.start_char <= start < s.end_char)
        assert sentence == item.answer_sentence
        assert new.lower() not in sentence.lower()
        assert new.lower() not in answer["text"].lower()


def test_ids_are_unique_and_paragraphs_are_kept(made) -> None:
    article, questions, _ = made
    data = mu.squad_json(questions, [article])["data"]
    qas = [qa for a in data for p in a["paragraphs"] for qa in p["qas"]]
    ids = [qa["id"] for qa in qas]
    assert len(ids) == len(set(ids)) == len(questions)
    assert len({qa["made_from"] for qa in qas}) == len(qas)
    originals = {p["context"] for p in article["paragraphs"]}
    assert all(p["context"] in originals for a in data for p in a["paragraphs"])
