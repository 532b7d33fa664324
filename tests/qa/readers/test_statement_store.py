"""Who said what across documents: the statement store, its citations, copies, removal, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from ui.cli import main as cli

FIRST = """Tram line approved

Mayor Anna Petrova said on Tuesday that the tram line would open in 2027. "We cannot run \
trams on hope," Ms Petrova said. Councillor Joe Clarke warned that fares would rise.
"""
# Another story quoting the same words of the mayor.
SECOND = """Budget vote delayed

The budget vote was put off until March. "We cannot run trams on hope," Anna Petrova said \
at the meeting. Opposition leader Mary Clarke said the delay was shameful.
"""
# A syndicated copy of the first story: the same text with an agency line added.
COPY = FIRST + "\n(Reporting by City Wire.)\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("docs")
    (docs / "first.txt").write_text(FIRST, encoding="utf-8")
    (docs / "second.txt").write_text(SECOND, encoding="utf-8")
    (docs / "wire_copy.txt").write_text(COPY, encoding="utf-8")
    return docs


@pytest.fixture(scope="module")
def qa(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    folder: Path,
) -> QA:
    pipeline = QA(
        Settings(index_dir=tmp_path_factory.mktemp("index"), documents=(folder,)),
        embedder=embedder,
    )
    pipeline.warm_up()
    return pipeline


def test_speakers_are_listed_with_their_counts(qa: QA) -> None:
    speakers = dict(qa.statements.speakers())
    assert speakers["Anna Petrova"] == 2  # the words said twice are one statement
    assert speakers["Joe Clarke"] == 1
    assert speakers["Mary Clarke"] == 1


def test_the_same_words_in_two_stories_are_one_statement_cited_at_both(qa: QA) -> None:
    statements = qa.statements.statements("Petrova")
    hope = [s for s in statements if s.text == "We cannot run trams on hope"]
    assert len(hope) == 1
    citations = qa.statements.citations(hope[0])
    assert {Path(c.source_path).name for c in citations} == {"first.txt", "second.txt"}
    for citation in citations:
        text = Path(citation.source_path).read_text(encoding="utf-8")
        assert text[citation.start : citation.end] == "We cannot run trams on hope"
        assert citation.quote in citation.sentence


def test_a_syndicated_copy_is_listed_not_repeated(qa: QA) -> None:
    statements = qa.statements.statements("Anna Petrova")
    assert len(statements) == 2
    first = next(s for s in statements if s.text.startswith("the tram line"))
    assert [Path(p).name for p in first.also_in] == ["wire_copy.txt"]


def test_one_surname_finds_both_people_a_full_name_one(qa: QA) -> None:
    both = {s.speaker for s in qa.statements.statements("Clarke")}
    assert both == {"Joe Clarke", "Mary Clarke"}
    assert {s.speaker for s in qa.statements.statements("Mary Clarke")} == {"Mary Clarke"}
    assert qa.statements.statements("Kenneth Clarke") == []


def test_quote_questions_read_the_store(qa: QA) -> None:
    answer = qa.answer("What did Mary Clarke say?")
    assert [c.quote for c in answer.citations] == ["the delay was shameful"]
    answer = qa.answer("What did Joe Clarke say?")
    assert [c.quote for c in answer.citations] == ["fares would rise"]


def test_cli_lists_speakers_and_statements(qa: QA, capsys: pytest.CaptureFixture[str]) -> None:
    index_dir = str(qa.settings.index_dir)
    assert cli(["quotes", "--index-dir", index_dir]) == 0
    listing = capsys.readouterr().out
    assert "2  Anna Petrova" in listing and "1  Mary Clarke" in listing
    assert cli(["quotes", "Petrova", "--index-dir", index_dir, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["text"] for row in rows] == [
        "the tram line would open in 2027",
        "We cannot run trams on hope",
    ]
    assert rows[1]["places"][0]["quote"] == "We cannot run trams on hope"
    assert cli(["quotes", "Nobody Here", "--index-dir", index_dir]) == 1
    assert "No statements by Nobody Here" in capsys.readouterr().err


def test_removing_a_document_removes_its_statements(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, folder: Path
) -> None:
    pipeline = QA(Settings(index_dir=tmp_path / "index", documents=(folder,)), embedder=embedder)
    pipeline.warm_up()
    assert "Mary Clarke" in dict(pipeline.statements.speakers())
    pipeline.remove(["second"])
    assert "Mary Clarke" not in dict(pipeline.statements.speakers())
    hope = [s for s in pipeline.statements.statements("Petrova") if "hope" in s.text]
    assert [p.doc_id for p in hope[0].places] == ["first"]


def test_every_speaker_of_the_seed_article_is_found(seed_qa: QA) -> None:
    # Read by hand: who the seed article quotes. Ali Shamkhani speaks in the lede ("an
    # adviser to Iran's supreme leader has said") and in the passive ("he was quoted by
    # state media as saying").
    store = seed_qa.statements
    said = {
        (item.speaker, item.text) for name, _ in store.speakers() for item in store.statements(name)
    }
    speakers = {speaker for speaker, _ in said}
    assert speakers == {
        "Ali Shamkhani",
        "Ali Hashem",
        "Donald Trump",
        "Masoud Pezeshkian",
        "Ali Larijani",
        "Hassan Ahmadian",
    }
    assert (
        "Ali Shamkhani",
        "The Islamic Republic’s missile capabilities are non-negotiable",
    ) in said
    assert ("Ali Shamkhani", "Iran is unwilling to compromise on its missile capabilities") in said
    assert ("Hassan Ahmadian", "There are limits to what Iran can offer") in said
    assert len(said) >= 14
