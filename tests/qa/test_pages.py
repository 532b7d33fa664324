"""Answers from PDFs cite the page the evidence is on."""

from __future__ import annotations

from pathlib import Path

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from tests.index.pdf_files import make_pdf


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
