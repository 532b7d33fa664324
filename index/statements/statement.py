"""An attributed statement (who said which characters of a document) and how it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ORGANISATION",
    "PERSON",
    "STATEMENTS_VERSION",
    "Descriptor",
    "Extraction",
    "Statement",
    "paragraph_of",
]

# Raised whenever extraction changes what it finds: statements stored by another version are
# read as missing, so the next ``qa index`` extracts them again (without re-embedding).
STATEMENTS_VERSION = 3

# What kind of speaker made a statement: a named person, or an organisation ("the Home
# Office said", "Tesco said"), listed apart from people.
PERSON = "person"
ORGANISATION = "organisation"


@dataclass(frozen=True)
class Statement:
    """An attributed statement: ``text[start:end]`` of its document.

    Attributes:
        speaker: The fullest name the document gives the speaker ("Charles Clarke").
        start: Offset of the statement in the document text.
        end: End offset (exclusive).
        sentence_start: Offset of the sentence holding it.
        sentence_end: End of that sentence.
        paragraph_start: Offset of its paragraph (line).
        paragraph_end: End of that paragraph.
        direct: True for words in quotation marks, False for reported speech.
        verb: The speech verb's lemma ("say", "warn"); empty for a quotation that goes on
            past the sentence that attributed it.
        kind: ``PERSON`` or ``ORGANISATION``.
        verb_text: The speech verb as the text writes it ("told", "had warned"); empty
            where ``verb`` is.
    """

    speaker: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    paragraph_start: int
    paragraph_end: int
    direct: bool
    verb: str
    kind: str = PERSON
    verb_text: str = ""

    def to_json(self) -> list[Any]:
        """The statement as a compact JSON list (in ``documents.jsonl``)."""
        return [
            self.speaker,
            self.start,
            self.end,
            self.sentence_start,
            self.sentence_end,
            self.paragraph_start,
            self.paragraph_end,
            self.direct,
            self.verb,
            self.kind,
            self.verb_text,
        ]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Statement:
        """Read what ``to_json`` wrote."""
        speaker, start, end, s_start, s_end, p_start, p_end, direct, verb, *more = data
        # Written before speakers had kinds and verbs their forms: a person, no form.
        kind = more[0] if more else PERSON
        verb_text = more[1] if len(more) > 1 else ""
        return cls(
            str(speaker), int(start), int(end), int(s_start), int(s_end), int(p_start),
            int(p_end), bool(direct), str(verb), str(kind), str(verb_text),
        )  # fmt: skip


@dataclass(frozen=True)
class Descriptor:
    """How a document describes a speaker: a title, role or employer, as a span of its text.

    "Home Secretary" in "Home Secretary Charles Clarke", "BMW's chief executive" in "Helmut
    Panke, BMW's chief executive, said", "of the CBI" in "Ian Black of the CBI", or "the
    chancellor" where "the chancellor said" was read as his words. A question naming
    someone so ("What did the CBI's Ian Black say?", "What did the chancellor say?") is
    linked to the speaker through them.

    Attributes:
        speaker: The speaker's name, as in their statements.
        start: Offset of the description in the document text.
        end: End offset (exclusive).
    """

    speaker: str
    start: int
    end: int

    def to_json(self) -> list[Any]:
        return [self.speaker, self.start, self.end]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Descriptor:
        speaker, start, end = data
        return cls(str(speaker), int(start), int(end))


@dataclass(frozen=True)
class Extraction:
    """What statement extraction finds in one document.

    Attributes:
        statements: The attributed statements, in document order.
        descriptors: How the document describes their speakers, in document order.
    """

    statements: tuple[Statement, ...]
    descriptors: tuple[Descriptor, ...] = ()


def paragraph_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The line (paragraph) of ``text`` holding ``start..end``."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, last if last >= 0 else len(text)
