"""The title a file gives itself: an HTML page's <title>, a Markdown heading, a PDF's metadata."""

from __future__ import annotations

import copy
import html
import re
from typing import Any

# Elements whose content a browser does not show (a <dialog> until it is opened).
_UNSHOWN_TAGS = frozenset({"head", "template", "noscript", "script", "style", "dialog"})
_NO_SPACE = re.compile(r"\s+")
# A Markdown line is read as a heading at most this long; a title is cut shorter anyway.
_HEADING_MAX_CHARS = 2000
# A heading further into a file than this is a section's, not the file's title.
_TITLE_WITHIN_CHARS = 100_000
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
# Inline Markdown, in the order it is taken apart: images (badges) go, links keep their text.
_INLINE = (
    (re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),
    (re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])"), r"\1"),
    (re.compile(r"<((?:https?|mailto):[^>\s]*)>"), r"\1"),
    (re.compile(r"<[^>]*>"), ""),
    (re.compile(r"(`+)(.+?)\1"), r"\2"),
    (re.compile(r"(\*{1,3}|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)"), r"\2"),
)
# A backslash-escaped mark ("\*") is text: it is set aside as a private-use character while
# the markup is taken apart.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_SET_ASIDE = 0xE000
_PUT_BACK = {_SET_ASIDE + code: code for code in range(ord("!"), ord("~") + 1)}
# A PDF heading is a short line that does not end like a sentence or a clause.
_PDF_HEADING_MAX_CHARS = 120
_PDF_HEADING_WITHIN_CHARS = 4000
# Titles that PDF writers fill in by themselves: a placeholder, the application and a file
# name ("Microsoft Word - report.doc"), a file name or a path.
_JUNK_PDF_TITLE = re.compile(
    r"(?:untitled|no title|title|document|unknown|none|null|default|presentation|slide)"
    r"[\W\d_]*"
    r"|microsoft \w+(?: - .*| document)|powerpoint presentation"
    r"|\S*_\S*"
    r"|.*\.(?:docx?|pdf|rtf|odt|pages|tex|dvi|ps|indd|qxd|pptx?|xlsx?|txt|html?|wpd|eps|ai)"
    r"|(?:[a-z]:)?[\\/].*",
    re.IGNORECASE,
)


def html_title(page: bytes) -> str | None:
    """The title of an HTML page: its <title>, else its first visible <h1>; None if neither.

    Text a reader of the page does not see (a help dialog, a template, a collapsed menu) is
    never the title, although it may come first.
    """
    import trafilatura

    try:
        tree = trafilatura.load_html(page)
    except Exception:  # a page the parser cannot read has no title, not an error
        return None
    if tree is None:
        return None
    for element in tree.iter("title"):
        if not any(ancestor.tag == "svg" for ancestor in element.iterancestors()):
            title = _one_line(element.text_content())
            if title:
                return title
            break
    for heading in tree.iter("h1"):
        if not _unshown(heading):
            title = _shown_text(heading)
            if title:
                return title
    return None


def markdown_title(text: str) -> str | None:
    """The text of a Markdown file's first heading (``#`` or underlined), without markup.

    Links keep their text; images and badges go; emphasis and code marks go. None when the
    file has no heading with text.
    """
    lines = text[:_TITLE_WITHIN_CHARS].splitlines()
    start = _front_matter_end(lines)
    paragraph: list[str] = []
    fence = ""
    for line in lines[start:]:
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            continue
        if opened := _FENCE.match(line):
            fence, paragraph = opened.group(1), []
            continue
        heading = None
        if atx := _ATX.match(line):
            heading, paragraph = _atx_text(line[atx.end() :]), []
        elif paragraph and _SETEXT_UNDERLINE.fullmatch(line):
            heading, paragraph = " ".join(paragraph), []
        elif (
            not line.strip()
            or (not paragraph and line.startswith(("    ", "\t")))  # indented code
            or _LIST_ITEM.match(line)  # "- item" over "---" is a list and a rule
        ):
            paragraph = []
        else:
            paragraph.append(line.strip())
        title = _plain(heading) if heading is not None else ""
        if title:
            return title
    return None


def pdf_title(metadata_title: str | None, text: str) -> str | None:
    """The title of a PDF: the title in its metadata unless that is a placeholder or a file
    name, else the first line of its text that looks like a heading; None if there is none."""
    title = _one_line((metadata_title or "").replace("\x00", ""))
    if any(char.isalpha() for char in title) and not _JUNK_PDF_TITLE.fullmatch(title):
        return title
    for line in map(_one_line, text[:_PDF_HEADING_WITHIN_CHARS].splitlines()):
        if (
            any(char.isalpha() for char in line)
            and len(line) <= _PDF_HEADING_MAX_CHARS
            and not line.endswith((".", ",", ";"))
        ):
            return line
    return None


def _one_line(text: str) -> str:
    return _NO_SPACE.sub(" ", text).strip()


def _unshown(element: Any) -> bool:
    """Whether a browser hides ``element``: it, or an element around it, is hidden."""
    for node in (element, *element.iterancestors()):
        style = _NO_SPACE.sub("", node.get("style") or "").lower()
        if (
            (node.tag in _UNSHOWN_TAGS and node.get("open") is None)  # an open <dialog> shows
            or node.get("hidden") is not None
            or (node.get("aria-hidden") or "").strip().lower() == "true"
            or "display:none" in style
            or "visibility:hidden" in style
        ):
            return True
    return False


def _shown_text(element: Any) -> str:
    """The text of ``element`` without the parts of it that are hidden."""
    shown = copy.deepcopy(element)
    for node in list(shown.iterdescendants("*")):
        if _unshown(node):
            node.drop_tree()
    # Sphinx and MkDocs end each heading with a "¶" that links to it.
    return _one_line(str(shown.text_content())).removesuffix("¶").rstrip()


def _front_matter_end(lines: list[str]) -> int:
    """The index of the first line after a leading YAML front-matter block (0 if none)."""
    if lines and lines[0].strip() == "---":
        for number, line in enumerate(lines[1:], start=1):
            if line.strip() in ("---", "..."):
                return number + 1
    return 0


def _atx_text(rest: str) -> str:
    """The text of a ``#`` heading after its opening marks, without its closing ones."""
    rest = rest.strip()
    unclosed = rest.rstrip("#")
    if not unclosed or unclosed.endswith((" ", "\t")):
        rest = unclosed.strip()
    return rest


def _plain(markdown: str) -> str:
    """Inline Markdown as the text a reader sees."""
    text = _ESCAPED.sub(lambda mark: chr(_SET_ASIDE + ord(mark[1])), markdown[:_HEADING_MAX_CHARS])
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return _one_line(html.unescape(text.translate(_PUT_BACK)))
