"""Where a passage's lines end a heading or a paragraph: an answer never runs across one."""

from __future__ import annotations

import bisect
import itertools

__all__ = ["crosses", "line_breaks"]


def line_breaks(text: str) -> list[int]:
    """Line breaks of ``text`` that end a heading or a paragraph, not a wrapped line.

    A break ends one when the line before it ends a sentence, or is less than half as long
    as the line after it (a heading above its paragraph). A line wrapped mid-sentence is
    about as long as the next, or longer when the next is a paragraph's last line.
    """
    lines = text.split("\n")
    found, position = [], 0
    for line, following in itertools.pairwise(lines):
        position += len(line)
        ended = line.rstrip().endswith((".", "!", "?", ":", '"', "”", "’"))
        if not line.strip() or ended or 2 * len(line.strip()) < len(following.strip()):
            found.append(position)
        position += 1
    return found


def crosses(breaks: list[int], start: int, end: int) -> bool:
    """Whether a line break (positions ``breaks``, sorted) falls inside ``start..end``."""
    at = bisect.bisect_left(breaks, start)
    return at < len(breaks) and breaks[at] < end
