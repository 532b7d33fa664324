"""Who said what in one document: every attributed statement, with its speaker, found at index time.

A statement is what a named person said, wrote, warned, admitted ...: the words in quotation
marks beside a speech verb (direct), or the clause the verb reports (reported). Its speaker is
resolved to the fullest name the document gives that person: "Mr Clarke", "the home
secretary" and "he" become "Charles Clarke" when that is who they are, and two people with one
surname stay apart. Only sentences with a quotation mark or a speech verb are parsed (spaCy's
small English pipeline); the others are scanned for names already known, so that "he" finds
the last person mentioned.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from index.sources.cleaning import TextSpan
from index.statements.descriptors import describe
from index.statements.english import EnglishPipeline
from index.statements.people import (
    HONORIFICS,
    NOT_GIVEN,
    PRONOUN_GENDER,
    ROLE_NOUNS,
    TITLE_WORDS,
    FullName,
    People,
    Person,
    entity_words,
    full_names,
    name_at,
    name_start,
    roles_of,
)
from index.statements.speech import (
    according_to,
    is_speech_verb,
    may_report_speech,
    open_after,
    quoted_spans,
    reported_ranges,
    strip,
    subject_of,
)
from index.statements.statement import (
    PERSON,
    Descriptor,
    Extraction,
    Statement,
    paragraph_of,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

__all__ = ["MAX_CHARS", "StatementExtractor"]

logger = logging.getLogger(__name__)

# Statements are extracted from this many characters of a document at most (about 400 pages).
MAX_CHARS = 1_000_000
# Longer "sentences" are not parsed: no prose sentence is this long, and parsing one costs
# seconds (lists, tables and junk that the sentence splitter could not cut).
_MAX_SENTENCE_CHARS = 1_500
# A run of non-space characters this long is blanked out for the parser, whose tokenizer is
# quadratic in the length of a run of punctuation (offsets are kept: spaces of equal length).
_LONG_RUN = re.compile(r"\S{41,}")
_WORD = re.compile(r"[^\W\d_]{2}")


def _worth_parsing(sentence: str) -> bool:
    """Whether a sentence may report speech and is prose the parser can read quickly."""
    return (
        len(sentence) <= _MAX_SENTENCE_CHARS
        and may_report_speech(sentence)
        and _WORD.search(sentence) is not None
    )


def _for_parser(sentence: str) -> str:
    """The sentence as the parser gets it: long unbroken runs blanked, offsets unchanged."""
    return _LONG_RUN.sub(lambda m: " " * len(m.group()), sentence)


class StatementExtractor:
    """Finds the attributed statements of documents (loads spaCy on first use; thread-safe).

    Args:
        english: The spaCy pipeline to parse with (default: one of its own, loaded when first
            needed); ``QA`` shares one with its question analyser.
    """

    def __init__(self, english: EnglishPipeline | None = None) -> None:
        self.english = english or EnglishPipeline()

    def _parse(self, texts: list[str]) -> list[Doc]:
        return self.english.parse(texts)

    def extract(self, text: str, sentences: Sequence[TextSpan]) -> Extraction:
        """The statements of one document, in document order, and how it describes their
        speakers (``index.statements.descriptors``, and the roles that stood for them).

        Args:
            text: The document text.
            sentences: Its sentence ranges (article text only), in order.
        """
        if sentences and sentences[-1].end > MAX_CHARS:
            # A book-length file: who said what in its first MAX_CHARS characters only, so
            # that indexing it takes seconds, not an hour of parsing.
            sentences = [s for s in sentences if s.end <= MAX_CHARS]
            logger.info("statements: only the first %d characters of a long document", MAX_CHARS)
        cued = [i for i, s in enumerate(sentences) if _worth_parsing(text[s.start : s.end])]
        docs = self._parse([_for_parser(text[sentences[i].start : sentences[i].end]) for i in cued])
        parsed = dict(zip(cued, docs, strict=True))
        people = People(full_names(text[:MAX_CHARS]))
        people.not_people = _not_people(parsed.values())
        for doc in parsed.values():
            for entity in doc.ents:
                if entity.label_ == "PERSON":
                    people.mention(entity_words(entity), record=False)
        walk = _Walk(text, sentences, parsed, people, self._parse)
        statements = walk.statements()
        speakers = [s.speaker for s in statements if s.kind == PERSON]
        descriptors = {*walk.role_descriptors, *describe(text, sentences, speakers)}
        return Extraction(
            tuple(statements),
            tuple(sorted(descriptors, key=lambda d: (d.start, d.end, d.speaker))),
        )


class _Walk:
    """One pass over a document's sentences, in order, keeping track of who is talked about."""

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
        self.found: list[tuple[Person, int, int, int, int, bool, str, str]] = []
        # Role phrases read as a person's ("the chancellor said"): (person, start, end).
        self._roles: list[tuple[Person, int, int]] = []
        self.role_descriptors: list[Descriptor] = []
        # Words describing each full name of the document (``_described_as``), when needed.
        self._descriptions: dict[str, set[str]] | None = None

    def statements(self) -> list[Statement]:
        last_direct: Person | None = None  # speaker of a quotation that may go on
        last_speaker: Person | None = None  # speaker of the paragraph's last statement
        # Quoted sentences not yet attributed, waiting for the attribution that follows them
        # in the same paragraph (""A. B," said X."): (sentence, span).
        waiting: list[tuple[TextSpan, tuple[int, int]]] = []
        quote_open = False
        previous_end = -1
        for index, sentence in enumerate(self.sentences):
            self.people.sentence = index
            raw = self.text[sentence.start : sentence.end]
            same_paragraph = (
                previous_end >= 0 and "\n" not in self.text[previous_end : sentence.start]
            )
            if not same_paragraph:
                waiting = []
            opens_with_quote = raw.lstrip()[:1] in '“"'
            # A quotation goes on with the words of whoever was quoted just before it (in
            # the same paragraph, or opening the next); and a paragraph that opens with a
            # quotation after someone's reported statement goes on with their words too
            # ("..., Mr Green said. / "Our role is ..."), unless the paragraph attributes
            # speech to someone itself further on.
            goes_on: Person | None = None
            if last_direct is not None and (
                (same_paragraph and (quote_open or opens_with_quote))
                or (not same_paragraph and opens_with_quote)
            ):
                goes_on = last_direct
            elif (
                last_speaker is not None
                and not same_paragraph
                and opens_with_quote
                and not self._attributed_later(index)
            ):
                goes_on = last_speaker
            continues = goes_on is not None
            was_open = quote_open
            quote_open = open_after(raw, quote_open)
            previous_end = sentence.end
            doc = self.parsed.get(index)
            made = self._sentence(sentence, doc, was_open) if doc is not None else []
            if not made and doc is None:
                self._scan_names(raw)
            if made:
                last_direct = made[-1][0] if made[-1][1] else None
                last_speaker = made[-1][0]
                direct_first = next((person for person, direct in made if direct), None)
                if direct_first is not None:
                    for held, quoted in waiting:
                        self._add(direct_first, held, quoted, True, "", "")
                waiting = []
                continue
            if continues and not self._attributes(doc):
                assert goes_on is not None
                span = self._continuation(raw, was_open and same_paragraph and not opens_with_quote)
                if span is not None:
                    self._add(goes_on, sentence, span, True, "", "")
                    last_direct = goes_on
                    continue
            if opens_with_quote and quote_open and not self._attributes(doc):
                opened = self._continuation(raw, False)
                if opened is not None:
                    waiting.append((sentence, opened))
            last_direct = None
            if not same_paragraph:
                last_speaker = None
        statements = []
        for person, start, end, s_start, s_end, direct, verb, form in self.found:
            named = self._resolved(person)
            if named is None:
                continue
            p_start, p_end = paragraph_of(self.text, s_start, s_end)
            statements.append(
                Statement(
                    named.name,
                    start,
                    end,
                    s_start,
                    s_end,
                    p_start,
                    p_end,
                    direct,
                    verb,
                    kind=named.kind,
                    verb_text=form,
                )
            )
        for person, start, end in self._roles:
            named = self._resolved(person)
            if named is not None:
                self.role_descriptors.append(Descriptor(named.name, start, end))
        return sorted(statements, key=lambda s: (s.start, s.end))

    def _resolved(self, person: Person) -> Person | None:
        """The person a pending role turned out to be: the one later introduced with that
        role, else the one the next sentences name ("..., the trade secretary has said.
        Patricia Hewitt is ..."); None when the document never says."""
        if not person.pending:
            return person
        return next(
            (p for p in self.people.introduced if person.roles <= p.roles),
            self.people.named_after(person.at),
        )

    def _attributed_later(self, index: int) -> bool:
        """Whether a later sentence of the paragraph holding sentence ``index`` attributes
        speech itself (a speech verb or "according to"), so its quotation is theirs."""
        end = self.text.find("\n", self.sentences[index].start)
        end = len(self.text) if end < 0 else end
        for later in self.sentences[index + 1 :]:
            if later.start >= end:
                break
            if may_report_speech(_for_parser(self.text[later.start : later.end]).replace('"', " ")):
                return True
        return False

    def _continuation(self, raw: str, inside: bool) -> tuple[int, int] | None:
        """The quoted part of a sentence that goes on with an open quotation."""
        spans = quoted_spans(raw if not inside else '"' + raw)
        if not spans:
            return None
        start, end = spans[0]
        if inside:
            start, end = max(0, start - 1), end - 1
        start, end = strip(raw, (start, end))
        return (start, end) if end - start >= 3 else None

    def _attributes(self, doc: Doc | None) -> bool:
        """Whether the sentence attributes speech to someone itself (a speech verb with a
        subject outside its quotations: "whatever his offer says" inside one does not)."""
        if doc is None:
            return False
        quotes = quoted_spans(doc.text)
        return any(
            is_speech_verb(t)
            and subject_of(t) is not None
            and not any(s <= t.idx < e for s, e in quotes)
            for t in doc
        )

    def _previous_speaker(self) -> Person | None:
        """The speaker of the sentence just before, in the same paragraph, when no one has
        been named since (in this sentence, before the pronoun)."""
        at = self.people.sentence
        if at == 0 or not self.found:
            return None
        before, now = self.sentences[at - 1], self.sentences[at]
        if self.found[-1][3] != before.start or "\n" in self.text[before.end : now.start]:
            return None
        if self.people.named_at and self.people.named_at[-1][0] == at:
            return None
        return self.found[-1][0]

    def _add(
        self,
        person: Person,
        sentence: TextSpan,
        span: tuple[int, int],
        direct: bool,
        verb: str,
        form: str,
    ) -> None:
        start, end = sentence.start + span[0], sentence.start + span[1]
        if any(f[1] < end and start < f[2] for f in self.found):
            return
        self.found.append((person, start, end, sentence.start, sentence.end, direct, verb, form))

    def _scan_names(self, raw: str) -> None:
        """Names of known people in an unparsed sentence, in order: who was mentioned last."""
        surnames = self.people.surnames()
        for match in re.finditer(r"(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*", raw):
            words = match.group().split()
            ends = [i for i, w in enumerate(words) if w.lower().removesuffix("'s") in surnames]
            if ends:
                words = words[: ends[-1] + 1]
                words = words[name_start(words) :]
                while len(words) > 1 and words[0].lower() in NOT_GIVEN:
                    words = words[1:]
                self.people.mention(words)

    def _sentence(
        self, sentence: TextSpan, doc: Doc, quote_open: bool = False
    ) -> list[tuple[Person, bool]]:
        """Statements of one parsed sentence, each with its speaker; mentions update who was
        last talked about, in the order they come, so "he" means the person named before it."""
        quotes = quoted_spans(doc.text)
        if quote_open and doc.text.lstrip()[:1] not in '“"':
            # The sentence goes on with a quotation opened before it: its words up to the
            # closing mark are quoted ('... says. We do not want him," said Mark Longden').
            quotes = [(max(0, s - 1), e - 1) for s, e in quoted_spans('"' + doc.text)]

        def inside(i: int) -> bool:
            return any(q[0] <= doc[i].idx < q[1] for q in quotes)

        events: list[tuple[int, int, Any]] = []
        for entity in doc.ents:
            # Not one inside a quotation, nor "the Gazette" (a paper, not a person).
            after_the = entity.start > 0 and doc[entity.start - 1].lower_ == "the"
            if entity.label_ == "PERSON" and not inside(entity.start) and not after_the:
                events.append((entity.start, 0, entity))
        verbs = [t for t in doc if is_speech_verb(t)]
        for verb in verbs:
            subject = subject_of(verb)
            if subject is not None:
                events.append((subject.left_edge.i, 1, (verb, subject)))
        for source, _span in according_to(doc):
            events.append((source.left_edge.i, 1, (source, source)))
        made: list[tuple[Person, bool]] = []
        for _, kind, item in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == 0:
                # A person named inside what someone is reported to say ("whose genius he
                # compared to that of Mozart") is known, but not who "he" means next.
                at = sentence.start + doc[item.start].idx
                said = any(f[3] == sentence.start and f[1] <= at < f[2] for f in self.found)
                person = self.people.mention(entity_words(item), record=not said)
                if person is not None:
                    roles = roles_of(item)
                    if roles - person.roles:
                        person.roles |= roles
                        self.people.introduced.append(person)
                continue
            verb, subject = item
            person = self._speaker(doc, verb, subject, [p for p, _ in made])
            if person is None:
                continue
            if verb is subject:  # "according to X"
                ranges = [span for source, span in according_to(doc) if source is verb]
                lemma = form = "according to"
            else:
                ranges = reported_ranges(doc, verb)
                lemma, form = verb.lemma_.lower(), verb.text
            for start, end in ranges:
                direct = any(q[0] <= start and end <= q[1] for q in quotes)
                self._add(person, sentence, (start, end), direct, lemma, form)
                made.append((person, direct))
            if person.kind == PERSON:  # "he" and "the chief" mean people, never a firm
                person.spoke = True
                self.people.seen(person)
        return made

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
            if len(raw) > _MAX_SENTENCE_CHARS:
                return False
            doc = self.parse([_for_parser(raw)])[0]
        offset = self.sentences[index].start
        return any(
            entity.label_ == "PERSON"
            and offset + entity.start_char < full.end
            and full.start < offset + entity.end_char
            for entity in doc.ents
        )

    def _speaker(
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
                self._roles.append((holder, offset + first.idx, offset + last.idx + len(last.text)))
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


def _not_people(docs: Iterable[Doc]) -> set[str]:
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
