"""Quote attribution: several speakers, pronoun and role-noun references, several statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings

ARTICLE = """Bridge to reopen in May, minister says

Transport Minister Jane Okafor said on Monday that the Harbour Bridge would reopen in May. \
"We have found the money to finish the repairs," she told reporters in Lagos.

The opposition leader, Tom Reyes, said the plan was reckless and rushed. "It will cost twice \
as much as they claim," Reyes added.

Okafor also said that tolls on the bridge would be dropped for the first year. The minister \
noted that repairs began in 2021 after engineers found cracks in two of the supports.

Local traders welcomed the news. Market association head Ade Bello told the Daily Star that \
business had fallen by half since the closure.
"""

OKAFOR = {
    "the Harbour Bridge would reopen in May",
    "We have found the money to finish the repairs",
    "tolls on the bridge would be dropped for the first year",
    "repairs began in 2021 after engineers found cracks in two of the supports",
}
REYES = {"the plan was reckless and rushed", "It will cost twice as much as they claim"}


@pytest.fixture(scope="module")
def bridge_qa(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> QA:
    folder = tmp_path_factory.mktemp("bridge-docs")
    (folder / "bridge.txt").write_text(ARTICLE, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("bridge-index")
    qa = QA(Settings(index_dir=index_dir, documents=(Path(folder),)), embedder=embedder)
    qa.warm_up()
    return qa


def test_every_statement_of_a_speaker_is_cited(bridge_qa: QA) -> None:
    answer = bridge_qa.answer("What did Okafor say?")
    assert not answer.abstained
    assert {citation.quote for citation in answer.citations} == OKAFOR
    for citation in answer.citations:
        assert ARTICLE[citation.start : citation.end] == citation.quote


def test_pronoun_and_role_noun_follow_the_right_speaker(bridge_qa: QA) -> None:
    quotes = {c.quote for c in bridge_qa.answer("What did Okafor say?").citations}
    # "she told reporters" and "The minister noted" are Okafor's ...
    assert "We have found the money to finish the repairs" in quotes
    assert "repairs began in 2021 after engineers found cracks in two of the supports" in quotes
    # ... but a sentence whose subject names someone else is not.
    assert not quotes & REYES


def test_another_speaker_gets_only_their_own_words(bridge_qa: QA) -> None:
    answer = bridge_qa.answer("What did Reyes say?")
    assert {citation.quote for citation in answer.citations} == REYES
    direct = [c for c in answer.citations if c.quote.startswith("It will cost")]
    assert direct and direct[0].sentence.startswith('"It will cost')


def test_reported_speech_with_told(bridge_qa: QA) -> None:
    answer = bridge_qa.answer("What did Ade Bello tell the Daily Star?")
    assert [c.quote for c in answer.citations] == ["business had fallen by half since the closure"]


def test_topic_narrows_the_statements(bridge_qa: QA) -> None:
    answer = bridge_qa.answer("What did Okafor say about tolls?")
    assert [c.quote for c in answer.citations] == [
        "tolls on the bridge would be dropped for the first year"
    ]


def test_a_person_never_quoted_gets_an_abstention(bridge_qa: QA) -> None:
    answer = bridge_qa.answer("What did Angela Merkel say?")
    assert answer.abstained
    assert answer.citations == ()
    assert answer.related
