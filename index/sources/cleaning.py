"""Finding the article text in a news page's plain text: which lines are clutter, by general rules.

Cleaning never rewrites text. It returns the character ranges of the lines that are article
text, so every later offset still points into the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Whole lines that page furniture consists of on news sites. The runs of spaces around
# separators and at the ends are matched possessively (``\s*+``): given back one space at a
# time, a line of a word and thousands of spaces took minutes to reject.
_CLUTTER_LINE = re.compile(
    r"""^\s*+(?:
        advertisement|advertisements|ad|sponsored(?:\s+content)?|promoted|
        skip\s+(?:to\s+)?(?:main\s+)?content|
        share(?:\s+this)?(?:\s+(?:article|story|page))?(?:\s+on\s+\w+)?|
        (?:share|follow\s+us)\s+on\s+(?:facebook|twitter|x|whatsapp|linkedin|email).*|
        subscribe(?:\s+(?:now|today|to\s+our\s+newsletter))?|
        sign\s+up\s+(?:for|to)\s+(?:our|the)\s+\w+(?:\s+\w+)?\s+newsletter.*|
        (?:click|tap)\s+here\s+to\s+.{0,60}|
        (?:click\s+to\s+)?share\s+(?:on|via)\s+\w+(?:\s*\(opens\s+in\s+new\s+window\))?|
        (?:share|follow)(?:\s+us)?:?(?:\s*+[,|/•·]?\s*+(?:facebook|twitter|x|whatsapp|linkedin|
            email|e-mail|reddit|telegram|pinterest|instagram|youtube|messenger|copy\s+link))+|
        (?:facebook|twitter|whatsapp|linkedin|email|reddit|telegram|pinterest|copy\s+link)
            (?:\s*+[,|/•·]?\s*+(?:facebook|twitter|x|whatsapp|linkedin|email|reddit|telegram|
            pinterest|copy\s+link))+|
        copy\s+link|tweet|pin\s+it|
        subscribe\s+(?:to|for)\s+.{0,60}|
        (?:get|join)\s+our\s+(?:free\s+)?(?:daily\s+|weekly\s+)?newsletter.{0,40}|
        page\s+\d+(?:\s+of\s+\d+)?|\d{1,4}|
        (?:read|see)\s+more:?|
        print|email|comments?|
        \d+\s+comments?
    )\s*+[.:!]?\s*+$""",
    re.IGNORECASE | re.VERBOSE,
)
# "list 1 of 3<headline>" ... "end of list": an inline block of related links.
_LIST_ITEM = re.compile(r"^\s*[-*•]?\s*list\s+\d+\s+of\s+\d+", re.IGNORECASE)
_LIST_END = re.compile(r"^\s*end\s+of\s+list\s*$", re.IGNORECASE)
_LIST_END_ANYWHERE = re.compile(r"^[ \t]*end\s+of\s+list[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
# Headings that open a trailing block of links to other stories.
_RELATED_HEADING = re.compile(
    r"^\s*(?:related(?:\s+(?:news|stories|articles|coverage|content|reading|links))?|"
    r"more\s+(?:from|on|stories|news)\b.*|recommended(?:\s+stories)?|you\s+may\s+also\s+like|"
    r"read\s+next|most\s+(?:read|popular|viewed)|trending(?:\s+now)?|latest\s+news)\s*:?\s*$",
    re.IGNORECASE,
)
# Markdown syntax around clutter ("[Share on Twitter](https://...)", "![logo](logo.png)").
# Neither label nor address may hold a "[": each try then stops at the next one, where a
# line of thousands of "[a](" was scanned to its end from every bracket (quadratic time).
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^)\[\]]*\)")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^)\[\]]*\)")
_MD_LEAD = re.compile(r"^\s*(?:[-*+>]|#{1,6})\s+")
_MAY_HAVE_MARKUP = re.compile(r"\]\(|^\s*[-*+>#]")
# A line this long with sentence punctuation is prose, which ends a related-links block.
_PROSE_MIN_WORDS = 30


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A half-open character range ``[start, end)`` of a document's text."""

    start: int
    end: int


def _line_spans(text: str) -> list[TextSpan]:
    spans: list[TextSpan] = []
    position = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        spans.append(TextSpan(position, position + len(content)))
        position += len(line)
    return spans


def _without_markup(line: str) -> str:
    """The line with Markdown images dropped, links reduced to labels, list and quote marks gone."""
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    return _MD_LEAD.sub("", line)


def _is_prose(line: str) -> bool:
    return len(line.split()) >= _PROSE_MIN_WORDS and bool(re.search(r"[.!?][\"'”’)]*\s*$", line))


def content_lines(text: str) -> list[TextSpan]:
    """Return the ranges of the lines of ``text`` that are article text, in order.

    Blank lines, advertisement and share/subscribe lines (also as Markdown links), image-only
    lines, page numbers, inline "list N of M ... end of list"
    link blocks and trailing "Related News"-style link blocks are left out.

    Args:
        text: The document's full text.

    Returns:
        Character ranges, one per kept line, each without its line break.
    """
    kept: list[TextSpan] = []
    has_list_end = _LIST_END_ANYWHERE.search(text) is not None
    in_list = False
    in_related = False
    for span in _line_spans(text):
        line = text[span.start : span.end]
        if not line.strip():
            continue
        if in_list:
            if _LIST_END.match(line):
                in_list = False
            continue
        if has_list_end and _LIST_ITEM.match(line):
            in_list = True
            continue
        if in_related:
            if not _is_prose(line):
                continue
            in_related = False
        # Markdown syntax aside: "## Related" and "[Share on X](https://...)" are clutter too.
        bare = _without_markup(line) if _MAY_HAVE_MARKUP.search(line) else line
        if _RELATED_HEADING.match(bare):
            in_related = True
            continue
        if _CLUTTER_LINE.match(line) or _CLUTTER_LINE.match(bare) or not bare.strip():
            continue
        stripped_start = span.start + (len(line) - len(line.lstrip()))
        stripped_end = span.start + len(line.rstrip())
        kept.append(TextSpan(stripped_start, stripped_end))
    return kept


def content_blocks(text: str, lines: list[TextSpan] | None = None) -> list[TextSpan]:
    """Merge consecutive kept lines into blocks that contain no clutter between them.

    A block spans from the first character of its first line to the last of its last line;
    only line breaks and blank lines lie between its lines, so a chunk cut from a block
    never quotes clutter.

    Args:
        text: The document's full text.
        lines: Its article lines, when already computed (default: ``content_lines(text)``).
    """
    lines = content_lines(text) if lines is None else lines
    blocks: list[TextSpan] = []
    for line in lines:
        if blocks and text[blocks[-1].end : line.start].strip() == "":
            blocks[-1] = TextSpan(blocks[-1].start, line.end)
        else:
            blocks.append(line)
    return blocks
