"""Fuzzing the format readers: whatever a file's bytes, it gives text or a reason, and fast.

Each reader (text, Markdown, HTML, PDF) is fed random bytes, mutations of a valid file (bit
flips, truncation, inserted junk, cut and repeated slices), huge lines, deeply nested HTML
and PDFs with broken xref tables and streams. The property: ``extract`` returns text or
raises ExtractionError with a reason, never anything else, and the text then goes through
cleaning, chunking and sentence splitting, all within ``BUDGET_S`` per file. An index
update refuses a file that takes longer than its time limit, with the reason, and indexes
the rest.

CI runs a small fixed budget: derandomized and without an example database, so every run
tries the same inputs (about a minute here). A longer run, with fresh random inputs each
time, is behind an environment variable giving the examples per test:

    QA_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/index/sources/test_fuzz_loaders.py

A failing input is shrunk and printed with its ``@reproduce_failure`` blob.
"""

from __future__ import annotations

import html
import io
import logging
import os
import random
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from index import ChunkingConfig, ExtractionError, IndexBuilder, IndexStore
from index.sources.documents import SourceFile, make_document
from index.sources.extraction_process import ExtractionProcess
from index.sources.formats import Format, reflow_pdf_text
from index.update.reading import make_record
from qa.settings import Settings
from tests.index.fakes import HashEmbedder
from tests.index.pdf_files import make_pdf

# Longest one fuzzed file may take, extraction and cutting together. Generous for a busy
# CI machine; the hangs fuzzing found took minutes.
BUDGET_S = 10.0
_LONG_RUN = os.environ.get("QA_FUZZ_EXAMPLES")


def fuzz_settings(ci_examples: int) -> settings:
    """Hypothesis settings: ``ci_examples`` fixed inputs, or QA_FUZZ_EXAMPLES random ones."""
    return settings(
        max_examples=int(_LONG_RUN) if _LONG_RUN else ci_examples,
        derandomize=not _LONG_RUN,
        database=None,
        deadline=None,  # the budget is checked in ``read_fully``, with the file's format
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


PARAGRAPHS = [
    "The harbour at Port Ellen reopened on Thursday after repairs to the pier.",
    "Dr. Mara Lindqvist, the guild's treasurer, keeps the accounts in a ledger (since 1998).",
    "Crews worked through the night; the ferry timetable resumes on Monday at 6 a.m.",
]
TEXT_FILE = "\n\n".join(PARAGRAPHS).encode()
MARKDOWN_FILE = (
    "# Harbour reopens\n\n"
    f"{PARAGRAPHS[0]}\n\n## Repairs\n\n- {PARAGRAPHS[1]}\n- [timetable](http://x.test/t)\n\n"
    f"> {PARAGRAPHS[2]}\n\n```\ncode block\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
).encode()
HTML_FILE = (
    "<!doctype html><html><head><title>Harbour reopens</title><script>track()</script>"
    "<style>p { color: red }</style></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>Harbour reopens</h1>"
    + "".join(f"<p>{html.escape(p)}</p>" for p in PARAGRAPHS)
    + "<table><tr><td>pier</td><td>1998</td></tr></table></article><footer>(c)</footer>"
    "<!-- comment --></body></html>"
).encode()
PDF_FILE = make_pdf([[p[:60], p[60:]] for p in PARAGRAPHS])

# Bytes that mean something to a reader, spliced into files by ``mutated``.
TOKENS = {
    "text": [b"\n", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"....", b"\t"],
    "markdown": [b"# ", b"```", b"[", b"](", b"|", b"> ", b"- ", b"***", b"\n\n"],
    "html": [
        b"<div>",
        b"</div>",
        b"<script>",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"&#x",
        b"&amp",
        b"<table><tr><td>",
        b"<p>",
        b"</",
        b"<",
        b">",
        b'"',
        b"<meta charset='utf-16'>",
    ],
    "pdf": [
        b"obj",
        b"endobj",
        b"stream\n",
        b"endstream",
        b"xref",
        b"trailer",
        b"startxref",
        b"%%EOF",
        b"<<",
        b">>",
        b"[",
        b"]",
        b" 0 R",
        b"/Length",
        b"-1",
        b"99999999999",
        b"/Filter /FlateDecode",
        b"/Type /Pages",
        b"/Kids [2 0 R]",
        b"/Encrypt",
        b"(",
        b")",
        b"\\",
    ],
}


@pytest.fixture(autouse=True, scope="module")
def _quiet_parsers() -> Iterator[None]:
    """Parsers log a warning for every repair they make; thousands of them slow the run."""
    loggers = [logging.getLogger(name) for name in ("pypdf", "trafilatura", "htmldate")]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.CRITICAL)
    yield
    for each, level in zip(loggers, levels, strict=True):
        each.setLevel(level)


def _count(outcome: str) -> None:
    """Tally an outcome for ``--hypothesis-show-statistics`` (inside a Hypothesis test)."""
    if currently_in_test_context():
        event(outcome)


def read_fully(raw: bytes, file_format: Format) -> str | None:
    """Extract and cut one file as an index update does; its text, or None when refused.

    Fails the test if anything but ExtractionError is raised, if a refusal gives no
    reason, or if the file takes longer than ``BUDGET_S``.
    """
    started = time.monotonic()
    suffix = {"text": ".txt", "markdown": ".md", "html": ".html", "pdf": ".pdf"}[file_format]
    source = SourceFile(Path("fuzz" + suffix), "/fuzz" + suffix, Path("/"))
    # make_document is extract() with its ExtractionError turned into a problem; any other
    # exception escapes and fails the test.
    document, problem = make_document(source, raw, "fuzz")
    if document is None:
        assert problem is not None and problem.message.strip(), "a refusal must say why"
        _count(f"refused: {problem.message.split('(')[0].strip()}")
        text = None
    else:
        assert isinstance(document.text, str)
        assert document.format == file_format
        assert list(document.page_starts) == sorted(document.page_starts)
        assert all(0 <= start <= len(document.text) for start in document.page_starts)
        record = make_record(document, ChunkingConfig())
        for span in (*record.chunks, *record.sentences):
            assert 0 <= span.start < span.end <= len(record.text)
        text = document.text
        _count("read" if record.chunks else "read, but no chunks")
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_S, f"{len(raw)} bytes of {file_format} took {elapsed:.1f} s"
    return text


@st.composite
def mutated(draw: st.DrawFn, base: bytes, tokens: list[bytes]) -> bytes:
    """``base`` with a few random edits: bit flips, cuts, junk, tokens, repeats, truncation."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "delete", "junk", "token", "repeat", "truncate"]))
        if edit == "flip" and position < len(data):
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif edit == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif edit == "junk":
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "token":
            data[position:position] = draw(st.sampled_from(tokens))
        elif edit == "repeat":
            piece = bytes(data[position : position + draw(st.integers(1, 64))])
            data[position:position] = piece * draw(st.integers(1, 50))
        elif edit == "truncate":
            del data[position:]
    return bytes(data)


# Words and marks the cleaning rules look for ("Share on Facebook", "[label](link)").
WORDS = ["share", "on", "facebook", "|", "subscribe", "page", "1", "[", "](", ")", "![", "# "]
# A short unit repeated into one long line without a break, between a word or two: where
# splitters and regular expressions go quadratic.
long_lines = st.builds(
    lambda head, unit, count, tail: (head + unit * count + tail)[:200_000],
    st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
    st.text(alphabet=".!?\"')]([ -#*_>|\tx9", min_size=1, max_size=4)
    | st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("".join),
    st.integers(1_000, 40_000),
    st.sampled_from(["", "z", ".", " end"]),
)
encoded_texts = st.builds(
    lambda text, encoding: text.encode(encoding, errors="replace"),
    st.text(max_size=2_000),
    st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1", "utf-8-sig"]),
)


@pytest.mark.parametrize("file_format", ["text", "markdown"])
@fuzz_settings(200)
@given(data=st.data())
def test_text_and_markdown_give_text_or_a_reason(file_format: Format, data: st.DataObject) -> None:
    base = TEXT_FILE if file_format == "text" else MARKDOWN_FILE
    raw = data.draw(
        st.one_of(
            st.binary(max_size=4096),
            encoded_texts,
            long_lines.map(str.encode),
            mutated(base, TOKENS[file_format]),
        )
    )
    read_fully(raw, file_format)


# Sentences with accented letters, for files that mix UTF-8 and Windows-1252.
ACCENTED = [
    "L'été dernier, le comité a décidé de réviser les comptes du port.",
    "Die Grüße aus München waren schön, sagte der Bürgermeister später.",
    "El niño comió piña y jamón en la estación de Córdoba.",
    "Zoë and José met at the café in Ségou before the régime fell.",
]
_PRINTABLE = [*range(32, 127), *range(128, 256)]


# Random printable ASCII and high bytes, no control byte (seeded, so Hypothesis shrinks it
# by size and seed, never to a tidy run of one letter, which would be text).
def _noise(seed: int, size: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choice(_PRINTABLE) for _ in range(size))


printable_noise = st.builds(_noise, st.integers(0, 2**32), st.integers(512, 16_384))


def _mixed(parts: list[tuple[bool, list[str]]]) -> bytes:
    return b"\n".join(
        " ".join(sentences).encode("utf-8" if utf8 else "cp1252") for utf8, sentences in parts
    )


# Paragraphs in UTF-8 and in Windows-1252, each way at least twice, in any order.
mixed_encodings = st.lists(
    st.lists(st.sampled_from(ACCENTED), min_size=2, max_size=6), min_size=2, max_size=6
).flatmap(
    lambda paragraphs: st.permutations(
        [(i % 2 == 0, sentences) for i, sentences in enumerate(paragraphs)]
    ).map(_mixed)
)


@pytest.mark.parametrize("file_format", ["text", "markdown"])
@fuzz_settings(50)
@given(raw=st.one_of(printable_noise, mixed_encodings))
def test_printable_noise_and_mixed_encodings_are_refused(file_format: Format, raw: bytes) -> None:
    # Neither is indexed as text: no one encoding reads it without noise or mojibake.
    source = SourceFile(Path("fuzz.txt"), "/fuzz.txt", Path("/"))
    document, problem = make_document(source, raw, "fuzz")
    assert document is None, document.text[:200]
    assert problem is not None
    reasons = ("not text: no encoding", "mixed encodings:")
    assert problem.message.startswith(reasons), problem.message


def _tag_soup(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    tags = ["div", "p", "span", "article", "table", "tr", "td", "ul", "li", "b", "script"]
    return st.builds(
        lambda tag, attributes, inner, closed: (
            f"<{tag}{attributes}>{''.join(inner)}" + (f"</{tag}>" if closed else "")
        ),
        st.sampled_from(tags),
        st.sampled_from(["", " class='x'", ' id="a', " style=color:red", " data-x=<>"]),
        st.lists(children, max_size=4),
        st.booleans(),
    )


tag_soups = st.recursive(
    st.text(max_size=80).map(html.escape) | st.sampled_from(PARAGRAPHS),
    _tag_soup,
    max_leaves=40,
).map(lambda body: f"<html><body>{body}</body></html>".encode())


@fuzz_settings(200)
@given(
    raw=st.one_of(
        st.binary(max_size=4096),
        mutated(HTML_FILE, TOKENS["html"]),
        tag_soups,
        long_lines.map(lambda line: f"<html><body><p>{line}</p></body></html>".encode()),
    )
)
def test_html_gives_text_or_a_reason(raw: bytes) -> None:
    read_fully(raw, "html")


def _pdf(objects: list[bytes], xref: str, startxref_shift: int, trailer: bool) -> bytes:
    """A PDF from numbered objects, its cross-reference table written, damaged or left out."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    table_at = out.tell()
    if xref != "missing":
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for number, offset in enumerate(offsets):
            wrong = {"zeros": 0, "shifted": offset + 7, "reversed": offsets[-1 - number]}
            out.write(b"%010d 00000 n \n" % wrong.get(xref, offset))
    if trailer:
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % max(0, table_at + startxref_shift))
    return out.getvalue()


@st.composite
def broken_pdfs(draw: st.DrawFn) -> bytes:
    """One page of text, with its xref table, stream lengths and structure drawn broken."""
    lines = draw(st.lists(st.sampled_from(PARAGRAPHS) | st.text(max_size=60), max_size=5))
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    content = (
        "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"({line}) Tj T*" for line in escaped) + " ET"
    ).encode("utf-8")
    compress = draw(st.booleans())
    stream = zlib.compress(content) if compress else content
    cut = draw(st.sampled_from(["whole", "truncated", "garbled"]))
    if cut == "truncated":
        stream = stream[: draw(st.integers(0, len(stream)))]
    elif cut == "garbled":
        stream = draw(mutated(stream, TOKENS["pdf"]))
    length = draw(st.sampled_from([len(stream), 0, -1, len(stream) * 3, 2**40]))
    filters = b" /Filter /FlateDecode" if compress else b""
    kids = draw(st.sampled_from([b"[4 0 R]", b"[2 0 R 4 0 R]", b"[4 0 R 4 0 R]", b"[9 0 R]", b"4"]))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids "
        + kids
        + b" /Count "
        + draw(st.sampled_from([b"1", b"-5"]))
        + b">>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (length, filters) + stream + b"\nendstream",
    ]
    return _pdf(
        objects,
        xref=draw(st.sampled_from(["ok", "missing", "zeros", "shifted", "reversed"])),
        startxref_shift=draw(st.sampled_from([0, 0, -3, 11, -(10**6), 10**6])),
        trailer=draw(st.booleans()),
    )


@fuzz_settings(400)
@given(
    raw=st.one_of(
        st.binary(max_size=4096),
        st.binary(max_size=2048).map(lambda tail: b"%PDF-1.7\n" + tail),
        mutated(PDF_FILE, TOKENS["pdf"]),
        broken_pdfs(),
    )
)
def test_pdf_gives_text_or_a_reason(raw: bytes) -> None:
    read_fully(raw, "pdf")


def _nested(open_tag: bytes, close_tag: bytes, depth: int, closed: bool = True) -> bytes:
    middle = b" ".join(p.encode() for p in PARAGRAPHS)
    return (
        b"<html><body>"
        + open_tag * depth
        + middle
        + (close_tag * depth if closed else b"")
        + b"</body></html>"
    )


@pytest.mark.parametrize(
    ("name", "raw", "file_format"),
    [
        ("100k nested divs", _nested(b"<div>", b"</div>", 100_000), "html"),
        ("100k unclosed divs", _nested(b"<div><p>x", b"", 100_000, closed=False), "html"),
        ("20k nested tables", _nested(b"<table><tr><td>", b"</td></tr></table>", 20_000), "html"),
        ("100k nested comments", _nested(b"<!--<b>", b"--></b>", 100_000), "html"),
        (
            "2 MB line of HTML",
            b"<html><body><p>" + b"word " * 400_000 + b"</p></body></html>",
            "html",
        ),
        ("4 MB line of text", b"word " * 800_000, "text"),
        # Without a space, the chunker cuts character by character: linear, but 4 MB takes
        # about 7 s here, too near the budget on a loaded machine; 1 MB takes under 2 s.
        ("1 MB line of markdown without a space", b"# " + b"x" * 1_000_000, "markdown"),
        # Found by fuzzing: sentence splitting took minutes on 50 KB of dots, the clutter
        # rules as long on a word and 20,000 spaces, and Markdown links on "[a](" repeated.
        ("1 MB of dots", b"." * 1_000_000, "text"),
        ("1 MB of ?!", b"?!" * 500_000, "markdown"),
        ("a word and 200k spaces", b"share" + b" " * 200_000 + b"z", "text"),
        ("200k unclosed links", b"[a](" * 200_000, "markdown"),
        ("200k nested brackets", b"-[[x" * 200_000, "markdown"),
        ("100k nested arrays", _pdf([b"[" * 100_000 + b"]" * 100_000], "ok", 0, True), "pdf"),
        (
            "page tree of 20k levels",
            _pdf(
                [b"<< /Type /Catalog /Pages 2 0 R >>"]
                + [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % n for n in range(3, 20_002)]
                + [b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"],
                "ok",
                0,
                True,
            ),
            "pdf",
        ),
    ],
)
def test_pathological_file_is_read_or_refused_in_bounded_time(
    name: str, raw: bytes, file_format: Format
) -> None:
    read_fully(raw, file_format)


def test_pdf_page_of_many_short_lines_is_reflowed_in_linear_time() -> None:
    # Found by fuzzing: joining wrapped lines took minutes on a page of 100k short lines.
    page = "\n".join(["word"] * 100_000)
    started = time.monotonic()
    assert reflow_pdf_text(page) == " ".join(["word"] * 100_000)
    assert time.monotonic() - started < 2


def slow_pdf(lines: int = 100_000) -> bytes:
    """A valid PDF that takes pypdf many seconds: one page of ``lines`` separately placed lines."""
    content = b"BT /F1 11 Tf " + b"0 -14 Td (word) Tj " * lines + b"ET"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        ],
        "ok",
        0,
        True,
    )


def test_a_file_over_the_time_limit_is_refused_and_the_next_one_read() -> None:
    with ExtractionProcess(time_limit_s=0.5) as extraction:
        started = time.monotonic()
        with pytest.raises(ExtractionError, match=r"took longer than 0\.5 s"):
            extraction.extract(slow_pdf(), "pdf")
        assert time.monotonic() - started < 5
        assert "Port Ellen" in extraction.extract(PDF_FILE, "pdf").text
        assert "Port Ellen" in extraction.extract(HTML_FILE, "html").text
        assert "Port Ellen" in extraction.extract(TEXT_FILE, "text").text


def _peak_rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="memory limit: Linux only")
def test_memory_is_bounded_and_a_file_over_the_limit_refused() -> None:
    # About 300 MB of parse trees when read without a limit.
    huge_page = b"<html><body>" + b"<p>word word word.</p>" * 200_000 + b"</body></html>"
    limit = 64 * 2**20
    with ExtractionProcess(time_limit_s=60, memory_limit_bytes=limit) as extraction:
        assert "Port Ellen" in extraction.extract(HTML_FILE, "html").text
        child = extraction._process
        assert child is not None
        started_with = _peak_rss_bytes(child.pid)
        # The reason depends on where an allocation failed: lxml, inside trafilatura, takes
        # its failure for a page without text.
        with pytest.raises(ExtractionError, match=r"."):
            extraction.extract(huge_page, "html")
        if extraction._process is child:
            assert _peak_rss_bytes(child.pid) < started_with + limit
        assert "Port Ellen" in extraction.extract(HTML_FILE, "html").text


def test_a_reader_that_dies_refuses_only_its_file() -> None:
    with ExtractionProcess(time_limit_s=60) as extraction:
        assert "Port Ellen" in extraction.extract(PDF_FILE, "pdf").text
        child = extraction._process
        assert child is not None
        # Killed while reading, as a crash in a C parser or the kernel's OOM killer would.
        threading.Timer(0.5, child.kill).start()
        with pytest.raises(ExtractionError, match=r"stopped on this file .*exit code -9"):
            extraction.extract(slow_pdf(), "pdf")
        assert "Port Ellen" in extraction.extract(PDF_FILE, "pdf").text


def test_an_update_refuses_a_slow_file_with_its_reason_and_indexes_the_rest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour.md").write_bytes(MARKDOWN_FILE)
    (folder / "guild.pdf").write_bytes(PDF_FILE)
    (folder / "page.html").write_bytes(HTML_FILE.replace(b"Port Ellen", b"Port Askaig"))
    (folder / "slow.pdf").write_bytes(slow_pdf())
    (folder / "nested.html").write_bytes(_nested(b"<div>", b"</div>", 100_000))
    (folder / "dots.txt").write_bytes(b"." * 200_000)
    limit = Settings.from_env({"QA_FILE_TIME_LIMIT": "1.5"}).file_time_limit_s
    assert limit == 1.5
    builder = IndexBuilder(HashEmbedder(), tmp_path / "index", file_time_limit_s=limit)
    started = time.monotonic()
    report = builder.update([folder])
    assert time.monotonic() - started < 30
    messages = {Path(p.path).name: p.message for p in report.problems}
    assert messages["slow.pdf"] == (
        "not read: the PDF reader took longer than 1.5 s (the time limit per file)"
    )
    assert set(report.added) >= {"harbour", "guild", "page"}
    assert "slow" not in report.added
    indexed = IndexStore(tmp_path / "index").load().documents
    assert "Port Ellen" in indexed["guild"].text
    assert "Port Askaig" in indexed["page"].text


def test_the_time_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="QA_FILE_TIME_LIMIT"):
        Settings.from_env({"QA_FILE_TIME_LIMIT": "soon"})
    with pytest.raises(ValueError, match="positive"):
        Settings(documents=(), file_time_limit_s=0)
