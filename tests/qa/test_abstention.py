"""Abstention: questions the documents do not answer get "I could not find this"."""

from __future__ import annotations

import pytest

from qa import QA
from qa.types import NO_ANSWER_TEXT


@pytest.mark.parametrize(
    "question",
    [
        "What is the population of Iran?",
        "Who won the football world cup in 1998?",
        "How many aircraft carriers does France have?",
    ],
)
def test_unanswerable_question_abstains_with_related_passages(seed_qa: QA, question: str) -> None:
    answer = seed_qa.answer(question)
    assert answer.abstained, f"answered {answer.text!r} at confidence {answer.confidence:.2f}"
    assert answer.text == NO_ANSWER_TEXT
    assert answer.citations == ()
    assert answer.related, "the closest passages are still offered"


def test_confidence_separates_answers_from_abstentions(seed_qa: QA) -> None:
    answered = seed_qa.answer("Who reported from Tehran for Al Jazeera?")
    refused = seed_qa.answer("What is the population of Iran?")
    assert not answered.abstained and refused.abstained
    assert answered.confidence > refused.confidence
