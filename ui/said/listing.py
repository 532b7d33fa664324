"""What the Who said what view lists: a speaker's or a topic's statements, filtered, each
placed in its paragraph of a document."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index import DocumentRecord
from index.statements.statement import ORGANISATION, PERSON, Statement
from qa import Citation, Passage
from qa.citations import cite
from qa.readers.quotes.statements import Place, SpeakerStatement, StatementStore
from qa.readers.quotes.topics import TopicStatement
from ui.formatting import file_name

__all__ = [
    "ALL",
    "QUOTED",
    "REPORTED",
    "ListedPlace",
    "ListedStatement",
    "Listing",
    "ListingQuery",
    "list_speaker",
    "list_topic",
    "speaker_rows",
]

# The quoted/reported filter's values.
ALL, QUOTED, REPORTED = "all", "quoted", "reported"
# A paragraph longer than this (a file that is not an article, with few line breaks) is
# shown as the statement's sentence with this much text either side, at most.
MAX_PARAGRAPH_CHARS = 1_500
CONTEXT_CHARS = 400


@dataclass(frozen=True)
class ListingQuery:
    """What the view lists, and how it is filtered.

    Attributes:
        speaker: A speaker's name exactly as the speaker list gives it ("" for none).
        topic: A topic ("ID cards"), listed when no speaker is chosen ("" for none).
        said: ``ALL``, ``QUOTED`` or ``REPORTED`` statements.
        document: Only statements standing in this document (its id; "" for every one).
    """

    speaker: str = ""
    topic: str = ""
    said: str = ALL
    document: str = ""

    def filtered(self, said: str | None, document: str | None) -> ListingQuery:
        """The same listing with other filters (None or "" meaning no filter)."""
        return replace(self, said=said or ALL, document=document or "")


@dataclass(frozen=True)
class ListedPlace:
    """One place a statement stands, as the view shows it.

    Attributes:
        doc_id: The document.
        title: Its title.
        file_name: Its file's name.
        paragraph: The paragraph's number in the document, from 1 (the title line is not
            counted).
        citation: The statement, with its sentence, inside its paragraph (``passage``).
        verb: The speech verb as the text writes it ("told", "had warned"; "" for a
            quotation going on from the one before).
    """

    doc_id: str
    title: str
    file_name: str
    paragraph: int
    citation: Citation
    verb: str


@dataclass(frozen=True)
class ListedStatement:
    """A statement in the listing.

    Attributes:
        item: The statement, with every place it stands.
        kind: Its speaker's kind, ``person`` or ``organisation``.
        shown: The place it is shown at (in the document filtered on, else the first).
        others: Its other places (copies of the story), each openable.
        similarity: For a topic listing, how close it is to the topic; else None.
    """

    item: SpeakerStatement
    kind: str
    shown: ListedPlace
    others: tuple[ListedPlace, ...] = ()
    similarity: float | None = None


@dataclass(frozen=True)
class Listing:
    """The statements the view lists, after its filters.

    Attributes:
        query: What was asked for.
        statements: The statements kept, in listing order: a speaker's in index and
            document order, a topic's the closest first.
        documents: Every document of the listing before the filters, as (id, title), in
            index order: the document filter's choices.
        total: How many statements the listing holds before the filters.
    """

    query: ListingQuery
    statements: tuple[ListedStatement, ...]
    documents: tuple[tuple[str, str], ...]
    total: int

    @property
    def speakers(self) -> list[str]:
        """The speakers listed, in the order they first appear."""
        return list(dict.fromkeys(s.item.speaker for s in self.statements))


class _Placer:
    """Places statements in their paragraphs, reading each document once."""

    def __init__(self, store: StatementStore) -> None:
        self.store = store
        self._line_starts: dict[str, list[int]] = {}

    def place(self, place: Place) -> ListedPlace:
        record = self.store.documents[place.doc_id]
        statement = place.statement
        return ListedPlace(
            doc_id=place.doc_id,
            title=record.title,
            file_name=file_name(record.source_path),
            paragraph=self._paragraph(record, statement.paragraph_start),
            citation=_paragraph_citation(record, statement),
            verb=statement.verb_text or statement.verb,
        )

    def _paragraph(self, record: DocumentRecord, start: int) -> int:
        starts = self._line_starts.get(record.doc_id)
        if starts is None:
            starts, offset = [], 0
            for line in record.text.split("\n"):
                if line.strip():
                    starts.append(offset)
                offset += len(line) + 1
            # A first line that is the title is not a paragraph of the story.
            if starts:
                line_end = record.text.find("\n", starts[0])
                first = record.text[starts[0] : line_end if line_end >= 0 else None]
                if first.strip() == record.title.strip():
                    starts = starts[1:]
            self._line_starts[record.doc_id] = starts
        return max(1, bisect_right(starts, start))


def _paragraph_citation(record: DocumentRecord, statement: Statement) -> Citation:
    """The statement marked in its paragraph (or in its sentence with some context, when the
    paragraph is very long)."""
    start, end = statement.paragraph_start, statement.paragraph_end
    if end - start > MAX_PARAGRAPH_CHARS:
        start = max(start, min(statement.sentence_start, statement.start) - CONTEXT_CHARS)
        end = min(end, max(statement.sentence_end, statement.end) + CONTEXT_CHARS)
    passage = Passage(
        chunk_id=f"{record.doc_id}#paragraph",
        doc_id=record.doc_id,
        title=record.title,
        source_path=record.source_path,
        start=start,
        end=end,
        text=record.text[start:end],
        score=1.0,
    )
    return cite(
        record,
        statement.start,
        statement.end,
        score=1.0,
        passage=passage,
        sentence=(statement.sentence_start, statement.sentence_end),
    )


def _keep(item: SpeakerStatement, query: ListingQuery) -> bool:
    if query.said == QUOTED and not item.direct:
        return False
    if query.said == REPORTED and item.direct:
        return False
    return not query.document or any(p.doc_id == query.document for p in item.places)


def _listed(
    placer: _Placer, item: SpeakerStatement, query: ListingQuery, similarity: float | None
) -> ListedStatement:
    places = list(item.places)
    if query.document:
        places.sort(key=lambda place: place.doc_id != query.document)
    shown, *others = places
    return ListedStatement(
        item=item,
        kind=placer.store.kind(item.speaker),
        shown=placer.place(shown),
        others=tuple(placer.place(place) for place in others),
        similarity=similarity,
    )


def _documents(store: StatementStore, items: Sequence[SpeakerStatement]) -> list[tuple[str, str]]:
    held = {place.doc_id for item in items for place in item.places}
    return [(doc_id, store.documents[doc_id].title) for doc_id in store.documents if doc_id in held]


def list_speaker(store: StatementStore, query: ListingQuery) -> Listing:
    """One speaker's statements (``query.speaker``, exactly as listed), filtered.

    Args:
        store: The statements of the live index.
        query: The speaker and the filters.
    """
    items = store.spoken_by(query.speaker)
    placer = _Placer(store)
    kept = tuple(_listed(placer, item, query, None) for item in items if _keep(item, query))
    return Listing(query, kept, tuple(_documents(store, items)), len(items))


def list_topic(
    store: StatementStore, found: Sequence[TopicStatement], query: ListingQuery
) -> Listing:
    """Every speaker's statements about a topic, the closest first (``QA.said_about``, the
    listing of ``qa quotes --about``), filtered.

    Args:
        store: The statements of the live index.
        found: ``QA.said_about(query.topic)``.
        query: The topic and the filters.
    """
    placer = _Placer(store)
    kept = tuple(
        _listed(placer, f.item, query, f.similarity) for f in found if _keep(f.item, query)
    )
    return Listing(query, kept, tuple(_documents(store, [f.item for f in found])), len(found))


@dataclass(frozen=True)
class SpeakerRow:
    """A speaker as the speaker list shows them.

    Attributes:
        name: The fullest name the documents give.
        statements: Their number of statements.
        documents: The number of documents holding them.
    """

    name: str
    statements: int
    documents: int

    @property
    def label(self) -> str:
        """ "Ali Hashem · 3 statements · 2 documents"."""
        said = f"{self.statements} statement{'s' if self.statements != 1 else ''}"
        held = f"{self.documents} document{'s' if self.documents != 1 else ''}"
        return f"{self.name} · {said} · {held}"


ORDERS = ("statements", "documents", "name")


def speaker_rows(
    store: StatementStore, kind: str = PERSON, order: str = "statements", search: str = ""
) -> list[SpeakerRow]:
    """The speakers of one kind whose name holds ``search`` (or whom it names as a title or
    role: "the home secretary"), sorted.

    Args:
        store: The statements of the live index.
        kind: ``person`` or ``organisation``.
        order: ``statements`` (most first), ``documents`` (most first) or ``name`` (A to Z).
        search: Part of a name, a title or a role ("" lists everyone).
    """
    kind = kind if kind in (PERSON, ORGANISATION) else PERSON
    wanted = " ".join(search.split()).casefold()
    named = set(store.resolve(search)) if wanted else set()
    rows = [
        SpeakerRow(name, count, len(store.documents_of(name)))
        for name, count in store.speakers(kind)
        if not wanted or wanted in name.casefold() or name in named
    ]
    if order == "documents":
        rows.sort(key=lambda row: (-row.documents, -row.statements, row.name.casefold()))
    elif order == "name":
        rows.sort(key=lambda row: row.name.casefold())
    return rows
