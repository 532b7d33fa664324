"""The page served once for the browser tests, and one headless Chromium to drive it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from index import SentenceTransformerEmbedder
from qa import QA
from tests.conftest import SEED_FILE
from tests.ui.serving import XSS_DOCUMENT, page_settings, running_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MAX_UPLOAD_BYTES = 400_000
# Two stories that quote two people of one surname, one of them in both, and an organisation.
BRIDGE = (
    "Riverside bridge to reopen in May\n"
    "The Riverside bridge will reopen in May, the city council said on Monday.\n"
    '"The repairs came in under budget," said Mayor Ana Torres.\n'
    "Torres said the council would publish the final costs next week.\n"
)
FERRY = (
    "Ferry timetable changes for summer\n"
    "The harbour ferry changes its timetable next month.\n"
    '"The ferry will run twice a day from June," said Mayor Ana Torres.\n'
    "Police chief Luis Torres told reporters the roads near the pier would stay open.\n"
    "Tesco said it would open a shop at the pier.\n"
)


@pytest.fixture(scope="session")
def served(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, QA]]:
    """The page over the seed article, a document full of markup, and two short stories."""
    root = tmp_path_factory.mktemp("browser-page")
    documents = root / "docs"
    documents.mkdir()
    shutil.copy(SEED_FILE, documents / SEED_FILE.name)
    (documents / "harbour.txt").write_text(XSS_DOCUMENT, encoding="utf-8")
    (documents / "bridge.txt").write_text(BRIDGE, encoding="utf-8")
    (documents / "ferry.txt").write_text(FERRY, encoding="utf-8")
    settings = page_settings(root, documents, max_upload_bytes=MAX_UPLOAD_BYTES)
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    with running_page(qa, settings) as url:
        yield url, qa


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("QA_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    playwright: Playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
