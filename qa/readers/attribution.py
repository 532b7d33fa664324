"""Quote attribution: the statements a named person made, direct or reported.

Works on the dependency parse: a speech verb ("said", "told", "adding") whose subject is the
person, or a pronoun or role noun ("he", "the adviser") that refers back to them, gives the
statement as its clausal complement, or as the quotation it stands beside. A sentence that is
only a quotation, right after one of the person's statements, continues it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.nlp import Analyzer, word_tokens
from qa.question import SPEECH_VERBS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

_PRONOUNS = frozenset({"he", "she"})
_RELATIVE_PRONOUNS = frozenset({"who", "that", "which"})
_OPEN_QUOTES = "“\"‘'"
_CLOSE_QUOTES = "”\"’'"
_TRIM = " ,;:.\u2014-" + _OPEN_QUOTES + _CLOSE_QUOTES
_SPEECH_LEMMAS = frozenset(
    [
        "say",
        "tell",
        "add",
        "claim",
        "state",
        "announce",
        "argue",
        "warn",
        "note",
        "insist",
        "explain",
        "report",
        "write",
        "comment",
        "mention",
        "declare",
        "suggest",
        "assert",
        "acknowledge",
        "respond",
        "reply",
        "quote",
    ]
)


@dataclass(frozen=True)
class Statement:
    """A statement attributed to the speaker: ``text[start:end]`` of the sentence's document.

    Attributes:
        start: Offset of the statement in the document text.
        end: End offset (exclusive).
        sentence_start: Offset of the sentence holding it.
        sentence_end: End offset of that sentence.
        direct: True for a direct quotation, False for reported speech.
    """

    start: int
    end: int
    sentence_start: int
    sentence_end: int
    direct: bool


def _name_words(name: str) -> set[str]:
    return {word for word in word_tokens(name) if len(word) > 1}


def _mentions(span_text: str, name_words: set[str], surname: str) -> bool:
    words = set(word_tokens(span_text))
    return surname in words or (len(name_words) > 1 and name_words <= words)


def _subject_of(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in {"nsubj", "nsubjpass"}:
            if verb.dep_ == "relcl" and child.lower_ in _RELATIVE_PRONOUNS:
                # "... Tessa Jowell, who said: ..." -- the speaker is the noun the clause is on.
                return verb.head
            return child
    for child in verb.children:
        if child.dep_ == "agent":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    if verb.dep_ in {"advcl", "conj", "xcomp"} and verb.head is not verb:
        return _subject_of(verb.head)
    return None


def _trimmed(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    """Character range of tokens ``first..last`` without edge punctuation and 'that'."""
    while first <= last and (
        doc[first].is_punct or (doc[first].dep_ in {"mark", "cc"} and doc[first].lower_ != "if")
    ):
        first += 1
    while last >= first and doc[last].is_punct:
        last -= 1
    if first > last:
        return None
    start = doc[first].idx
    end = doc[last].idx + len(doc[last].text)
    text = doc.text
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return (start, end) if end - start >= 3 else None


def _quote_marks(text: str) -> list[tuple[int, bool]]:
    """Positions of quotation marks and whether each opens (True) or closes a quotation.

    Curly marks say which they are. A straight one opens at the start of the text or after
    a space, bracket or colon, and closes after anything else (news copy often leaves a
    quotation open until the end of its paragraph, so counting marks in pairs goes wrong).
    """
    marks = []
    for position, char in enumerate(text):
        if char == "“":
            marks.append((position, True))
        elif char == "”":
            marks.append((position, False))
        elif char == '"':
            before = text[position - 1] if position else " "
            marks.append((position, before.isspace() or before in "([{:—–-"))
    return marks


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Quotations in ``text`` (one still open at its end runs to the end)."""
    spans: list[tuple[int, int]] = []
    opening: int | None = None
    for position, opens in _quote_marks(text):
        if opens:
            opening = position
        elif opening is not None:
            if position - opening > 12:
                spans.append((opening + 1, position))
            opening = None
    if opening is not None and len(text) - opening > 12:
        spans.append((opening + 1, len(text)))
    return spans


def _open_after(text: str, open_before: bool) -> bool:
    """Whether a quotation is still open at the end of ``text``."""
    marks = _quote_marks(text)
    return marks[-1][1] if marks else open_before


def _statement_ranges(doc: Doc, verb: Token) -> list[tuple[int, int]]:
    """Character ranges of what ``verb`` reports, inside ``doc``."""
    ranges: list[tuple[int, int]] = []
    verb_at = verb.idx
    quotes = _quoted_spans(doc.text)
    outside = [q for q in quotes if not q[0] <= verb_at < q[1]]
    complements = [child for child in verb.children if child.dep_ in {"ccomp", "parataxis"}]
    for complement in complements:
        subtree = list(complement.subtree)
        trimmed = _trimmed(doc, subtree[0].i, subtree[-1].i)
        if trimmed:
            ranges.append(trimmed)
    if not ranges and verb.dep_ in {"parataxis", "ccomp"} and verb.head.i != verb.i:
        head_tokens = [t for t in verb.head.subtree if t.i not in {s.i for s in verb.subtree}]
        if head_tokens:
            trimmed = _trimmed(doc, head_tokens[0].i, head_tokens[-1].i)
            if trimmed:
                ranges.append(trimmed)
    if outside:
        # A quotation beside the verb is the statement in the speaker's own words.
        quoted = [q for q in outside if any(r[0] <= q[1] and q[0] <= r[1] for r in ranges)]
        if quoted or not ranges:
            ranges = [r for r in ranges if not any(q[0] <= r[1] and r[0] <= q[1] for q in outside)]
            ranges = sorted(ranges + [_strip(doc.text, q) for q in (quoted or outside[:1])])
    for child in verb.children:
        if child.dep_ in {"advcl", "conj", "xcomp"} and child.lemma_ in _SPEECH_LEMMAS:
            ranges.extend(_statement_ranges(doc, child))
    return _disjoint(ranges)


def _strip(text: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def _disjoint(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(ranges), key=lambda r: (r[0], -r[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def _persons(sentence: Doc | Span) -> list[str]:
    return [entity.text for entity in sentence.ents if entity.label_ in {"PERSON", "NORP", "ORG"}]


class QuoteAttributor:
    """Finds a person's statements in the sentences of some documents.

    Args:
        analyzer: The parser to use.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def statements(
        self, speaker: str, text: str, sentences: Sequence[tuple[int, int]]
    ) -> list[Statement]:
        """Return the statements ``speaker`` makes in the given sentences of one document.

        Args:
            speaker: The person's name as the question gives it ("Larijani").
            text: The document's full text.
            sentences: Sentence ranges of that document, in document order.

        Returns:
            Statements in document order.
        """
        name_words = _name_words(speaker)
        if not name_words:
            return []
        surname = word_tokens(speaker)[-1]
        if not any(surname in word_tokens(text[s:e]) for s, e in sentences):
            return []
        docs = self.analyzer.parse_many([text[s:e] for s, e in sentences])
        found: list[Statement] = []
        role_words: set[str] = set()
        last_person_is_speaker = False
        previous_was_statement = False
        previous_end = -1
        quote_open = False
        for (sentence_start, sentence_end), doc in zip(sentences, docs, strict=True):
            same_paragraph = previous_end >= 0 and "\n" not in text[previous_end:sentence_start]
            continues_quote = same_paragraph and (quote_open or doc.text.lstrip()[:1] in '“"')
            quote_open = _open_after(doc.text, quote_open)
            previous_end = sentence_end
            sentence_statements: list[tuple[int, int, bool]] = []
            attributed_here = False
            someone_else_spoke = False
            for token in doc:
                if token.lemma_ not in _SPEECH_LEMMAS and token.lower_ not in SPEECH_VERBS:
                    continue
                if token.pos_ not in {"VERB", "AUX"}:
                    continue
                subject = _subject_of(token)
                if subject is None:
                    continue
                attributed_here = True
                # A relative clause's speaker: the name up to the noun, not the clause.
                relative = subject.is_ancestor(token)
                last = token.left_edge.i - 1 if relative else subject.right_edge.i
                subject_span = doc[subject.left_edge.i : last + 1]
                if _mentions(subject_span.text, name_words, surname):
                    is_speaker = True
                elif _names_someone(subject_span):
                    is_speaker = False
                elif subject.lower_ in _PRONOUNS:
                    is_speaker = last_person_is_speaker
                elif subject.tag_ == "NN" and any(c.lower_ == "the" for c in subject.children):
                    # "the adviser": the speaker when that is how they were introduced.
                    is_speaker = (
                        subject.lower_ in role_words if role_words else last_person_is_speaker
                    )
                else:
                    is_speaker = False
                if not is_speaker:
                    someone_else_spoke = someone_else_spoke or _names_someone(subject_span)
                    continue
                quotes = _quoted_spans(doc.text)
                for start, end in _statement_ranges(doc, token):
                    direct = any(q[0] <= start and end <= q[1] for q in quotes)
                    sentence_statements.append((start, end, direct))
            if previous_was_statement and continues_quote and not attributed_here:
                # The quotation goes on past the sentence that attributed it.
                span = _strip(doc.text, (0, len(doc.text)))
                sentence_statements = [(span[0], span[1], True)]
            for start, end, direct in _unique(sentence_statements):
                found.append(
                    Statement(
                        start=sentence_start + start,
                        end=sentence_start + end,
                        sentence_start=sentence_start,
                        sentence_end=sentence_end,
                        direct=direct,
                    )
                )
            previous_was_statement = bool(sentence_statements)
            role_words |= _role_words(doc, name_words)
            persons = _persons(doc)
            if someone_else_spoke and not sentence_statements:
                last_person_is_speaker = False
            elif persons:
                last_person_is_speaker = _mentions(persons[-1], name_words, surname) or (
                    any(_mentions(p, name_words, surname) for p in persons)
                    and bool(sentence_statements)
                )
            elif surname in word_tokens(doc.text):
                last_person_is_speaker = True
        return found


def _names_someone(span: Span) -> bool:
    """The phrase names a person or organisation (a proper noun or such an entity)."""
    return any(token.pos_ == "PROPN" for token in span) or any(
        entity.label_ in {"PERSON", "ORG"} for entity in span.ents
    )


def _role_words(doc: Doc, name_words: set[str]) -> set[str]:
    """Nouns that introduce the speaker in this sentence ("Minister", "adviser")."""
    words: set[str] = set()
    for token in doc:
        if token.lower_ not in name_words:
            continue
        related = list(token.subtree)
        if token.dep_ in {"appos", "compound"}:
            related.append(token.head)
        words.update(
            t.lower_
            for t in related
            if t.pos_ in {"NOUN", "PROPN"} and t.lower_ not in name_words and t.is_alpha
        )
    return words


def _unique(items: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    kept: list[tuple[int, int, bool]] = []
    for item in sorted(set(items)):
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    return kept
