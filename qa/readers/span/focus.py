"""Narrowing a passage to the sentences around the one that best matches the question."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.citations import TextRange
from qa.nlp import word_tokens
from qa.question import content_words

__all__ = ["focus_range"]


def focus_range(
    question: str,
    text: str,
    start: int,
    end: int,
    sentences: Sequence[TextRange],
    budget_chars: int,
    stem: Callable[[list[str]], list[str]],
) -> tuple[int, int]:
    """The stretch of ``text[start:end]`` worth reading for ``question``, in whole sentences.

    The sentence sharing the most question words (stemmed) is kept, with its neighbours
    added, next one first, while the stretch stays within ``budget_chars``. A passage that
    fits the budget is kept whole.

    Args:
        question: The question.
        text: The document text.
        start: Passage start offset in ``text``.
        end: Passage end offset (exclusive).
        sentences: The document's sentence ranges, in order.
        budget_chars: Longest stretch wanted, in characters.
        stem: Stems a list of lower-cased words.

    Returns:
        The (start, end) offsets to read.
    """
    if end - start <= budget_chars:
        return start, end
    inside = [
        (max(s.start, start), min(s.end, end)) for s in sentences if s.end > start and s.start < end
    ]
    if not inside:
        return start, min(end, start + budget_chars)
    wanted = set(stem(list(content_words(question))))
    scores = [len(wanted & set(stem(word_tokens(text[a:b])))) for a, b in inside]
    best = max(range(len(inside)), key=lambda i: (scores[i], -i))
    first = last = best
    while True:
        grown = False
        for candidate in (last + 1, first - 1):
            if 0 <= candidate < len(inside):
                low = min(first, candidate)
                high = max(last, candidate)
                if inside[high][1] - inside[low][0] <= budget_chars:
                    first, last, grown = low, high, True
        if not grown:
            break
    low_offset, high_offset = inside[first][0], inside[last][1]
    if high_offset - low_offset > budget_chars:
        # One sentence longer than the budget: read its first part.
        high_offset = low_offset + budget_chars
    return low_offset, high_offset
