"""Who said what across the documents: the statements the index holds, by speaker.

Every index version holds each document's attributed statements (``index.statements.extraction``,
extracted when the document is indexed). ``StatementStore`` gathers them by speaker: the
same words of one person in several copies of a story are one statement cited at every
place, and a name asked for ("Clarke", "Charles Clarke", "Mr Clarke") finds each person
it can mean.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from index import DocumentRecord, StoredIndex
from index.statements.statement import PERSON, Statement
from index.storage.document_table import DocumentStatements
from qa.citations import cite
from qa.nlp import stem_words, word_tokens
from qa.readers.quotes.speakers import SpeakerLinker, SpeakerProfile
from qa.types import Citation, Passage

__all__ = ["SpeakerStatement", "StatementStore", "name_words"]

logger = logging.getLogger(__name__)

_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sir",
        "lord",
        "lady",
        "baroness",
        "dame",
        "prof",
        "professor",
        "president",
        "minister",
    ]
)


def name_words(name: str) -> tuple[str, ...]:
    """The words of a person's name, lower-cased, without titles ("Mr", "Dr")."""
    return tuple(w for w in word_tokens(name.replace("'s", "")) if w not in _TITLES)


@dataclass(frozen=True)
class Place:
    """Where one copy of a statement stands."""

    doc_id: str
    statement: Statement


@dataclass(frozen=True)
class SpeakerStatement:
    """One statement of one person, with every place it stands in the documents.

    Attributes:
        speaker: The fullest name the documents give the speaker.
        text: The statement's words, exactly as in the first place.
        direct: In quotation marks (True) or reported speech.
        verb: The speech verb ("say", "warn"; empty for a quotation going on from the one
            before).
        places: Each document and offsets holding it, the first indexed first.
        also_in: Other files holding the same story, indexed as copies of those documents.
    """

    speaker: str
    text: str
    direct: bool
    verb: str
    places: tuple[Place, ...]
    also_in: tuple[str, ...] = ()

    @property
    def first(self) -> Place:
        return self.places[0]


def _normal(text: str) -> str:
    return " ".join(word_tokens(text))


class StatementStore:
    """The attributed statements of an index version, by speaker.

    Example:
        >>> store = StatementStore.of(qa.index)
        >>> store.speakers()[:3]
        [('Charles Clarke', 12), ...]
        >>> [s.text for s in store.statements("Larijani")]

    Args:
        documents: The version's document records, in index order (read for citations).
        statements: Each document's statements with their words, in index order (default:
            taken from ``documents``; ``StatementStore.of(index)`` reads the version's
            statements file instead, without the documents' texts). Records written before
            statements were extracted have none here (``qa index`` finds them); their number
            is ``without_statements``.
    """

    def __init__(
        self,
        documents: Mapping[str, DocumentRecord],
        statements: Iterable[DocumentStatements] | None = None,
    ) -> None:
        self.documents = documents
        if statements is None:
            statements = (DocumentStatements.of(record) for record in documents.values())
        by_speaker: dict[str, dict[str, list[tuple[Place, str]]]] = defaultdict(dict)
        also_in: dict[str, tuple[str, ...]] = {}
        descriptions: dict[str, list[str]] = defaultdict(list)
        self._kinds: dict[str, str] = {}
        legacy = 0
        for item in statements:
            legacy += item.statements is None
            if item.also_in and item.statements:
                also_in[item.doc_id] = item.also_in
            for statement, text in zip(item.statements or (), item.texts, strict=True):
                by_speaker[statement.speaker].setdefault(_normal(text), []).append(
                    (Place(item.doc_id, statement), text)
                )
                self._kinds.setdefault(statement.speaker, statement.kind)
            for descriptor, text in zip(item.descriptors, item.descriptor_texts, strict=True):
                descriptions[descriptor.speaker].append(text)
        if legacy:
            logger.warning(
                "%d documents were indexed without their statements (who said what); run "
                "`qa index` once to find them",
                legacy,
            )
        self.without_statements = legacy
        self._by_speaker: dict[str, list[SpeakerStatement]] = {}
        for speaker, groups in by_speaker.items():
            items = []
            for placed in groups.values():
                first, text = placed[0]
                places = tuple(place for place, _ in placed)
                items.append(
                    SpeakerStatement(
                        speaker=speaker,
                        text=text,
                        direct=first.statement.direct,
                        verb=first.statement.verb,
                        places=places,
                        also_in=tuple(
                            path for place in places for path in also_in.get(place.doc_id, ())
                        ),
                    )
                )
            self._by_speaker[speaker] = items
        self._order: dict[str, int] | None = None
        self._by_stem: dict[str, list[SpeakerStatement]] | None = None
        self._words = {speaker: name_words(speaker) for speaker in self._by_speaker}
        self.linker = SpeakerLinker(
            (
                SpeakerProfile(
                    name=speaker,
                    kind=self._kinds.get(speaker, PERSON),
                    descriptions=tuple(dict.fromkeys(descriptions.get(speaker, ()))),
                    documents=tuple(dict.fromkeys(p.doc_id for item in items for p in item.places)),
                    statements=len(items),
                )
                for speaker, items in self._by_speaker.items()
            ),
            self._document_text,
        )

    def _document_text(self, doc_id: str) -> str:
        record = self.documents.get(doc_id)
        return "" if record is None else f"{record.title}\n{record.text}"

    def kind(self, speaker: str) -> str:
        """``person`` or ``organisation``."""
        return self._kinds.get(speaker, PERSON)

    def resolve(self, phrase: str, retrieved: Sequence[str] = ()) -> list[str]:
        """The speakers a question's phrase can mean, by name, title, role, employer or
        organisation ("Home Secretary Charles Clarke", "BMW's chief", "the Home Office");
        see ``qa.readers.quotes.speakers``.

        Args:
            phrase: How the question names the speaker.
            retrieved: Documents retrieved for the question, best first (break ties
                between speakers a role fits equally).
        """
        return self.linker.resolve(phrase, retrieved)

    def __len__(self) -> int:
        return sum(len(items) for items in self._by_speaker.values())

    def speakers(self, kind: str | None = None) -> list[tuple[str, int]]:
        """Every speaker with their number of statements, most statements first.

        Args:
            kind: Only people (``person``) or only organisations (``organisation``);
                default both.
        """
        return sorted(
            (
                (speaker, len(items))
                for speaker, items in self._by_speaker.items()
                if kind is None or self.kind(speaker) == kind
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )

    def match(self, name: str) -> list[str]:
        """The speakers ``name`` can mean: those named exactly so, else every speaker
        whose name holds all its words, most quoted first.

        "Clarke" finds "Charles Clarke" and "Kenneth Clarke"; "Charles Clarke" finds him
        alone, never a "Kenneth Clarke" nor someone a document calls only "Clarke".
        """
        wanted = name_words(name)
        if not wanted:
            return []
        exact = [s for s, words in self._words.items() if words == wanted]
        if exact:
            return exact
        return sorted(
            (s for s, words in self._words.items() if set(wanted) <= set(words)),
            key=lambda s: -len(self._by_speaker[s]),
        )

    @classmethod
    def of(cls, index: StoredIndex) -> StatementStore:
        """The statements of a loaded index version, read from its statements file."""
        return cls(index.documents, index.statements())

    @staticmethod
    def match_speaker(name: str, speaker: str) -> bool:
        """Whether ``name`` ("Clarke", "Charles Clarke") can mean ``speaker``."""
        wanted = name_words(name)
        return bool(wanted) and set(wanted) <= set(name_words(speaker))

    def speakers_at(self, doc_id: str, start: int, end: int) -> set[str]:
        """Who the document says said the words at ``start..end`` (statements overlapping
        them); empty when they are nobody's statement or the document is not indexed."""
        record = self.documents.get(doc_id)
        return {
            s.speaker
            for s in (record.statements or ()) if record is not None
            if s.start < end and start < s.end
        } if record is not None else set()  # fmt: skip

    def statements(self, name: str, retrieved: Sequence[str] = ()) -> list[SpeakerStatement]:
        """The statements of the speakers ``name`` can mean (``resolve``), in index and
        document order."""
        speakers = self.resolve(name, retrieved)
        found = [item for speaker in speakers for item in self._by_speaker[speaker]]
        return sorted(found, key=self._position)

    def spoken_by(self, speaker: str) -> list[SpeakerStatement]:
        """One speaker's statements, the name exactly as ``speakers`` lists it (two people
        of one surname stay apart), in index and document order; empty for anyone else."""
        return sorted(self._by_speaker.get(speaker, ()), key=self._position)

    def documents_of(self, speaker: str) -> list[str]:
        """The documents holding one speaker's statements (any of their places), in index
        order."""
        held = {place.doc_id for item in self._by_speaker.get(speaker, ()) for place in item.places}
        order = self._document_order()
        return sorted(held, key=lambda doc_id: order.get(doc_id, len(order)))

    def _document_order(self) -> dict[str, int]:
        if self._order is None:
            self._order = {doc_id: i for i, doc_id in enumerate(self.documents)}
        return self._order

    def _position(self, item: SpeakerStatement) -> tuple[int, int]:
        order = self._document_order()
        return order[item.first.doc_id], item.first.statement.start

    def statements_in(self, passages: Sequence[Passage]) -> list[SpeakerStatement]:
        """The statements that stand inside ``passages`` (at any of their places)."""
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for passage in passages:
            spans[passage.doc_id].append((passage.start, passage.end))
        return [
            item
            for items in self._by_speaker.values()
            for item in items
            if any(
                start < place.statement.end and place.statement.start < end
                for place in item.places
                for start, end in spans.get(place.doc_id, ())
            )
        ]

    def statements_with_words(self, words: Sequence[str], limit: int) -> list[SpeakerStatement]:
        """Statements whose words hold one of ``words`` (stemmed), at most ``limit``, those
        holding the most of them first."""
        if self._by_stem is None:
            self._by_stem = defaultdict(list)
            for items in self._by_speaker.values():
                for item in items:
                    for stem in set(stem_words(word_tokens(item.text))):
                        self._by_stem[stem].append(item)
        wanted = set(stem_words(list(words)))
        counts: dict[int, tuple[int, SpeakerStatement]] = {}
        for stem in wanted:
            for item in self._by_stem.get(stem, ()):
                held = counts.get(id(item), (0, item))[0]
                counts[id(item)] = (held + 1, item)
        ranked = sorted(counts.values(), key=lambda pair: -pair[0])
        return [item for _, item in ranked[:limit]]

    def following(self, item: SpeakerStatement) -> list[SpeakerStatement]:
        """The statements that go on from ``item`` without an attribution of their own (a
        quotation running into the next sentences or paragraphs), in order."""
        place = item.first
        later = [
            s
            for s in self._by_speaker[item.speaker]
            if s.first.doc_id == place.doc_id and s.first.statement.start > place.statement.start
        ]
        later.sort(key=lambda s: s.first.statement.start)
        run = []
        for statement in later:
            if statement.verb:
                break
            run.append(statement)
        return run

    def citations(self, item: SpeakerStatement, score: float = 1.0) -> list[Citation]:
        """A citation for every place the statement stands, each with its sentence."""
        return [cite_place(self.documents[p.doc_id], p.statement, score) for p in item.places]


def cite_place(
    record: DocumentRecord, statement: Statement, score: float, passage: Passage | None = None
) -> Citation:
    """The citation of one statement where it stands, with its sentence (and the retrieved
    passage holding it, when given)."""
    return cite(
        record,
        statement.start,
        statement.end,
        score=score,
        passage=passage,
        sentence=(statement.sentence_start, statement.sentence_end),
    )


def statements_json(
    items: Sequence[SpeakerStatement], store: StatementStore
) -> list[dict[str, object]]:
    """Statements as JSON-ready dicts (the CLI's ``--json``, the web API)."""
    rows: list[dict[str, object]] = []
    for item in items:
        rows.append(
            {
                "speaker": item.speaker,
                "text": item.text,
                "direct": item.direct,
                "verb": item.verb,
                "places": [
                    {
                        "doc_id": c.doc_id,
                        "title": c.title,
                        "source_path": c.source_path,
                        "start": c.start,
                        "end": c.end,
                        "quote": c.quote,
                        "sentence": c.sentence,
                        "page": c.page,
                    }
                    for c in store.citations(item)
                ],
                "also_in": list(item.also_in),
            }
        )
    return rows
