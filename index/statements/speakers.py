"""Who a speech verb's subject is: a named person, a role, a pronoun, or an organisation.

``SpeakerFinder`` holds what the walk over a document's sentences (``extraction._Walk``)
knows of the people it names, and resolves "he", "the chancellor", "Mr Clarke", "the
Archbishop of Canterbury" and "Tesco" to the speakers they stand for.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from index.sources.cleaning import TextSpan
from index.statements.descriptors import describe
from index.statements.people import (
    HONORIFICS,
    PRONOUN_GENDER,
    ROLE_NOUNS,
    TITLE_WORDS,
    FullName,
    People,
    Person,
    entity_words,
    name_at,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

__all__ = ["MAX_CHARS", "MAX_SENTENCE_CHARS", "SpeakerFinder", "for_parser", "not_people"]

# Statements are extracted from this many characters of a document at most (about 400 pages).
MAX_CHARS = 1_000_000
# Longer "sentences" are not parsed: no prose sentence is this long, and parsing one costs
# seconds (lists, tables and junk that the sentence splitter could not cut).
MAX_SENTENCE_CHARS = 1_500
# A run of non-space characters this long is blanked out for the parser, whose tokenizer is
# quadratic in the length of a run of punctuation (offsets are kept: spaces of equal length).
_LONG_RUN = re.compile(r"\S{41,}")


def for_parser(sentence: str) -> str:
    """The sentence as the parser gets it: long unbroken runs blanked, offsets unchanged."""
    return _LONG_RUN.sub(lambda m: " " * len(m.group()), sentence)


class SpeakerFinder:
    """Resolves the subjects of speech verbs to speakers, for one document.

    Args:
        text: The document text.
        sentences: Its sentences, in order.
        parsed: The parsed sentences, by index.
        people: The people the document names, as known so far.
        parse: Parses more sentences when a name needs checking.
    """

    def __init__(
        self,
        text: str,
        sentences: Sequence[TextSpan],
        parsed: dict[int, Doc],
        people: People,
        parse: Callable[[list[str]], list[Doc]],
    ) -> None:
        self.text = text
        self.sentences = sentences
        self.parsed = parsed
        self.people = people
        self.parse = parse
        self._named: dict[FullName, bool] = {}
        # Role phrases read as a person's ("the chancellor said"): (person, start, end).
        self.roles: list[tuple[Person, int, int]] = []
        # Words describing each full name of the document (``_described_as``), when needed.
        self._descriptions: dict[str, set[str]] | None = None

    def _previous_speaker(self) -> Person | None:
        """The speaker of the sentence before, when "he" may go on with them (the walk
        knows; see ``extraction._Walk``)."""
        return None

    def _named_just_before(self, gender: str | None) -> Person | None:
        """A person named in full in the sentence before this one, when nobody has been
        mentioned since: "Ali Shamkhani made the statement on Wednesday. '...,' he was
        quoted as saying." (that sentence holds no speech, so it was not parsed)."""
        at = self.people.sentence
        if at == 0:
            return None
        if self.people.named_at and self.people.named_at[-1][0] >= at - 1:
            return None  # someone was mentioned there or since: "he" is theirs
        previous = self.sentences[at - 1]
        raw = self.text[previous.start : previous.end]
        named = [
            full
            for full in self.people.full_names.values()
            if previous.start <= full.start < previous.end or " ".join(full.words) in raw
        ]
        for full in sorted(named, key=lambda f: -raw.rfind(" ".join(f.words))):
            if self._names_a_person(full):
                person = self.people.mention(list(full.words))
                if person is not None and person.gender in (None, gender):
                    return person
        return None

    def _known_person(self, words: list[str]) -> bool:
        """Whether ``words``, tagged an organisation here, name a person the document
        names elsewhere ("Helmut Panke" here, "Mr Panke" there)."""
        if len(words) > 3:
            return False
        if (
            words[0].lower().rstrip(".") in HONORIFICS
            or words[-1].lower() in self.people.surnames()
        ):
            return True
        titled = r"\b(?:" + "|".join(HONORIFICS) + r")\.?\s+" + re.escape(words[-1]) + r"\b"
        if re.search(titled, self.text[:MAX_CHARS], flags=re.IGNORECASE) is not None:
            return True
        # Named in full where the tagger reads a person ("Iran's Ali Velayati, an adviser").
        full = self.people.full_names.get(words[-1])
        return full is not None and self._names_a_person(full)

    def _described_as(self, role: str, modifiers: set[str]) -> Person | None:
        """The one person the document names in full with a description holding ``role``
        and the most of ``modifiers``."""
        if self._descriptions is None:
            self._descriptions = {}
            names = [" ".join(full.words) for full in self.people.full_names.values()]
            for descriptor in describe(self.text[:MAX_CHARS], self.sentences, names):
                words = set(self.text[descriptor.start : descriptor.end].lower().split())
                self._descriptions.setdefault(descriptor.speaker, set()).update(words)
        fits = [
            (len(words & modifiers), name)
            for name, words in self._descriptions.items()
            if role in words
        ]
        if not fits:
            return None
        best = max(score for score, _ in fits)
        chosen = [name for score, name in fits if score == best]
        if len(chosen) != 1 or not self._names_a_person(
            self.people.full_names[chosen[0].split()[-1]]
        ):
            return None
        return self.people.mention(chosen[0].split())

    def _names_a_person(self, full: FullName) -> bool:
        """Whether the parser reads the sentence where ``full`` stands as naming a person
        there (that sentence is parsed now if it was not: a rare, single extra parse)."""
        if full not in self._named:
            self._named[full] = self._parsed_as_person(full)
        return self._named[full]

    def _parsed_as_person(self, full: FullName) -> bool:
        index = next(
            (i for i, s in enumerate(self.sentences) if s.start <= full.start < s.end), None
        )
        if index is None:
            return False
        doc = self.parsed.get(index)
        if doc is None:
            sentence = self.sentences[index]
            raw = self.text[sentence.start : sentence.end]
            if len(raw) > MAX_SENTENCE_CHARS:
                return False
            doc = self.parse([for_parser(raw)])[0]
        offset = self.sentences[index].start
        return any(
            entity.label_ == "PERSON"
            and offset + entity.start_char < full.end
            and full.start < offset + entity.end_char
            for entity in doc.ents
        )

    def speaker(
        self, doc: Doc, verb: Token, subject: Token, speakers: list[Person]
    ) -> Person | None:
        """The person a speech verb's subject refers to, or None (someone unnamed, a group)."""
        lower = subject.lower_
        if lower in PRONOUN_GENDER:
            # "X told the Gazette that ..., and she said ...": a speaker of this sentence
            # before anyone mentioned since.
            gender = PRONOUN_GENDER[lower]
            for person in reversed(speakers):
                if person.gender in (None, gender):
                    return person
            previous = self._previous_speaker()
            if previous is not None and previous.gender in (None, gender):
                # "Mr Clarke said he backed the plans when Mr Blunkett proposed them. 'ID cards
                # are ...,' he said.": the speaker goes on, not a person named in his words.
                return previous
            just_before = self._named_just_before(gender)
            return just_before if just_before is not None else self.people.last(gender)
        organisation = _organisation_at(doc, subject)
        if organisation is not None and not self._known_person(organisation):
            return self.people.organisation(organisation)
        if subject.pos_ != "PRON":
            # A person named between the subject's first word and the verb: "Tessa Jowell,
            # who said", "The chairman of the Bar Council, Guy Mansfield QC, has warned".
            stop = verb.left_edge.i if subject.is_ancestor(verb) else verb.i
            for entity in reversed(doc.ents):
                if (
                    entity.label_ == "PERSON"
                    and subject.left_edge.i <= entity.start
                    and entity.end <= stop
                    and entity.root.dep_ not in {"compound", "poss", "amod", "nmod", "pobj"}
                ):
                    return self.people.mention(entity_words(entity))
        # The subject's name: itself when a proper noun, else a name in apposition to it
        # ("The chairman of the Bar Council, Guy Mansfield QC, has warned").
        known = subject.is_title and subject.lower_ in self.people.surnames()
        determined = any(c.lower_ == "the" or c.dep_ == "poss" for c in subject.children)
        # "The Archbishop of Canterbury said": a capitalised title is a role, not a name.
        titled_role = determined and subject.lower_ in ROLE_NOUNS | TITLE_WORDS
        named = [subject] if (subject.pos_ == "PROPN" and not titled_role) or known else []
        named += [c for c in subject.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
        for head in named:
            words = name_at(head)
            title = doc[words[0].i - 1] if words[0].i > 0 else None
            titled = title is not None and title.lower_.rstrip(".") in HONORIFICS
            person_entity = any(
                e.label_ == "PERSON" and e.start <= head.i < e.end for e in doc.ents
            )
            if titled or person_entity or words[-1].lower_ in self.people.surnames():
                texts = [t.text for t in words]
                return self.people.mention(([title.text] if titled and title else []) + texts)
            # Not tagged a person, but named in full elsewhere in the document ("Ali
            # Larijani" in a sentence without speech, then "..., Larijani told Al Jazeera").
            full = self.people.full_names.get(words[-1].text)
            fits = full is not None and head.tag_ == "NNP" and len(words) <= len(full.words)
            if fits and full is not None and self._names_a_person(full):
                return self.people.mention(list(full.words))
            return None
        indefinite = any(c.lower_ in {"a", "an"} for c in subject.children)
        lede = indefinite and subject.pos_ == "NOUN" and subject.lemma_.lower() in ROLE_NOUNS
        if lede and subject.lemma_.lower() not in _ANONYMOUS_ROLES and not self.people.recent:
            # The lede's "..., an adviser to Iran's supreme leader has said." before anyone
            # is named: the person the next sentences name made the statement.
            role = subject.lemma_.lower()
            return Person(["?"], roles={role}, pending=True, at=self.people.sentence)
        if (subject.pos_ == "NOUN" or titled_role) and determined:
            role = subject.lemma_.lower()
            modifiers = {t.lemma_.lower() for t in subject.subtree if t.pos_ in {"NOUN", "PROPN"}}
            holder = self.people.by_role(role, modifiers)
            if holder is None:
                # Introduced with that role where nothing was said ("the Archbishop of
                # Canterbury, Dr Rowan Williams, will preside"): the descriptions say who.
                holder = self._described_as(role, modifiers)
            if holder is None and role in ROLE_NOUNS:
                # "Mr Clarke said ... The minister added": the last person who spoke.
                holder = self.people.last(spoke=True)
            if holder is None and not any(p.spoke for p in self.people.recent):
                # "..., the trade secretary has said." before anyone is named: the person
                # the document later introduces with that role, if it does.
                holder = Person(
                    ["?"], roles=modifiers | {role}, pending=True, at=self.people.sentence
                )
            if holder is not None:
                # The role stood for them: a reader may ask for them so too.
                offset = self.sentences[self.people.sentence].start
                first, last = subject.left_edge, subject.right_edge
                self.roles.append((holder, offset + first.idx, offset + last.idx + len(last.text)))
            return holder
        return None


# "A spokesman said", "a source said": people the document never names.
_ANONYMOUS_ROLES = frozenset({"spokesman", "spokeswoman", "spokesperson", "source", "official"})

# Entity labels of speakers that are not people: companies, agencies, parties, teams.
_ORGANISATION_LABELS = frozenset({"ORG"})


def _organisation_at(doc: Doc, subject: Token) -> list[str] | None:
    """The organisation a speech verb's subject names ("the Home Office", "Tesco"), as its
    words without a leading "the"; None when the subject is not an organisation's name."""
    for entity in doc.ents:
        if entity.label_ in _ORGANISATION_LABELS and entity.start <= subject.i < entity.end:
            words = [t.text for t in entity if not t.is_punct]
            if words and words[0].lower() == "the":
                words = words[1:]
            return [w.removesuffix("'s").removesuffix("’s") for w in words] or None
    return None


# Entity labels that say a word names something other than a person.
_NOT_PERSON_LABELS = frozenset({"ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT"})


def not_people(docs: Iterable[Doc]) -> set[str]:
    """Single words the tagger reads as something other than a person more often than as a
    person across the document ("Labour" once tagged a person, four times a party)."""
    person: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for doc in docs:
        for entity in doc.ents:
            words = [t.text for t in entity if not t.is_punct]
            if len(words) == 1:
                word = words[0].removesuffix("'s").removesuffix("’s")
                if entity.label_ == "PERSON":
                    person[word] += 1
                elif entity.label_ in _NOT_PERSON_LABELS:
                    other[word] += 1
    return {word for word, count in other.items() if count > person[word]}
