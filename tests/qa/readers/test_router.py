"""The reader is a swap point: the pipeline holds any ``Reader`` a factory makes, and by
default routes quote questions to the quote reader and the rest to the span reader."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from qa.citations import cite
from qa.question import Question
from qa.readers import Reader, ReaderParts, RoutingReader, abstention
from qa.types import Answer, Passage

STORY = """Lighthouse keeper retires

The keeper, Mara Lind, said the light had never failed in forty years. \
The lighthouse was built in 1872 on the northern cape.
"""


class FirstSentenceReader:
    """A toy reader, made as docs/architecture.md says: it answers every question with the
    first sentence of the best passage, at a fixed confidence."""

    def __init__(self, parts: ReaderParts) -> None:
        self.documents = parts.index.documents
        self.warmed = False

    def warm_up(self) -> None:
        self.warmed = True

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        if not passages:
            return abstention(question, passages, 0.0)
        best = passages[0]
        document = self.documents[best.doc_id]
        sentence = next(s for s in document.sentences if s.end > best.start)
        return Answer(
            question=question.text,
            abstained=False,
            confidence=0.5,
            citations=(cite(document, sentence.start, sentence.end, 0.5, best),),
        )


def _pipeline(folder: Path, embedder: SentenceTransformerEmbedder, **options: object) -> QA:
    docs = folder / "docs"
    docs.mkdir()
    (docs / "lighthouse.txt").write_text(STORY, encoding="utf-8")
    settings = Settings(index_dir=folder / "index", documents=(docs,))
    return QA(settings, embedder=embedder, **options)  # type: ignore[arg-type]


def test_a_new_reader_made_by_the_factory_answers_every_question(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    made: list[FirstSentenceReader] = []

    def make(parts: ReaderParts) -> Reader:
        made.append(FirstSentenceReader(parts))
        return made[-1]

    qa = _pipeline(tmp_path, embedder, make_reader=make)
    qa.warm_up()
    assert made and made[-1].warmed
    answer = qa.answer("When was the lighthouse built?")
    # The toy's answer, cited in the document like any other.
    assert answer.text == "Lighthouse keeper retires"
    assert answer.confidence == 0.5
    citation = answer.citations[0]
    assert STORY[citation.start : citation.end] == answer.text
    # Quote questions go to it too: routing is the default reader's business.
    assert qa.answer("What did Mara Lind say?").confidence == 0.5


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When was the lighthouse built?", "1872"),
        ("What did Mara Lind say?", "the light had never failed in forty years"),
    ],
)
def test_the_default_reader_routes_quote_questions_to_the_statements(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, question: str, expected: str
) -> None:
    qa = _pipeline(tmp_path, embedder)
    assert isinstance(qa.reader, RoutingReader)
    answer = qa.answer(question)
    assert not answer.abstained
    assert expected in answer.text
