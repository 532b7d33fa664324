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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from index.sources.cleaning import TextSpan
from index.statements.descriptors import describe
from index.statements.english import EnglishPipeline
from index.statements.people import (
    NOT_GIVEN,
    People,
    Person,
    entity_words,
    full_names,
    name_start,
    roles_of,
)
from index.statements.speakers import (
    MAX_CHARS,
    MAX_SENTENCE_CHARS,
    SpeakerFinder,
    for_parser,
    not_people,
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
    from spacy.tokens import Doc

__all__ = ["MAX_CHARS", "StatementExtractor", "worth_parsing"]

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]{2}")


def worth_parsing(sentence: str) -> bool:
    """Whether a sentence may report speech and is prose the parser can read quickly."""
    return (
        len(sentence) <= MAX_SENTENCE_CHARS
        and may_report_speech(sentence)
        and _WORD.search(sentence) is not None
    )


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
        cued = [i for i, s in enumerate(sentences) if worth_parsing(text[s.start : s.end])]
        docs = self._parse([for_parser(text[sentences[i].start : sentences[i].end]) for i in cued])
        parsed = dict(zip(cued, docs, strict=True))
        people = People(full_names(text[:MAX_CHARS]))
        people.not_people = not_people(parsed.values())
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


class _Walk(SpeakerFinder):
    """One pass over a document's sentences, in order, keeping track of who is talked about."""

    def __init__(
        self,
        text: str,
        sentences: Sequence[TextSpan],
        parsed: dict[int, Doc],
        people: People,
        parse: Callable[[list[str]], list[Doc]],
    ) -> None:
        super().__init__(text, sentences, parsed, people, parse)
        self.found: list[tuple[Person, int, int, int, int, bool, str, str]] = []
        self.role_descriptors: list[Descriptor] = []

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
        for person, start, end in self.roles:
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
            if may_report_speech(for_parser(self.text[later.start : later.end]).replace('"', " ")):
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
            person = self.speaker(doc, verb, subject, [p for p, _ in made])
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
