"""The title that heads a document's citations and its line in the documents list."""

from __future__ import annotations

import io
from pathlib import Path

from index.sources.documents import SourceFile, make_document
from tests.index.pdf_files import make_pdf

RUSTDOC_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<title>What is rustdoc? - The rustdoc book</title></head><body>
<div id="help-container" hidden><div id="help-popup">
<h1 class="help-title">Keyboard shortcuts</h1>
<p>Press <kbd>S</kbd> or <kbd>/</kbd> to search in the book</p></div></div>
<nav class="sidebar"><ol><li><a href="what-is-rustdoc.html">What is rustdoc?</a></li>
<li><a href="command-line-arguments.html">Command-line arguments</a></li></ol></nav>
<main><h1 id="what-is-rustdoc">What is rustdoc?</h1>
<p>The standard Rust distribution ships with a tool called rustdoc. Its job is to generate
documentation for Rust projects. Rustdoc takes as an argument either a crate root or a
Markdown file, and produces HTML, CSS, and JavaScript.</p></main></body></html>"""


def title_of_file(name: str, raw: bytes) -> str:
    """The title a file is listed and cited under."""
    source = SourceFile(Path(f"/docs/{name}"), f"/docs/{name}", Path("/docs"))
    document, problem = make_document(source, raw, Path(name).stem)
    assert document is not None, problem
    return document.title


def test_html_title_is_the_title_element_not_a_hidden_dialog() -> None:
    assert title_of_file("what-is-rustdoc.html", RUSTDOC_PAGE.encode()) == (
        "What is rustdoc? - The rustdoc book"
    )


def test_html_without_a_title_element_is_titled_by_its_first_visible_h1() -> None:
    page = """<html><body>
    <template><h1>Loading…</h1></template>
    <div style="display: none"><h1>Keyboard shortcuts</h1></div>
    <dialog id="cookies"><h1>We value your privacy</h1></dialog>
    <div aria-hidden="true"><h1>Menu</h1></div>
    <article><h1>Harbour <span hidden>(draft)</span> reopens after the storm</h1>
    <p>The harbour reopened on Tuesday after crews cleared the storm debris overnight,
    the port authority said, and the first ferries left for the islands at noon.</p>
    </article></body></html>"""
    assert title_of_file("harbour.html", page.encode()) == "Harbour reopens after the storm"


def test_markdown_title_is_its_first_heading_without_badges_or_markup() -> None:
    readme = (
        "[![Build status](https://ci.example.com/badge.svg)](https://ci.example.com/tide)"
        " [![PyPI](https://img.shields.io/pypi/v/tide.svg)](https://pypi.org/project/tide)\n"
        "\n"
        "# **Tide**: tables of [harbour tides](https://tide.example.com) in `Python`\n"
        "\n"
        "Tide predicts high and low water for any harbour from its constituents.\n"
    )
    assert title_of_file("README.md", readme.encode()) == (
        "Tide: tables of harbour tides in Python"
    )
    underlined = "<!-- generated -->\nHarbour *log* book\n==================\n\nDay one.\n"
    assert title_of_file("log.md", underlined.encode()) == "Harbour log book"
    # A "#" line in a code block is a shell comment, not a heading.
    fenced = "Run it:\n\n```sh\n# install first\npip install tide\n```\n\n## Usage\n"
    assert title_of_file("install.md", fenced.encode()) == "Usage"


def test_markdown_without_a_heading_is_titled_by_its_file_name() -> None:
    notes = (
        "[![Build status](https://ci.example.com/badge.svg)](https://ci.example.com/tide)\n"
        "\n"
        "Remember to check the harbour gauge every morning before the ferries leave.\n"
    )
    assert title_of_file("harbour-notes.md", notes.encode()) == "harbour-notes"


def _with_metadata_title(pdf: bytes, title: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_title_is_its_metadata_title_unless_that_is_junk() -> None:
    report = make_pdf(
        [
            [
                "- 1 -",
                "Annual report of the lighthouse keepers guild",
                "The guild was founded in 1821 by seven keepers who worked along the",
                "northern coast and met twice a year in the harbour town of Tromsø.",
            ]
        ]
    )
    titled = _with_metadata_title(report, "The Lighthouse Keepers Guild: Report for 1998")
    assert title_of_file("guild.pdf", titled) == "The Lighthouse Keepers Guild: Report for 1998"
    for junk in ("Microsoft Word - guild_report_FINAL.doc", "untitled", "guild.pdf", " -- "):
        assert title_of_file("guild.pdf", _with_metadata_title(report, junk)) == (
            "Annual report of the lighthouse keepers guild"
        ), junk
