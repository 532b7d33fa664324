"""The "Who said what" view: the speaker list, a speaker's statements by document in their
paragraphs, filters, copy with citation, exports and the whole document."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from index.statements.statement import ORGANISATION, PERSON
from qa import QA, Settings
from tests.ui.test_app import _texts
from ui.formatting import ANSWER_CLOSE
from ui.said.export import citation_text, listing_csv, listing_json, write_exports
from ui.said.listing import QUOTED, REPORTED, ListingQuery, list_speaker, list_topic, speaker_rows
from ui.said.view import STATEMENT_OPEN, document_html, listing_html

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
    "Police chief Luis Torres told reporters the roads near the pier would stay open.\n"
    "Tesco said it would open a shop at the pier.\n"
)
MARKET = (
    "Night market opens\n"
    '"Stalls <b>will</b> open at ${dawn} & close late," said market manager Omar Haddad.\n'
    '"=SUM(A1) is not a price," Haddad added.\n'
)
# Ana Torres's statements, in index and document order: (quoted?, words, file, paragraph).
TORRES = [
    (True, "The repairs came in under budget", "bridge.txt", 2),
    (False, "the council would publish the final costs next week", "bridge.txt", 3),
    (True, "The ferry will run twice a day from June", "ferry.txt", 2),
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
    settings = Settings(index_dir=root / "index", documents=(documents,), uploads_dir=root / "up")
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    return qa


def _speaker(qa: QA, surname_and_name: str) -> str:
    """The full name the documents give the one speaker ``surname_and_name`` means."""
    (name,) = qa.statements.match(surname_and_name)
    return name


def _plain(html: str, css_class: str) -> list[str]:
    return [" ".join(t.split()) for t in _texts(html, css_class)[0]]


def test_speakers_are_listed_with_statement_and_document_counts_people_apart(
    said_qa: QA,
) -> None:
    store = said_qa.statements
    torres = _speaker(said_qa, "Ana Torres")
    people = speaker_rows(store, PERSON)
    assert people[0].label == f"{torres} · 3 statements · 2 documents"
    names = [torres, "Omar Haddad", "Tom Becker", "Lena Fischer", "Luis Torres"]
    assert [row.name for row in people] == names
    # A story found twice is counted once; organisations are listed apart.
    assert [row.label for row in speaker_rows(store, ORGANISATION)] == [
        "Tesco · 1 statement · 1 document"
    ]
    by_name = [row.name for row in speaker_rows(store, PERSON, order="name")]
    assert by_name == sorted(by_name, key=str.casefold)
    by_documents = speaker_rows(store, PERSON, order="documents")
    assert by_documents[0].name == torres and by_documents[0].documents == 2


def test_a_search_finds_names_holding_it_and_a_role_finds_the_person(said_qa: QA) -> None:
    store = said_qa.statements
    torres = _speaker(said_qa, "Ana Torres")
    assert {row.name for row in speaker_rows(store, PERSON, search="torres")} == {
        torres,
        "Luis Torres",
    }
    assert [row.name for row in speaker_rows(store, PERSON, search="harbour master")] == [
        "Lena Fischer"
    ]
    assert speaker_rows(store, PERSON, search="Tesco") == []
    assert [row.name for row in speaker_rows(store, ORGANISATION, search="tes")] == ["Tesco"]


def test_statements_are_grouped_by_document_each_marked_in_its_paragraph(
    said_qa: QA,
) -> None:
    store = said_qa.statements
    torres = _speaker(said_qa, "Ana Torres")
    listing = list_speaker(store, ListingQuery(speaker=torres))
    html = listing_html(listing, len(store.speakers()))
    assert _plain(html, "qa-said-summary") == ["3 statements in 2 documents: 2 quoted, 1 reported."]
    # One heading per document, in index order, not one per statement.
    assert _plain(html, "qa-document-heading") == [
        "Riverside bridge to reopen in May bridge.txt (2 statements)",
        "Ferry timetable changes for summer ferry.txt (1 statement)",
    ]
    assert _plain(html, "qa-said-text") == [
        f"Quoted “{words}”" if quoted else f"Reported {words}" for quoted, words, _, _ in TORRES
    ]
    marks, _ = _texts(html, "qa-answer")
    assert marks == [STATEMENT_OPEN + words + ANSWER_CLOSE for _, words, _, _ in TORRES]
    # Each shown in its whole paragraph (a line of the story), numbered without the title.
    paragraphs = _plain(html, "qa-paragraph")
    documents = store.documents
    for (_, words, file_name, number), shown, listed in zip(
        TORRES, paragraphs, listing.statements, strict=True
    ):
        lines = documents[Path(file_name).stem].text.split("\n")
        line = next(line for line in lines if words in line)
        assert shown.replace(STATEMENT_OPEN, "").replace(ANSWER_CLOSE, "", 1) == line
        assert listed.shown.paragraph == number == lines.index(line)
    assert _plain(html, "qa-paragraph-label") == ["Paragraph 2:", "Paragraph 3:", "Paragraph 2:"]
    assert html.count("The same story is also in wire-bridge.txt.") == 2


def test_two_people_of_one_surname_stay_apart(said_qa: QA) -> None:
    store = said_qa.statements
    ana = list_speaker(store, ListingQuery(speaker=_speaker(said_qa, "Ana Torres")))
    luis = list_speaker(store, ListingQuery(speaker="Luis Torres"))
    assert {s.item.speaker for s in ana.statements} == {_speaker(said_qa, "Ana Torres")}
    assert [s.item.text for s in luis.statements] == ["the roads near the pier would stay open"]


def test_filters_keep_quoted_or_reported_statements_or_one_document(said_qa: QA) -> None:
    store = said_qa.statements
    torres = ListingQuery(speaker=_speaker(said_qa, "Ana Torres"))
    quoted = list_speaker(store, torres.filtered(QUOTED, None))
    assert [s.item.direct for s in quoted.statements] == [True, True]
    reported = list_speaker(store, torres.filtered(REPORTED, None))
    assert [s.item.text for s in reported.statements] == [TORRES[1][1]]
    ferry = list_speaker(store, torres.filtered(None, "ferry"))
    assert [s.shown.doc_id for s in ferry.statements] == ["ferry"]
    # The document choices stay those of the whole listing, whatever the filters.
    assert [doc_id for doc_id, _ in ferry.documents] == ["bridge", "ferry"]
    html = listing_html(ferry, len(store.speakers()))
    assert _plain(html, "qa-said-summary") == [
        "3 statements in 2 documents; 1 shown (in “Ferry timetable changes for summer” "
        "only): 1 quoted, 0 reported."
    ]
    nothing = list_speaker(store, ListingQuery(speaker="Luis Torres", said=QUOTED))
    assert "None is left by the filters" in listing_html(nothing, len(store.speakers()))


def test_the_verb_is_shown_as_the_text_writes_it(said_qa: QA) -> None:
    store = said_qa.statements
    for name, verb in (("Lena Fischer", "“warned”"), ("Luis Torres", "“told”")):
        html = listing_html(list_speaker(store, ListingQuery(speaker=name)), 1)
        assert _plain(html, "qa-how") == [f"Reported, not their exact words; {verb}"]
    becker = listing_html(list_speaker(store, ListingQuery(speaker="Tom Becker")), 1)
    assert _plain(becker, "qa-how") == [
        "In quotation marks; “said”",
        "In quotation marks, going on",
    ]


def test_copy_with_citation_holds_the_words_the_speaker_and_the_place(said_qa: QA) -> None:
    store = said_qa.statements
    torres = _speaker(said_qa, "Ana Torres")
    listing = list_speaker(store, ListingQuery(speaker=torres))
    first, second, _ = listing.statements
    assert citation_text(first) == (
        f"“The repairs came in under budget” — {torres} (quoted, “said”).\n"
        "Source: Riverside bridge to reopen in May (bridge.txt), paragraph 2."
    )
    assert citation_text(second).startswith(
        f"the council would publish the final costs next week — {torres} (reported, not "
        "their exact words, “said”)."
    )
    html = listing_html(listing, 1)
    lines, _ = _texts(html, "qa-copy-line")
    assert lines[:2] == citation_text(first).split("\n")


def test_exports_hold_the_listing_shown_and_keep_formulas_inert(
    said_qa: QA, tmp_path: Path
) -> None:
    store = said_qa.statements
    listing = list_speaker(store, ListingQuery(speaker="Omar Haddad"))
    rows = list(csv.DictReader(io.StringIO(listing_csv(listing))))
    assert [row["statement"] for row in rows] == [
        "Stalls <b>will</b> open at ${dawn} & close late",
        "'=SUM(A1) is not a price",  # a spreadsheet would run it
    ]
    assert [row["verb"] for row in rows] == ["said", "added"]
    assert {row["file"] for row in rows} == {"market.txt"}
    assert [row["quoted"] for row in rows] == ["yes", "yes"]
    data = json.loads(listing_json(listing))
    assert data["speaker"] == "Omar Haddad"
    assert data["statements"][1]["statement"] == "=SUM(A1) is not a price"
    assert data["statements"][0]["paragraph"] == 1
    as_csv, as_json = write_exports(listing, tmp_path)
    assert (as_csv.name, as_json.name) == ("omar-haddad.csv", "omar-haddad.json")
    assert json.loads(as_json.read_text(encoding="utf-8")) == data
    filtered = list_speaker(store, ListingQuery(speaker="Omar Haddad", document="bridge"))
    assert json.loads(listing_json(filtered))["statements"] == []


def test_a_topic_lists_each_speaker_by_document_the_closest_first(said_qa: QA) -> None:
    store = said_qa.statements
    found = said_qa.said_about("the pier")
    listing = list_topic(store, found, ListingQuery(topic="the pier"))
    html = listing_html(listing, len(store.speakers()))
    assert _plain(html, "qa-said-heading") == ["Who said what about the pier"]
    speakers = list(dict.fromkeys(f.item.speaker for f in found))
    names = _plain(html, "qa-about-name")
    assert [name.removesuffix(" (organisation)") for name in names] == speakers
    assert "Tesco (organisation)" in names
    assert len(_texts(html, "qa-statement")[0]) == len(found)
    rows = json.loads(listing_json(listing))["statements"]
    assert [row["similarity"] for row in rows] == [round(f.similarity, 3) for f in found]
    quoted = list_topic(store, found, ListingQuery(topic="the pier", said=QUOTED))
    assert all(s.item.direct for s in quoted.statements)


def test_document_markup_in_a_statement_is_shown_as_text(said_qa: QA) -> None:
    html = listing_html(list_speaker(said_qa.statements, ListingQuery(speaker="Omar Haddad")), 1)
    said, tags = _texts(html, "qa-said-text")
    assert said[0] == "Quoted “Stalls <b>will</b> open at ${dawn} & close late”"
    assert "b" not in tags
    assert "${" not in html and "<b>" not in html


def test_the_whole_document_opens_with_the_statement_marked(said_qa: QA) -> None:
    record = said_qa.statements.documents["market"]
    start = record.text.index("Stalls")
    end = start + len("Stalls <b>will</b> open at ${dawn} & close late")
    html = document_html(record, start, end, "Omar Haddad")
    marks, tags = _texts(html, "qa-answer")
    assert marks == [STATEMENT_OPEN + record.text[start:end] + ANSWER_CLOSE]
    assert "b" not in tags and "${" not in html
    shown, _ = _texts(html, "qa-document-text")
    whole = record.text.replace("\n", "")  # line breaks are <br>, which the parser drops
    assert shown[0].replace(STATEMENT_OPEN, "").replace(ANSWER_CLOSE, "", 1) == whole
    assert 'role="dialog"' in html and "Omar Haddad’s statement is marked" in html


def test_nothing_chosen_no_one_found_and_no_one_quoted_say_so(said_qa: QA) -> None:
    store = said_qa.statements
    assert "Choose a speaker from the list" in listing_html(None, 5)
    missing = list_speaker(store, ListingQuery(speaker="Nadia <i>Petrova</i>"))
    assert "No one called Nadia &#60;i&#62;Petrova&#60;/i&#62; is quoted" in listing_html(
        missing, 5
    )
    nobody = list_topic(store, [], ListingQuery(topic="tea"))
    assert "Nobody in your documents said anything about tea." in listing_html(nobody, 5)
    assert "No one is quoted in your documents yet." in listing_html(None, 0)
