"""Splitting text into sentences with exact character offsets."""

from __future__ import annotations

import re

from index.sources.cleaning import TextSpan

# Words whose trailing period does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "pres",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "cf",
        "al",
        "approx",
        "dept",
        "est",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "nos",
        "vol",
        "ed",
        "eds",
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
        "u.s",
        "u.k",
        "u.n",
        "a.d",
        "b.c",
        "p.m",
        "a.m",
        "ph.d",
    ]
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
# It starts only where a run of punctuation starts and never backtracks into it: tried at
# every dot of a long run of dots, it took quadratic time (minutes for 50 KB of "....").
_BOUNDARY = re.compile(r"[.!?](?<![.!?][.!?])[.!?]*+[\"'”’)\]]*+(?=\s)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9]")


def _is_abbreviation(text: str, period_index: int) -> bool:
    start = period_index
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "\"'“‘(":
        start -= 1
    word = text[start:period_index].lower().rstrip(".")
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # Single letters are initials ("J. R. Smith"), dotted acronyms are abbreviations ("U.S.").
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[TextSpan]:
    """Split ``text[start:end]`` into sentences; line breaks always end a sentence.

    Args:
        text: The full text that offsets refer to.
        start: First character of the region to split (default 0).
        end: End of the region, exclusive (default: end of text).

    Returns:
        Sentence ranges in order, trimmed of surrounding white space, never empty.
    """
    stop = len(text) if end is None else end
    sentences: list[TextSpan] = []
    line_start = start
    for line in re.finditer(r"[^\r\n]+", text[start:stop]):
        line_start = start + line.start()
        line_end = start + line.end()
        cursor = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            boundary = match.end()
            if not _NEXT_STARTS_SENTENCE.match(text, boundary, line_end):
                continue
            if (
                text[match.start()] == "."
                and match.end() - match.start() == 1
                and _is_abbreviation(text, match.start())
            ):
                continue
            _append_trimmed(text, cursor, boundary, sentences)
            cursor = boundary
        _append_trimmed(text, cursor, line_end, sentences)
    return sentences


def _append_trimmed(text: str, start: int, end: int, out: list[TextSpan]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(TextSpan(start, end))
