"""Features of sentences and candidate spans that the learned reader scores."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.nlp import stem_words, word_tokens
from qa.question import Question, is_function_word
from qa.spans import SpanCandidate

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_ENTITY_GROUPS = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "NORP": "NORP",
    "GPE": "PLACE",
    "LOC": "PLACE",
    "FAC": "PLACE",
    "DATE": "TIME",
    "TIME": "TIME",
    "CARDINAL": "NUMBER",
    "QUANTITY": "NUMBER",
    "ORDINAL": "ORDINAL",
    "MONEY": "MONEY",
    "PERCENT": "PERCENT",
}
_DEP_GROUPS = {
    "nsubj": "subj",
    "nsubjpass": "subj",
    "dobj": "obj",
    "dative": "obj",
    "pobj": "pobj",
    "attr": "attr",
    "acomp": "attr",
    "oprd": "attr",
    "appos": "appos",
    "conj": "conj",
    "compound": "mod",
    "amod": "mod",
    "nmod": "mod",
    "nummod": "num",
    "npadvmod": "adv",
    "advmod": "adv",
    "ccomp": "clause",
    "xcomp": "clause",
    "advcl": "clause",
    "relcl": "clause",
    "acl": "clause",
    "pcomp": "clause",
    "ROOT": "root",
}
# Prepositions that say the same thing as a question's "before", "after", "during".
_RELATIONS = {
    "before": "before",
    "ahead": "before",
    "prior": "before",
    "preceding": "before",
    "until": "before",
    "after": "after",
    "following": "after",
    "since": "after",
    "during": "during",
    "amid": "during",
    "throughout": "during",
}
_WORD = re.compile(r"\w+", re.UNICODE)
_LENGTH_BUCKETS = ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (12, "9-12"))


def is_content_word(word: str) -> bool:
    """A word as written carries meaning: not a function word, unless an acronym ("US")."""
    return not is_function_word(word.lower()) or (len(word) > 1 and word.isupper())


class Vocabulary:
    """Stems words and weighs them by rarity across the sentences of an index.

    Args:
        sentences: Every sentence text of the index (document frequency is counted over them).
    """

    def __init__(self, sentences: Iterable[str]) -> None:
        frequency: Counter[str] = Counter()
        count = 0
        for text in sentences:
            frequency.update(set(self.stems(text)))
            count += 1
        self._frequency = frequency
        self._count = count

    def stem(self, word: str) -> str:
        """The stem of a lower-cased word."""
        return stem_words([word])[0]

    def stems(self, text: str) -> list[str]:
        """Stems of the content words of ``text``, in order."""
        return stem_words([word.lower() for word in _WORD.findall(text) if is_content_word(word)])

    def idf(self, stem: str) -> float:
        """Inverse sentence frequency of a stem (unseen stems weigh most)."""
        return math.log((self._count + 1) / (self._frequency.get(stem, 0) + 0.5)) + 1.0


@dataclass(frozen=True)
class QuestionTerms:
    """The question's content-word stems with their rarity weights."""

    weights: dict[str, float]
    bigrams: frozenset[tuple[str, str]]
    focus: str

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0

    @classmethod
    def of(cls, question: Question, vocabulary: Vocabulary) -> QuestionTerms:
        stems = vocabulary.stems(question.text)
        weights = {stem: vocabulary.idf(stem) for stem in stems}
        bigrams = frozenset(itertools.pairwise(stems))
        focus = vocabulary.stem(question.focus) if question.focus else ""
        return cls(weights=weights, bigrams=bigrams, focus=focus)


def sentence_features(terms: QuestionTerms, stems: Sequence[str]) -> dict[str, float]:
    """How well a sentence (given as its content stems) covers the question."""
    present = set(stems)
    matched = [weight for stem, weight in terms.weights.items() if stem in present]
    pairs = set(itertools.pairwise(stems))
    rarest = max(terms.weights.values(), default=0.0)
    missing = [w for s, w in terms.weights.items() if s not in present]
    return {
        "s_overlap": sum(matched) / terms.total,
        "s_matched_fraction": len(matched) / max(1, len(terms.weights)),
        "s_bigram": len(terms.bigrams & pairs) / max(1, len(terms.bigrams)),
        "s_missing_rarest": (max(missing, default=0.0) / rarest) if rarest else 0.0,
        "s_length": min(len(stems), 60) / 60,
    }


def _group(label: str) -> str:
    return _ENTITY_GROUPS.get(label, "OTHER_ENT") if label else ""


def _category(candidate: SpanCandidate) -> str:
    if candidate.entity_label:
        return _group(candidate.entity_label)
    for source, name in (("number", "NUMBER"), ("clause", "CLAUSE"), ("verb_phrase", "VP")):
        if source in candidate.sources:
            return name
    return "NP"


def _length_bucket(tokens: int) -> str:
    for limit, name in _LENGTH_BUCKETS:
        if tokens <= limit:
            return name
    return "13+"


def token_weights(doc: Doc, terms: QuestionTerms, vocabulary: Vocabulary) -> list[float]:
    """For each token of ``doc``, the weight of the question word it matches, or 0."""
    weights = []
    for token in doc:
        word = token.lower_
        if token.is_punct or not is_content_word(token.text):
            weights.append(0.0)
            continue
        weights.append(terms.weights.get(vocabulary.stem(word), 0.0))
    return weights


def span_features(
    question: Question,
    terms: QuestionTerms,
    doc: Doc,
    matched: Sequence[float],
    candidate: SpanCandidate,
) -> dict[str, float]:
    """Features of one candidate span in one parsed sentence (sentence features excluded).

    Args:
        question: The analysed question.
        terms: The question's weighted stems.
        doc: The parsed sentence.
        matched: ``token_weights`` of the sentence.
        candidate: The span.

    Returns:
        Feature values by name; absent names count as 0.
    """
    first, last = candidate.first, candidate.last
    span = doc[first : last + 1]
    root = span.root
    size = last - first + 1
    category = _category(candidate)
    dep = _DEP_GROUPS.get(root.dep_, "other")
    kind = question.kind
    total = terms.total
    content = [i for i in range(first, last + 1) if not doc[i].is_punct]
    inside = [i for i in content if matched[i] > 0]
    outside = [i for i, w in enumerate(matched) if w > 0 and not first <= i <= last]
    distance = min((abs(i - first) if i < first else abs(i - last) for i in outside), default=40)
    features: dict[str, float] = {
        f"cat={category}": 1.0,
        f"kind={kind}|cat={category}": 1.0,
        f"dep={dep}": 1.0,
        f"kind={kind}|dep={dep}": 1.0,
        f"len={_length_bucket(size)}": 1.0,
        f"kind={kind}|len={_length_bucket(size)}": 1.0,
        "in_question": len(inside) / max(1, len(content)),
        "all_in_question": float(bool(content) and len(inside) == len(content)),
        "distance_inverse": 1.0 / (1.0 + distance),
        "distance_log": math.log1p(min(distance, 40)),
        "position": first / max(1, len(doc)),
        "proper_fraction": sum(doc[i].pos_ == "PROPN" for i in content) / max(1, len(content)),
        "has_digit": float(any(ch.isdigit() for ch in span.text)),
        "head_matched": float(matched[root.head.i] > 0 and not first <= root.head.i <= last),
        "grandhead_matched": float(matched[root.head.head.i] > 0),
    }
    for window in (3, 8):
        left = sum(matched[max(0, first - window) : first])
        right = sum(matched[last + 1 : last + 1 + window])
        features[f"left_{window}"] = left / total
        features[f"right_{window}"] = right / total
    for source in candidate.sources:
        features[f"src={source}"] = 1.0
    if question.expected_labels:
        labels = {entity.label_ for entity in span.ents}
        exact = candidate.entity_label in question.expected_labels
        features["type_match"] = float(exact)
        features["type_contains"] = float(not exact and bool(labels & question.expected_labels))
        features["type_mismatch"] = float(not labels & question.expected_labels)
    if question.focus:
        features[f"focus={question.focus}|cat={category}"] = 1.0
    relation = _relation_of(root)
    if relation:
        features["relation_in_question"] = float(relation in question_relations(question))
    if (first > 0 and doc[first - 1].text == "(") or (
        last + 1 < len(doc) and doc[last + 1].text == ")"
    ):
        features["in_parentheses"] = 1.0
    if terms.focus:
        features["focus_in_span"] = float(
            any(doc[i].lower_.startswith(terms.focus[:4]) for i in content)
        )
    if question.definition_of and dep in {"appos", "attr"} and matched[root.head.i] > 0:
        features[f"definition_{dep}"] = 1.0
    if question.definition_of and root.dep_ == "appos":
        features["definition_appos_any"] = 1.0
    return features


def question_relations(question: Question) -> set[str]:
    """The temporal relations a question asks about ("before", "after", "during")."""
    return {_RELATIONS[w] for w in word_tokens(question.text) if w in _RELATIONS}


def _relation_of(root: Token) -> str:
    """The relation of the preposition governing a span's head ("ahead of" -> "before")."""
    if root.dep_ != "pobj":
        return ""
    preposition = root.head
    relation = _RELATIONS.get(preposition.lower_, "")
    if not relation and preposition.head is not preposition:
        relation = _RELATIONS.get(preposition.head.lower_, "")
    return relation


def softmax(scores: Sequence[float]) -> list[float]:
    """Probabilities from scores (numerically stable)."""
    if not scores:
        return []
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return [value / total for value in exps]
