"""BM25 postings built block by block: the same scores as bm25s's own build, saved and mapped."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.storage.lexical import LEXICAL_FILES, LexicalIndexWriter, lexical_tokens, load_lexical

CHUNKS = [
    "The Kestrel volcano erupted in the spring, and ash covered three villages.",
    "Farmers moved their sheep inland while the volcano smoked.",
    "A small bakery opened on Main Street; the baker sells rye bread.",
    "",  # a chunk with no words still takes its row
    "the and of to",  # nor does one of stop words alone
    "Bread, bread and more bread: the bakery's rye loaves sold out by noon.",
    "Twelve players entered the chess tournament and the youngest won.",
    "Geologists said the volcano's crater still smokes at dawn, as volcanoes do.",
]
QUESTIONS = [
    "Which villages did the ash cover?",
    "Who sells rye bread?",
    "volcano",
    "How many players entered the tournament?",
    "bread bread",
    "quasar",  # in no chunk
]


def bm25s_scores(question: str) -> np.ndarray:
    reference = bm25s.BM25()
    reference.index(lexical_tokens(CHUNKS), show_progress=False)
    return np.asarray(reference.get_scores(lexical_tokens([question])[0]))


@pytest.mark.parametrize("block_pairs", [1, 3, 1 << 20])
def test_postings_score_every_chunk_as_bm25s_does(block_pairs: int) -> None:
    writer = LexicalIndexWriter()
    writer.block_pairs = block_pairs  # one term per block, a few, or all at once
    writer.add(CHUNKS[:3])
    writer.add(CHUNKS[3:])
    assert writer.rows == len(CHUNKS)
    built = writer.build()
    assert built is not None
    for question in QUESTIONS:
        ours = built.get_scores(lexical_tokens([question])[0])
        np.testing.assert_array_equal(ours, bm25s_scores(question), err_msg=question)
    volcano = built.get_scores(["volcano"])
    assert {int(row) for row in np.flatnonzero(volcano)} == {0, 1, 7}


def test_saved_postings_are_mapped_from_disk_and_score_the_same(tmp_path: Path) -> None:
    writer = LexicalIndexWriter()
    writer.add(CHUNKS)
    assert writer.save(tmp_path) == LEXICAL_FILES
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(LEXICAL_FILES)
    loaded = load_lexical(tmp_path)
    assert isinstance(loaded.scores["data"], np.memmap)
    for question in QUESTIONS:
        ours = loaded.get_scores(lexical_tokens([question])[0])
        np.testing.assert_array_equal(ours, bm25s_scores(question), err_msg=question)


def test_no_chunks_write_no_postings(tmp_path: Path) -> None:
    writer = LexicalIndexWriter()
    assert writer.build() is None
    assert writer.save(tmp_path) == ()
    assert list(tmp_path.iterdir()) == []


def test_unchanged_chunks_copied_from_the_previous_version_score_as_if_tokenized(
    tmp_path: Path,
) -> None:
    first = LexicalIndexWriter()
    first.add(CHUNKS[:5])
    first.save(tmp_path)
    # The next version keeps chunks 2-4 of the first, drops 0-1 and adds the rest.
    second = LexicalIndexWriter(previous=tmp_path)
    assert second.add_unchanged(2, 3)
    second.add(CHUNKS[5:])
    kept = CHUNKS[2:]
    built = second.build()
    assert built is not None
    reference = bm25s.BM25()
    reference.index(lexical_tokens(kept), show_progress=False)
    for question in QUESTIONS:
        tokens = lexical_tokens([question])[0]
        np.testing.assert_array_equal(
            built.get_scores(tokens), reference.get_scores(tokens), err_msg=question
        )
    # Terms only the dropped chunks had ("kestrel", "sheep") are forgotten.
    assert set(built.vocab_dict) == {token for tokens in lexical_tokens(kept) for token in tokens}


def test_without_a_previous_version_nothing_is_copied() -> None:
    writer = LexicalIndexWriter()
    assert not writer.add_unchanged(0, 1)
    assert writer.rows == 0
