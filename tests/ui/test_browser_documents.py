"""The documents panel in a real headless Chromium: uploads with honest progress, removal from
the table with a confirmation, queueing said in words, and 500 documents listed."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from index import SentenceTransformerEmbedder
from qa import QA
from tests.ui.browser import (
    BEACON,
    DESKTOP,
    LIGHTHOUSE,
    PHONE,
    ask,
    focused,
    open_page,
    serious_violations,
    shoot,
)
from tests.ui.serving import page_settings, running_page

pytestmark = pytest.mark.slow

MANY = 500
PLACES = ("Ashford", "Brampton", "Corley", "Dunmore", "Eastleigh")


def _digest(reports: int = 2_600) -> str:
    """A made-up text of a few hundred chunks, every line different."""
    places = ("harbour", "council", "river", "school", "market", "bridge", "museum", "library")
    return "\n".join(
        f"Report {n}: the {places[n % len(places)]} committee of district {n % 97} met on "
        f"day {n} and agreed on item {n * 7 % 1000}."
        for n in range(reports)
    )


def _upload(page: Page, name: str, text: str) -> None:
    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": name, "mimeType": "text/plain", "buffer": text.encode()}]
    )


def test_uploaded_document_answers_the_next_question_and_can_be_removed(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "Who is the Brightwater lighthouse keeper?"
    page = open_page(browser, url, DESKTOP)
    _upload(page, "lighthouse.txt", LIGHTHOUSE)
    page.locator("#qa-upload-status").get_by_text("lighthouse.txt: added").wait_for()
    assert "lighthouse.txt" in page.locator("#qa-sources").inner_text()
    expected = qa.answer(question)
    assert not expected.abstained and expected.citations[0].doc_id == "lighthouse"
    ask(page, question)
    assert expected.text in page.locator("#qa-chat .qa-message").last.inner_text()
    shoot(page, "upload-desktop.png")

    page.locator("#qa-sources").get_by_role(
        "button", name="Remove Brightwater lighthouse report"
    ).click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text(re.compile(r"^Removed ")).wait_for()
    expect(page.locator("#qa-sources")).not_to_contain_text("lighthouse.txt")
    assert "lighthouse" not in qa.index.documents
    page.close()


def test_large_upload_moves_smoothly_and_removal_asks_first(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    page = open_page(browser, url, DESKTOP)
    _upload(page, "digest.txt", _digest())
    status = page.locator("#qa-upload-status")
    seen: list[tuple[int, str]] = []
    fonts: set[str] = set()
    for _ in range(3_000):
        bar = status.locator("progress")
        if bar.count():
            try:
                value = int(bar.get_attribute("value", timeout=1_000) or 0)
                said = status.locator(".qa-progress-words").inner_text(timeout=1_000)
            except Exception:  # replaced by the next view while being read
                continue
            if not seen or seen[-1] != (value, said):
                seen.append((value, said))
                fonts.add(
                    status.locator(".qa-progress-words").evaluate(
                        "node => getComputedStyle(node).fontFamily"
                    )
                )
                if len(seen) == 8:
                    status.scroll_into_view_if_needed()
                    shoot(page, "upload-progress-desktop.png")
        if "digest.txt: added" in status.inner_text():
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"the upload did not finish; progress seen: {seen}")
    values = [value for value, _ in seen]
    assert values == sorted(values), seen
    # From reading to embedding with no leap: the bar moves a little at a time.
    assert max(b - a for a, b in itertools.pairwise(values)) <= 15, seen
    reading = {value for value, said in seen if said.startswith("Reading digest.txt")}
    assert len(reading) >= 3, seen  # it moves while the file is read, before any chunk
    chunks = [
        (int(m.group(1)), int(m.group(2)))
        for _, said in seen
        if (m := re.search(r"(\d[\d,]*) of (\d[\d,]*) chunks", said.replace(",", "")))
    ]
    counts = [n for n, _ in chunks]
    assert len(set(counts)) >= 2 and counts == sorted(counts), seen
    assert {total for _, total in chunks} == {len(qa.index.documents["digest"].chunks)}
    # In the page's own font, not a monospace one.
    page_font = page.locator("#qa-sources").evaluate("node => getComputedStyle(node).fontFamily")
    assert fonts == {page_font}, fonts

    remove = page.locator("#qa-sources").get_by_role("button", name=re.compile("^Remove Report 0"))
    remove.click()
    confirm = page.locator("#qa-remove-confirm")
    expect(confirm).to_contain_text("digest.txt")
    expect(page.locator("#qa-remove-question .qa-status")).to_be_focused()
    shoot(page, "removal-confirmation-desktop.png")
    page.locator("#qa-remove-cancel").click()
    expect(confirm).to_be_hidden()
    page.locator("#qa-remove-status").get_by_text("Nothing was removed").wait_for()
    expect(remove).to_be_focused()  # back where the person was
    assert "digest" in qa.index.documents
    remove.click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text(re.compile(r"^Removed ")).wait_for()
    expect(page.locator("#qa-remove-status .qa-status")).to_be_focused()
    assert "digest" not in qa.index.documents
    page.close()


def test_a_removal_waiting_behind_an_upload_says_so_and_cannot_be_confirmed_twice(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    page = open_page(browser, url, DESKTOP)
    _upload(page, "beacon.txt", BEACON)
    page.locator("#qa-upload-status").get_by_text("beacon.txt: added").wait_for()
    _upload(page, "digest.txt", _digest(1_500))
    page.locator("#qa-upload-status progress").wait_for()
    page.locator("#qa-sources").get_by_role(
        "button", name="Remove Brightwater beacon relit"
    ).click()
    yes = page.locator("#qa-remove-yes")
    yes.click()
    waiting = page.locator("#qa-remove-status")
    expect(waiting).to_contain_text(
        "Waiting for the upload of digest.txt to finish; “Brightwater beacon relit” will be "
        "removed next."
    )
    # The question is gone, so it cannot be confirmed twice; no raw queue figures are shown.
    expect(yes).to_be_hidden()
    assert "queue:" not in page.locator("body").inner_text()
    assert serious_violations(page) == []
    waiting.scroll_into_view_if_needed()
    shoot(page, "removal-waiting-desktop.png")
    page.locator("#qa-remove-status").get_by_text(re.compile(r"^Removed ")).wait_for()
    assert "beacon" not in qa.index.documents and "digest" in qa.index.documents
    page.locator("#qa-sources").get_by_role("button", name=re.compile("^Remove Report 0")).click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text("Removed 'Report 0").wait_for()
    assert "digest" not in qa.index.documents
    page.close()


def test_refused_uploads_say_why_and_change_nothing(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    version = qa.store.current_version()
    page = open_page(browser, url, DESKTOP)
    upload = page.locator("#qa-upload input[type=file]")
    upload.set_input_files(
        [{"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}]
    )
    page.locator("#qa-upload-status").get_by_text("cannot be indexed").wait_for()
    assert "tool.exe: not added" in page.locator("#qa-upload-status").inner_text()
    page.reload(wait_until="domcontentloaded")
    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": "huge.txt", "mimeType": "text/plain", "buffer": b"word " * 100_000}]
    )
    page.get_by_text("exceed the maximum allowed size").wait_for()
    assert "huge.txt" in page.get_by_text("exceed the maximum allowed size").inner_text()
    page.get_by_text("exceed the maximum allowed size").scroll_into_view_if_needed()
    shoot(page, "upload-too-big.png")
    assert qa.store.current_version() == version
    assert "huge" not in qa.index.documents and "tool" not in qa.index.documents
    page.close()


@pytest.fixture(scope="module")
def many(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, QA]]:
    """The page over 500 small made-up documents."""
    root = tmp_path_factory.mktemp("many-documents")
    documents = root / "docs"
    documents.mkdir()
    for n in range(MANY):
        (documents / f"parish_council_notice_{n:03d}.txt").write_text(
            f"Parish notice {n}\nThe parish council of {PLACES[n % 5]} met on day {n} and "
            f"agreed on item {n * 7 % 1000}.\n",
            encoding="utf-8",
        )
    settings = page_settings(root, documents)
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    with running_page(qa, settings) as url:
        yield url, qa


# Where a file name wraps: each line break inside it, as the character before the break.
NAME_BREAKS = """
(node) => {
  const breaks = [];
  let last = null, before = "";
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.length; i++) {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const top = range.getBoundingClientRect().top;
      if (last !== null && top > last + 2) breaks.push(before);
      last = top;
      before = text.data[i];
    }
  }
  return breaks;
}
"""


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_five_hundred_documents_fit_are_searched_and_one_is_removed_from_the_table(
    browser: Browser, many: tuple[str, QA], size: str, viewport: dict[str, int]
) -> None:
    url, qa = many
    count = len(qa.index.documents)
    page = open_page(browser, url, viewport)
    table = page.locator("#qa-sources")
    expect(table.locator("caption")).to_have_text(f"{count} documents indexed; showing 1–50")
    expect(table.locator("tbody tr")).to_have_count(50)
    # The table fits its column: nothing sideways, the dates on one line each.
    assert table.evaluate("node => node.scrollWidth - node.clientWidth") <= 1
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1
    date = table.locator(".qa-date").first
    line = float(date.evaluate("node => parseFloat(getComputedStyle(node).lineHeight)"))
    assert (date.bounding_box() or {"height": 99})["height"] <= line * 1.5
    # File names wrap after "_" or ".", never inside a word.
    for name in table.locator(".qa-file").all()[:10]:
        assert set(name.evaluate(NAME_BREAKS)) <= {"_", ".", "-"}
    shoot(page, f"documents-500-{size}.png")
    # The next page, then a search.
    page.locator("#qa-docs-next").click()
    expect(table.locator("caption")).to_have_text(f"{count} documents indexed; showing 51–100")
    search = page.get_by_label("Search your documents")
    search.press_sequentially("notice 437")
    expect(table.locator("caption")).to_have_text(
        f"{count} documents indexed; 1 match “notice 437”"
    )
    expect(table.locator("tbody tr")).to_have_count(1)
    assert serious_violations(page) == []
    shoot(page, f"documents-search-{size}.png")
    # Removed from its row, after the question.
    page.locator("#qa-sources").get_by_role("button", name="Remove Parish notice 437").click()
    expect(page.locator("#qa-remove-confirm")).to_contain_text("parish_council_notice_437.txt")
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text("Removed 'Parish notice 437'").wait_for()
    assert "parish_council_notice_437" not in qa.index.documents
    expect(table).to_contain_text(f"{count - 1} documents indexed; none matches")
    assert "qa-status" in focused(page)
    # Put back for the other width.
    qa.update([qa.settings.documents[0] / "parish_council_notice_437.txt"])
    page.close()
