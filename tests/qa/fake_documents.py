"""A document with the readers' DocumentText interface, for tests that need no index."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    start: int
    end: int


@dataclass(frozen=True)
class FakeDocument:
    """``text`` cut into sentences at ``separator``, each keeping ``keep`` of its characters.

    ``FakeDocument("A b. C d.", ". ", keep=1)`` has the sentences "A b." and "C d.".
    """

    text: str
    separator: str = "|"
    keep: int = 0
    doc_id: str = "d1"
    title: str = "Bridge"
    source_path: str = "bridge.txt"

    @property
    def sentences(self) -> list[Range]:
        ranges, start = [], 0
        for part in self.text.split(self.separator):
            ranges.append(Range(start, min(len(self.text), start + len(part) + self.keep)))
            start += len(part) + len(self.separator)
        return ranges

    def page_at(self, offset: int) -> int | None:
        return None
