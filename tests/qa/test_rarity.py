"""Word rarity for the feature reader: counted over all sentences, or an even sample of them."""

from __future__ import annotations

from qa.features import Vocabulary
from qa.reader import sample_sentences
from tests.qa.fake_documents import FakeDocument


def _documents(count: int) -> dict[str, FakeDocument]:
    half = count // 2
    first = "|".join(f"Sentence {i} names the ferry." for i in range(half))
    second = "|".join(f"Sentence {i} names the ferry." for i in range(half, count))
    return {"a": FakeDocument(first, doc_id="a"), "b": FakeDocument(second, doc_id="b")}


def test_a_small_index_gives_every_sentence_in_order() -> None:
    documents = _documents(10)
    sentences = list(sample_sentences(documents, limit=100))
    assert sentences == [f"Sentence {i} names the ferry." for i in range(10)]


def test_a_large_index_gives_an_even_sample_across_documents() -> None:
    sentences = list(sample_sentences(_documents(1000), limit=100))
    assert len(sentences) == 100
    numbers = [int(text.split()[1]) for text in sentences]
    assert numbers == list(range(0, 1000, 10))
    assert numbers[-1] >= 500  # the second document is sampled too


def test_rarity_from_the_sample_keeps_each_words_share() -> None:
    documents = _documents(2000)
    full = Vocabulary(sample_sentences(documents, limit=10_000))
    sampled = Vocabulary(sample_sentences(documents, limit=200))
    word = full.stem("names")
    assert abs(full.idf(word) - sampled.idf(word)) < 0.01
    # A word in every sentence weighs less than one in none, in both counts.
    for vocabulary in (full, sampled):
        assert vocabulary.idf(vocabulary.stem("sentence")) < vocabulary.idf(
            vocabulary.stem("zebra")
        )
