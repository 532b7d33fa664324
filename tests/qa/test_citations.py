"""Citations point at exact characters; the reader's focus keeps whole sentences."""

from __future__ import annotations

from dataclasses import dataclass

from qa.citations import cite
from qa.focus import focus_range
from qa.types import Passage

TEXT = (
    "The council met on Monday. The bridge will reopen in May, the mayor said. "
    "Repairs cost 3 million euros. Traders welcomed the news."
)


@dataclass(frozen=True)
class Range:
    start: int
    end: int


@dataclass(frozen=True)
class Doc:
    doc_id: str = "d1"
    title: str = "Bridge"
    source_path: str = "bridge.txt"
    text: str = TEXT

    @property
    def sentences(self) -> list[Range]:
        ranges, start = [], 0
        for part in TEXT.split(". "):
            end = min(len(TEXT), start + len(part) + 1)
            ranges.append(Range(start, end))
            start = end + 1
        return ranges

    def page_at(self, offset: int) -> int | None:
        return None


def _same(words: list[str]) -> list[str]:
    return words


def _passage() -> Passage:
    return Passage("d1#0", "d1", "Bridge", "bridge.txt", 0, len(TEXT), TEXT, 1.0)


def test_a_citation_quotes_exactly_and_trims_white_space() -> None:
    start = TEXT.index("3 million")
    citation = cite(Doc(), start - 1, start + len("3 million euros"), 0.8, _passage())
    assert citation.quote == "3 million euros"
    assert TEXT[citation.start : citation.end] == citation.quote
    assert citation.sentence == "Repairs cost 3 million euros."
    assert TEXT[citation.sentence_start : citation.sentence_end] == citation.sentence
    assert citation.passage == TEXT and citation.score == 0.8


def test_focus_keeps_the_best_matching_sentence_and_its_neighbours() -> None:
    doc = Doc()
    start, end = focus_range(
        "How much did the repairs cost?", TEXT, 0, len(TEXT), doc.sentences, 70, _same
    )
    assert "Repairs cost 3 million euros." in TEXT[start:end]
    assert end - start <= 70
    assert any(s.start == start for s in doc.sentences)


def test_focus_reads_a_short_passage_whole() -> None:
    doc = Doc()
    assert focus_range("Who?", TEXT, 0, len(TEXT), doc.sentences, 1000, _same) == (
        0,
        len(TEXT),
    )
