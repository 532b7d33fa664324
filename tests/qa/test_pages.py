"""Answers from PDFs cite the page the evidence is on."""

from __future__ import annotations

from pathlib import Path

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from tests.index.pdf_files import make_pdf
from tests.index.stories import GUILD


def test_pdf_answer_cites_its_page(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.pdf").write_bytes(
        make_pdf(
            [
                ["Harbour report", "The old harbour was built from local granite in 1820."],
                ["The ferry service to the island resumes daily crossings on 3 April."],
                ["The lighthouse keeper retired after forty years of service."],
            ]
        )
    )
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs,)), embedder=embedder)
    answer = qa.answer("When will the ferry resume daily crossings?")
    assert not answer.abstained
    [citation, *_] = answer.citations
    assert "3 April" in citation.quote
    assert citation.page == 2
    text = qa.index.documents[citation.doc_id].text
    assert text[citation.start : citation.end] == citation.quote


def test_every_passage_from_a_pdf_carries_its_page(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guild.pdf").write_bytes(make_pdf(GUILD))
    qa = QA(Settings(index_dir=tmp_path / "index", documents=(docs,)), embedder=embedder)
    qa.update([docs])
    passages = qa.retrieve("Who keeps the accounts of the lighthouse keepers guild?")
    assert passages and all(p.page is not None for p in passages)
    record = qa.index.documents[passages[0].doc_id]
    assert {p.page for p in passages} <= {record.page_at(p.start) for p in passages}
    # An abstention's related passages are the same passages, pages and all.
    answer = qa.answer("What colour is the guild's flag?")
    assert answer.abstained and answer.related
    assert all(p.page is not None for p in answer.related)
