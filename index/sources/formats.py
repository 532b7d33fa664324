"""Turning a file's bytes into the text that citation offsets point into, per file format.

Plain text and Markdown are decoded and kept as they are. HTML goes through trafilatura,
which keeps the article and drops navigation, scripts and styles. PDF text comes from pypdf,
page by page; the start offset of every page is kept so a citation can name its page.
"""

from __future__ import annotations

import codecs
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from index.sources.legacy_encodings import legacy_encoding, utf8_line_chars
from index.sources.titles import html_title, markdown_title, pdf_title

logger = logging.getLogger(__name__)

Format = Literal["text", "markdown", "html", "pdf"]

SUFFIX_FORMATS: dict[str, Format] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
# Page texts are joined with a blank line, so a chunk or sentence never runs across a page.
PAGE_SEPARATOR = "\n\n"
_SNIFF_BYTES = 8192
# Share of control characters (other than tab, line breaks and form feed) above which a
# "text" file is taken for binary data.
_BINARY_CONTROL_SHARE = 0.10
# Invalid UTF-8 with at most this many damaged bytes, or one per _MOSTLY valid non-ASCII
# characters, is UTF-8 with damage; with under one character on valid UTF-8 lines per
# _MOSTLY damaged bytes, a legacy encoding; in between, a mix of encodings.
_FEW_DAMAGED = 3
_MOSTLY = 20
# Last characters of a line that ends a sentence (or a quotation, or a bracket).
_SENTENCE_END = ".!?:;\"'”’)]"
# A wrapped PDF line fills most of the text column (the width of the page's longer lines);
# shorter lines are headings or list items.
_WRAPPED_SHARE = 0.75
_WRAPPED_LINE_MIN_CHARS = 30


class ExtractionError(Exception):
    """The file cannot be indexed; the message says why, in words a user understands."""


@dataclass(frozen=True)
class ExtractedText:
    """The text of one file and what is known about its layout.

    Attributes:
        text: The text that every offset of the document points into.
        format: The file format it came from.
        title: The title the file gives itself, if any (see ``index.sources.titles``).
        page_starts: For PDFs, the offset in ``text`` where each page starts (page 1 first).
        warning: Something the user should know although the file was indexed.
    """

    text: str
    format: Format
    title: str | None = None
    page_starts: tuple[int, ...] = ()
    warning: str | None = None


TextExtractor = Callable[[bytes, Format], ExtractedText]
"""What turns a file's bytes into its text: ``extract``, or one that runs it under limits
(``index.sources.extraction_process.ExtractionProcess.extract``)."""


def format_of(suffix: str) -> Format | None:
    """The format of files ending in ``suffix`` (case-insensitive), or None if unsupported."""
    return SUFFIX_FORMATS.get(suffix.lower())


def extract(raw: bytes, file_format: Format) -> ExtractedText:
    """Extract the text of a file's bytes.

    Args:
        raw: The file's bytes.
        file_format: Its format (see ``format_of``).

    Returns:
        The text, with page offsets for PDFs and a warning when something was repaired.

    Raises:
        ExtractionError: The file is empty, binary, encrypted, malformed or has no text.
    """
    if not raw.strip():
        raise ExtractionError("file is empty")
    if file_format == "pdf":
        return _extract_pdf(raw)
    if file_format == "html":
        return _extract_html(raw)
    text, warning = decode_text(raw)
    title = markdown_title(text) if file_format == "markdown" else None
    return ExtractedText(text=text, format=file_format, title=title, warning=warning)


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """Decode a text file: UTF-8 or UTF-16, else a legacy encoding; refuse binary data.

    UTF-16 is recognised by its byte-order mark, or without one by the zero bytes that
    every other byte of mostly Latin-script UTF-16 text is.

    Valid UTF-8 with a few damaged bytes keeps its UTF-8 and has the damaged bytes replaced
    with U+FFFD. A file with (almost) no lines of valid UTF-8 beyond ASCII is in a legacy
    encoding, which charset-normalizer finds by how little noise each candidate decodes to
    (Windows-1252, then Windows-1251, among equally clean ones); where none reads it without
    noise, it is refused. So is a file of many lines in UTF-8 and many in something else: no
    one encoding reads it.

    Returns:
        The text, and a warning when bytes were replaced or a legacy encoding was assumed.

    Raises:
        ExtractionError: The bytes look like binary data rather than text.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace"), None
    head = raw[:_SNIFF_BYTES]
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in head:
        utf16 = _utf16_without_mark(raw)
        if utf16 is not None:
            return utf16
        raise ExtractionError(
            f"not text: {controls / len(head):.0%} control bytes, NUL among them (binary data)"
        )
    if controls > _BINARY_CONTROL_SHARE * len(head):
        raise ExtractionError(f"not text: {controls / len(head):.0%} control bytes (binary data)")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    repaired = raw.decode("utf-8", errors="replace")
    replaced = repaired.count("\ufffd")
    decoded = sum(1 for char in repaired if char > "\x7f") - replaced
    if decoded and replaced <= max(_FEW_DAMAGED, decoded // _MOSTLY):
        # Valid UTF-8 (accented letters decode) with a few damaged bytes.
        warning = f"invalid UTF-8 at byte {first_bad}; undecodable bytes were replaced with U+FFFD"
        return repaired, warning
    # Counted on whole lines: legacy text is valid UTF-8 here and there by chance.
    in_utf8 = utf8_line_chars(raw)
    if in_utf8 * _MOSTLY > replaced:
        raise ExtractionError(
            f"mixed encodings: {in_utf8} characters are UTF-8 and {replaced} bytes are not; "
            "save the file in one encoding (UTF-8)"
        )
    encoding = legacy_encoding(raw)
    if encoding is None:
        raise ExtractionError(
            "not text: no encoding reads it without noise (random or binary bytes)"
        )
    text = raw.decode(encoding, errors="replace")
    if encoding == "cp1252":
        return text, "not UTF-8; read as Windows-1252 (Latin-1)"
    return text, f"not UTF-8; read as {codecs.lookup(encoding).name}"


def _utf16_without_mark(raw: bytes) -> tuple[str, str] | None:
    """The text of UTF-16 without a byte-order mark, and a warning; None if it is not that.

    Text in a Latin script has a zero high byte in most characters: at odd offsets in
    little-endian files, even ones in big-endian. It must then decode cleanly into text with
    few control characters.
    """
    head = raw[: _SNIFF_BYTES - _SNIFF_BYTES % 2]
    if len(raw) % 2 or len(head) < 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    for zeros, others, encoding, name in (
        (odd, even, "utf-16-le", "little-endian"),
        (even, odd, "utf-16-be", "big-endian"),
    ):
        if zeros >= 0.6 * pairs and others <= 0.05 * pairs:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None
            sample = text[: _SNIFF_BYTES // 2]
            controls = sum(1 for char in sample if char < " " and char not in "\t\n\f\r")
            if controls <= _BINARY_CONTROL_SHARE * len(sample):
                return text, f"no byte-order mark; read as UTF-16 ({name})"
    return None


def _extract_html(raw: bytes) -> ExtractedText:
    import trafilatura
    from trafilatura.settings import DEFAULT_CONFIG

    # trafilatura gives up silently on pages above its size limit; say so instead.
    limit = DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE")
    if len(raw) > limit:
        raise ExtractionError(
            f"HTML file is too large to extract ({len(raw) / 1e6:.0f} MB; the HTML extractor "
            f"stops at {limit / 1e6:.0f} MB); save the article as text to index it"
        )
    try:
        result = trafilatura.bare_extraction(
            raw,
            with_metadata=False,  # titles.html_title: trafilatura's may be hidden text
            include_comments=False,
            include_tables=True,
            # "Please enable JavaScript" notices are not article text.
            prune_xpath="//noscript",
        )
    except Exception as exc:  # a parser bug on one page must not stop the whole run
        raise ExtractionError(f"HTML could not be parsed ({type(exc).__name__}: {exc})") from exc
    text = getattr(result, "text", None) or ""
    if not text.strip():
        raise ExtractionError("HTML page has no article text (only scripts, styles or navigation)")
    return ExtractedText(text=text, format="html", title=html_title(raw))


def _extract_pdf(raw: bytes) -> ExtractedText:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types on damaged files
        raise ExtractionError(f"malformed PDF ({_describe(exc)}); export or save it again") from exc
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # unsupported encryption (e.g. AES without cryptography)
            opened = False
        if not opened:
            raise ExtractionError(
                "PDF is encrypted (password protected); save an unencrypted copy to index it"
            )
    pages: list[str] = []
    unreadable: list[int] = []
    try:
        page_list = list(reader.pages)
    except Exception as exc:
        raise ExtractionError(f"malformed PDF ({_describe(exc)}); export or save it again") from exc
    for number, page in enumerate(page_list, start=1):
        try:
            pages.append(reflow_pdf_text(page.extract_text()))
        except Exception as exc:
            logger.debug("page %d: %s", number, exc)
            pages.append("")
            unreadable.append(number)
    if not any(page.strip() for page in pages):
        if unreadable:
            raise ExtractionError(f"malformed PDF: no page could be read (of {len(pages)})")
        raise ExtractionError("PDF has no text layer (scanned images?); run OCR on it to index it")
    page_starts: list[int] = []
    position = 0
    for page_text in pages:
        page_starts.append(position)
        position += len(page_text) + len(PAGE_SEPARATOR)
    warning = (
        f"pages {', '.join(map(str, unreadable))} could not be read and were left out"
        if unreadable
        else None
    )
    try:
        metadata_title = reader.metadata.title if reader.metadata else None
    except Exception:  # a damaged information dictionary loses the title, not the text
        metadata_title = None
    text = PAGE_SEPARATOR.join(pages)
    return ExtractedText(
        text=text,
        format="pdf",
        title=pdf_title(metadata_title, text),
        page_starts=tuple(page_starts),
        warning=warning,
    )


def reflow_pdf_text(page_text: str) -> str:
    """Join the wrapped lines of a PDF page back into paragraphs.

    PDF text comes out one printed line per line, so a sentence often runs over several.
    A line is joined to the next when it does not end a sentence and either the next starts
    in lower case or the line is nearly as wide as the page's text column (it was wrapped);
    a trailing hyphen before a lower-case word is a word split over two lines. Headings,
    shorter than the column, stay on their own line.

    Args:
        page_text: Text of one page as pypdf extracts it.

    Returns:
        The page text with wrapped lines joined.
    """
    lines = [line.strip() for line in page_text.splitlines()]
    widths = sorted(len(line) for line in lines if line)
    column = widths[int(0.9 * (len(widths) - 1))] if widths else 0
    wrapped_from = max(_WRAPPED_LINE_MIN_CHARS, int(_WRAPPED_SHARE * column))
    # Each paragraph is kept as its pieces and joined once at the end: adding every wrapped
    # line to a growing string (and searching that string for its last character) would take
    # quadratic time on a page of many thousands of short lines.
    out: list[list[str]] = []
    previous_width = 0
    for line in lines:
        if not out or not line or not out[-1][-1]:
            out.append([line])
            previous_width = len(line)
            continue
        pieces = out[-1]
        previous = pieces[-1]  # the line before, never empty here
        starts_lower = line[0].islower()
        if previous.endswith("-") and starts_lower and (len(pieces) > 1 or len(previous) > 1):
            pieces[-1] = previous[:-1]
            pieces.append(line)
        elif previous[-1] not in _SENTENCE_END and (starts_lower or previous_width >= wrapped_from):
            pieces.extend((" ", line))
        else:
            out.append([line])
        previous_width = len(line)
    return "\n".join("".join(pieces) for pieces in out).strip()


def _describe(exc: Exception) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
