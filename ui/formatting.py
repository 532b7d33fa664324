"""Rendering answers and status messages as HTML in which every document character is text."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa import Answer, Citation, Passage, Span
from qa.confidence import confidence_words

# The highlight is marked by words as well as colour, so it survives a screen reader,
# a monochrome display and copy-and-paste.
ANSWER_OPEN = "[answer: "
ANSWER_CLOSE = "]"
# A statement's span in its source, marked as an answer's is but named for what it is.
RELATED_LABEL = "may help, not an answer"
PREVIEW_CHARS = 280
# A source's heading shows its cited sentence up to this many characters.
HEADING_CHARS = 160
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


def location(start: int, end: int, page: int | None = None) -> str:
    """Where a span is, in words: "page 3, characters 120–180" or "characters 120–180"."""
    where = f"characters {start:,}–{end:,}"
    return f"page {page}, {where}" if page is not None else where


@dataclass(frozen=True)
class _Piece:
    """A stretch of a passage and how it is shown."""

    text: str
    role: str  # "plain", "sentence" or "answer"


def _pieces(citations: Sequence[Citation]) -> list[_Piece]:
    """Cut a passage into plain text, the cited sentences and the answer spans themselves.

    All ``citations`` come from the same passage. Spans that do not fall inside it (they
    always should) are left out; when none does, the quotes are shown alone.
    """
    passage = citations[0].passage
    base = citations[0].passage_span.start
    roles = [0] * len(passage)  # 0 plain, 1 sentence, 2 + i the i-th answer span
    placed = False
    for i, citation in enumerate(citations):
        a, b = citation.start - base, citation.end - base
        if not (0 <= a <= b <= len(passage)):
            continue
        placed = True
        s = min(max(citation.sentence_span.start - base, 0), a)
        e = max(min(citation.sentence_span.end - base, len(passage)), b)
        for k in range(s, e):
            roles[k] = max(roles[k], 1)
        for k in range(a, b):
            roles[k] = 2 + i
    if not placed:
        return [_Piece(citation.quote, "answer") for citation in citations]
    pieces: list[_Piece] = []
    begin = 0
    for k in range(1, len(passage) + 1):
        if k == len(passage) or roles[k] != roles[begin]:
            role = ("plain", "sentence")[roles[begin]] if roles[begin] < 2 else "answer"
            pieces.append(_Piece(passage[begin:k], role))
            begin = k
    return pieces


def highlighted_passage(citations: Sequence[Citation], opening: str = ANSWER_OPEN) -> str:
    """A cited passage as HTML, each cited span in ``<mark>`` with visible text markers.

    Args:
        citations: The spans cited in one passage (at least one).
        opening: The words opening each marked span (default ``ANSWER_OPEN``).
    """
    parts: list[str] = []
    for piece in _pieces(citations):
        if piece.role == "answer":
            parts.append(
                f'<mark class="qa-answer"><span class="qa-marker">{text(opening)}</span>'
                f"{text(piece.text)}"
                f'<span class="qa-marker">{text(ANSWER_CLOSE)}</span></mark>'
            )
        elif piece.role == "sentence":
            parts.append(f'<span class="qa-sentence">{text(piece.text)}</span>')
        else:
            parts.append(text(piece.text))
    return "".join(parts)


def file_name(source_path: str) -> str:
    return source_path.replace("\\", "/").rsplit("/", 1)[-1]


def group_sources(citations: Iterable[Citation]) -> list[tuple[Citation, ...]]:
    """The answer's citations gathered by passage, in the order the answer cites them.

    One source is shown per passage, listing every span cited in it, so two spans of the
    same passage never look like two different sources.
    """
    groups: dict[tuple[str, Span], list[Citation]] = {}
    for citation in citations:
        key = (citation.doc_id, citation.passage_span)
        groups.setdefault(key, []).append(citation)
    return [tuple(group) for group in groups.values()]


def _clip(value: str, limit: int = HEADING_CHARS) -> str:
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    return value[:limit].rsplit(" ", 1)[0] + "…"


def _quoted(sentence: str) -> str:
    """The sentence, clipped, in quotation marks unless it opens with its own."""
    shown = _clip(sentence)
    return shown if shown[:1] in "“\"‘'" else f"“{shown}”"


def source_id(key: str, number: int) -> str:
    """The HTML id of source ``number`` of the answer whose messages carry ``key``."""
    return f"qa-src-{key}-{number}"


def source_html(key: str, number: int, citations: Sequence[Citation], open_: bool = False) -> str:
    """One numbered source: the document's name and the cited sentence, then the passage.

    Args:
        key: The answer's key, so that ids stay unique in a chat of many answers.
        number: The source's number, as the answer's markers show it.
        citations: The spans cited in this passage (at least one).
        open_: Show the passage from the start.
    """
    first = citations[0]
    spans = "; ".join(location(c.start, c.end, c.page) for c in citations)
    label = "answer at" if len(citations) == 1 else f"{len(citations)} answer spans at"
    return (
        f'<details class="qa-citation" id="{source_id(key, number)}"{" open" if open_ else ""}>'
        f'<summary><span class="qa-number">[{number}]</span> '
        f'<span class="qa-title">{text(first.title)}</span>'
        f'<span class="qa-heading-sentence"> — {text(_quoted(first.sentence))}</span></summary>'
        f'<blockquote class="qa-passage">{highlighted_passage(citations)}</blockquote>'
        f'<p class="qa-meta">From <span class="qa-file">'
        f"{text(file_name(first.source_path))}</span>; {label} {text(spans)}; passage at "
        f"{text(location(first.passage_span.start, first.passage_span.end))}.</p>"
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
        f'<span class="qa-where">({RELATED_LABEL})</span></summary>'
        f'<blockquote class="qa-passage">{text(preview)}{more}</blockquote>'
        f'<p class="qa-meta">From <span class="qa-file">{text(file_name(passage.source_path))}'
        f"</span>; passage at {text(location(passage.start, passage.end, passage.page))}.</p>"
        "</details>"
    )


def copy_text(answer: Answer) -> str:
    """What the copy button puts on the clipboard: the answer, then each source cited."""
    lines = [answer.text]
    for number, group in enumerate(group_sources(answer.citations), start=1):
        first = group[0]
        where = "; ".join(location(c.start, c.end, c.page) for c in group)
        lines.append(
            f"[{number}] {first.title} ({file_name(first.source_path)}, {where}): "
            f"“{' '.join(first.sentence.split())}”"
        )
    return "\n".join(lines)


def answer_html(answer: Answer, key: str = "answer", max_related: int = 3) -> str:
    """The chat message for an answer: short answer with source markers, confidence, sources.

    Every piece of document text is escaped, so a document holding ``<script>`` or
    ``<img onerror=...>`` shows those characters and nothing runs.

    Args:
        answer: What the pipeline returned.
        key: Unique within the chat; the sources' ids and the markers' links use it.
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
    sources = group_sources(answer.citations)
    # The chat's sanitizer keeps ids, classes and links but drops data- and aria- attributes,
    # so a marker finds its source by its link and the copy button reads hidden lines.
    markers = "".join(
        f'<a class="qa-cite" href="#{source_id(key, n)}">[{n}]</a>'
        for n in range(1, len(sources) + 1)
    )
    clipboard = "".join(
        f'<span class="qa-copy-line">{text(line)}</span>' for line in copy_text(answer).split("\n")
    )
    parts = [
        '<div class="qa-message">',
        f'<p class="qa-short"><strong>{text(answer.text)}</strong>'
        f"{' ' + markers if markers else ''}</p>",
        f'<p class="qa-confidence">Confidence: {confidence_words(answer.confidence)} '
        f"({answer.confidence:.0%}) "
        '<button type="button" class="qa-copy">Copy answer</button></p>',
        f'<div class="qa-copy-text">{clipboard}</div>',
    ]
    if sources:
        parts.append(f'<p class="qa-sources-heading">Sources ({len(sources)}):</p>')
        parts.extend(
            source_html(key, n, group, open_=n == 1) for n, group in enumerate(sources, start=1)
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


def status_html(lines: Iterable[str], ok: bool = True) -> str:
    """A status message (upload or removal result) announced politely to screen readers."""
    items = "".join(f"<li>{text(line)}</li>" for line in lines)
    kind = "qa-ok" if ok else "qa-error"
    # Focusable from script only (tabindex -1): the focus moves here after a removal.
    return (
        f'<div class="qa-status {kind}" role="status" aria-live="polite" tabindex="-1">'
        f"<ul>{items}</ul></div>"
    )
