"""Answers over the seed article: the right words, exact citations, honest abstention."""

from __future__ import annotations

import json

import pytest

from qa import QA, EmptyQuestionError
from tests.conftest import SEED_FILE, SHARED_EVAL
from tests.qa.test_seed_examples import KNOWN_MISSES

SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
LARIJANI_STATEMENTS = (
    "That discussion on Wednesday was positive",
    "Iran remains in contact with “all sides” about a possible second round of US talks",
)


def _seed_questions() -> list[str]:
    path = SHARED_EVAL / "seed_examples.json"
    if not path.is_file():
        return ["What did Larijani say?", "Who is Ali Larijani?", "What did the US bomb in June?"]
    return [item["q"] for item in json.loads(path.read_text())["questions"]]


def _expected_answered(question: str) -> bool:
    """Whether the seed examples accept an answer the reader is known to give."""
    path = SHARED_EVAL / "seed_examples.json"
    if not path.is_file():
        return True  # the three fallback questions above are all answered
    accepted = {item["q"]: item["accepted"] for item in json.loads(path.read_text())["questions"]}
    return bool(accepted.get(question)) and question not in KNOWN_MISSES


def test_larijani_statement_with_citation(seed_qa: QA) -> None:
    answer = seed_qa.answer("What did Larijani say?")
    assert not answer.abstained
    quotes = [c.quote for c in answer.citations]
    assert set(quotes) == set(LARIJANI_STATEMENTS)
    for citation in answer.citations:
        assert citation.source_path == str(SEED_FILE)
        assert citation.doc_id == "000_0c4851bab53c4404"
    assert all(statement in answer.text for statement in LARIJANI_STATEMENTS)
    assert 0.0 <= answer.confidence <= 1.0


@pytest.mark.parametrize("question", _seed_questions())
def test_every_citation_quotes_the_source_exactly(seed_qa: QA, question: str) -> None:
    answer = seed_qa.answer(question)
    if _expected_answered(question):
        # Otherwise the loop below would check nothing.
        assert answer.citations, f"{question!r} should be answered with citations"
    for citation in answer.citations:
        assert SEED_TEXT[citation.start : citation.end] == citation.quote
        sentence, passage = citation.sentence_span, citation.passage_span
        assert SEED_TEXT[sentence.start : sentence.end] == citation.sentence
        assert SEED_TEXT[passage.start : passage.end] == citation.passage
        assert sentence.start <= citation.start < citation.end <= sentence.end
    if not answer.abstained:
        assert answer.text in SEED_TEXT or all(c.quote in answer.text for c in answer.citations)


@pytest.mark.parametrize("question", _seed_questions())
def test_clutter_is_never_cited(seed_qa: QA, question: str) -> None:
    answer = seed_qa.answer(question)
    evidence = [c.quote for c in answer.citations] + [c.passage for c in answer.citations]
    evidence += [p.text for p in answer.related]
    for clutter in ("Advertisement", "list 1 of 3", "end of list", "Related News", "Epstein"):
        assert not any(clutter in piece for piece in evidence)


def test_question_the_article_does_not_answer_abstains(seed_qa: QA) -> None:
    answer = seed_qa.answer("What did Angela Merkel say about Iran?")
    assert answer.abstained
    assert answer.citations == ()
    assert answer.related, "the closest passages are still offered as related"


def test_follow_up_resolves_the_pronoun(seed_qa: QA) -> None:
    answer = seed_qa.answer("What did he say?", history=["Who is Ali Larijani?"])
    assert "Larijani" in answer.resolved_question
    assert {c.quote for c in answer.citations} == set(LARIJANI_STATEMENTS)


def test_answer_serialises_to_json(seed_qa: QA) -> None:
    data = json.loads(seed_qa.answer("What did Larijani say?").to_json())
    assert {"question", "answer", "abstained", "confidence", "sentence", "citations"} <= set(data)
    assert data["citations"][0]["quote"] in SEED_TEXT


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_empty_question_is_refused(seed_qa: QA, question: str) -> None:
    with pytest.raises(EmptyQuestionError, match="the question is empty"):
        seed_qa.answer(question)
