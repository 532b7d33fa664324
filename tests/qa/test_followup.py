"""Follow-up questions: pronouns and elliptical questions resolved from earlier turns."""

from __future__ import annotations

from qa import QA
from qa.followup import FollowUpResolver
from qa.nlp import Analyzer


def test_pronoun_takes_the_person_from_the_previous_question(seed_qa: QA) -> None:
    answer = seed_qa.answer("Which country did he visit?", history=["Who is Ali Larijani?"])
    assert "Larijani" in answer.resolved_question
    assert not answer.abstained
    assert answer.text == "Qatar"
    assert answer.citations[0].quote == "Qatar"


def test_elliptical_question_reuses_the_previous_one(seed_qa: QA) -> None:
    answer = seed_qa.answer("And Trump?", history=["What did Larijani say?"])
    assert answer.resolved_question == "What did Trump say?"
    assert not answer.abstained
    quotes = [citation.quote for citation in answer.citations]
    assert any(quote.startswith("Either we will make a deal") for quote in quotes)
    assert not any("discussion on Wednesday" in quote for quote in quotes)


def test_chat_messages_are_accepted_as_history(seed_qa: QA) -> None:
    history = [
        {"role": "user", "content": "Who is Ali Larijani?"},
        {"role": "assistant", "content": "another senior adviser to Supreme Leader"},
    ]
    answer = seed_qa.answer("What did he say?", history=history)
    assert "Larijani" in answer.resolved_question
    assert any("discussion on Wednesday" in c.quote for c in answer.citations)


def test_self_contained_question_is_left_alone() -> None:
    resolver = FollowUpResolver(Analyzer())
    question = "When did Trump speak to Axios?"
    assert resolver.resolve(question, ["Who is Ali Larijani?"]) == question
