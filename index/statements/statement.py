"""An attributed statement (who said which characters of a document) and how it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["STATEMENTS_VERSION", "Statement", "paragraph_of"]

# Raised whenever extraction changes what it finds: statements stored by another version are
# read as missing, so the next ``qa index`` extracts them again (without re-embedding).
STATEMENTS_VERSION = 2


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
        ]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Statement:
        """Read what ``to_json`` wrote."""
        speaker, start, end, s_start, s_end, p_start, p_end, direct, verb = data
        return cls(
            str(speaker), int(start), int(end), int(s_start), int(s_end), int(p_start),
            int(p_end), bool(direct), str(verb),
        )  # fmt: skip


def paragraph_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The line (paragraph) of ``text`` holding ``start..end``."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, last if last >= 0 else len(text)
