"""Rendering answers as chat messages: plain text made safe, citations numbered, evidence marked."""

from __future__ import annotations

import html

from qa import Answer


def _escape(text: str) -> str:
    """Escape document text for Markdown-with-HTML rendering, so it always shows as text."""
    escaped = html.escape(text, quote=True)
    for char in "\\`*_{}[]<>#|~":
        escaped = escaped.replace(char, "\\" + char) if char not in "<>" else escaped
    return escaped


def confidence_words(confidence: float) -> str:
    """Confidence in words a person understands."""
    if confidence >= 0.8:
        return "high confidence"
    if confidence >= 0.6:
        return "fairly confident"
    if confidence >= 0.4:
        return "unsure"
    return "low confidence"


def answer_markdown(answer: Answer) -> str:
    """The chat message for an answer: short answer, confidence, numbered citations."""
    if answer.abstained:
        lines = [f"**{_escape(answer.text)}** The documents do not contain an answer to this."]
        if answer.related:
            lines.append("\nRelated passages (not an answer):")
            for number, passage in enumerate(answer.related[:3], start=1):
                lines.append(
                    f"{number}. *{_escape(passage.title)}*, "
                    f"characters {passage.start}–{passage.end}: "
                    f"{_escape(passage.text[:240])}…"
                )
        return "\n".join(lines)
    lines = [
        f"**{_escape(answer.text)}**",
        f"\n({confidence_words(answer.confidence)}, {answer.confidence:.0%})",
        "\nSources:",
    ]
    for number, citation in enumerate(answer.citations, start=1):
        sentence = citation.sentence
        offset = citation.start - citation.sentence_start
        before = sentence[:offset]
        quote = sentence[offset : offset + len(citation.quote)]
        after = sentence[offset + len(citation.quote) :]
        lines.append(
            f"{number}. *{_escape(citation.title)}*, characters {citation.start}–{citation.end}: "
            f"“{_escape(before)}<mark>[{_escape(quote)}]</mark>{_escape(after)}”"
        )
    return "\n".join(lines)
