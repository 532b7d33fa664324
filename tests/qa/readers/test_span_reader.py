"""The shipped neural reader: loads offline, answers a new story, cites exactly, abstains."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from qa.question import analyse_question
from qa.readers.span import model as span_model
from qa.readers.span.lines import line_breaks
from qa.readers.span.model import (
    CALIBRATION_FILE,
    DEFAULT_READER_MODEL,
    ReaderUnavailableError,
    SpanModel,
    int8_products_saturate,
)
from qa.readers.span.reader import SpanReader

# A story nobody has published: the model cannot have seen it.
LIBRARY = """New library opens in Tarrowby

The town of Tarrowby opened its new public library on 14 March after two years of building work.
The library cost 4.2 million euros, most of it paid by the regional council.
It was designed by the architect Mira Halvorsen, who also planned the town's railway station.
The building holds 60,000 books and a children's theatre on its top floor.
Mayor Colm Devlin said the library would stay open until ten o'clock every evening.
"""

HARBOUR = """Tarrowby harbour plans approved

Councillors in Tarrowby approved a plan to deepen the harbour on Tuesday.
Work will start next spring. The harbour plan was drawn up by Mira Halvorsen, the architect
of the town's new library.
"""


@pytest.fixture(scope="module")
def story_qa(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> QA:
    folder = tmp_path_factory.mktemp("story-docs")
    (folder / "library.txt").write_text(LIBRARY, encoding="utf-8")
    (folder / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    qa = QA(
        Settings(index_dir=tmp_path_factory.mktemp("story-index"), documents=(folder,)),
        embedder=embedder,
    )
    qa.warm_up()
    return qa


def test_the_shipped_reader_is_in_the_package_and_small() -> None:
    weights = DEFAULT_READER_MODEL / "model.onnx"
    assert weights.is_file()
    assert weights.stat().st_size < 50 * 1024 * 1024
    assert (DEFAULT_READER_MODEL / "tokenizer.json").is_file()
    calibration = json.loads((DEFAULT_READER_MODEL / CALIBRATION_FILE).read_text())
    assert 0.0 < calibration["threshold"] < 1.0
    assert "squad2_dev_subset" not in json.dumps(calibration["fitted_on"])


def test_the_reader_loads_with_the_network_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    model = SpanModel()
    model.warm_up()
    assert model.calibration.threshold > 0.0


def test_a_missing_model_folder_says_what_to_do(tmp_path: Path) -> None:
    reader = SpanReader({}, SpanModel(tmp_path / "nowhere"))
    with pytest.raises(ReaderUnavailableError, match="train_reader"):
        reader.warm_up()


def test_the_shipped_reader_answers_by_default(seed_qa: QA) -> None:
    assert isinstance(seed_qa.span_reader, SpanReader)
    assert seed_qa.span_reader.model.model_dir == DEFAULT_READER_MODEL


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much did the library cost?", "4.2 million euros"),
        ("When did the library open?", "14 March"),
        ("Who designed the library?", "Mira Halvorsen"),
        ("How many books does the library hold?", "60,000"),
        ("Where is the children's theatre?", "top floor"),
    ],
)
def test_questions_about_a_new_story_are_answered(
    story_qa: QA, question: str, expected: str
) -> None:
    answer = story_qa.answer(question)
    assert not answer.abstained, f"abstained at confidence {answer.confidence:.2f}"
    assert expected in answer.text
    assert len(answer.text) < 4 * len(expected) + 20
    for citation in answer.citations:
        text = story_qa.index.documents[citation.doc_id].text
        assert text[citation.start : citation.end] == citation.quote
        assert citation.quote in citation.sentence
        sentence, passage = citation.sentence_span, citation.passage_span
        assert text[sentence.start : sentence.end] == citation.sentence
        assert text[passage.start : passage.end] == citation.passage


def test_the_same_answer_in_two_documents_is_cited_in_both(story_qa: QA) -> None:
    answer = story_qa.answer("Which architect designed the library?")
    assert not answer.abstained
    assert "Mira Halvorsen" in answer.text
    cited = {c.doc_id for c in answer.citations}
    assert len(cited) == 2, [c.quote for c in answer.citations]
    assert all("Halvorsen" in c.quote for c in answer.citations)


def test_a_question_the_story_does_not_answer_is_refused(story_qa: QA) -> None:
    answer = story_qa.answer("How many people live in Tarrowby?")
    assert answer.abstained, f"answered {answer.text!r} at {answer.confidence:.2f}"
    assert answer.related


def test_confidence_is_a_probability_that_ranks_answers(story_qa: QA) -> None:
    sure = story_qa.answer("How much did the library cost?")
    unsure = story_qa.answer("How many people live in Tarrowby?")
    assert 0.0 <= unsure.confidence < sure.confidence <= 1.0
    assert sure.confidence >= story_qa.span_reader.calibration.threshold
    assert unsure.confidence < story_qa.span_reader.calibration.threshold


def test_a_follow_up_is_read_with_the_person_it_refers_to(story_qa: QA) -> None:
    answer = story_qa.answer("Which plan did she draw up?", history=["Who is Mira Halvorsen?"])
    assert "Halvorsen" in answer.resolved_question
    assert not answer.abstained
    assert "harbour plan" in answer.text.lower()


def test_reading_reports_every_window_it_read(story_qa: QA) -> None:
    passages = story_qa.retrieve("How much did the library cost?")
    reading = story_qa.span_reader.reading("How much did the library cost?", passages)
    assert reading.windows >= len(passages)
    assert reading.places and reading.features["margin"] > 0
    best = reading.places[0]
    text = story_qa.index.documents[best.passage.doc_id].text
    question = analyse_question("How much did the library cost?")
    assert story_qa.span_reader.read(question, passages).text == text[best.start : best.end].strip()


def test_who_is_x_is_answered_with_the_phrase_that_describes_x(story_qa: QA) -> None:
    # "Mira Halvorsen, the architect of the town's new library": said outright, so answered
    # even where the model alone is unsure; the line break inside is only a wrapped line.
    answer = story_qa.answer("Who is Mira Halvorsen?")
    assert not answer.abstained
    assert " ".join(answer.text.split()) == "the architect of the town's new library"
    citation = answer.citations[0]
    text = story_qa.index.documents[citation.doc_id].text
    assert text[citation.start : citation.end] == citation.quote
    assert text[citation.start - len("Halvorsen, ") : citation.start] == "Halvorsen, "


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        # A heading above its paragraph, and a paragraph's last sentence, end there.
        ("Harbour plans approved\nCouncillors in Tarrowby approved a plan on Tuesday.", 1),
        ("Work will start next spring.\nThe plan was drawn up last year by the council.", 1),
        # A line wrapped in the middle of a sentence does not.
        ("The plan was drawn up by Mira Halvorsen, the architect\nof the new library.", 0),
        ("The harbour will be deepened by\nthe regional council.", 0),
    ],
)
def test_answers_stop_at_headings_but_not_at_wrapped_lines(text: str, ends: int) -> None:
    assert len(line_breaks(text)) == ends


def test_a_question_asked_again_is_not_read_again(
    story_qa: QA, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = story_qa.span_reader
    assert isinstance(reader, SpanReader)
    asked = "Which architect drew the plans of the library in Tarrowby?"  # asked nowhere else
    passages = story_qa.retrieve(asked)
    first = reader.reading(asked, passages)
    reads: list[object] = []
    score = reader.model.score
    monkeypatch.setattr(reader.model, "score", lambda *args: reads.append(args) or score(*args))
    assert reader.reading(asked, passages) == first
    assert reads == []
    reader.reading("In which month did the Tarrowby library open its doors?", passages)
    assert reads, "a new question is read"


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    return path


@pytest.mark.skipif(
    platform.machine().lower() not in {"x86_64", "amd64"}, reason="x86 CPU features only"
)
def test_exact_int8_products_are_asked_for_only_where_they_would_saturate(
    tmp_path: Path,
) -> None:
    avx2 = "fpu sse4_1 sse4_2 avx avx2 fma"
    assert int8_products_saturate(_cpuinfo(tmp_path, avx2))
    assert int8_products_saturate(_cpuinfo(tmp_path, avx2 + " avx512f avx512bw"))
    assert not int8_products_saturate(_cpuinfo(tmp_path, avx2 + " avx512f avx512_vnni"))
    assert not int8_products_saturate(_cpuinfo(tmp_path, avx2 + " avx_vnni"))
    assert int8_products_saturate(tmp_path / "no-such-file")


def test_the_reader_scores_with_exact_int8_products_on_this_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The product's scores here are those of exact products, as on any other CPU."""
    question = "Who designed the library?"
    texts = [LIBRARY, HARBOUR]
    as_shipped = SpanModel().score(question, texts)
    monkeypatch.setattr(span_model, "int8_products_saturate", lambda: True)
    exact = SpanModel().score(question, texts)
    assert len(as_shipped) == len(exact)
    for shipped, reference in zip(as_shipped, exact, strict=True):
        assert shipped.offsets == reference.offsets
        assert shipped.start_log == pytest.approx(reference.start_log, abs=1e-4)
        assert shipped.end_log == pytest.approx(reference.end_log, abs=1e-4)
