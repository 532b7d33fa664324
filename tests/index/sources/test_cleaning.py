"""Clutter lines of news pages are never part of a chunk or sentence."""

from __future__ import annotations

from index import ChunkingConfig, Document, chunk_document, content_blocks, make_record
from tests.conftest import SEED_FILE

CLUTTER = [
    "Advertisement",
    "list 1 of 3",
    "end of list",
    "Related News",
    "EU votes to allow deportation",
    "Epstein documents",
    "Sahel fighters",
]


def _document(text: str) -> Document:
    return Document("d", "t", "/tmp/d.txt", text, "h", len(text))


def test_seed_article_clutter_is_never_in_a_chunk_or_sentence() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    record = make_record(_document(text), ChunkingConfig())
    pieces = [text[s.start : s.end] for s in (*record.chunks, *record.sentences)]
    for marker in CLUTTER:
        assert not any(marker in piece for piece in pieces), marker
    # Real article text on both sides of the clutter stays.
    joined = "\n".join(text[s.start : s.end] for s in record.chunks)
    assert "His remarks follow a round of mediated talks" in joined
    assert "It’s an absurd argument" in joined


def test_general_rules_hold_on_another_article() -> None:
    text = (
        "Storm closes schools across the region\n"
        "Heavy snow closed schools on Monday, officials said.\n"
        "ADVERTISEMENT\n"
        "Share this article\n"
        "list 1 of 2Flights cancelled as storm hits\n"
        "list 2 of 2Power cuts expected overnight\n"
        "end of list\n"
        "The mayor said roads would reopen by Tuesday.\n"
        "Subscribe to our newsletter\n"
        "Read more\n"
        "Related Stories\n"
        "Flights cancelled as storm hits\n"
        "Power cuts expected overnight\n"
    )
    blocks = [text[b.start : b.end] for b in content_blocks(text)]
    kept = "\n".join(blocks)
    assert "Heavy snow closed schools" in kept
    assert "The mayor said roads would reopen" in kept
    for clutter in (
        "ADVERTISEMENT",
        "Share this",
        "list 1",
        "Flights",
        "Power cuts",
        "Subscribe",
        "Read more",
        "Related Stories",
    ):
        assert clutter not in kept, clutter


def test_prose_after_a_related_heading_is_kept() -> None:
    long_sentence = " ".join(["word"] * 35) + "."
    text = f"Title\nRelated\nA short headline\n{long_sentence}\n"
    kept = [text[b.start : b.end] for b in content_blocks(text)]
    assert long_sentence in kept
    assert all("A short headline" not in block for block in kept)


def test_chunks_never_span_removed_lines() -> None:
    text = "First paragraph of text.\nAdvertisement\nSecond paragraph of text."
    chunks = chunk_document(_document(text), ChunkingConfig(chunk_size_chars=500))
    assert [c.text for c in chunks] == ["First paragraph of text.", "Second paragraph of text."]
