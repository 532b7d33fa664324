"""Follow-up questions: pronouns and elliptical questions resolved from earlier turns."""

from __future__ import annotations

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
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


# A story nobody has published: a takeover bid, and a follow-up whose "it" is the answer.
TAKEOVER = """Miner faces hostile bid

Quorvane Holdings has made a hostile takeover bid for the Tasmanian miner Kestrel Resources.
Quorvane is offering 4.10 dollars a share, which values Kestrel at 2.3 billion dollars.
Kestrel's board told shareholders to reject the offer, saying it undervalued the company's
nickel mines near Zeehan. The bid closes on 30 June.
"""


@pytest.fixture(scope="module")
def takeover_qa(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> QA:
    folder = tmp_path_factory.mktemp("takeover-docs")
    (folder / "takeover.txt").write_text(TAKEOVER, encoding="utf-8")
    qa = QA(
        Settings(index_dir=tmp_path_factory.mktemp("takeover-index"), documents=(folder,)),
        embedder=embedder,
    )
    qa.warm_up()
    return qa


def test_it_means_the_company_the_last_answer_named(takeover_qa: QA) -> None:
    first = takeover_qa.answer("Which company made the hostile takeover bid for Kestrel?")
    assert not first.abstained and "Quorvane" in first.text
    history = [
        {"role": "user", "content": first.question},
        {"role": "assistant", "content": first.text},
    ]
    answer = takeover_qa.answer("How much per share is it offering?", history=history)
    assert "Quorvane" in answer.resolved_question
    assert "Kestrel" not in answer.resolved_question
    assert not answer.abstained
    assert "4.10" in answer.text
    assert TAKEOVER[answer.citations[0].start : answer.citations[0].end] == answer.text
