"""Rendering answers and the document list as HTML in which every document character is text."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from qa import Answer, Citation, Passage

# The highlight is marked by words as well as colour, so it survives a screen reader,
# a monochrome display and copy-and-paste.
ANSWER_OPEN = "[answer: "
ANSWER_CLOSE = "]"
RELATED_LABEL = "may help, not an answer"
PREVIEW_CHARS = 280
# One pass over the text, so a reference written for one character is never escaped again.
_ESCAPES = {ord(char): f"&#{ord(char)};" for char in "&<>\"'$`*_[]{}|~\\#"}


def text(value: str) -> str:
    """Escape ``value`` so that HTML, Markdown and Gradio templates all show it as text.

    Besides ``& < > " '``, the characters that Markdown or Gradio's ``${...}`` templates
    treat specially are written as character references, and line breaks become ``<br>``
    so that a message stays one HTML block (a blank line would end it and let Markdown
    rules apply to document text).

    Args:
        value: Any text, typically copied from a document.

    Returns:
        HTML that displays exactly ``value``.
    """
    escaped = value.translate(_ESCAPES)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


def confidence_words(confidence: float) -> str:
    """Confidence in words a person understands.

    Args:
        confidence: Estimated probability that the answer is right, in [0, 1].

    Returns:
        A short phrase such as "fairly confident".
    """
    if confidence >= 0.8:
        return "high confidence"
    if confidence >= 0.6:
        return "fairly confident"
    if confidence >= 0.4:
        return "unsure"
    return "low confidence"


def location(start: int, end: int, page: int | None = None) -> str:
    """Where a span is, in words: "page 3, characters 120–180" or "characters 120–180"."""
    where = f"characters {start:,}–{end:,}"
    return f"page {page}, {where}" if page is not None else where


@dataclass(frozen=True)
class _Piece:
    """A stretch of a passage and how it is shown."""

    text: str
    role: str  # "plain", "sentence" or "answer"


def _pieces(citation: Citation) -> list[_Piece]:
    """Cut the passage into plain text, the answer's sentence and the answer span itself."""
    base = citation.passage_start
    passage = citation.passage
    answer_start = citation.start - base
    answer_end = citation.end - base
    if not (0 <= answer_start <= answer_end <= len(passage)):
        # The passage does not hold the quote (it always should): show the quote alone.
        return [_Piece(citation.quote, "answer")]
    sentence_start = min(max(citation.sentence_start - base, 0), answer_start)
    sentence_end = max(min(citation.sentence_end - base, len(passage)), answer_end)
    cuts = [
        (0, sentence_start, "plain"),
        (sentence_start, answer_start, "sentence"),
        (answer_start, answer_end, "answer"),
        (answer_end, sentence_end, "sentence"),
        (sentence_end, len(passage), "plain"),
    ]
    return [_Piece(passage[a:b], role) for a, b, role in cuts if b > a]


def highlighted_passage(citation: Citation) -> str:
    """The cited passage as HTML, the answer span in ``<mark>`` with visible text markers."""
    parts: list[str] = []
    for piece in _pieces(citation):
        if piece.role == "answer":
            parts.append(
                f'<mark class="qa-answer"><span class="qa-marker">{text(ANSWER_OPEN)}</span>'
                f"{text(piece.text)}"
                f'<span class="qa-marker">{text(ANSWER_CLOSE)}</span></mark>'
            )
        elif piece.role == "sentence":
            parts.append(f'<span class="qa-sentence">{text(piece.text)}</span>')
        else:
            parts.append(text(piece.text))
    return "".join(parts)


def _file_name(source_path: str) -> str:
    return source_path.replace("\\", "/").rsplit("/", 1)[-1]


def citation_html(number: int, citation: Citation, open_: bool = False) -> str:
    """One numbered citation that expands to the passage with the answer highlighted."""
    where = location(citation.start, citation.end, citation.page)
    return (
        f'<details class="qa-citation"{" open" if open_ else ""}>'
        f'<summary><span class="qa-number">[{number}]</span> '
        f'<span class="qa-title">{text(citation.title)}</span> '
        f'<span class="qa-where">({text(where)})</span></summary>'
        f'<blockquote class="qa-passage">{highlighted_passage(citation)}</blockquote>'
        f'<p class="qa-meta">Document {text(_file_name(citation.source_path))}, '
        f"answer at {text(where)}; passage at "
        f"{text(location(citation.passage_start, citation.passage_end))}.</p>"
        "</details>"
    )


def related_html(number: int, passage: Passage) -> str:
    """A passage shown after an abstention, labelled as related rather than an answer."""
    preview = passage.text if len(passage.text) <= PREVIEW_CHARS else passage.text[:PREVIEW_CHARS]
    more = "…" if len(passage.text) > PREVIEW_CHARS else ""
    return (
        '<details class="qa-related">'
        f'<summary><span class="qa-number">[{number}]</span> '
        f'<span class="qa-title">{text(passage.title)}</span> '
        f'<span class="qa-where">({text(location(passage.start, passage.end))}; '
        f"{RELATED_LABEL})</span></summary>"
        f'<blockquote class="qa-passage">{text(preview)}{more}</blockquote>'
        "</details>"
    )


def answer_html(answer: Answer, max_related: int = 3) -> str:
    """The chat message for an answer: short answer, confidence in words, numbered citations.

    Every piece of document text is escaped, so a document holding ``<script>`` or
    ``<img onerror=...>`` shows those characters and nothing runs.

    Args:
        answer: What the pipeline returned.
        max_related: Most passages listed after an abstention (default 3).

    Returns:
        One HTML block (no blank lines) for the chat.
    """
    if answer.abstained:
        parts = [
            '<div class="qa-message qa-abstained">',
            f'<p class="qa-short"><strong>{text(answer.text)}</strong> '
            "No passage answered it clearly enough to quote as an answer.</p>",
        ]
        related = answer.related[:max_related]
        if related:
            parts.append(
                f'<p class="qa-related-heading">The closest passages ({RELATED_LABEL}):</p>'
            )
            parts.extend(related_html(n, p) for n, p in enumerate(related, start=1))
        parts.append("</div>")
        return "".join(parts)
    parts = [
        '<div class="qa-message">',
        f'<p class="qa-short"><strong>{text(answer.text)}</strong></p>',
        f'<p class="qa-confidence">Confidence: {confidence_words(answer.confidence)} '
        f"({answer.confidence:.0%})</p>",
    ]
    if answer.citations:
        parts.append(f'<p class="qa-sources-heading">Sources ({len(answer.citations)}):</p>')
        parts.extend(
            citation_html(n, c, open_=n == 1) for n, c in enumerate(answer.citations, start=1)
        )
    parts.append("</div>")
    return "".join(parts)


def question_html(question: str) -> str:
    """The user's own message, shown as typed."""
    return f'<div class="qa-question">{text(question)}</div>'


def human_size(size_bytes: int) -> str:
    """File size in words, in the binary units Gradio's own messages use: "812 bytes", "4.2 KB"."""
    if size_bytes < 1024:
        return f"{size_bytes} bytes"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"


def human_time(iso_utc: str) -> str:
    """An ISO 8601 UTC timestamp as "27 Nov 2026, 10:15 UTC" (unparseable values unchanged)."""
    try:
        parsed = time.strptime(iso_utc, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return iso_utc
    return time.strftime("%d %b %Y, %H:%M UTC", parsed)


@dataclass(frozen=True)
class SourceRow:
    """One document as the sources panel lists it."""

    doc_id: str
    title: str
    file_name: str
    size_bytes: int
    chunks: int
    added_at: str
    also_in: tuple[str, ...] = ()


def _source_row(row: SourceRow) -> str:
    also = f"<br>also in {text(', '.join(row.also_in))}" if row.also_in else ""
    return (
        f'<tr><th scope="row"><span class="qa-title">{text(row.title)}</span>'
        f'<br><span class="qa-file">{text(row.file_name)}{also}</span></th>'
        f"<td>{text(human_size(row.size_bytes))}</td>"
        f"<td>{row.chunks}</td>"
        f"<td>{text(human_time(row.added_at))}</td></tr>"
    )


def sources_html(rows: Iterable[SourceRow]) -> str:
    """The document list as an HTML table with a caption and column headers."""
    rows = list(rows)
    if not rows:
        return '<p class="qa-sources-empty">No documents are indexed yet. Add one below.</p>'
    return (
        '<table class="qa-sources">'
        f"<caption>{len(rows)} document{'s' if len(rows) != 1 else ''} indexed</caption>"
        '<thead><tr><th scope="col">Document</th><th scope="col">Size</th>'
        '<th scope="col">Chunks</th><th scope="col">Added</th></tr></thead>'
        f"<tbody>{''.join(_source_row(row) for row in rows)}</tbody></table>"
    )


def status_html(lines: Iterable[str], ok: bool = True) -> str:
    """A status message (upload or removal result) announced politely to screen readers."""
    items = "".join(f"<li>{text(line)}</li>" for line in lines)
    kind = "qa-ok" if ok else "qa-error"
    return f'<div class="qa-status {kind}" role="status" aria-live="polite"><ul>{items}</ul></div>'
