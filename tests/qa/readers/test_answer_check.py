"""The answer check's features on small made-up passages: what the question is about must
stand where the answer does, and the answer must be of the kind asked for."""

from __future__ import annotations

from qa.question import analyse_question
from qa.readers.span.check import check_features
from tests.qa.fake_documents import FakeDocument

TRIAL = (
    "The court heard the case against Marek Dolan in March. "
    "Prosecutors said Dolan faces up to 20 years in prison. "
    "The judge will pass sentence next week."
)
MINISTERS = (
    "Germany's finance minister, Jonas Keller, met his French counterpart in Paris. "
    "The two men discussed the budget."
)


def _features(text: str, question: str, answer: str) -> dict[str, float]:
    document = FakeDocument(text, ". ", keep=1)
    start = text.index(answer)
    return check_features(
        analyse_question(question), document, start, start + len(answer), document.sentences
    )


def test_a_number_of_the_right_type_about_something_else_is_told_apart() -> None:
    # "20 years" is a number of years, but the sentence is about what he faces, not the
    # sentence he received: the question's "sentenced" and "received" are not there.
    asked = "How many years was Marek Dolan sentenced to?"
    wrong = _features(TRIAL, asked, "20 years")
    right = _features(
        TRIAL.replace("faces up to 20 years", "was sentenced to 12 years"), asked, "12 years"
    )
    assert wrong["type_fits"] == right["type_fits"] == 1.0
    assert wrong["question_words_in_sentence"] < right["question_words_in_sentence"]


def test_a_possessor_that_does_not_match_is_seen() -> None:
    france = _features(MINISTERS, "Who is France's finance minister?", "Jonas Keller")
    germany = _features(MINISTERS, "Who is Germany's finance minister?", "Jonas Keller")
    assert france["possessor_in_sentence"] == 0.0
    assert germany["possessor_in_sentence"] == 1.0


def test_an_answer_of_the_wrong_type_is_seen() -> None:
    when = _features(TRIAL, "When did the court hear the case?", "Marek Dolan")
    assert when["type_fits"] == 0.0
    assert _features(TRIAL, "When did the court hear the case?", "March")["type_fits"] == 1.0
    count = _features(TRIAL, "How many years does Dolan face?", "prison")
    assert count["type_fits"] == 0.0
    who = _features(TRIAL, "Who faces up to 20 years in prison?", "Marek Dolan")
    assert who["type_fits"] == 1.0


def test_an_answer_repeating_the_question_is_seen() -> None:
    repeated = _features(TRIAL, "What will the judge pass next week?", "The judge")
    assert repeated["answer_in_question"] == 1.0
    assert (
        _features(TRIAL, "What will the judge pass next week?", "sentence")["answer_in_question"]
        == 0.0
    )
