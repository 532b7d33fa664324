"""Reading one parsed sentence for speech: quotation marks, speech verbs, what a verb reports.

The parts of statement extraction (``index.statements.extraction``) that look at a single
sentence: where its quotations are, which tokens are speech verbs and who their subject is, and
the character ranges of what a speech verb reports (its clausal complement, or the quotation
beside it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

OPEN_QUOTES = "“\"‘'"
CLOSE_QUOTES = "”\"’'"
_TRIM = " ,;:.\u2014-" + OPEN_QUOTES + CLOSE_QUOTES
_RELATIVE_PRONOUNS = frozenset({"who", "that", "which"})

# Verbs of saying, by lemma. A statement is what one of them reports.
SPEECH_LEMMAS = frozenset(
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
        "admit",
        "vow",
        "promise",
        "deny",
        "confirm",
        "predict",
        "urge",
        "concede",
        "stress",
        "ask",
        "emphasise",
        "emphasize",
        "maintain",
        "complain",
        "agree",
        "reveal",
        "pledge",
        "boast",
        "joke",
        "recall",
        "speculate",
        "accuse",
        "question",
        "describe",
        "brand",
        "criticise",
        "criticize",
        # Only passive: "he was quoted by state media as saying" (see ``subject_of``).
        "quote",
        "cite",
    ]
)
# Verbs that report speech only in the passive, whose subject is the speaker.
_PASSIVE_ONLY = frozenset({"quote", "cite"})

# Speech verbs whose content is their object ("criticised the plan as a waste").
_OBJECT_VERBS = frozenset(
    [
        "criticise",
        "criticize",
        "brand",
        "describe",
        "accuse",
        "condemn",
        "slate",
        "praise",
        "dismiss",
        "attack",
    ]
)
SPEECH_LEMMAS |= _OBJECT_VERBS

# Word forms of those verbs (and quotation marks): a sentence without any is not parsed.
_FORMS = {"said", "says", "told", "tells", "wrote", "written", "writes", "according"}
for _lemma in SPEECH_LEMMAS:
    _stem = _lemma[:-1] if _lemma.endswith("e") else _lemma
    _FORMS |= {_lemma, _lemma + "s", _stem + "ed", _stem + "ing"}
    if _lemma.endswith("y"):
        _FORMS |= {_lemma[:-1] + "ied", _lemma[:-1] + "ies"}
_FORMS |= {"added", "admitted", "admitting", "urged", "agreed", "replied", "replies", "denied"}
_CUE = re.compile(r"[\"“”]|\b(?:" + "|".join(sorted(_FORMS)) + r")\b", re.IGNORECASE)


def may_report_speech(sentence: str) -> bool:
    """Whether a sentence has a quotation mark or a form of a speech verb (cheap, no parse)."""
    return _CUE.search(sentence) is not None


def quote_marks(text: str) -> list[tuple[int, bool]]:
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


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Quotations in ``text`` (one still open at its end runs to the end)."""
    spans: list[tuple[int, int]] = []
    opening: int | None = None
    for position, opens in quote_marks(text):
        if opens:
            opening = position
        elif opening is not None:
            if position - opening > 12:
                spans.append((opening + 1, position))
            opening = None
    if opening is not None and len(text) - opening > 12:
        spans.append((opening + 1, len(text)))
    return spans


def open_after(text: str, open_before: bool) -> bool:
    """Whether a quotation is still open at the end of ``text``."""
    marks = quote_marks(text)
    return marks[-1][1] if marks else open_before


def strip(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` without surrounding spaces, punctuation and quotation marks."""
    start, end = span
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def is_speech_verb(token: Token) -> bool:
    """A verb of saying ("said", "warned", "told")."""
    return token.lemma_.lower() in SPEECH_LEMMAS and token.pos_ in {"VERB", "AUX"}


def subject_of(verb: Token) -> Token | None:
    """Who does the saying: the verb's subject, the agent of a passive, or its head's subject.

    In a relative clause ("... Tessa Jowell, who said: ...") it is the noun the clause is on.
    "X was quoted (by state media) as saying" is X's speech; "X quoted Y" is not X's.
    """
    if verb.lemma_.lower() in _PASSIVE_ONLY:
        return next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    for child in verb.children:
        if child.dep_ in {"nsubj", "nsubjpass"}:
            if verb.dep_ == "relcl" and child.lower_ in _RELATIVE_PRONOUNS:
                return verb.head
            if verb.dep_ == "relcl" or child.dep_ == "nsubjpass":
                # "... described by Sharon as ...": the agent speaks, not the subject.
                agent = _agent(verb)
                if agent is not None or child.dep_ == "nsubjpass":
                    return agent
            return child
    agent = _agent(verb)
    if agent is not None:
        return agent
    if verb.dep_ in {"advcl", "conj", "xcomp"} and verb.head is not verb:
        return subject_of(verb.head)
    return None


def _agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
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
    start, end = strip(doc.text, (doc[first].idx, doc[last].idx + len(doc[last].text)))
    return (start, end) if end - start >= 3 else None


def _disjoint(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(ranges), key=lambda r: (r[0], -r[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def reported_ranges(doc: Doc, verb: Token) -> list[tuple[int, int]]:
    """Character ranges, inside ``doc``, of what the speech verb ``verb`` reports.

    Its clausal complement ("said [that] CLAUSE", "vowed to VP"), or the clause it is tacked
    onto ("CLAUSE, he said"); a quotation beside the verb is the statement in the speaker's
    own words and replaces a clause it overlaps. Speech verbs joined to it ("said ... and
    added that ...") add theirs.
    """
    ranges: list[tuple[int, int]] = []
    verb_at = verb.idx
    quotes = quoted_spans(doc.text)
    outside = [q for q in quotes if not q[0] <= verb_at < q[1]]
    complements = [child for child in verb.children if child.dep_ in {"ccomp", "parataxis"}]
    if not complements and verb.lemma_ in {"vow", "promise", "pledge", "urge", "agree"}:
        complements = [child for child in verb.children if child.dep_ == "xcomp"]
    if not complements and verb.lemma_.lower() in _OBJECT_VERBS:
        # "criticised British TV for being too safe": what follows the verb is the content.
        after = [t for t in verb.subtree if t.i > verb.i and not is_speech_verb(t)]
        if after and any(c.dep_ in {"dobj", "prep"} for c in verb.children):
            trimmed = _trimmed(doc, after[0].i, after[-1].i)
            if trimmed:
                ranges.append(trimmed)
    if not complements:
        # "denied reports that CLAUSE", "made the claim that CLAUSE"
        complements = [
            clause
            for child in verb.children
            if child.dep_ == "dobj"
            for clause in child.children
            if clause.dep_ in {"acl", "ccomp"}
            and any(t.dep_ == "mark" and t.lower_ == "that" for t in clause.children)
        ]
    for complement in complements:
        subtree = list(complement.subtree)
        trimmed = _trimmed(doc, subtree[0].i, subtree[-1].i)
        if trimmed:
            ranges.append(trimmed)
    if not ranges and verb.dep_ in {"parataxis", "ccomp"} and verb.head.i != verb.i:
        own = {t.i for t in verb.subtree}
        head_tokens = [t for t in verb.head.subtree if t.i not in own]
        if head_tokens:
            trimmed = _trimmed(doc, head_tokens[0].i, head_tokens[-1].i)
            if trimmed:
                ranges.append(trimmed)
    if not ranges and verb.dep_ == "relcl":
        # "CLAUSE, the firm's chief has told BBC News.": the parser hangs the attribution
        # on the clause's last noun as a relative clause; without a relative pronoun it is
        # the clause's attribution, and the clause before the comma its content.
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is not None and subject.lower_ not in _RELATIVE_PRONOUNS:
            first = subject.left_edge.i
            if first > 1 and doc[first - 1].text == "," and not outside:
                trimmed = _trimmed(doc, doc[0].i, first - 2)
                if trimmed:
                    ranges.append(trimmed)
    if outside and not ranges:
        ranges = [strip(doc.text, outside[0])]
    elif outside:
        # A clause mostly in quotation marks is the speaker's own words: the quotations
        # replace it. A few quoted words inside a reported clause leave it reported.
        kept: list[tuple[int, int]] = []
        for r in ranges:
            inner = [q for q in outside if r[0] <= q[1] and q[0] <= r[1]]
            quoted = sum(min(r[1], q[1]) - max(r[0], q[0]) for q in inner)
            if inner and quoted >= 0.6 * (r[1] - r[0]):
                kept.extend(strip(doc.text, q) for q in inner)
            else:
                kept.append(r)
        ranges = sorted(kept)
    for child in verb.children:
        joined = child.dep_ in {"advcl", "conj"} and is_speech_verb(child)
        if joined and subject_of(child) in (None, subject_of(verb)):
            ranges.extend(reported_ranges(doc, child))
    return _disjoint([r for r in ranges if r[1] - r[0] >= 3])


def according_to(doc: Doc) -> list[tuple[Token, tuple[int, int]]]:
    """ "According to X, CLAUSE": X's token and the clause's range, for each such phrase."""
    found = []
    for token in doc:
        if token.lower_ != "according":
            continue
        to = next((c for c in token.children if c.lower_ == "to"), None)
        source = next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
        if source is None:
            continue
        phrase = {t.i for t in token.subtree}
        rest = [t for t in doc if t.i not in phrase]
        if rest:
            trimmed = _trimmed(doc, rest[0].i, rest[-1].i)
            if trimmed:
                found.append((source, trimmed))
    return found
