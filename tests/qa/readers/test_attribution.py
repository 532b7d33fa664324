"""Quote attribution: several speakers, pronoun and role-noun references, several statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from qa.question import analyse_question

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


def _indexed(
    factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, files: dict[str, str]
) -> QA:
    """A pipeline over a new folder holding ``files`` (name: text)."""
    folder = factory.mktemp("docs")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    qa = QA(Settings(index_dir=factory.mktemp("index"), documents=(folder,)), embedder=embedder)
    qa.warm_up()
    return qa


@pytest.fixture(scope="module")
def bridge_qa(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> QA:
    return _indexed(tmp_path_factory, embedder, {"bridge.txt": ARTICLE})


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


# Two stories quoting the same person, in the style of news copy: straight quotation marks,
# a quotation left open to the end of its paragraph, a speaker named in a relative clause.
FLOODS = """Council backs flood barrier plan

The flood barrier plan was backed by Environment Secretary Mira Haddad, who said: "Nobody \
should have to bail out their kitchen twice in one winter. We will build the barrier before \
the next storms.

"The money is already set aside." Residents' groups said they would watch the work closely.

Haddad also said the river authority had failed to clear the drains for years. She added \
that the council would publish every contract online. Haddad told the Gazette that the \
town's insurers had been consulted on the design, and she said that the footbridge would \
stay open during the building work.

Haddad said later that the barrier would be the largest flood defence ever built in the \
county, that it would protect more than four thousand homes along the river, and that the \
engineers expected the first section to be finished before the end of next summer if the \
weather allowed the crews to work through the autumn months.
"""
SCHOOLS = """New school meals policy announced

Free school meals will be extended to every primary pupil from September. Mira Haddad said \
the change would cost the council 2.1 million pounds a year. "Hungry children cannot \
learn," Haddad said.
"""


@pytest.fixture(scope="module")
def haddad_qa(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> QA:
    return _indexed(tmp_path_factory, embedder, {"floods.txt": FLOODS, "schools.txt": SCHOOLS})


def test_a_speaker_named_in_a_relative_clause_is_quoted(haddad_qa: QA) -> None:
    answer = haddad_qa.answer("What did Mira Haddad say about the kitchen?")
    assert [c.quote for c in answer.citations] == [
        "Nobody should have to bail out their kitchen twice in one winter"
    ]
    assert answer.citations[0].sentence.startswith("The flood barrier plan was backed by")


def test_a_quotation_open_to_its_paragraph_end_continues(haddad_qa: QA) -> None:
    # The second sentence has no speech verb; it goes on with Haddad's open quotation, and
    # on into the next paragraph, which opens with a quotation mark and no attribution.
    answer = haddad_qa.answer("What did Haddad say about the next storms?")
    assert [c.quote for c in answer.citations] == [
        "We will build the barrier before the next storms",
        "The money is already set aside",
    ]


def test_every_story_quoting_the_speaker_is_cited_once_at_least(haddad_qa: QA) -> None:
    answer = haddad_qa.answer("What did Haddad say?")
    assert not answer.abstained
    sources = {Path(c.source_path).name for c in answer.citations}
    assert sources == {"floods.txt", "schools.txt"}
    # The answer stays a readable length: not every one of her statements.
    assert len(answer.text.split()) <= 100
    quotes = [c.quote for c in answer.citations]
    assert 2 <= len(quotes) < len(haddad_qa.statements.statements("Haddad"))
    # Direct quotations come before reported speech within a story.
    assert "Hungry children cannot learn" in quotes
    assert "Nobody should have to bail out their kitchen twice in one winter" in quotes
    for citation in answer.citations:
        text = FLOODS if Path(citation.source_path).name == "floods.txt" else SCHOOLS
        assert text[citation.start : citation.end] == citation.quote


def test_a_quote_answer_carries_its_calibrated_confidence(bridge_qa: QA) -> None:
    quotes = bridge_qa.quotes
    question = analyse_question("What did Okafor say about tolls?")
    passages = bridge_qa.retrieve(question.text)
    reading = quotes.reading(question, passages)
    answer = bridge_qa.answer(question.text)
    assert not answer.abstained
    # The confidence is the shipped quote calibration's probability for this reading, not
    # a fixed figure, and every citation carries it.
    assert answer.confidence == pytest.approx(quotes.calibration.probability(reading.features))
    assert quotes.calibration.threshold <= answer.confidence < 1.0
    assert {c.score for c in answer.citations} == {answer.confidence}


def test_a_quote_naming_the_topic_is_surer_than_one_that_does_not(bridge_qa: QA) -> None:
    quotes = bridge_qa.quotes
    named = analyse_question("What did Okafor say about tolls?")
    elsewhere = analyse_question("What did Okafor say about the engineers' pay?")
    sure = quotes.reading(named, bridge_qa.retrieve(named.text))
    unsure = quotes.reading(elsewhere, bridge_qa.retrieve(elsewhere.text))
    assert sure.features["topic_similarity"] > unsure.features.get("topic_similarity", 0.0)
    assert quotes.calibration.probability(sure.features) > (
        quotes.calibration.probability(unsure.features) if unsure.chosen else 0.0
    )


@pytest.mark.parametrize(
    "question",
    [
        # Reyes spoke, but about the plan's cost; the tolls are Okafor's words.
        "What did Reyes say about the tolls?",
        # Bello spoke about trade; nobody here spoke about the weather.
        "What did Ade Bello say about the weather forecast?",
    ],
)
def test_a_speaker_asked_about_what_they_did_not_speak_of_gets_no_quote(
    bridge_qa: QA, question: str
) -> None:
    answer = bridge_qa.answer(question)
    assert answer.abstained, f"answered {answer.text!r} at {answer.confidence:.2f}"
    assert answer.citations == ()


LABEL = """Record label warns on profits

Harbour Records said sales would fall 8% this year, blaming delays to new albums by the band \
Night Owls.

Commenting on the delay to the Night Owls album, chief executive Alan Pike said that "making \
music is not an exact science and cannot always fit our reporting periods".
"""


@pytest.fixture(scope="module")
def label_qa(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> QA:
    return _indexed(tmp_path_factory, embedder, {"label.txt": LABEL})


def test_words_the_documents_attribute_to_someone_else_are_not_the_band_s(label_qa: QA) -> None:
    # The band is named in the sentence, but the words are the chief executive's.
    answer = label_qa.answer("What did Night Owls say about their album being delayed?")
    assert answer.abstained, f"answered {answer.text!r} at {answer.confidence:.2f}"
    pike = label_qa.answer("What did Alan Pike say?")
    assert not pike.abstained
    assert pike.text.startswith("making music is not an exact science")
