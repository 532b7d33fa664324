"""The "Who said what" view: speakers with their counts, and each one's statements, cited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from tests.ui.test_app import _texts
from ui.formatting import ANSWER_CLOSE
from ui.who_said_what import STATEMENT_OPEN, said_html, speaker_choices, who_said_what

BRIDGE = (
    "Riverside bridge to reopen in May\n"
    "The Riverside bridge will reopen in May, the city council said on Monday.\n"
    '"The repairs came in under budget," said Mayor Ana Torres.\n'
    "Torres said the council would publish the final costs next week.\n"
    '"We expect traffic to return to normal within days," said city engineer Tom Becker. '
    '"Buses will be first."\n'
)
FERRY = (
    "Ferry timetable changes for summer\n"
    "The harbour ferry changes its timetable next month.\n"
    '"The ferry will run twice a day from June," said Mayor Ana Torres.\n'
    "Harbour master Lena Fischer warned that the pier would close for a week in July.\n"
    "Police chief Luis Torres said the roads near the pier would stay open.\n"
)
MARKET = (
    "Night market opens\n"
    '"Stalls <b>will</b> open at ${dawn} & close late," said market manager Omar Haddad.\n'
)
# Ana Torres's statements, in index and document order: (quoted?, words, file).
TORRES = [
    (True, "The repairs came in under budget", "bridge.txt"),
    (False, "the council would publish the final costs next week", "bridge.txt"),
    (True, "The ferry will run twice a day from June", "ferry.txt"),
]


@pytest.fixture(scope="module")
def said_qa(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> QA:
    root = tmp_path_factory.mktemp("who-said-what")
    documents = root / "docs"
    documents.mkdir()
    for name, text in (
        ("bridge.txt", BRIDGE),
        ("ferry.txt", FERRY),
        ("market.txt", MARKET),
        ("wire-bridge.txt", BRIDGE),  # the same story again, from a news wire
    ):
        (documents / name).write_text(text, encoding="utf-8")
    qa = QA(Settings(index_dir=root / "index", documents=(documents,)), embedder=embedder)
    qa.warm_up()
    return qa


def _speaker(qa: QA, surname_and_name: str) -> str:
    """The full name the documents give the one speaker ``surname_and_name`` means."""
    (name,) = qa.statements.match(surname_and_name)
    return name


def test_speakers_are_listed_with_their_counts_most_quoted_first(said_qa: QA) -> None:
    choices = speaker_choices(said_qa.statements)
    torres = _speaker(said_qa, "Ana Torres")
    assert choices[0] == (f"{torres} (3 statements)", torres)
    assert ("Tom Becker (2 statements)", "Tom Becker") in choices
    for name in ("Lena Fischer", "Luis Torres", "Omar Haddad"):
        assert (f"{name} (1 statement)", name) in choices
    # A story found twice is counted once.
    assert len(choices) == 5


def test_speaker_statements_are_exact_quotes_marked_in_their_sources(
    said_qa: QA, tmp_path: Path
) -> None:
    html = who_said_what(said_qa.statements, _speaker(said_qa, "Ana Torres"))
    said, _ = _texts(html, "qa-said-text")
    assert said == [
        f"Quoted “{words}”" if quoted else f"Reported {words}" for quoted, words, _ in TORRES
    ]
    marks, _ = _texts(html, "qa-answer")
    assert marks == [STATEMENT_OPEN + words + ANSWER_CLOSE for _, words, _ in TORRES]
    titles, _ = _texts(html, "qa-title")
    assert titles == [
        "Riverside bridge to reopen in May",
        "Riverside bridge to reopen in May",
        "Ferry timetable changes for summer",
    ]
    # Each place is where the words stand in the file, to the character.
    documents = said_qa.index.documents
    where, _ = _texts(html, "qa-where")
    for (_, words, file_name), shown in zip(TORRES, where, strict=True):
        text = documents[Path(file_name).stem].text
        start = text.index(words)
        assert shown == f" — characters {start:,}–{start + len(words):,}"
    assert "3 statements (2 quoted, 1 reported) in 2 documents." in html
    assert html.count("The same story is also in wire-bridge.txt.") == 2
    # Each source is closed until asked for, so a long list stays short.
    assert html.count("<details") == 3 and not re.search(r"<details[^>]* open", html)


def test_quotation_going_on_and_reported_speech_say_so(said_qa: QA) -> None:
    becker = who_said_what(said_qa.statements, "Tom Becker")
    assert "In quotation marks, going on from the quotation before." in becker
    said, _ = _texts(becker, "qa-said-text")
    assert said == [
        "Quoted “We expect traffic to return to normal within days”",
        "Quoted “Buses will be first”",
    ]
    fischer = who_said_what(said_qa.statements, "Fischer")
    assert "Reported speech, not their exact words; verb: warn." in fischer


def test_a_surname_finds_everyone_so_named_and_a_full_name_one(said_qa: QA) -> None:
    everyone = who_said_what(said_qa.statements, "Torres")
    speakers, _ = _texts(everyone, "qa-speaker")
    torres = _speaker(said_qa, "Ana Torres")
    assert speakers == [f"{torres}:"] * 3 + ["Luis Torres:"]
    assert "the roads near the pier would stay open" in everyone
    one = who_said_what(said_qa.statements, "Luis Torres")
    said, _ = _texts(one, "qa-said-text")
    assert said == ["Reported the roads near the pier would stay open"]
    assert _texts(one, "qa-speaker")[0] == []  # one person: no name on each statement


def test_document_markup_in_a_statement_is_shown_as_text(said_qa: QA) -> None:
    html = who_said_what(said_qa.statements, "Omar Haddad")
    said, tags = _texts(html, "qa-said-text")
    assert said == ["Quoted “Stalls <b>will</b> open at ${dawn} & close late”"]
    assert "b" not in tags
    assert "${" not in html and "<b>" not in html


def test_nothing_chosen_no_one_found_and_no_one_quoted_say_so(said_qa: QA) -> None:
    store = said_qa.statements
    assert "Choose a speaker to see what they said." in who_said_what(store, None)
    assert "Choose a speaker" in who_said_what(store, "   ")
    missing = who_said_what(store, "Nadia <i>Petrova</i>")
    assert "No one called Nadia &#60;i&#62;Petrova&#60;/i&#62; is quoted" in missing
    assert "No one is quoted in your documents yet." in said_html(None, [], 0)
