"""Candidate answer spans in a parsed sentence: entities, noun phrases, numbers, clauses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Dependency relations whose whole subtree is a phrase someone might give as an answer.
_PHRASE_DEPS = frozenset(
    {
        "nsubj",
        "nsubjpass",
        "dobj",
        "pobj",
        "attr",
        "appos",
        "conj",
        "dative",
        "oprd",
        "npadvmod",
        "acomp",
        "ROOT",
    }
)
_CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "advcl", "relcl", "acl", "pcomp"})
_NOMINAL_POS = frozenset({"NOUN", "PROPN", "NUM", "PRON", "ADJ"})
_LONGEST_PHRASE_TOKENS = 14
_LONGEST_CLAUSE_TOKENS = 16


@dataclass(frozen=True)
class SpanCandidate:
    """A token range of one parsed sentence that might be the answer.

    Attributes:
        first: Index of the first token.
        last: Index of the last token (inclusive).
        start: Character offset of the span in the sentence.
        end: End character offset (exclusive).
        sources: How the span was found: ``entity``, ``chunk``, ``phrase``, ``number``,
            ``clause``, ``verb_phrase``, ``head``.
        entity_label: The entity label when the span is exactly one entity, else "".
    """

    first: int
    last: int
    start: int
    end: int
    sources: frozenset[str]
    entity_label: str


def _trim(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    """Drop edge punctuation, conjunctions and leading prepositions/markers."""
    while first <= last and (
        doc[first].is_punct or doc[first].dep_ in {"cc", "mark", "prep", "punct", "case"}
    ):
        first += 1
    while last >= first and (doc[last].is_punct or doc[last].dep_ in {"cc", "punct", "case"}):
        last -= 1
    if first > last:
        return None
    return first, last


def _add(
    found: dict[tuple[int, int], tuple[set[str], str]],
    doc: Doc,
    first: int,
    last: int,
    source: str,
    label: str = "",
) -> None:
    trimmed = _trim(doc, first, last)
    if trimmed is None:
        return
    key = trimmed
    sources, known_label = found.get(key, (set(), ""))
    sources.add(source)
    found[key] = (sources, label or known_label)


def _left_part(token: Token) -> tuple[int, int]:
    """The head noun with its left modifiers (no following prepositional phrase)."""
    return token.left_edge.i, token.i


def candidate_spans(doc: Doc) -> list[SpanCandidate]:
    """All candidate answer spans of a parsed sentence, each once.

    Args:
        doc: The parsed sentence.

    Returns:
        Candidates in sentence order.
    """
    found: dict[tuple[int, int], tuple[set[str], str]] = {}
    for entity in doc.ents:
        _add(found, doc, entity.start, entity.end - 1, "entity", entity.label_)
    for chunk in doc.noun_chunks:
        _add(found, doc, chunk.start, chunk.end - 1, "chunk")
    for token in doc:
        if token.pos_ in _NOMINAL_POS and token.dep_ in _PHRASE_DEPS | {"compound", "nmod"}:
            first, last = token.left_edge.i, token.right_edge.i
            if last - first < _LONGEST_PHRASE_TOKENS and token.dep_ in _PHRASE_DEPS:
                _add(found, doc, first, last, "phrase")
            left_first, left_last = _left_part(token)
            _add(found, doc, left_first, left_last, "phrase")
            if token.pos_ in {"NOUN", "PROPN", "NUM"}:
                _add(found, doc, token.i, token.i, "head")
        if token.like_num or token.pos_ == "NUM":
            _add(found, doc, token.i, token.i, "number")
            if token.dep_ == "nummod" and token.head.i > token.i:
                _add(found, doc, token.i, token.head.i, "number")
        if token.dep_ in _CLAUSE_DEPS and token.pos_ in {"VERB", "AUX"}:
            first, last = token.left_edge.i, token.right_edge.i
            if last - first < _LONGEST_CLAUSE_TOKENS:
                _add(found, doc, first, last, "clause")
        if token.pos_ == "VERB":
            # The verb and what follows it: "What did X do?" answers.
            last = token.right_edge.i
            if last - token.i < _LONGEST_PHRASE_TOKENS:
                _add(found, doc, token.i, last, "verb_phrase")
    candidates = []
    for (first, last), (sources, label) in sorted(found.items()):
        start = doc[first].idx
        end = doc[last].idx + len(doc[last].text)
        candidates.append(SpanCandidate(first, last, start, end, frozenset(sources), label))
    return candidates
