"""The "Who said what" view: speakers, and a speaker's statements each with its sources."""

from __future__ import annotations

from collections.abc import Sequence

from index.statements.statement import ORGANISATION, PERSON
from qa import Citation
from qa.readers.quotes.statements import SpeakerStatement, StatementStore
from qa.readers.quotes.topics import TopicStatement
from ui.formatting import file_name, highlighted_passage, location, source_id, text

# A statement's place is marked like an answer, in words as well as colour.
STATEMENT_OPEN = "[statement: "


def speaker_choices(store: StatementStore) -> list[tuple[str, str]]:
    """The speaker list's options: people first, then organisations (so marked), each as
    "Name (n statements)", the name as the value."""
    people = [(speaker_label(n, c), n) for n, c in store.speakers(PERSON)]
    organisations = [
        (speaker_label(n, c) + " · organisation", n) for n, c in store.speakers(ORGANISATION)
    ]
    return people + organisations


def about_html(topic: str, found: Sequence[TopicStatement], store: StatementStore) -> str:
    """Who said what about ``topic``: each speaker's statements on it, the best first,
    people and organisations alike, each statement with its sources."""
    topic = topic.strip()
    if not topic:
        return ""
    if not found:
        return (
            f'<p class="qa-said-empty" role="status">Nobody in your documents said anything '
            f"about {text(topic)}.</p>"
        )
    speakers = list(dict.fromkeys(f.item.speaker for f in found))
    groups = []
    for group, speaker in enumerate(speakers, start=1):
        kind = " (organisation)" if store.kind(speaker) == ORGANISATION else ""
        items = "".join(
            statement_html(f.item, store.citations(f.item), f"about-{group}-{n}")
            for n, f in enumerate((f for f in found if f.item.speaker == speaker), start=1)
        )
        groups.append(
            f'<li class="qa-about-speaker"><h3>{text(speaker)}{kind}</h3>'
            f'<ol class="qa-statements">{items}</ol></li>'
        )
    summary = (
        f"{len(found)} statement{'s' if len(found) != 1 else ''} by {len(speakers)} "
        f"speaker{'s' if len(speakers) != 1 else ''}, the closest to the topic first."
    )
    return (
        f'<div class="qa-about"><h2 class="qa-said-heading">Who said what about '
        f'{text(topic)}</h2><p class="qa-said-summary" role="status">{summary}</p>'
        f'<ul class="qa-about-speakers">{"".join(groups)}</ul></div>'
    )


def who_said_what(store: StatementStore, name: str | None) -> str:
    """The "Who said what" panel for ``name`` (a listed speaker or a typed part of a name)."""
    name = (name or "").strip()
    found = [(item, store.citations(item)) for item in store.statements(name)] if name else []
    return said_html(name, found, len(store.speakers()))


def speaker_label(name: str, count: int) -> str:
    """A speaker as the speaker list shows them: "Ali Hashem (3 statements)"."""
    return f"{name} ({count} statement{'s' if count != 1 else ''})"


def _place_html(key: str, number: int, citation: Citation) -> str:
    """One place a statement stands: the document and where, then its sentence, marked."""
    where = text(location(citation.start, citation.end, citation.page))
    return (
        f'<details class="qa-citation" id="{source_id(key, number)}">'
        f'<summary><span class="qa-number">[{number}]</span> '
        f'<span class="qa-title">{text(citation.title)}</span>'
        f'<span class="qa-where"> — {where}</span></summary>'
        f'<blockquote class="qa-passage">{highlighted_passage([citation], STATEMENT_OPEN)}'
        f'</blockquote><p class="qa-meta">From <span class="qa-file">'
        f"{text(file_name(citation.source_path))}</span>; statement at {where}.</p></details>"
    )


def statement_html(
    item: SpeakerStatement, citations: Sequence[Citation], key: str, with_speaker: bool = False
) -> str:
    """One statement: quoted or reported, its words, then every place it stands.

    Args:
        item: The statement.
        citations: Where it stands (``StatementStore.citations(item)``), each shown as a
            source that opens on the sentence with the statement marked.
        key: Unique within the page; the places' ids use it.
        with_speaker: Name the speaker (when the list holds several people's words).
    """
    if item.direct:
        kind, words = "Quoted", f"“{text(item.text)}”"
        how = (
            f"In quotation marks; verb: {text(item.verb)}."
            if item.verb
            else "In quotation marks, going on from the quotation before."
        )
    else:
        kind, words = "Reported", text(item.text)
        how = f"Reported speech, not their exact words; verb: {text(item.verb)}."
    speaker = f'<span class="qa-speaker">{text(item.speaker)}:</span> ' if with_speaker else ""
    also = (
        f'<p class="qa-meta">The same story is also in '
        f"{text(', '.join(file_name(path) for path in item.also_in))}.</p>"
        if item.also_in
        else ""
    )
    return (
        f'<li class="qa-statement"><p class="qa-said-text">'
        f'<span class="qa-kind qa-{kind.lower()}">{kind}</span> {speaker}{words}</p>'
        f'<p class="qa-meta">{how}</p>'
        f"{''.join(_place_html(key, n, c) for n, c in enumerate(citations, start=1))}"
        f"{also}</li>"
    )


def said_html(
    name: str | None,
    found: Sequence[tuple[SpeakerStatement, Sequence[Citation]]],
    speakers: int,
) -> str:
    """The "Who said what" panel: what the chosen speaker said, or why nothing is shown.

    Args:
        name: The name chosen or typed (None or "" when none is).
        found: The statements ``name`` finds, in document order, each with its citations.
        speakers: How many speakers the documents quote at all.
    """
    if not speakers:
        return (
            '<p class="qa-said-empty">No one is quoted in your documents yet. Statements '
            "attributed to a person (“…,” she said) are listed here once a document "
            "holding them is indexed.</p>"
        )
    if not name:
        return '<p class="qa-said-empty">Choose a speaker to see what they said.</p>'
    if not found:
        return (
            f'<p class="qa-said-empty">No one called {text(name)} is quoted in your documents.</p>'
        )
    people = list(dict.fromkeys(item.speaker for item, _ in found))
    quoted = sum(item.direct for item, _ in found)
    documents = {c.doc_id for _, citations in found for c in citations}
    summary = (
        f"{len(found)} statement{'s' if len(found) != 1 else ''} ({quoted} quoted, "
        f"{len(found) - quoted} reported) in {len(documents)} "
        f"document{'s' if len(documents) != 1 else ''}."
    )
    items = "".join(
        statement_html(item, citations, f"said-{n}", with_speaker=len(people) > 1)
        for n, (item, citations) in enumerate(found, start=1)
    )
    return (
        f'<div class="qa-said"><h2 class="qa-said-heading">What {text(" and ".join(people))} '
        f'said</h2><p class="qa-said-summary" role="status">{summary} Open a source to '
        f'see the statement marked in its sentence.</p><ol class="qa-statements">{items}</ol>'
        "</div>"
    )
