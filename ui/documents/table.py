"""The documents table: a page of the indexed documents that match a search, each with its
own Remove button, every name shown as text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ui.formatting import SourceRow, human_size, human_time, text

__all__ = ["PAGE_ROWS", "breakable", "matching", "page_count", "sources_html"]

# Rows shown at once; the others are a page away (or a search away).
PAGE_ROWS = 50
_BREAKS = re.compile(r"(?<=[_\-.])")


def breakable(name: str) -> str:
    """A file name as HTML that may wrap after ``_``, ``-`` or ``.`` rather than mid-word."""
    return "<wbr>".join(text(part) for part in _BREAKS.split(name))


def matching(rows: Sequence[SourceRow], search: str) -> list[SourceRow]:
    """The rows whose title, file name or other files hold every word of ``search``."""
    words = search.casefold().split()
    if not words:
        return list(rows)
    return [
        row
        for row in rows
        if all(
            word in " ".join((row.title, row.file_name, *row.also_in)).casefold() for word in words
        )
    ]


def page_count(rows: int) -> int:
    """Pages of ``PAGE_ROWS`` rows needed for ``rows`` rows (at least one)."""
    return max(1, -(-rows // PAGE_ROWS))


def _row(row: SourceRow) -> str:
    also = f"<br>also in {breakable(', '.join(row.also_in))}" if row.also_in else ""
    added = human_time(row.added_at)
    date, _, time_of_day = added.partition(", ")
    name = f"{row.title} ({row.file_name})"
    when = f' <span class="qa-time">{text(time_of_day)}</span>' if time_of_day else ""
    return (
        f'<tr><th scope="row"><span class="qa-title">{text(row.title)}</span>'
        f'<br><span class="qa-file">{breakable(row.file_name)}{also}</span>'
        f'<br><span class="qa-size">{text(human_size(row.size_bytes))} · '
        f"{row.chunks:,} chunk{'s' if row.chunks != 1 else ''}</span></th>"
        f'<td class="qa-added"><span class="qa-date">{text(date)}</span>'
        f"{when}</td>"
        f'<td class="qa-row-action"><button type="button" class="qa-remove-row" '
        f'data-doc="{text(row.doc_id)}" aria-label="Remove {text(name)}">Remove</button></td></tr>'
    )


def sources_html(rows: Sequence[SourceRow], search: str = "", page: int = 0) -> str:
    """One page of the documents matching ``search``, as a table with a caption that says how
    many there are and which are shown.

    Args:
        rows: Every indexed document, most recently added first.
        search: Words the title or file name must hold ("" for every document).
        page: Which page of ``PAGE_ROWS`` rows, from 0 (clamped to the last).
    """
    if not rows:
        return '<p class="qa-sources-empty">No documents are indexed yet. Add one below.</p>'
    found = matching(rows, search)
    indexed = f"{len(rows):,} document{'s' if len(rows) != 1 else ''} indexed"
    search = " ".join(search.split())
    if not found:
        return (
            f'<p class="qa-sources-empty" role="status">{indexed}; none matches '
            f"“{text(search)}”.</p>"
        )
    page = min(max(page, 0), page_count(len(found)) - 1)
    first = page * PAGE_ROWS
    shown = found[first : first + PAGE_ROWS]
    caption = indexed
    if search:
        caption += f"; {len(found):,} match “{search}”"
    if len(shown) < len(found):
        caption += f"; showing {first + 1:,}–{first + len(shown):,}"
    return (
        '<table class="qa-sources">'
        f"<caption>{text(caption)}</caption>"
        '<thead><tr><th scope="col">Document</th><th scope="col">Added</th>'
        '<th scope="col"><span class="qa-hidden-text">Remove</span></th></tr></thead>'
        f"<tbody>{''.join(_row(row) for row in shown)}</tbody></table>"
    )
