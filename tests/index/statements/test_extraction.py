"""Statement extraction at index time: speakers resolved to full names, spans exact, kept with the
document in the index version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import ChunkingConfig, Document, SentenceTransformerEmbedder, make_record
from index.statements.extraction import StatementExtractor
from index.statements.statement import Extraction, Statement
from index.storage.records import DocumentRecord
from index.update.builder import IndexBuilder
from index.update.reading import with_statements

STORY = """Council approves new tram line

Home Secretary Charles Clarke said on Tuesday that the tram line would open in 2027. \
"It is the biggest transport project this city has seen," he told reporters.

The mayor, Anna Petrova, warned that fares might rise. "We cannot run trams on hope," \
Ms Petrova said. The mayor also admitted that the budget was tight.

Former chancellor Kenneth Clarke said the scheme was a waste of money. Mr Clarke, who \
opposed the first line too, insisted that buses were cheaper.

Residents' leader Tom Baker said: "Nobody asked the people who live along the route. We \
will fight this in the courts.

"And we will win."
"""

# One parser for the module's tests, loaded by the first that needs it.
EXTRACTOR = StatementExtractor()


def _statements(text: str) -> list[Statement]:
    document = Document("story", "Story", "/tmp/story.txt", text, "hash", len(text))
    record = make_record(document, ChunkingConfig(), EXTRACTOR)
    assert record.statements is not None
    return list(record.statements)


@pytest.fixture(scope="module")
def statements() -> list[Statement]:
    return _statements(STORY)


def _by(statements: list[Statement], speaker: str) -> list[str]:
    return [STORY[s.start : s.end] for s in statements if s.speaker == speaker]


def test_pronouns_and_titles_resolve_to_the_full_name(statements: list[Statement]) -> None:
    assert _by(statements, "Charles Clarke") == [
        "the tram line would open in 2027",
        "It is the biggest transport project this city has seen",
    ]


def test_a_role_noun_and_a_title_resolve_to_the_person(statements: list[Statement]) -> None:
    # "The mayor, Anna Petrova" introduces the role; "Ms Petrova" and "The mayor" are her.
    assert _by(statements, "Anna Petrova") == [
        "fares might rise",
        "We cannot run trams on hope",
        "the budget was tight",
    ]


def test_two_people_with_one_surname_stay_apart(statements: list[Statement]) -> None:
    # "Mr Clarke" after Kenneth Clarke is introduced is Kenneth, not the home secretary.
    assert _by(statements, "Kenneth Clarke") == [
        "the scheme was a waste of money",
        "buses were cheaper",
    ]
    assert "buses were cheaper" not in _by(statements, "Charles Clarke")


def test_direct_and_reported_speech_are_told_apart(statements: list[Statement]) -> None:
    kinds = {STORY[s.start : s.end]: (s.direct, s.verb) for s in statements}
    assert kinds["the tram line would open in 2027"] == (False, "say")
    assert kinds["We cannot run trams on hope"] == (True, "say")
    assert kinds["the budget was tight"] == (False, "admit")


def test_a_quotation_running_into_the_next_paragraph_is_followed(
    statements: list[Statement],
) -> None:
    baker = [s for s in statements if s.speaker == "Tom Baker"]
    assert [STORY[s.start : s.end] for s in baker] == [
        "Nobody asked the people who live along the route",
        "We will fight this in the courts",
        "And we will win",
    ]
    # Each knows its sentence and paragraph, exactly.
    for statement in baker:
        sentence = STORY[statement.sentence_start : statement.sentence_end]
        assert STORY[statement.start : statement.end] in sentence
        paragraph = STORY[statement.paragraph_start : statement.paragraph_end]
        assert sentence in paragraph and "\n" not in paragraph


def test_unnamed_sources_and_organisations_make_no_statement() -> None:
    text = (
        "Shares fall\n\nA spokesman said the company was confident. Analysts said the fall "
        "was overdone. The firm said profits would recover.\n"
    )
    assert _statements(text) == []


def test_a_surname_the_tagger_misses_takes_the_full_name_given_elsewhere() -> None:
    # spaCy tags "Velayati" as an organisation where he speaks; the document names him in
    # full in a sentence without speech. A title before a name is not part of it, and what
    # an organisation reports is its statement, not a person's.
    text = (
        "Talks resume in Doha\n\nMeanwhile, Iran's Ali Velayati, another senior adviser to "
        "the president, visited Qatar on Monday.\nThe meeting went well, Velayati told "
        "reporters, adding that a second round was likely.\nUS President Donald Reed has sent "
        'mixed signals. "We will see," Reed told Axios.\nThe talks were positive, Al Jazeera '
        "reported.\n"
    )
    found = [(s.speaker, s.kind, text[s.start : s.end]) for s in _statements(text)]
    assert found == [
        ("Ali Velayati", "person", "The meeting went well"),
        ("Ali Velayati", "person", "a second round was likely"),
        ("Donald Reed", "person", "We will see"),
        ("Al Jazeera", "organisation", "The talks were positive"),
    ]


def test_he_after_a_statement_naming_someone_else_is_still_the_speaker() -> None:
    text = (
        "Minister backs scheme\n\nMr Harris said he had backed the scheme when Mr Dunmore "
        'proposed it. "It will make the roads safer," he said.\n'
    )
    found = [(s.speaker, text[s.start : s.end]) for s in _statements(text)]
    assert ("Harris", "It will make the roads safer") in found
    assert all(speaker == "Harris" for speaker, _ in found)


def test_junk_lines_do_not_hide_the_statements_around_them() -> None:
    # A table rule of quotation marks and a long unbroken run are not parsed as prose (the
    # parser's tokenizer takes seconds over them), and nothing around them is lost.
    text = (
        "Budget day\n\nMs Ortega said the budget was balanced.\n"
        + '"' * 20_000
        + "\n"
        + "x" * 3_000
        + ' ends here.\n"We kept every promise," Ms Ortega told reporters.\n'
    )
    found = [(s.speaker, text[s.start : s.end]) for s in _statements(text)]
    assert found == [
        ("Ortega", "the budget was balanced"),
        ("Ortega", "We kept every promise"),
    ]


def test_a_book_length_document_has_statements_from_its_first_part_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Who said what covers the first MAX_CHARS characters (a million: about 400 pages), so
    # that a 50 MB text file is indexed in minutes; here the limit is made small.
    monkeypatch.setattr("index.statements.extraction.MAX_CHARS", 200)
    text = (
        "Harbour report\n\nMr Hale said that spending stayed within budget.\n"
        + "The committee met again to review the accounts of the harbour board. " * 3
        + "\nMr Hale said that the pier needed repairs.\n"
    )
    found = [(s.speaker, text[s.start : s.end]) for s in _statements(text)]
    assert found == [("Hale", "spending stayed within budget")]


def test_statements_are_stored_with_their_document_in_the_version(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tram.txt").write_text(STORY, encoding="utf-8")
    (docs / "other.txt").write_text("Weather\n\nIt rained all day in the city.\n", "utf-8")
    builder = IndexBuilder(embedder, tmp_path / "index")
    builder.update([docs])
    index = builder.store.load()
    stored = index.documents["tram"].statements
    assert stored is not None and len(stored) >= 8
    assert index.documents["other"].statements == ()
    # They live in the version folder, beside the chunks, as the document's record.
    version = tmp_path / "index" / "versions" / index.version
    lines = (version / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    record = next(json.loads(line) for line in lines if json.loads(line)["doc_id"] == "tram")
    assert [Statement.from_json(row) for row in record["statements"]] == list(stored)
    # Removed with their document.
    builder.remove(["tram"])
    assert "tram" not in builder.store.load().documents


def test_an_index_made_before_statements_gets_them_at_the_next_update(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tram.txt").write_text(STORY, encoding="utf-8")
    IndexBuilder(embedder, tmp_path / "index", statements=False).update([docs])
    builder = IndexBuilder(embedder, tmp_path / "index")
    assert builder.store.load().documents["tram"].statements is None
    report = builder.update([docs])
    # The file did not change: its vectors are kept, and its statements are added.
    assert report.unchanged == ("tram",) and report.chunks_embedded == 0
    statements = builder.store.load().documents["tram"].statements
    assert statements is not None
    assert "We cannot run trams on hope" in {STORY[s.start : s.end] for s in statements}


def test_statements_of_another_extraction_version_are_found_again() -> None:
    # Records written by an earlier extraction read as without statements, so the next
    # update extracts them again (as for an index made before statements, above).
    document = Document("story", "Story", "/tmp/story.txt", STORY, "hash", len(STORY))
    data = make_record(document, ChunkingConfig(), EXTRACTOR).to_json()
    assert DocumentRecord.from_json(data).statements == tuple(_statements(STORY))
    data["statements_version"] -= 1
    old = DocumentRecord.from_json(data)
    assert old.statements is None
    assert with_statements(old, EXTRACTOR).statements == tuple(_statements(STORY))


# Each class of attribution below was missed or misattributed before (made-up articles).


def _said(text: str) -> list[tuple[str, str]]:
    return [(s.speaker, text[s.start : s.end]) for s in _statements(text)]


def test_a_passive_quoted_as_saying_is_the_subject_s_statement() -> None:
    text = (
        "Port talks stall\n\nHarbour master Ivan Petrov spoke at the docks on Friday. "
        '"The port will stay open," he was quoted by local radio as saying.\n'
    )
    assert ("Ivan Petrov", "The port will stay open") in _said(text)


def test_a_quotation_paragraph_after_a_reported_statement_goes_on_with_it() -> None:
    text = (
        "Library saved\n\nCouncillor Rosa Lind said the library would stay open, "
        "Ms Lind told the meeting.\n"
        '"Our role is to keep every branch alive for the town."\n'
    )
    assert ("Rosa Lind", "Our role is to keep every branch alive for the town") in _said(text)


def test_a_quotation_over_two_sentences_before_its_attribution_is_all_theirs() -> None:
    text = (
        'Fans angry\n\nSupporters met on Sunday and vowed to fight on. "We will fight this '
        "every step of the way. We do not want a sale,\" said Omar Haddad of the supporters' "
        "trust.\n"
    )
    said = _said(text)
    assert ("Omar Haddad", "We will fight this every step of the way") in said
    assert ("Omar Haddad", "We do not want a sale") in said


def test_a_possessive_role_speaks_for_the_person_named_next() -> None:
    text = (
        "Carmaker plans new model\n\nVelto is preparing to build a small van, the firm's "
        "chief has told reporters.\n\nSpeaking at a trade fair, Anton Berg said demand for "
        "vans would grow.\n"
    )
    said = _said(text)
    assert ("Anton Berg", "Velto is preparing to build a small van") in said
    described = [
        text[d.start : d.end] for d in _extraction(text).descriptors if d.speaker == "Anton Berg"
    ]
    assert "the firm's chief" in described


def test_a_capitalised_title_is_read_through_the_name_given_with_it() -> None:
    text = (
        "Royal wedding\n\nThe service will be led by the Bishop of Tarnwick, Dr Alan Wye, "
        'at noon.\nThe Bishop of Tarnwick said: "I am delighted for the couple."\n'
    )
    assert ("Alan Wye", "I am delighted for the couple") in _said(text)


def test_sir_and_a_given_name_is_the_person_named_in_full() -> None:
    text = (
        "Inquiry reports\n\nSir Alan Budge found a chain of errors in the office. "
        "Sir Alan said the staff had not been trained.\n"
    )
    assert ("Alan Budge", "the staff had not been trained") in _said(text)


def test_organisations_speak_as_organisations() -> None:
    text = (
        "Bank cuts rates\n\nThe Central Bank of Norland said rates would fall to 2%. "
        'Economist Lena Moss said: "It was expected."\n'
    )
    kinds = {(s.speaker, s.kind) for s in _statements(text)}
    assert ("Lena Moss", "person") in kinds
    assert any(kind == "organisation" and "Bank" in name for name, kind in kinds)


def _extraction(text: str) -> Extraction:
    document = Document("story", "Story", "/tmp/story.txt", text, "hash", len(text))
    record = make_record(document, ChunkingConfig())
    return EXTRACTOR.extract(text, record.sentences)
