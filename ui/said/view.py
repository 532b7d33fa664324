"""The "Who said what" view as HTML: a listing's statements grouped by speaker and document,
each in its paragraph with the statement marked, and a whole document opened at one."""

from __future__ import annotations

from collections.abc import Sequence

from index import DocumentRecord
from index.statements.statement import ORGANISATION
from ui.formatting import ANSWER_CLOSE, file_name, highlighted_passage, text
from ui.said.export import citation_text
from ui.said.listing import QUOTED, REPORTED, ListedPlace, ListedStatement, Listing, SpeakerRow

__all__ = [
    "STATEMENT_OPEN",
    "document_html",
    "listing_html",
    "speaker_choices",
]

# A statement's place is marked like an answer, in words as well as colour.
STATEMENT_OPEN = "[statement: "
# A document longer than this opens on this many characters around the statement.
MAX_DOCUMENT_CHARS = 200_000


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' if count != 1 else ''}"


def speaker_choices(rows: Sequence[SpeakerRow]) -> list[tuple[str, str]]:
    """The speaker list's options: "Name · n statements · m documents", the name as value."""
    return [(row.label, row.name) for row in rows]


def _open_button(place: ListedPlace, label: str, css: str = "qa-open-document") -> str:
    citation = place.citation
    return (
        f'<button type="button" class="{css}" data-doc="{text(place.doc_id)}" '
        f'data-start="{citation.start}" data-end="{citation.end}">{text(label)}</button>'
    )


def _how(listed: ListedStatement) -> str:
    """How it was said, in words: quoted or reported, and the verb as written."""
    verb = f"“{text(listed.shown.verb)}”" if listed.shown.verb else ""
    if listed.item.direct:
        how = f"In quotation marks; {verb}" if verb else "In quotation marks, going on"
    else:
        how = f"Reported, not their exact words; {verb}" if verb else "Reported"
    return how


def statement_html(listed: ListedStatement) -> str:
    """One statement: quoted or reported, its words, how it was said, "Copy with citation" and
    a way to open the whole document there (its paragraph follows it, ``_paragraph_group``).

    Args:
        listed: The statement, placed in its paragraph.
    """
    item = listed.item
    kind = "Quoted" if item.direct else "Reported"
    words = f"“{text(item.text)}”" if item.direct else text(item.text)
    others = "".join(
        f"<li>{_open_button(place, f'{place.title} ({place.file_name}), paragraph {place.paragraph}', 'qa-open-document qa-link')}</li>"  # noqa: E501
        for place in listed.others
    )
    also = f'<div class="qa-meta">Also in:<ul class="qa-also">{others}</ul></div>' if others else ""
    copies = (
        f'<p class="qa-meta">The same story is also in '
        f"{text(', '.join(file_name(path) for path in item.also_in))}.</p>"
        if item.also_in
        else ""
    )
    clipboard = "".join(
        f'<span class="qa-copy-line">{text(line)}</span>'
        for line in citation_text(listed).split("\n")
    )
    return (
        f'<li class="qa-statement"><p class="qa-said-text">'
        f'<span class="qa-kind qa-{kind.lower()}">{kind}</span> {words}</p>'
        f'<p class="qa-meta qa-how">{_how(listed)}</p>'
        f'<p class="qa-actions"><button type="button" class="qa-copy">Copy with citation</button>'
        f" {_open_button(listed.shown, 'Open the whole document')}</p>"
        f'<div class="qa-copy-text">{clipboard}</div>{also}{copies}</li>'
    )


def _by_document(
    statements: Sequence[ListedStatement],
) -> list[tuple[ListedPlace, list[ListedStatement]]]:
    """Statements gathered by the document they are shown in, in the order first met."""
    groups: dict[str, tuple[ListedPlace, list[ListedStatement]]] = {}
    for listed in statements:
        groups.setdefault(listed.shown.doc_id, (listed.shown, []))[1].append(listed)
    return list(groups.values())


def _paragraph_group(statements: Sequence[ListedStatement], first: int) -> str:
    """Statements of one paragraph, numbered from ``first``, then the paragraph with each
    of them marked."""
    items = "".join(statement_html(listed) for listed in statements)
    citations = [listed.shown.citation for listed in statements]
    return (
        f'<div class="qa-paragraph-group"><ol class="qa-statements" start="{first}">{items}</ol>'
        f'<p class="qa-meta qa-paragraph-label">Paragraph {statements[0].shown.paragraph}:</p>'
        f'<blockquote class="qa-passage qa-paragraph">'
        f"{highlighted_passage(citations, STATEMENT_OPEN)}</blockquote></div>"
    )


def _document_group(place: ListedPlace, statements: Sequence[ListedStatement], level: int) -> str:
    """One document's statements under its title, those of one paragraph together."""
    runs: list[list[ListedStatement]] = []
    for listed in statements:
        span = listed.shown.citation.passage_span
        if runs and runs[-1][-1].shown.citation.passage_span == span:
            runs[-1].append(listed)
        else:
            runs.append([listed])
    groups, number = [], 1
    for run in runs:
        groups.append(_paragraph_group(run, number))
        number += len(run)
    return (
        f'<section class="qa-said-document"><h{level} class="qa-document-heading">'
        f'<span class="qa-title">{text(place.title)}</span> '
        f'<span class="qa-file">{text(place.file_name)}</span> '
        f'<span class="qa-count">({_plural(len(statements), "statement")})</span>'
        f"</h{level}>{''.join(groups)}</section>"
    )


def _summary(listing: Listing) -> str:
    """How many statements, in how many documents; what the filters keep; quoted and
    reported among those shown."""
    query, statements = listing.query, listing.statements
    whole = (
        f"{_plural(listing.total, 'statement')} in {_plural(len(listing.documents), 'document')}"
    )
    if not query.speaker:
        whole += ", the closest to the topic first"
    kept = []
    if query.said in (QUOTED, REPORTED):
        kept.append(f"{query.said} only")
    if query.document:
        kept.append(f"in “{dict(listing.documents).get(query.document, query.document)}” only")
    if kept:
        whole += f"; {len(statements):,} shown ({', '.join(kept)})"
    quoted = sum(s.item.direct for s in statements)
    if statements and query.said not in (QUOTED, REPORTED):
        whole += f": {quoted:,} quoted, {len(statements) - quoted:,} reported"
    return text(whole + ".")


def _speaker_listing(listing: Listing, heading: str) -> str:
    groups = "".join(
        _document_group(place, items, 3) for place, items in _by_document(listing.statements)
    )
    return f"{heading}{groups}"


def _topic_listing(listing: Listing, heading: str) -> str:
    sections = []
    for speaker in listing.speakers:
        theirs = [s for s in listing.statements if s.item.speaker == speaker]
        kind = " (organisation)" if theirs[0].kind == ORGANISATION else ""
        groups = "".join(_document_group(place, items, 4) for place, items in _by_document(theirs))
        sections.append(
            f'<section class="qa-about-speaker"><h3 class="qa-about-name">{text(speaker)}{kind}'
            f"</h3>{groups}</section>"
        )
    return heading + "".join(sections)


def listing_html(listing: Listing | None, speakers: int) -> str:
    """The Who said what listing, or why nothing is listed.

    Args:
        listing: What is listed (None when no speaker or topic is chosen).
        speakers: How many speakers the documents quote at all.
    """
    if not speakers:
        return (
            '<p class="qa-said-empty">No one is quoted in your documents yet. Statements '
            "attributed to a person (“…,” she said) are listed here once a document "
            "holding them is indexed.</p>"
        )
    if listing is None:
        return (
            '<p class="qa-said-empty">Choose a speaker from the list to see what they said, '
            "or find who said what about a topic.</p>"
        )
    query = listing.query
    if query.speaker:
        heading = f"What {text(query.speaker)} said"
        if not listing.total:
            return (
                f'<p class="qa-said-empty" role="status">No one called {text(query.speaker)} '
                "is quoted in your documents.</p>"
            )
    else:
        heading = f"Who said what about {text(query.topic)}"
        if not listing.total:
            return (
                f'<p class="qa-said-empty" role="status">Nobody in your documents said '
                f"anything about {text(query.topic)}.</p>"
            )
    top = (
        f'<h2 class="qa-said-heading" tabindex="-1">{heading}</h2>'
        f'<p class="qa-said-summary" role="status">{_summary(listing)}</p>'
    )
    if not listing.statements:
        top += (
            '<p class="qa-said-empty">None is left by the filters: show all statements, or '
            "every document, to see them again.</p>"
        )
        return f'<div class="qa-said">{top}</div>'
    body = _speaker_listing(listing, top) if query.speaker else _topic_listing(listing, top)
    return f'<div class="qa-said{"" if query.speaker else " qa-about"}">{body}</div>'


def _marked_text(document: str, start: int, end: int, offset: int) -> str:
    """``document`` (which begins at ``offset`` of the whole text) with ``start..end``
    marked."""
    a, b = start - offset, end - offset
    return (
        f"{text(document[:a])}"
        f'<mark class="qa-answer" id="qa-document-mark"><span class="qa-marker">'
        f"{text(STATEMENT_OPEN)}</span>{text(document[a:b])}"
        f'<span class="qa-marker">{text(ANSWER_CLOSE)}</span></mark>{text(document[b:])}'
    )


def document_html(record: DocumentRecord, start: int, end: int, speaker: str) -> str:
    """A whole document, opened over the page, with one statement marked.

    Args:
        record: The document.
        start: Where the statement starts in the document's text.
        end: Where it ends (exclusive).
        speaker: Who made it ("" when the documents name no one for it).
    """
    whole = record.text
    start, end = max(0, min(start, len(whole))), max(0, min(end, len(whole)))
    begin, finish = 0, len(whole)
    if finish > MAX_DOCUMENT_CHARS:
        begin = max(0, start - MAX_DOCUMENT_CHARS // 2)
        finish = min(len(whole), begin + MAX_DOCUMENT_CHARS)
    shown = _marked_text(whole[begin:finish], start, max(start, end), begin)
    part = (
        f"; characters {begin:,}–{finish:,} of {len(whole):,} are shown"
        if (begin, finish) != (0, len(whole))
        else ""
    )
    whose = f"{speaker}’s statement" if speaker else "The statement"
    return (
        '<div class="qa-document-view" role="dialog" aria-modal="true" '
        'aria-labelledby="qa-document-title"><div class="qa-document-box">'
        '<div class="qa-document-top"><h2 id="qa-document-title" tabindex="-1">'
        f"{text(record.title)}</h2>"
        '<button type="button" class="qa-document-close">Close</button></div>'
        f'<p class="qa-meta">{text(file_name(record.source_path))}. {text(whose)} is marked'
        f"{text(part)}.</p>"
        '<div class="qa-document-text" tabindex="0" role="region" '
        f'aria-label="The text of {text(record.title)}">{shown}</div></div></div>'
    )
