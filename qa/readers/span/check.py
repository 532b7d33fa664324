"""Does the evidence answer *this* question? Features of an answer and its sentence.

The span model finds the likeliest span of the right shape, and so answers questions the
documents do not answer with a number or a name of the right type from a sentence about
something else ("Who is France's finance minister?" answered with the German one). These
features say how much of what the question is about stands where the answer does; the
reader's calibration (``scripts/calibrate_reader.py``) weighs them with the model's scores.

All are cheap: words and patterns of the question and the answer's sentence, no parsing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from qa.citations import DocumentText, TextRange
from qa.nlp import stem_words, word_tokens
from qa.question import Question, content_words

__all__ = ["CHECK_FEATURES", "check_features"]

CHECK_FEATURES = (
    "question_words_in_sentence",
    "question_words_nearby",
    "names_in_sentence",
    "possessor_in_sentence",
    "type_fits",
    "answer_in_question",
)

# Words a question uses whatever it is about.
_ASKING = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "long",
        "old",
        "kind",
        "type",
        "name",
        "called",
        "year",
        "years",
        "number",
        "did",
        "does",
        "do",
    ]
)
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "dozen",
        "dozens",
        "hundreds",
        "thousands",
        "millions",
        "billions",
        "half",
        "quarter",
    ]
)
_TIME = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2}|[0-9]{1,2}(?:st|nd|rd|th)?|"
    + "|".join(_MONTHS + _WEEKDAYS)
    + r"|century|centuries|decade|year|years|today|yesterday|season)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d|[$£€¥%]")
_POSSESSOR = re.compile(r"\b([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)['’]s?\s+[a-z]")


def _share(wanted: set[str], held: set[str]) -> float:
    return len(wanted & held) / len(wanted) if wanted else 1.0


def _key_words(question: Question) -> set[str]:
    return set(stem_words([w for w in content_words(question.text) if w not in _ASKING]))


def _names(text: str) -> set[str]:
    """Capitalised words past the first and numbers: the question's names, dates, figures."""
    words = re.findall(r"[\w'’-]+", text)
    return {
        w.lower().removesuffix("'s").removesuffix("’s")
        for i, w in enumerate(words)
        if (i > 0 and w[:1].isupper()) or any(c.isdigit() for c in w)
    } - _ASKING


def type_fits(question: Question, answer: str) -> float:
    """1 when the answer is of the kind the question asks for (a time for "when", a number
    for "how many", a name for "who" and "where"), 0 when it is not, 0.5 when it cannot say."""
    words = word_tokens(answer)
    if question.kind == "when":
        return 1.0 if _TIME.search(answer) else 0.0
    if question.kind in ("how_many", "how_much"):
        numeric = _NUMBER.search(answer) or any(w in _NUMBER_WORDS for w in words)
        return 1.0 if numeric else 0.0
    if question.kind in ("who", "where"):
        return 1.0 if any(w[:1].isupper() for w in answer.split()) else 0.0
    return 0.5


def check_features(
    question: Question,
    document: DocumentText,
    start: int,
    end: int,
    sentences: Sequence[TextRange],
) -> dict[str, float]:
    """The answer check's features for the answer ``document.text[start:end]``.

    Args:
        question: The analysed question.
        document: The document holding the answer.
        start: Offset of the answer.
        end: End offset of the answer.
        sentences: The document's sentences, in order (to find the answer's sentence and its
            neighbours; found by bisection, a long document costs no more).

    Returns:
        Each of ``CHECK_FEATURES``, in [0, 1].
    """
    text = document.text
    first = max(0, bisect.bisect_right(sentences, start, key=lambda s: s.start) - 1)
    last = max(first, bisect.bisect_left(sentences, end, key=lambda s: s.start) - 1)
    if sentences and sentences[first].start <= start < sentences[last].end:
        sentence = text[sentences[first].start : sentences[last].end]
        near_start = sentences[max(0, first - 1)].start
        near_end = sentences[min(len(sentences) - 1, last + 1)].end
        nearby = text[near_start:near_end]
    else:
        sentence = nearby = text[max(0, start - 200) : end + 200]
    answer = text[start:end]
    wanted = _key_words(question)
    in_sentence = set(stem_words(word_tokens(sentence)))
    possessors = _POSSESSOR.findall(question.text)
    sentence_lower = sentence.lower()
    answer_words = set(stem_words(word_tokens(answer)))
    question_words = set(stem_words(word_tokens(question.text)))
    return {
        "question_words_in_sentence": _share(wanted, in_sentence),
        "question_words_nearby": _share(wanted, set(stem_words(word_tokens(nearby)))),
        "names_in_sentence": _share(_names(question.text), set(word_tokens(sentence))),
        "possessor_in_sentence": (
            float(all(p.lower() in sentence_lower for p in possessors)) if possessors else 1.0
        ),
        "type_fits": type_fits(question, answer),
        "answer_in_question": (
            len(answer_words & question_words) / len(answer_words) if answer_words else 0.0
        ),
    }
