"""Citations point at exact characters; the reader's focus keeps whole sentences."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from qa.citations import cite
from qa.readers.span.focus import focus_range
from qa.types import NO_ANSWER_TEXT, Answer, Passage, Span
from tests.qa.fake_documents import FakeDocument

TEXT = (
    "The council met on Monday. The bridge will reopen in May, the mayor said. "
    "Repairs cost 3 million euros. Traders welcomed the news."
)


def _doc() -> FakeDocument:
    return FakeDocument(TEXT, ". ", keep=1)


def _same(words: list[str]) -> list[str]:
    return words


def _passage() -> Passage:
    return Passage("d1#0", "d1", "Bridge", "bridge.txt", 0, len(TEXT), TEXT, 1.0)


def test_a_citation_quotes_exactly_and_trims_white_space() -> None:
    start = TEXT.index("3 million")
    citation = cite(_doc(), start - 1, start + len("3 million euros"), 0.8, _passage())
    assert citation.quote == "3 million euros"
    assert TEXT[citation.start : citation.end] == citation.quote
    assert citation.sentence == "Repairs cost 3 million euros."
    assert TEXT[citation.sentence_span.start : citation.sentence_span.end] == citation.sentence
    assert citation.passage == TEXT and citation.score == 0.8


def test_a_quote_outside_the_passage_is_cited_with_its_sentence_as_passage() -> None:
    start = TEXT.index("Traders")
    first = Passage("d1#0", "d1", "Bridge", "bridge.txt", 0, 30, TEXT[:30], 1.0)
    citation = cite(_doc(), start, start + len("Traders"), 0.5, first)
    assert citation.passage_span == citation.sentence_span
    assert citation.passage == citation.sentence == "Traders welcomed the news."


def test_the_json_of_a_citation_is_flat_and_every_text_is_the_documents() -> None:
    start = TEXT.index("in May")
    data = json.loads(json.dumps(cite(_doc(), start, start + 6, 0.7, _passage()).to_dict()))
    assert list(data) == [
        "doc_id", "title", "source_path", "start", "end", "quote", "sentence",
        "sentence_start", "sentence_end", "passage", "passage_start", "passage_end",
        "score", "page",
    ]  # fmt: skip
    for name, (begin, end) in {
        "quote": ("start", "end"),
        "sentence": ("sentence_start", "sentence_end"),
        "passage": ("passage_start", "passage_end"),
    }.items():
        assert data[name] == TEXT[data[begin] : data[end]]
    assert data["quote"] == "in May"
    assert data["sentence"] == "The bridge will reopen in May, the mayor said."


def test_a_citation_refuses_spans_that_do_not_nest() -> None:
    citation = cite(_doc(), 0, 10, 0.5, _passage())
    with pytest.raises(ValueError, match="sentence must hold"):
        replace(citation, span=Span(0, 40))
    with pytest.raises(ValueError, match="not a span"):
        Span(5, 2)


def test_an_answer_reads_its_text_and_sentence_from_its_citations() -> None:
    may, cost = TEXT.index("in May"), TEXT.index("3 million")
    one = cite(_doc(), may, may + 6, 0.9, _passage())
    two = cite(_doc(), cost, cost + 9, 0.8, _passage())
    span = Answer(question="When?", abstained=False, confidence=0.9, citations=(one, two))
    assert span.text == "in May" and span.sentence == one.sentence
    joined = replace(span, joined=True)
    assert joined.text == "in May … 3 million"
    assert span.to_dict()["answer"] == "in May"
    assert span.to_dict()["citations"][1]["quote"] == "3 million"
    refused = Answer(question="Why?", abstained=True, confidence=0.1)
    assert refused.text == NO_ANSWER_TEXT and refused.sentence == ""


def test_an_answer_without_a_citation_is_refused() -> None:
    with pytest.raises(ValueError, match="must cite"):
        Answer(question="When?", abstained=False, confidence=0.9)
    with pytest.raises(ValueError, match="cites nothing"):
        Answer(
            question="When?",
            abstained=True,
            confidence=0.2,
            citations=(cite(_doc(), 0, 10, 0.5, _passage()),),
        )


def test_focus_keeps_the_best_matching_sentence_and_its_neighbours() -> None:
    doc = _doc()
    start, end = focus_range(
        "How much did the repairs cost?", TEXT, 0, len(TEXT), doc.sentences, 70, _same
    )
    assert "Repairs cost 3 million euros." in TEXT[start:end]
    assert end - start <= 70
    assert any(s.start == start for s in doc.sentences)


def test_focus_reads_a_short_passage_whole() -> None:
    doc = _doc()
    assert focus_range("Who?", TEXT, 0, len(TEXT), doc.sentences, 1000, _same) == (
        0,
        len(TEXT),
    )


@pytest.mark.parametrize(
    ("whole", "cut_start", "cut_end"),
    [
        ("ana.lima@freelists.org", 8, 0),  # an answer starting at "@freelists.org"
        ("https://lists.example.org/archive", 0, -8),  # one ending inside the address
        ("25,000", 3, 0),  # "000" of "25,000"
        ("12.75", 0, -2),
    ],
)
def test_an_answer_never_starts_or_ends_inside_an_address_or_a_number(
    whole: str, cut_start: int, cut_end: int
) -> None:
    text = f"Questions about the fund go to {whole} before Friday. Nothing else is new."
    start = text.index(whole)
    document = FakeDocument(text, ". ", keep=1)
    citation = cite(document, start + cut_start, start + len(whole) + cut_end, 0.5)
    assert citation.quote == whole
    assert text[citation.start : citation.end] == whole


def test_an_answer_is_shown_on_one_line_while_its_citation_stays_exact() -> None:
    text = "The kernel was written by Linus\nTorvalds in 1991. It grew fast."
    start = text.index("Linus")
    citation = cite(FakeDocument(text, ". ", keep=1), start, start + len("Linus\nTorvalds"), 0.9)
    answer = Answer(
        question="Who wrote it?", abstained=False, confidence=0.9, citations=(citation,)
    )
    assert answer.text == "Linus Torvalds"
    assert citation.quote == "Linus\nTorvalds" == text[citation.start : citation.end]
