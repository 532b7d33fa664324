"""The Who said what tab in a real headless Chromium, used as a reporter looking for quotes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from qa import QA
from tests.ui.browser import (
    BEACON,
    DESKTOP,
    PHONE,
    choose_speaker,
    focused,
    in_view,
    open_page,
    shoot,
    speaker_option,
    who_said_what,
    words,
)
from ui.formatting import ANSWER_CLOSE
from ui.said.export import citation_text, listing_csv, listing_json
from ui.said.listing import QUOTED, ListingQuery, list_speaker, list_topic, speaker_rows
from ui.said.view import STATEMENT_OPEN

pytestmark = pytest.mark.slow

TORRES = "Ana Torres"


def _labels(page: Page) -> list[str]:
    """The speaker list as shown."""
    return [words(text) for text in page.locator("#qa-speaker label").all_inner_texts()]


def test_the_speakers_are_listed_on_opening_people_apart_searchable_and_sortable(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    store = qa.statements
    page = open_page(browser, url, DESKTOP)
    who_said_what(page)
    # Listed at once, no drop-down to open: everyone quoted, with statements and documents.
    people = speaker_rows(store, "person")
    assert _labels(page) == [row.label for row in people]
    expect(speaker_option(page, TORRES)).to_be_visible()
    assert f"{TORRES} · 3 statements · 2 documents" in _labels(page)
    # Organisations apart.
    assert "Tesco" not in " ".join(_labels(page))
    page.locator("#qa-speaker-kind").get_by_text("Organisations").click()
    expect(page.locator("#qa-speaker label")).to_have_text(["Tesco · 1 statement · 1 document"])
    page.locator("#qa-speaker-kind").get_by_text("People").click()
    expect(page.locator("#qa-speaker label")).to_have_count(len(people))
    # Sorted by name, then by documents.
    page.locator("#qa-speaker-order").get_by_text("Name").click()
    by_name = [row.label for row in speaker_rows(store, "person", order="name")]
    expect(page.locator("#qa-speaker label")).to_have_text(by_name)
    page.locator("#qa-speaker-order").get_by_text("Most documents").click()
    expect(page.locator("#qa-speaker label").first).to_have_text(
        speaker_rows(store, "person", order="documents")[0].label
    )
    # A surname finds both people of that name, and only them.
    page.get_by_label("Find a speaker").press_sequentially("torres")  # as typed
    expect(page.locator("#qa-speaker label")).to_have_count(2)
    assert {label.split(" · ")[0] for label in _labels(page)} == {TORRES, "Luis Torres"}
    expect(page.locator("#qa-speaker")).to_contain_text("2 of")
    shoot(page, "who-said-what-speakers-desktop.png")
    page.close()


def test_a_speakers_statements_are_grouped_by_document_marked_in_their_paragraphs(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    store = qa.statements
    listing = list_speaker(store, ListingQuery(speaker=TORRES))
    page = open_page(browser, url, DESKTOP)
    who_said_what(page)
    choose_speaker(page, TORRES)
    said = page.locator("#qa-said")
    # One heading per document, not one per statement; Luis Torres's words are not hers.
    expect(said.locator(".qa-document-heading")).to_have_count(2)
    headings = [words(h) for h in said.locator(".qa-document-heading").all_inner_texts()]
    assert headings[0].startswith("Riverside bridge to reopen in May bridge.txt")
    assert headings[1].startswith("Ferry timetable changes for summer ferry.txt")
    assert "roads near the pier" not in said.inner_text()
    entries = said.locator("li.qa-statement")
    expect(entries).to_have_count(len(listing.statements))
    # Each statement in its whole paragraph, marked; the verb as the story writes it.
    marks = said.locator("blockquote.qa-paragraph mark.qa-answer").all_inner_texts()
    assert marks == [STATEMENT_OPEN + s.item.text + ANSWER_CLOSE for s in listing.statements]
    paragraphs = said.locator("blockquote.qa-paragraph").all_inner_texts()
    assert words(paragraphs[0]).startswith('"[statement: The repairs came in under budget]')
    assert words(paragraphs[0]).endswith("said Mayor Ana Torres.")
    expect(entries.first.locator(".qa-how")).to_have_text("In quotation marks; “said”")
    shoot(page, "who-said-what-grouped-desktop.png", full_page=True)

    # Quoted only, then one document only: the listing and its summary say so.
    page.locator("#qa-said-filter").get_by_text("Reported").click()
    expect(entries).to_have_count(1)
    expect(entries.first.locator(".qa-said-text")).to_have_text(
        "Reported the council would publish the final costs next week"
    )
    page.locator("#qa-said-filter").get_by_text("All").click()
    expect(entries).to_have_count(3)
    page.locator("#qa-said-document input").click()
    page.get_by_role("option", name="Ferry timetable changes for summer").click()
    expect(entries).to_have_count(1)
    expect(said.locator(".qa-said-summary")).to_contain_text("1 shown (in “Ferry timetable")
    page.close()


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_statement_opens_its_whole_document_with_the_statement_in_view(
    browser: Browser, served: tuple[str, QA], size: str, viewport: dict[str, int]
) -> None:
    url, _ = served
    page = open_page(browser, url, viewport)
    who_said_what(page)
    choose_speaker(page, "Hassan Ahmadian")
    opener = page.locator("#qa-said button.qa-open-document").last
    opener.click()
    view = page.get_by_role("dialog")
    expect(view).to_be_visible()
    expect(view.get_by_role("heading")).to_contain_text("Iran says missile programme")
    expect(view.get_by_role("heading")).to_be_focused()
    mark = view.locator("mark.qa-answer")
    expect(mark).to_have_count(1)
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
    assert in_view(mark), "the statement is not in view in its document"
    shoot(page, f"who-said-what-document-{size}.png")
    page.keyboard.press("Escape")
    expect(view).to_have_count(0)
    # The focus is back on the button that opened it.
    expect(opener).to_be_focused()
    # Closed with its button too.
    opener.click()
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert "qa-open-document" in focused(page)
    page.close()


def test_copy_with_citation_and_the_exports_hold_what_is_listed(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    store = qa.statements
    page = open_page(browser, url, DESKTOP, permissions=("clipboard-read", "clipboard-write"))
    who_said_what(page)
    choose_speaker(page, TORRES)
    listing = list_speaker(store, ListingQuery(speaker=TORRES))
    entry = page.locator("#qa-said li.qa-statement").first
    entry.get_by_role("button", name="Copy with citation").click()
    expect(entry.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == citation_text(listing.statements[0])
    # The exports follow the filters: quoted statements only.
    page.locator("#qa-said-filter").get_by_text("Quoted", exact=True).click()
    expect(page.locator("#qa-said li.qa-statement")).to_have_count(2)
    quoted = list_speaker(store, ListingQuery(speaker=TORRES, said=QUOTED))
    with page.expect_download() as as_csv:
        page.locator("#qa-export-csv").click()
    assert as_csv.value.suggested_filename == "ana-torres.csv"
    assert Path(as_csv.value.path()).read_bytes().decode() == listing_csv(quoted)
    with page.expect_download() as as_json:
        page.locator("#qa-export-json").click()
    data = json.loads(Path(as_json.value.path()).read_text(encoding="utf-8"))
    assert data == json.loads(listing_json(quoted))
    assert [row["statement"] for row in data["statements"]] == [
        "The repairs came in under budget",
        "The ferry will run twice a day from June",
    ]
    page.close()


def test_who_said_what_about_a_topic_lists_each_speaker_with_marked_statements(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    topic = "ballistic missiles"
    found = qa.said_about(topic)
    listing = list_topic(qa.statements, found, ListingQuery(topic=topic))
    assert "Hassan Ahmadian" in listing.speakers
    page = open_page(browser, url, DESKTOP)
    who_said_what(page)
    box = page.locator("#qa-topic textarea, #qa-topic input").first
    box.fill(topic)
    box.press("Enter")
    about = page.locator("#qa-said")
    expect(about.locator("h2")).to_have_text(f"Who said what about {topic}")
    # One group per speaker, in the order of their best statement, each statement marked.
    names = about.locator("h3.qa-about-name")
    expect(names).to_have_count(len(listing.speakers))
    shown = [name.removesuffix(" (organisation)") for name in names.all_inner_texts()]
    assert shown == listing.speakers
    expect(about.locator("li.qa-statement")).to_have_count(len(found))
    first = about.locator(".qa-paragraph-group").first.locator("mark.qa-answer").first
    expect(first).to_be_visible()
    assert first.inner_text() == STATEMENT_OPEN + listing.statements[0].item.text + ANSWER_CLOSE
    # Exported as listed.
    with page.expect_download() as as_json:
        page.locator("#qa-export-json").click()
    data = json.loads(Path(as_json.value.path()).read_text(encoding="utf-8"))
    assert data["topic"] == topic and len(data["statements"]) == len(found)
    shoot(page, "who-said-what-topic-listing-desktop.png", full_page=True)
    # A topic nobody spoke of says so.
    box.fill("the price of tea in Peru")
    box.press("Enter")
    expect(about).to_contain_text("Nobody in your documents said anything about")
    page.close()


def test_who_said_what_follows_uploads_and_removals(
    browser: Browser, served: tuple[str, QA]
) -> None:
    url, qa = served
    page = open_page(browser, url, DESKTOP)
    who_said_what(page)
    expect(speaker_option(page, "Mira Okafor")).to_have_count(0)
    # Uploaded while the view is open: its list changes with no further click.
    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": "beacon.txt", "mimeType": "text/plain", "buffer": BEACON.encode()}]
    )
    page.locator("#qa-upload-status").get_by_text("beacon.txt: added").wait_for()
    expect(speaker_option(page, "Mira Okafor")).to_have_count(1)
    choose_speaker(page, "Mira Okafor")
    entry = page.locator("#qa-said li.qa-statement")
    expect(entry).to_have_count(1)
    expect(entry.locator(".qa-said-text")).to_have_text(
        "Quoted “The lamp will shine again on Sunday”"
    )
    expect(page.locator("#qa-said .qa-document-heading")).to_contain_text(
        "Brightwater beacon relit"
    )
    page.locator("#qa-sources").get_by_role(
        "button", name="Remove Brightwater beacon relit"
    ).click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text("Removed ").wait_for()
    expect(page.locator("#qa-said")).to_contain_text("No one called Mira Okafor is quoted")
    expect(speaker_option(page, "Mira Okafor")).to_have_count(0)
    assert "beacon" not in qa.index.documents
    page.close()
