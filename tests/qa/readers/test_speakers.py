"""Speakers found as newspapers name them: by title, role alone, employer, "of X", two people
of one surname kept apart, and organisations listed apart from people (made-up articles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from ui.cli import main as cli

RAIL = """Rail fares to rise in March

Home Secretary Charles Clarke said the new fares were fair. "Passengers will see better \
trains," Mr Clarke told reporters.

Former chancellor Kenneth Clarke said the rise was a scandal for commuters.

Ian Black of the Commuter Alliance said the timetable was a mess. "We will take this to \
court," Mr Black added.

The Transport Office said the fares had been agreed in December.
"""

STEEL = """Steelworks to close in Tarnby

Acme Steel is to close its Tarnby works, the firm's chief has told the Daily Post.

Speaking at the plant on Monday, Olga Marsh said the closure would cost 400 jobs. "This is \
the hardest day of my career," Ms Marsh said.

Chancellor Peter Lund said the government would help the workers find new jobs. Shadow \
chancellor Ruth Adeyemi said the help came far too late.

Tarnby council leader Sam Okoro warned that the town would struggle without the works.
"""


@pytest.fixture(scope="module")
def news_qa(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> QA:
    root = tmp_path_factory.mktemp("speakers")
    docs = root / "docs"
    docs.mkdir()
    (docs / "rail.txt").write_text(RAIL, encoding="utf-8")
    (docs / "steel.txt").write_text(STEEL, encoding="utf-8")
    qa = QA(Settings(index_dir=root / "index", documents=(docs,)), embedder=embedder)
    qa.update([docs])
    return qa


@pytest.mark.parametrize(
    ("phrase", "meant"),
    [
        ("Home Secretary Charles Clarke", ["Charles Clarke"]),  # a title before the name
        ("Home Secretary Clarke", ["Charles Clarke"]),  # the title picks one Clarke
        ("former chancellor Kenneth Clarke", ["Kenneth Clarke"]),
        ("Charles Clarke", ["Charles Clarke"]),
        ("Ian Black of the Commuter Alliance", ["Ian Black"]),  # "of X"
        ("the Commuter Alliance's Ian Black", ["Ian Black"]),
        ("Acme's chief", ["Olga Marsh"]),  # an employer and a role, no name
        ("the council leader", ["Sam Okoro"]),  # a role alone
        ("the chancellor", ["Peter Lund"]),  # not the shadow chancellor
        ("the shadow chancellor", ["Ruth Adeyemi"]),
        ("the Transport Office", ["Transport Office"]),  # an organisation
        ("the head of the Transport Office", []),  # someone there, whom no one names
        ("Tom Black", []),  # another Black, never quoted
        ("Kenneth Lund", []),  # a given name that fits nobody of that surname
    ],
)
def test_a_phrase_finds_the_speaker_it_means(news_qa: QA, phrase: str, meant: list[str]) -> None:
    assert news_qa.statements.resolve(phrase) == meant


def test_a_surname_alone_finds_both_people_of_that_name(news_qa: QA) -> None:
    assert set(news_qa.statements.resolve("Clarke")) == {"Charles Clarke", "Kenneth Clarke"}


def test_organisations_are_listed_apart_from_people(news_qa: QA) -> None:
    people = dict(news_qa.statements.speakers("person"))
    organisations = dict(news_qa.statements.speakers("organisation"))
    assert organisations == {"Transport Office": 1}
    assert "Transport Office" not in people
    assert {"Charles Clarke", "Kenneth Clarke", "Olga Marsh", "Sam Okoro"} <= set(people)


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("What did Home Secretary Charles Clarke say?", "Passengers will see better trains"),
        ("What did Ian Black of the Commuter Alliance say?", "We will take this to court"),
        ("What has Acme's chief said about the closure?", "the closure would cost 400 jobs"),
        ("What did the Transport Office say?", "the fares had been agreed in December"),
        ("What did the chancellor say about the workers?", "help the workers find new jobs"),
    ],
)
def test_quote_questions_name_speakers_as_newspapers_do(
    news_qa: QA, question: str, words: str
) -> None:
    answer = news_qa.answer(question)
    assert not answer.abstained
    assert words in answer.text
    # Every citation is the speaker's words at their exact place.
    for citation in answer.citations:
        text = Path(citation.source_path).read_text(encoding="utf-8")
        assert text[citation.start : citation.end] == citation.quote


def test_qa_quotes_lists_people_then_organisations(
    news_qa: QA, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["quotes", "--index-dir", str(news_qa.settings.index_dir)]) == 0
    listing = capsys.readouterr().out
    assert listing.index("People (") < listing.index("Charles Clarke")
    assert listing.index("Organisations (1)") < listing.index("Transport Office")
    assert listing.index("Charles Clarke") < listing.index("Organisations (1)")


def test_qa_quotes_finds_a_speaker_by_role(news_qa: QA, capsys: pytest.CaptureFixture[str]) -> None:
    index_dir = str(news_qa.settings.index_dir)
    assert cli(["quotes", "the council leader", "--index-dir", index_dir]) == 0
    shown = capsys.readouterr().out
    assert "Sam Okoro" in shown and "the town would struggle without the works" in shown


def test_who_said_what_about_a_topic_lists_every_speaker_on_it(news_qa: QA) -> None:
    found = news_qa.said_about("jobs for the steel workers")
    speakers = [f.item.speaker for f in found]
    assert "Olga Marsh" in speakers and "Peter Lund" in speakers
    # Nobody who spoke only of rail fares.
    assert not {"Charles Clarke", "Ian Black", "Transport Office"} & set(speakers)
    assert found == sorted(found, key=lambda f: -f.score)
    assert news_qa.said_about("the price of tea in Peru") == []


def test_qa_quotes_about_a_topic_cites_each_statement(
    news_qa: QA, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = str(news_qa.settings.index_dir)
    assert cli(["quotes", "--about", "rail fares", "--index-dir", index_dir, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["speaker"] for row in rows} >= {"Charles Clarke", "Transport Office"}
    assert not {"Olga Marsh", "Sam Okoro"} & {row["speaker"] for row in rows}
    for row in rows:
        place = row["places"][0]
        text = Path(place["source_path"]).read_text(encoding="utf-8")
        assert text[place["start"] : place["end"]] == row["text"]
    assert cli(["quotes", "--about", "the price of tea in Peru", "--index-dir", index_dir]) == 1
    assert "Nobody in the indexed documents said anything about" in capsys.readouterr().err
