"""Chunk and sentence offsets point at exactly the right characters, even on repeated text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index import ChunkingConfig, Document, chunk_document, make_record, split_sentences
from index.sources.formats import PAGE_SEPARATOR, reflow_pdf_text


def _document(text: str) -> Document:
    return Document("doc", "title", "/tmp/doc.txt", text, "hash", len(text))


def _covered(text: str, spans: list[tuple[int, int]]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def test_offsets_exact_and_complete_on_repeated_text() -> None:
    text = "The same sentence repeats here. " * 120 + "\n\n" + "Another line repeats. " * 80
    config = ChunkingConfig(chunk_size_chars=120, chunk_overlap_chars=40)
    chunks = chunk_document(_document(text), config)
    assert len(chunks) > 30
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
    # Every non-space character is inside some chunk: offsets did not collapse onto the
    # first occurrence of the repeated text (the LangChain add_start_index bug).
    covered = _covered(text, [(c.start, c.end) for c in chunks])
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_chunk_size_and_ids() -> None:
    text = "\n".join(f"Paragraph {n} has a few words in it." for n in range(200))
    chunks = chunk_document(_document(text), ChunkingConfig(300, 50))
    assert all(len(c.text) <= 300 for c in chunks)
    assert [c.chunk_id for c in chunks] == [f"doc#{i}" for i in range(len(chunks))]


def test_sentences_keep_abbreviations_and_initials_together() -> None:
    text = "Dr. Smith met Mr. J. R. Jones in the U.S. on Monday. They spoke at 3 p.m. Then left!"
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "Dr. Smith met Mr. J. R. Jones in the U.S. on Monday.",
        "They spoke at 3 p.m. Then left!",
    ] or sentences == [
        "Dr. Smith met Mr. J. R. Jones in the U.S. on Monday.",
        "They spoke at 3 p.m.",
        "Then left!",
    ]


def test_quotes_end_sentences_and_lines_always_do() -> None:
    text = "“It is over,” he said. “We won.”\nHeadline without stop\nNext one."
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "“It is over,” he said.",
        "“We won.”",
        "Headline without stop",
        "Next one.",
    ]


_TEXT = st.text(
    alphabet=st.sampled_from(list("abc XYZ.,!?\n\n“”'-é0123")), min_size=0, max_size=600
)


@settings(max_examples=150, deadline=None)
@given(text=_TEXT, size=st.integers(60, 200), overlap=st.integers(0, 50))
def test_chunk_offsets_property(text: str, size: int, overlap: int) -> None:
    chunks = chunk_document(_document(text), ChunkingConfig(size, overlap))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()


@settings(max_examples=200, deadline=None)
@given(text=_TEXT)
def test_sentence_offsets_property(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert piece and piece == piece.strip()
        assert "\n" not in piece
        assert span.start >= previous_end
        previous_end = span.end


_LINE = st.one_of(
    st.text(alphabet=st.sampled_from(list("abc XYZ.,!?“”'-é0123")), min_size=0, max_size=80),
    st.sampled_from(
        [
            "Advertisement",
            "Share on Facebook",
            "[Share on Twitter](https://t.co/x)",
            "![logo](logo.png)",
            "## Related stories",
            "list 1 of 2",
            "end of list",
            "Page 3 of 9",
            "42",
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(_LINE, max_size=40), newline=st.sampled_from(["\n", "\r\n"]))
def test_cleaned_chunks_and_sentences_stay_exact_with_clutter_and_markdown(
    lines: list[str], newline: str
) -> None:
    text = newline.join(lines)
    record = make_record(_document(text), ChunkingConfig(80, 20))
    for span in (*record.chunks, *record.sentences):
        piece = text[span.start : span.end]
        assert piece and piece == piece.strip()
        assert "Advertisement" not in piece and "Share on" not in piece


@settings(max_examples=100, deadline=None)
@given(pages=st.lists(st.text(alphabet="ab .\n", max_size=60), min_size=1, max_size=8))
def test_page_at_names_the_page_each_offset_came_from(pages: list[str]) -> None:
    texts = [reflow_pdf_text(page) for page in pages]
    starts, position = [], 0
    for page_text in texts:
        starts.append(position)
        position += len(page_text) + len(PAGE_SEPARATOR)
    text = PAGE_SEPARATOR.join(texts)
    document = Document("d", "t", "/d.pdf", text, "h", 1, "pdf", tuple(starts))
    record = make_record(document, ChunkingConfig(60, 10))
    for number, page_text in enumerate(texts, start=1):
        for offset in range(starts[number - 1], starts[number - 1] + len(page_text)):
            assert record.page_at(offset) == number
