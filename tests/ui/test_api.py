"""The page's API through gradio_client: the Python API's fields, many clients at once, no files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from tests.conftest import SEED_FILE
from tests.ui.serving import page_settings, running_page

QUESTION = "What did Larijani say?"


@pytest.fixture(scope="module")
def page(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, QA, Settings]]:
    root = tmp_path_factory.mktemp("api-page")
    documents = root / "docs"
    documents.mkdir()
    shutil.copy(SEED_FILE, documents / SEED_FILE.name)
    settings = page_settings(root, documents)
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    with running_page(qa, settings) as url:
        yield url, qa, settings


def _ask(url: str, question: str, **extra: Any) -> dict[str, Any]:
    result = Client(url, verbose=False).predict(question, api_name="/ask", **extra)
    assert isinstance(result, dict)
    return result


def test_ask_returns_what_the_python_api_returns(page: tuple[str, QA, Settings]) -> None:
    url, qa, _ = page
    result = _ask(url, QUESTION)
    expected = json.loads(qa.answer(QUESTION).to_json())
    assert {"answer", "abstained", "confidence", "citations"} <= set(result)
    assert result == expected
    assert not result["abstained"] and result["citations"]
    text = SEED_FILE.read_text(encoding="utf-8")
    for citation in result["citations"]:
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_uses_history_and_passages(page: tuple[str, QA, Settings]) -> None:
    url, qa, _ = page
    history = [
        {"role": "user", "content": "Who is Ali Larijani?"},
        {"role": "assistant", "content": qa.answer("Who is Ali Larijani?").text},
    ]
    follow_up = "Which country did he visit?"
    result = _ask(url, follow_up, history=history, passages=3)
    expected = json.loads(qa.answer(follow_up, history=history, k=3).to_json())
    assert result == expected
    assert "Larijani" in result["resolved_question"]


def test_ten_clients_at_once_all_get_the_right_answer(page: tuple[str, QA, Settings]) -> None:
    url, qa, _ = page
    expected = json.loads(qa.answer(QUESTION).to_json())
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: _ask(url, QUESTION), range(10)))
    assert len(results) == 10
    assert all(result == expected for result in results)


@pytest.mark.parametrize(
    ("question", "extra", "reason"),
    [
        ("   ", {}, "question is empty"),
        ("Why? " * 300, {}, "in at most 1,000 characters"),
        (QUESTION, {"passages": 0}, "between 1 and 20"),
        (QUESTION, {"passages": 10_000}, "between 1 and 20"),
    ],
)
def test_bad_requests_are_errors_with_a_reason(
    page: tuple[str, QA, Settings], question: str, extra: dict[str, Any], reason: str
) -> None:
    url, _, _ = page
    with pytest.raises(Exception, match=reason):
        _ask(url, question, **extra)


def test_a_question_of_the_longest_length_is_answered(page: tuple[str, QA, Settings]) -> None:
    # 1,000 characters dense in word pieces (codes and numbers): it once hung the request.
    url, _, _ = page
    question = (QUESTION + " " + "ZR-7781-AXQ9 0x7f3a9c2e " * 60)[:999] + "?"
    result = _ask(url, question)
    assert result["abstained"] or result["citations"]


def test_only_the_ask_endpoint_is_offered(page: tuple[str, QA, Settings]) -> None:
    url, _, _ = page
    api = Client(url, verbose=False).view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    assert set(api["named_endpoints"]) == {"/ask"}
    assert not api["unnamed_endpoints"]


def test_the_page_serves_none_of_our_files(page: tuple[str, QA, Settings]) -> None:
    url, _, settings = page
    index_files = [path for path in settings.index_dir.rglob("*") if path.is_file()]
    assert index_files
    private = [
        *index_files,
        settings.documents[0] / SEED_FILE.name,
        Path("pyproject.toml").resolve(),
        Path("/etc/passwd"),
    ]
    for path in private:
        response = httpx.get(f"{url}gradio_api/file={path}")
        assert response.status_code in {403, 404}, path
        assert "Larijani" not in response.text
