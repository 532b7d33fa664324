"""Long questions: read without error up to the limit (the reader reads what it can), and
refused with one clear message over it, in the API and the CLI alike."""

from __future__ import annotations

import pytest

from qa import QA
from qa.pipeline import MAX_QUESTION_CHARS, QuestionTooLongError
from ui.cli import main as cli

BASE = "What did Larijani say about the talks with the United States in Qatar? "
# Codes and numbers split into many word pieces each.
DENSE = "Q7Zx-48Kq/3311 ZR-7781-AXQ9 0x7f3a9c2e "


def _question(length: int, filler: str) -> str:
    text = BASE + filler * (length // len(filler) + 1)
    return text[: length - 1].rstrip() + "?"


@pytest.mark.parametrize("length", [400, 680, 1000])
@pytest.mark.parametrize("filler", ["and what else did he tell Al Jazeera ", DENSE])
def test_questions_up_to_the_limit_are_answered(seed_qa: QA, length: int, filler: str) -> None:
    question = _question(length, filler)
    assert len(question) <= MAX_QUESTION_CHARS
    answer = seed_qa.answer(question)
    # An answer or a refusal, with its confidence: never a crash.
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.abstained or answer.citations


def test_a_question_over_the_limit_is_refused_with_the_reason(seed_qa: QA) -> None:
    with pytest.raises(QuestionTooLongError, match=f"at most {MAX_QUESTION_CHARS:,} characters"):
        seed_qa.answer(_question(10_000, DENSE))


def test_the_cli_gives_the_same_message(seed_qa: QA, capsys: pytest.CaptureFixture[str]) -> None:
    index_dir = str(seed_qa.settings.index_dir)
    assert cli(["ask", _question(10_000, "word "), "--index-dir", index_dir]) == 1
    assert f"at most {MAX_QUESTION_CHARS:,} characters" in capsys.readouterr().err
    assert cli(["ask", _question(1000, DENSE), "--index-dir", index_dir]) == 0
