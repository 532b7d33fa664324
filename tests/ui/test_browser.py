"""The page in a real headless Chromium: ask, follow up, check evidence, upload, stay inert."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from index import SentenceTransformerEmbedder
from qa import NO_ANSWER_TEXT, QA
from tests.conftest import ROOT, SEED_FILE
from tests.ui.serving import XSS_DOCUMENT, page_settings, running_page
from ui.formatting import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    RELATED_LABEL,
    copy_text,
    group_sources,
)
from ui.who_said_what import STATEMENT_OPEN, speaker_label

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-output"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ANSWER_TIMEOUT_MS = 60_000
# Generous: the machines running the suite may be busy with other work.
PAGE_LOAD_TIMEOUT_MS = 120_000
MAX_UPLOAD_BYTES = 400_000
LIGHTHOUSE = (
    "Brightwater lighthouse report\n"
    "The Brightwater lighthouse keeper is Mira Okafor, who took the post in 2019.\n"
)
BEACON = (
    "Brightwater beacon relit\n"
    '"The lamp will shine again on Sunday," said lighthouse keeper Mira Okafor.\n'
)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, QA]]:
    root = tmp_path_factory.mktemp("browser-page")
    documents = root / "docs"
    documents.mkdir()
    shutil.copy(SEED_FILE, documents / SEED_FILE.name)
    (documents / "harbour.txt").write_text(XSS_DOCUMENT, encoding="utf-8")
    settings = page_settings(root, documents, max_upload_bytes=MAX_UPLOAD_BYTES)
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    with running_page(qa, settings) as url:
        yield url, qa


@pytest.fixture(scope="module")
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


def _open(
    browser: Browser, url: str, viewport: dict[str, int], permissions: tuple[str, ...] = ()
) -> Page:
    page = browser.new_page(viewport=viewport, permissions=list(permissions))  # type: ignore[arg-type]
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    # The page keeps a heartbeat stream open: never wait for network idle.
    page.goto(url, wait_until="domcontentloaded", timeout=PAGE_LOAD_TIMEOUT_MS)
    page.locator("#qa-question textarea").wait_for(timeout=PAGE_LOAD_TIMEOUT_MS)
    return page


def _ask(page: Page, question: str) -> None:
    """Type a question and press Enter, then wait for its answer to appear."""
    answers = page.locator("#qa-chat .qa-message")
    before = answers.count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    answers.nth(before).wait_for()


def _last_answer(page: Page) -> str:
    return page.locator("#qa-chat .qa-message").last.inner_text()


def _words(value: str) -> str:
    return " ".join(value.split())


def _who_said_what(page: Page) -> None:
    """Open the "Who said what" tab and wait for its speaker list."""
    page.get_by_role("tab", name="Who said what").click()
    expect(page.locator("#qa-speaker")).to_contain_text("quoted in your documents")


def _choose_speaker(page: Page, label: str) -> None:
    page.locator("#qa-speaker input").click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(page.locator("#qa-said .qa-said-summary")).to_be_visible()


def _shoot(page: Page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=full_page)


# True once the last answer's first line is inside the chat's scrolled view and the window.
FIRST_LINE_IN_VIEW = """
(line) => {
  let box = line.parentElement;
  while (box) {
    const overflow = getComputedStyle(box).overflowY;
    if ((overflow === "auto" || overflow === "scroll") && box.scrollHeight > box.clientHeight) {
      break;
    }
    box = box.parentElement;
  }
  const r = line.getBoundingClientRect();
  const b = box ? box.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
  const lineEnd = r.top + Math.min(r.height, 24);
  return r.top >= b.top - 1 && lineEnd <= b.bottom + 1 && r.top >= 0 && lineEnd <= innerHeight;
}
"""


def _wait_first_line_in_view(page: Page) -> None:
    line = page.locator("#qa-chat .qa-message").last.locator(".qa-short").element_handle()
    page.wait_for_function(FIRST_LINE_IN_VIEW, arg=line, timeout=5_000)


def _digest(reports: int = 2_600) -> str:
    """A made-up text of a few hundred chunks, every line different."""
    places = ("harbour", "council", "river", "school", "market", "bridge", "museum", "library")
    return "\n".join(
        f"Report {n}: the {places[n % len(places)]} committee of district {n % 97} met on "
        f"day {n} and agreed on item {n * 7 % 1000}."
        for n in range(reports)
    )


def test_example_question_answered_with_highlighted_evidence_then_follow_up(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "What did Larijani say?"
    expected = qa.answer(question)
    assert not expected.abstained
    page = _open(browser, url, DESKTOP)
    page.get_by_role("button", name=question).click()
    message = page.locator("#qa-chat .qa-message").first
    message.wait_for()
    assert message.locator(".qa-short strong").inner_text().strip() == expected.text
    assert "Confidence:" in message.inner_text()
    first = expected.citations[0]
    mark = message.locator("details[open] mark.qa-answer").first
    assert mark.is_visible()
    assert mark.inner_text() == ANSWER_OPEN + first.quote + ANSWER_CLOSE
    summary = message.locator("details summary").first.inner_text()
    assert summary.startswith(f"[1] {first.title} — “")
    detail = message.locator("details .qa-meta").first.inner_text()
    assert f"characters {first.start:,}–{first.end:,}" in detail
    # Show the whole answer, from the question down, as the README screenshot does.
    page.locator("#qa-chat .qa-question").first.evaluate("node => node.scrollIntoView()")
    _shoot(page, "larijani-desktop.png")

    follow_up = "Which country did he visit?"
    history = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": expected.text},
    ]
    expected_follow_up = qa.answer(follow_up, history=history)
    assert "Larijani" in expected_follow_up.resolved_question
    _ask(page, follow_up)
    # The page shows what the Python API answers given the same conversation.
    shown = page.locator("#qa-chat .qa-message").last.locator(".qa-short strong").inner_text()
    assert shown.strip() == expected_follow_up.text
    _shoot(page, "follow-up-desktop.png")
    # One way to start over: the chat's own bin icon is not shown beside the button.
    expect(page.locator("#qa-chat button[aria-label='Clear']")).to_be_hidden()
    page.get_by_role("button", name="New conversation").click()
    page.locator("#qa-chat .qa-message").first.wait_for(state="detached")
    page.close()


def test_keyboard_only_question_and_citation(browser: Browser, served: tuple[str, QA]) -> None:
    url, _ = served
    page = _open(browser, url, DESKTOP)
    page.locator("#qa-question textarea").focus()
    page.keyboard.type("What did Larijani say?")
    page.keyboard.press("Enter")
    page.locator("#qa-chat .qa-message").first.wait_for()
    marker = page.locator("#qa-chat a.qa-cite").first
    for _ in range(80):
        page.keyboard.press("Shift+Tab")
        if marker.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the answer's source marker cannot be reached with the keyboard")
    source = page.locator("#qa-chat details.qa-citation").first
    summary = source.locator("summary")
    page.keyboard.press("Enter")
    assert summary.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")  # the source's heading closes it ...
    expect(source).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")  # ... and opens it again
    expect(source).to_have_attribute("open", "")
    # A screen reader reads the messages' text, never a label made of their HTML markup.
    labels = page.locator("#qa-chat [aria-label]").evaluate_all(
        "nodes => nodes.map(node => node.getAttribute('aria-label'))"
    )
    assert not [label for label in labels if "<" in label]
    assert page.locator("#qa-chat [role=log]").count() == 1
    page.close()


def test_phone_width_fits_without_sideways_scrolling(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, _ = served
    page = _open(browser, url, PHONE)
    # The question box and Ask are on the first screen; the documents are one tap away.
    for element in ("#qa-question textarea", "#qa-ask"):
        box = page.locator(element).bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], element
    _shoot(page, "empty-phone.png", full_page=False)
    page.get_by_role("link", name="Your documents and uploads").click()
    expect(page.locator("#qa-sources")).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    _ask(page, "What did Larijani say?")
    _ask(page, "What did Trump say?")
    _wait_first_line_in_view(page)
    assert page.locator("#qa-chat mark.qa-answer").first.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    _shoot(page, "larijani-phone.png", full_page=False)
    page.close()


def test_answer_first_line_is_in_view_after_a_long_answer(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, _ = served
    page = _open(browser, url, DESKTOP)
    _ask(page, "What did Larijani say?")
    _wait_first_line_in_view(page)
    _ask(page, "What did Trump say?")
    _wait_first_line_in_view(page)
    page.close()


def test_marker_opens_its_source_with_the_quote_marked_and_copy_works(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "What did Trump say?"
    expected = qa.answer(question)
    assert not expected.abstained
    page = _open(browser, url, DESKTOP, permissions=("clipboard-read", "clipboard-write"))
    _ask(page, question)
    message = page.locator("#qa-chat .qa-message").last
    sources = group_sources(expected.citations)
    markers = message.locator("a.qa-cite")
    expect(markers).to_have_count(len(sources))
    for number, group in enumerate(sources, start=1):
        source = message.locator("details.qa-citation").nth(number - 1)
        if source.get_attribute("open") is not None:
            source.locator("summary").click()  # close it, to see the marker open it
        expect(source).not_to_have_attribute("open", "")
        markers.nth(number - 1).click()
        expect(source).to_have_attribute("open", "")
        expect(source.locator("summary")).to_be_in_viewport()
        marks = source.locator("mark.qa-answer").all_inner_texts()
        assert marks == [ANSWER_OPEN + c.quote + ANSWER_CLOSE for c in group]
    _shoot(page, "source-opened-desktop.png", full_page=False)
    message.get_by_role("button", name="Copy answer").click()
    expect(message.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == copy_text(expected)
    page.close()


def test_bold_and_regular_text_use_one_font_family(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, _ = served
    page = _open(browser, url, DESKTOP)
    _ask(page, "What did Larijani say?")
    places = {
        "title": "#qa-header h1",
        "ask button": "#qa-ask",
        "highlighted answer": "#qa-chat details[open] mark.qa-answer",
        "short answer": "#qa-chat .qa-short strong",
        "regular text": "#qa-chat .qa-confidence",
    }
    computed = {
        name: page.locator(selector).first.evaluate("node => getComputedStyle(node).fontFamily")
        for name, selector in places.items()
    }
    assert len(set(computed.values())) == 1, computed
    # What the browser really drew each glyph with, so no glyph falls back to another font.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    drawn: dict[str, set[str]] = {}
    for name, selector in places.items():
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        drawn[name] = {font["familyName"] for font in fonts}
    families = set().union(*drawn.values())
    assert len(families) == 1, drawn
    _shoot(page, "type-desktop.png", full_page=False)
    page.close()


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_no_serious_accessibility_violations_with_an_answer_and_source_open(
    browser: Browser, served: tuple[str, QA], size: str, viewport: dict[str, int]
) -> None:
    url, _ = served
    page = _open(browser, url, viewport)
    _ask(page, "What did Larijani say?")
    expect(page.locator("#qa-chat details.qa-citation[open]").first).to_be_visible()
    axe = Axe()  # axe-core's script ships inside the Python package: offline
    # Experimental rules too (label-content-name-mismatch is one): axe leaves them out by
    # default, and a screen-reader user meets what they catch all the same.
    page.evaluate(axe.axe_script)
    experimental = page.evaluate("axe.getRules(['experimental']).map(rule => rule.ruleId)")
    assert "label-content-name-mismatch" in experimental
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": True} for rule in experimental},
    }
    results = axe.run(page, options=options)
    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    page.close()


def test_who_said_what_shows_a_speakers_statements_with_their_sources_marked(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    store = qa.statements
    name = "Hassan Ahmadian"
    items = store.statements(name)
    assert next(i.text for i in items if i.direct) == "There are limits to what Iran can offer"
    page = _open(browser, url, DESKTOP)
    _who_said_what(page)
    _choose_speaker(page, speaker_label(name, len(items)))
    expect(page.locator("#qa-said h2")).to_have_text(f"What {name} said")
    shown = page.locator("#qa-said li.qa-statement")
    expect(shown).to_have_count(len(items))
    for entry, item in zip(shown.all(), items, strict=True):
        kind = "Quoted" if item.direct else "Reported"
        words = f"“{item.text}”" if item.direct else item.text
        assert _words(entry.locator(".qa-said-text").inner_text()) == f"{kind} {words}"
        sources = entry.locator("details.qa-citation")
        citations = store.citations(item)
        expect(sources).to_have_count(len(citations))
        for number, (source, citation) in enumerate(
            zip(sources.all(), citations, strict=True), start=1
        ):
            summary = source.locator("summary")
            assert _words(summary.inner_text()) == (
                f"[{number}] {citation.title} — characters {citation.start:,}–{citation.end:,}"
            )
            mark = source.locator("mark.qa-answer")
            expect(mark).to_be_hidden()  # closed until asked for
            summary.click()
            expect(source).to_have_attribute("open", "")
            expect(mark).to_be_visible()
            assert mark.inner_text() == STATEMENT_OPEN + citation.quote + ANSWER_CLOSE
            assert citation.quote == item.text
    _shoot(page, "who-said-what-desktop.png")
    # Part of a name finds the person it means.
    (hashem,) = store.match("Hashem")
    speaker = page.locator("#qa-speaker input")
    speaker.fill("Hashem")
    speaker.press("Enter")
    expect(page.locator("#qa-said h2")).to_have_text(f"What {hashem} said")
    expect(page.locator("#qa-said li.qa-statement")).to_have_count(len(store.statements(hashem)))
    page.close()


def test_who_said_what_about_a_topic_lists_each_speaker_with_cited_statements(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    topic = "ballistic missiles"
    found = qa.said_about(topic)
    speakers = list(dict.fromkeys(f.item.speaker for f in found))
    assert "Hassan Ahmadian" in speakers
    page = _open(browser, url, DESKTOP)
    _who_said_what(page)
    box = page.locator("#qa-topic textarea, #qa-topic input").first
    box.fill(topic)
    box.press("Enter")
    about = page.locator("#qa-about")
    expect(about.locator("h2")).to_have_text(f"Who said what about {topic}")
    # One group per speaker, in the order of their best statement, each statement cited.
    expect(about.locator("li.qa-about-speaker h3")).to_have_count(len(speakers))
    shown = [h.inner_text() for h in about.locator("li.qa-about-speaker h3").all()]
    assert [name.removesuffix(" (organisation)") for name in shown] == speakers
    expect(about.locator("li.qa-statement")).to_have_count(len(found))
    first = about.locator("li.qa-statement").first
    first.locator("details.qa-citation summary").first.click()
    mark = first.locator("mark.qa-answer").first
    expect(mark).to_be_visible()
    assert mark.inner_text() == STATEMENT_OPEN + found[0].item.text + ANSWER_CLOSE
    results = Axe().run(page)
    serious = [
        violation["id"]
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    _shoot(page, "who-said-what-topic-desktop.png")
    # A topic nobody spoke of says so.
    box.fill("the price of tea in Peru")
    box.press("Enter")
    expect(about).to_contain_text("Nobody in your documents said anything about")
    page.close()


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_no_serious_accessibility_violations_in_who_said_what(
    browser: Browser, served: tuple[str, QA], size: str, viewport: dict[str, int]
) -> None:
    url, qa = served
    name, count = qa.statements.speakers()[0]
    page = _open(browser, url, viewport)
    _who_said_what(page)
    _choose_speaker(page, speaker_label(name, count))
    page.locator("#qa-said details.qa-citation summary").first.click()
    expect(page.locator("#qa-said mark.qa-answer").first).to_be_visible()
    results = Axe().run(page)
    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    _shoot(page, f"who-said-what-{size}.png", full_page=False)
    page.close()


def test_who_said_what_follows_uploads_and_removals(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    page = _open(browser, url, DESKTOP)
    _who_said_what(page)
    page.locator("#qa-speaker input").click()
    expect(page.get_by_role("option").first).to_be_visible()
    expect(page.get_by_role("option", name="Mira Okafor")).to_have_count(0)
    page.locator("#qa-said").click()  # closes the list, as a click anywhere else does
    # Uploaded while the view is open: its list changes with no further click.
    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": "beacon.txt", "mimeType": "text/plain", "buffer": BEACON.encode()}]
    )
    page.locator("#qa-upload-status").get_by_text("beacon.txt: added").wait_for()
    expect(page.locator("#qa-speaker")).to_contain_text("quoted in your documents")
    _choose_speaker(page, speaker_label("Mira Okafor", 1))
    entry = page.locator("#qa-said li.qa-statement")
    expect(entry).to_have_count(1)
    expect(entry.locator(".qa-said-text")).to_have_text(
        "Quoted “The lamp will shine again on Sunday”"
    )
    expect(entry.locator("summary")).to_contain_text("Brightwater beacon relit")

    page.locator("#qa-remove-choice input").click()
    page.get_by_role("option", name="beacon.txt").click()
    page.locator("#qa-remove").click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text(re.compile(r"^Removed ")).wait_for()
    expect(page.locator("#qa-said")).to_contain_text("Choose a speaker to see what they said.")
    page.locator("#qa-speaker input").click()
    expect(page.get_by_role("option").first).to_be_visible()
    expect(page.get_by_role("option", name="Mira Okafor")).to_have_count(0)
    assert "beacon" not in qa.index.documents
    page.close()


def test_uploaded_document_answers_the_next_question_and_can_be_removed(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "Who is the Brightwater lighthouse keeper?"
    page = _open(browser, url, DESKTOP)
    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": "lighthouse.txt", "mimeType": "text/plain", "buffer": LIGHTHOUSE.encode()}]
    )
    status = page.locator("#qa-upload-status")
    status.get_by_text("lighthouse.txt: added").wait_for()
    assert "lighthouse.txt" in page.locator("#qa-sources").inner_text()
    expected = qa.answer(question)
    assert not expected.abstained and expected.citations[0].doc_id == "lighthouse"
    _ask(page, question)
    assert expected.text in _last_answer(page)
    _shoot(page, "upload-desktop.png")

    page.locator("#qa-remove-choice input").click()
    page.get_by_role("option", name="lighthouse.txt").click()
    page.locator("#qa-remove").click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text(re.compile(r"^Removed ")).wait_for()
    assert "lighthouse.txt" not in page.locator("#qa-sources").inner_text()
    assert "lighthouse" not in qa.index.documents
    page.close()


def test_large_upload_counts_chunks_and_removal_asks_first(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    page = _open(browser, url, DESKTOP)
    remove = page.locator("#qa-remove")
    expect(remove).to_be_disabled()  # nothing chosen yet
    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": "digest.txt", "mimeType": "text/plain", "buffer": _digest().encode()}]
    )
    seen: list[tuple[int, int]] = []
    fonts: set[str] = set()
    status = page.locator("#qa-upload-status")
    for _ in range(2_000):
        found = re.search(r"(\d+) of (\d+) chunks", page.locator("#qa-upload").inner_text())
        if found:
            value = (int(found.group(1)), int(found.group(2)))
            if not seen or seen[-1] != value:
                seen.append(value)
                fonts.update(
                    page.locator("#qa-upload")
                    .get_by_text(re.compile(r"\d+ of \d+ chunks"))
                    .evaluate_all("nodes => nodes.map(n => getComputedStyle(n).fontFamily)")
                )
                if len(seen) == 2:
                    _shoot(page, "upload-progress-desktop.png", full_page=False)
        if "digest.txt: added" in status.inner_text():
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"the upload did not finish; progress seen: {seen}")
    counts = [n for n, _ in seen]
    totals = {m for _, m in seen}
    assert len(counts) >= 2 and counts == sorted(counts), seen
    assert len(totals) == 1 and totals.pop() >= 200, seen
    # In the page's own font, not a monospace one.
    page_font = page.locator("#qa-sources").evaluate("node => getComputedStyle(node).fontFamily")
    assert fonts == {page_font}, fonts
    chunks = len(qa.index.documents["digest"].chunks)
    assert seen[-1][1] == chunks

    page.locator("#qa-remove-choice input").click()
    page.get_by_role("option", name="digest.txt").click()
    expect(remove).to_be_enabled()
    remove.click()
    confirm = page.locator("#qa-remove-confirm")
    expect(confirm).to_contain_text("digest.txt")
    page.locator("#qa-remove-cancel").click()
    expect(confirm).to_be_hidden()
    page.locator("#qa-remove-status").get_by_text("Nothing was removed").wait_for()
    assert "digest" in qa.index.documents
    remove.click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text(re.compile(r"^Removed ")).wait_for()
    assert "digest" not in qa.index.documents
    expect(remove).to_be_disabled()
    page.close()


def test_refused_uploads_say_why_and_change_nothing(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    version = qa.store.current_version()
    page = _open(browser, url, DESKTOP)
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
    _shoot(page, "upload-too-big.png")
    assert qa.store.current_version() == version
    assert "huge" not in qa.index.documents and "tool" not in qa.index.documents
    page.close()


def test_document_with_script_and_onerror_stays_inert(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "When will the harbour fund open?"
    assert qa.answer(question).citations[0].doc_id == "harbour"
    page = _open(browser, url, DESKTOP)
    _ask(page, question)
    _ask(page, '<img src=x onerror="window.__xssQuestion = 1">When does the fund open?')
    message = page.locator("#qa-chat .qa-message").first
    assert "<script>window.__xss = 1;</script>" in message.inner_text()
    assert "<img" in page.locator("#qa-sources").inner_text()
    flags = page.evaluate("[window.__xss, window.__xssTitle, window.__xssQuestion]")
    assert flags == [None, None, None]
    assert page.locator("img[onerror]").count() == 0
    assert page.locator("#qa-chat img, #qa-sources img").count() == 0
    assert page.locator("#qa-chat a[href^='javascript']").count() == 0
    _shoot(page, "inert-document.png")
    page.close()


def test_unanswerable_question_lists_related_passages(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "What is the recipe for lemon cake?"
    expected = qa.answer(question)
    assert expected.abstained and expected.related
    page = _open(browser, url, DESKTOP)
    _ask(page, question)
    shown = _last_answer(page)
    assert NO_ANSWER_TEXT in shown and "No passage answered it" in shown
    assert RELATED_LABEL in shown and expected.related[0].title in shown
    assert page.locator("#qa-chat mark").count() == 0
    page.close()


def test_passages_setting_changes_how_many_are_consulted(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    question = "What is the recipe for lemon cake?"
    expected = qa.answer(question, k=1)
    assert expected.abstained and len(expected.related) == 1
    assert len(qa.answer(question).related) > 1
    page = _open(browser, url, DESKTOP)
    page.get_by_text("Settings").click()
    number = page.locator("#qa-passages input[type=number]")
    slider = page.locator("#qa-passages input[type=range]")
    # The slider moves once the page has taken the typed value; asking before then would
    # send the old setting. Typed into a panel that is still opening, the value can be lost
    # (seen on a busy machine), so type it again until the slider shows it, as a person would.
    for _ in range(5):
        number.fill("1")
        number.press("Tab")
        try:
            expect(slider).to_have_value("1", timeout=3_000)
            break
        except AssertionError:
            continue
    expect(slider).to_have_value("1")
    _ask(page, question)
    assert page.locator("#qa-chat .qa-message").last.locator("details.qa-related").count() == 1
    page.close()
