"""The seed article's example questions, answered as the shared examples file accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qa import QA
from qa.evaluation.squad import f1_score, normalize_answer
from tests.conftest import SHARED_EVAL

EXAMPLES_FILE = SHARED_EVAL / "seed_examples.json"
pytestmark = pytest.mark.skipif(
    not EXAMPLES_FILE.is_file(), reason="the shared seed examples are not checked out"
)
ACCEPTED_F1 = 0.6
# Seed questions the default (neural) reader still gets wrong, and why (see
# docs/evaluation.md). Strict: once one is answered as accepted, the mark must go.
KNOWN_MISSES = {
    "What are many people in Iran concerned about?": (
        "the model's best span is the single word 'unfavourable' (0.16, against the 0.30 "
        "threshold); the accepted 'this could lead to something unfavourable' splits its "
        "probability over nested spans"
    ),
}


def _examples() -> dict[str, Any]:
    if not EXAMPLES_FILE.is_file():
        return {"questions": [], "conversation": {"turns": [], "accepted": []}}
    data: dict[str, Any] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return data


def accepted(answer_text: str, accepted_answers: list[str]) -> bool:
    """The examples file's rule: the answer contains an accepted answer or is close to one."""
    given = normalize_answer(answer_text)
    return any(
        normalize_answer(expected) in given or f1_score(answer_text, expected) >= ACCEPTED_F1
        for expected in accepted_answers
    )


def _cases() -> list[Any]:
    cases = []
    for example in _examples()["questions"]:
        reason = KNOWN_MISSES.get(example["q"])
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        cases.append(pytest.param(example, marks=marks, id=str(example["q"])))
    return cases


@pytest.mark.parametrize("example", _cases())
def test_seed_question(seed_qa: QA, example: dict[str, Any]) -> None:
    answer = seed_qa.answer(example["q"])
    if not example["accepted"]:
        assert answer.abstained, f"should abstain, answered {answer.text!r}"
        assert answer.related
        return
    assert not answer.abstained, f"abstained (confidence {answer.confidence:.2f})"
    assert accepted(answer.text, example["accepted"]), answer.text
    assert answer.citations and answer.sentence


def test_seed_conversation(seed_qa: QA) -> None:
    conversation = _examples()["conversation"]
    *earlier, last = conversation["turns"]
    answer = seed_qa.answer(last, history=earlier)
    assert not answer.abstained
    assert accepted(answer.text, conversation["accepted"]), answer.text


def test_accepted_rule_rejects_a_wrong_answer() -> None:
    assert accepted("on Tuesday", ["Tuesday"])
    assert not accepted("Wednesday", ["Tuesday"])
