"""The people a document names: their fullest names, titles, roles and gender, and who was
mentioned last; what the extraction resolves "Mr Clarke", "the minister" and "he" with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index.statements.statement import ORGANISATION, PERSON

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "sir": "m"}
HONORIFICS |= {"lord": "m", "lady": "f", "baroness": "f", "dame": "f", "prof": None}
KEPT_TITLES = frozenset({"lord", "lady", "baroness", "sir", "dame"})
PRONOUN_GENDER = {"he": "m", "she": "f"}
# Nouns that name a person by their role ("the minister said"): such a subject is the last
# person mentioned when no one was introduced with that role.
ROLE_NOUNS = frozenset(
    [
        "leader",
        "minister",
        "secretary",
        "chancellor",
        "president",
        "chairman",
        "chairwoman",
        "chair",
        "director",
        "executive",
        "premier",
        "mayor",
        "governor",
        "senator",
        "judge",
        "actor",
        "actress",
        "singer",
        "star",
        "boss",
        "manager",
        "analyst",
        "economist",
        "founder",
        "author",
        "comedian",
        "presenter",
        "coach",
        "player",
        "adviser",
        "officer",
        "inspector",
        "commissioner",
        "spokesman",
        "spokeswoman",
        "chief",
        "head",
        "prosecutor",
        "lawyer",
        "captain",
        "lord",
    ]
)
# Words of a title that NER often takes into the name ("Councillor Joe Clarke").
TITLE_WORDS = frozenset(
    [
        "councillor",
        "senator",
        "detective",
        "sergeant",
        "constable",
        "professor",
        "general",
        "colonel",
        "captain",
        "bishop",
        "archbishop",
        "judge",
        "justice",
        "coach",
        "chancellor",
        "secretary",
        "minister",
        "president",
    ]
)
POST_NOMINALS = frozenset({"QC", "KC", "MP", "MEP", "MSP", "Jr", "Sr", "OBE", "MBE", "CBE"})


@dataclass
class Person:
    words: list[str]
    gender: str | None = None
    roles: set[str] = field(default_factory=set)
    pending: bool = False  # a role ("the trade secretary") said something before any name
    at: int = -1  # for a pending one: the sentence it spoke in
    kind: str = PERSON  # or ORGANISATION ("the Home Office said")
    spoke: bool = False  # made a statement in the document so far

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def surname(self) -> str:
        return self.words[-1].lower()


class People:
    """The people a document names, and who was mentioned last."""

    def __init__(self, full_names: dict[str, FullName] | None = None) -> None:
        self.people: list[Person] = []
        self.recent: list[Person] = []
        self.introduced: list[Person] = []  # in the order they were given roles
        self.sentence = 0  # the sentence being read (set by the reader)
        self.named_at: list[tuple[int, Person]] = []  # (sentence, person) of each mention
        # Surname -> the one full name the document gives it anywhere (parsed or not).
        self.full_names = full_names or {}
        # Organisations that made statements, by their name in lower case.
        self.organisations: dict[str, Person] = {}
        # Single words the tagger mostly reads as organisations or places ("Labour").
        self.not_people: set[str] = set()

    def organisation(self, words: list[str]) -> Person:
        """The organisation ``words`` names ("Home Office", "Tesco"), added if new."""
        key = " ".join(words).lower()
        found = self.organisations.get(key)
        if found is None:
            found = self.organisations[key] = Person(list(words), kind=ORGANISATION)
        return found

    def mention(self, words: list[str], record: bool = True) -> Person | None:
        """The person ``words`` names ("Mr Clarke", "Charles Clarke"), added if new."""
        gender = None
        while words and words[0].lower().rstrip(".") in HONORIFICS:
            title = words[0].lower().rstrip(".")
            gender = HONORIFICS[title] or gender
            if title in KEPT_TITLES and len(words) == 2:
                # "Sir Alan" is Sir Alan Budd, named by his given name; "Lord Falconer" is
                # the name the document gives.
                known = self._by_given_name(words[1], gender)
                if known is not None:
                    if record:
                        self.seen(known)
                    return known
                break
            words = words[1:]
        words = [
            w.removesuffix("'s").removesuffix("’s")
            for w in words
            if w[:1].isupper() and w not in POST_NOMINALS
        ]
        if not words or all(w.isupper() and len(w) > 1 for w in words):
            return None  # no name, or an acronym ("BMW", "UKIP") the tagger took for one
        single = len(words) == 1 and gender is None
        if single and words[0] in self.not_people and words[0].lower() not in self.surnames():
            return None  # "Labour", tagged a person once and a party elsewhere
        surname = words[-1].lower()
        given = [w.lower() for w in words[:-1] if w.lower() not in HONORIFICS]
        same = [p for p in self.people if p.surname == surname]
        person = None
        if given:
            person = next((p for p in same if _given(p) == given), None) or next(
                (p for p in reversed(self.recent) if p in same and not _given(p)), None
            )
            if person is None:
                person = next((p for p in same if _given(p)[:1] == given[:1] and not
                               set(_given(p)) - set(given)), None)  # fmt: skip
            if person is None:
                # "Parker Bowles" after "Camilla Parker Bowles": a surname of two words.
                person = next((p for p in same if _given(p)[-len(given) :] == given), None)
            full = self.full_names.get(words[-1])
            if person is None and full is not None and full.words[-len(words) :] == tuple(words):
                # ... or before her full name was read: the document gives it elsewhere.
                words = list(full.words)
        else:
            person = next((p for p in reversed(self.recent) if p in same), None) or (
                same[-1] if same else None
            )
        if person is None:
            person = Person(words)
            self.people.append(person)
        elif len(words) > len(person.words):
            person.words = words
        person.gender = person.gender or gender
        if record:
            self.seen(person)
        return person

    def _by_given_name(self, given: str, gender: str | None) -> Person | None:
        """The one person the document names in full with the given name ``given``."""
        wanted = given.lower()
        known = [p for p in self.people if _given(p)[:1] == [wanted]]
        if not known:
            full = [f for f in self.full_names.values() if f.words[0].lower() == wanted]
            if len(full) == 1:
                return self.mention(list(full[0].words), record=False)
        if len(known) == 1 and known[0].gender in (None, gender):
            return known[0]
        return None

    def seen(self, person: Person) -> None:
        self.named_at.append((self.sentence, person))
        if person in self.recent:
            self.recent.remove(person)
        self.recent.append(person)

    def last(self, gender: str | None = None, spoke: bool = False) -> Person | None:
        """The last person mentioned whose gender (from "Mr", "Ms" ...) fits ``gender``
        (and, with ``spoke``, who made a statement)."""
        for person in reversed(self.recent):
            fits = gender is None or person.gender in (None, gender)
            if person.kind == PERSON and fits and (person.spoke or not spoke):
                return person
        return None

    def named_after(self, sentence: int, within: int = 2) -> Person | None:
        """The first person named in the ``within`` sentences after ``sentence``."""
        return next(
            (p for at, p in self.named_at if sentence < at <= sentence + within and not p.pending),
            None,
        )

    def by_role(self, role: str, words: set[str]) -> Person | None:
        """The person introduced with the role ``role`` ("secretary") whose role words share
        most with ``words`` ("trade", "industry", "secretary"); the latest of equals."""
        holders = [p for p in self.recent if role in p.roles]
        if not holders:
            return None
        return max(reversed(holders), key=lambda p: len(p.roles & words))

    def surnames(self) -> set[str]:
        return {p.surname for p in self.people}


# Capitalised words that start a sentence or a name-like run without being a given name.
_NOT_GIVEN_WORDS = (
    "a an the but and or so yet as at by for from in into of on to with after before when "
    "many some most all few several other others both each every no while if then this "
    "that these those his her its their our my your meanwhile however monday tuesday "
    "wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december"
)
NOT_GIVEN = frozenset(_NOT_GIVEN_WORDS.split())
_NAME_RUN = re.compile(
    r"\b[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)?(?: [A-Z][a-z]+(?:[-'’][A-Z][a-z]+)?){1,2}\b"
)


@dataclass(frozen=True)
class FullName:
    """A given name and surname the document spells out, and where it first does."""

    words: tuple[str, ...]
    start: int
    end: int


def full_names(text: str) -> dict[str, FullName]:
    """Surname -> full name, for each run of two or three capitalised words in ``text``
    that reads as a given name and a surname ("Ali Larijani"), when the document gives that
    surname only one such full name. Role words and function words are not given names.
    Whether the run names a person is for the caller to check (with the parser)."""
    runs: dict[str, dict[tuple[str, ...], tuple[int, int]]] = {}
    for match in _NAME_RUN.finditer(text):
        words = match.group().split()
        start = match.start()
        while words and (
            words[0].lower() in NOT_GIVEN | ROLE_NOUNS | TITLE_WORDS
            or words[0].lower().rstrip(".") in HONORIFICS
        ):
            start += len(words[0]) + 1
            words = words[1:]
        if len(words) < 2 or any(w.lower() in ROLE_NOUNS | TITLE_WORDS for w in words):
            continue
        runs.setdefault(words[-1], {}).setdefault(tuple(words), (start, match.end()))
    full = {}
    for surname, names in runs.items():
        longest = max(names, key=len)
        if all(longest[-len(name) :] == name for name in names):
            full[surname] = FullName(longest, *names[longest])
    return full


def _given(person: Person) -> list[str]:
    return [w.lower() for w in person.words[:-1] if w.lower() not in HONORIFICS]


def entity_words(entity: Span) -> list[str]:
    """A PERSON entity's words, with a title just before it ("Mr", "Dr") kept and a role
    inside it ("Councillor Joe Clarke") left out."""
    words = [t.text for t in entity if not t.is_punct]
    words = words[name_start(words) :]
    before = entity.doc[entity.start - 1] if entity.start > 0 else None
    if before is not None and before.lower_.rstrip(".") in HONORIFICS:
        words.insert(0, before.text)
    return words


def name_start(words: Sequence[str]) -> int:
    """Where the name starts in ``words``: after the last role word or possessive before
    its last word ("US President Donald Trump", "Iran's Ali Larijani")."""
    cut = [
        i
        for i, w in enumerate(words[:-1])
        if w.lower() in ROLE_NOUNS | TITLE_WORDS or w.endswith(("'s", "’s"))
    ]
    return cut[-1] + 1 if cut else 0


def name_at(head: Token) -> list[Token]:
    """The words of the name whose last word is ``head``: its PERSON entity, else the proper
    nouns just before it, stopping at a title ("Secretary Charles Clarke" gives "Charles
    Clarke") and leaving out letters after the name ("QC")."""
    doc = head.doc
    while head.text in POST_NOMINALS and head.i > 0 and doc[head.i - 1].pos_ == "PROPN":
        head = doc[head.i - 1]
    for entity in doc.ents:
        if entity.label_ == "PERSON" and entity.start <= head.i < entity.end:
            words = [t for t in entity if not t.is_punct and t.text not in POST_NOMINALS]
            words = words[name_start([t.text for t in words]) :]
            if words:
                return words
    first = head.i
    while (
        first > 0
        and head.i - first < 3
        and doc[first - 1].pos_ == "PROPN"
        and doc[first - 1].lower_ not in ROLE_NOUNS
        and doc[first - 1].is_title
    ):
        first -= 1
    return list(doc[first : head.i + 1])


def roles_of(entity: Span) -> set[str]:
    """Role words that introduce a person here ("Home Secretary Charles Clarke", "X, the
    Lib Dem leader")."""
    doc = entity.doc
    head = entity.root
    words: set[str] = set()
    for token in [*head.children, *(head.head.children if head.dep_ == "appos" else [])]:
        if token.i in range(entity.start, entity.end):
            continue
        if token.dep_ in {"compound", "appos", "amod"} or (
            token.dep_ == "nsubj" and head.dep_ == "appos"
        ):
            words.update(t.lemma_.lower() for t in token.subtree if t.pos_ in {"NOUN", "PROPN"})
    if head.dep_ == "appos" and head.head.pos_ == "NOUN":
        words.add(head.head.lemma_.lower())
    start = entity.start - 1
    while start >= 0 and doc[start].pos_ in {"PROPN", "NOUN"} and doc[start].is_title:
        words.add(doc[start].lower_)
        start -= 1
    return words - {w.lower() for w in entity.text.split()}
