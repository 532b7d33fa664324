"""Accessibility in every state of the page, at a small desktop and a phone: axe-core finds no
serious or critical violation, and every control shows its focus at 3:1 or more."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from qa import QA
from tests.ui.browser import (
    DESKTOP,
    PHONE,
    ask,
    bad_rings,
    choose_speaker,
    focus_rings,
    open_page,
    serious_violations,
    shoot,
    who_said_what,
)

pytestmark = pytest.mark.slow

SIZES = [("desktop", DESKTOP), ("phone", PHONE)]


def _digest(reports: int = 900) -> str:
    return "\n".join(
        f"Bulletin {n}: the museum board of ward {n % 31} met on day {n} and chose item {n * 3}."
        for n in range(reports)
    )


def _check(page: Page, state: str, found: dict[str, list[object]]) -> None:
    """Run axe on the page as it is; remember what it finds under the state's name."""
    violations = serious_violations(page)
    if violations:
        found[state] = list(violations)


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_no_serious_accessibility_violation_in_any_state(
    browser: Browser, served: tuple[str, QA], size: str, viewport: dict[str, int]
) -> None:
    url, qa = served
    found: dict[str, list[object]] = {}
    page = open_page(browser, url, viewport)
    _check(page, "empty page", found)

    ask(page, "What did Larijani say?")
    expect(page.locator("#qa-chat details.qa-citation[open]").first).to_be_visible()
    _check(page, "an answer with its source open", found)

    who_said_what(page)
    _check(page, "Who said what, nobody chosen", found)
    choose_speaker(page, "Hassan Ahmadian")
    _check(page, "Who said what, a speaker chosen", found)
    shoot(page, f"who-said-what-{size}.png")
    page.locator("#qa-said button.qa-open-document").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    _check(page, "a whole document opened", found)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.locator("#qa-said-filter").get_by_text("Reported").click()
    topic = page.get_by_label("Who said what about…")
    topic.fill("ballistic missiles")
    topic.press("Enter")
    expect(page.locator("#qa-said h2")).to_have_text("Who said what about ballistic missiles")
    _check(page, "Who said what about a topic", found)
    shoot(page, f"who-said-what-topic-{size}.png")

    search = page.get_by_label("Search your documents")
    search.press_sequentially("bridge")
    expect(page.locator("#qa-sources caption")).to_contain_text("1 match “bridge”")
    _check(page, "the documents searched", found)
    page.locator("#qa-sources").get_by_role(
        "button", name="Remove Riverside bridge to reopen in May"
    ).click()
    expect(page.locator("#qa-remove-confirm")).to_be_visible()
    _check(page, "a removal's confirmation", found)
    shoot(page, f"removal-confirmation-searched-{size}.png")
    page.locator("#qa-remove-cancel").click()
    expect(page.locator("#qa-remove-confirm")).to_be_hidden()
    search.press("Control+a")
    search.press("Backspace")
    expect(page.locator("#qa-sources caption")).not_to_contain_text("match")

    page.locator("#qa-upload input[type=file]").set_input_files(
        [{"name": "bulletin.txt", "mimeType": "text/plain", "buffer": _digest().encode()}]
    )
    page.locator("#qa-upload-status progress").wait_for(state="attached")
    _check(page, "an upload running", found)
    page.locator("#qa-upload-status").scroll_into_view_if_needed()
    shoot(page, f"upload-running-{size}.png")
    page.locator("#qa-upload-status").get_by_text("bulletin.txt: added").wait_for()
    _check(page, "an upload done", found)
    title = qa.index.documents["bulletin"].title
    page.locator("#qa-sources").get_by_role("button", name=f"Remove {title}").click()
    page.locator("#qa-remove-yes").click()
    page.locator("#qa-remove-status").get_by_text("Removed ").wait_for()
    _check(page, "a removal done", found)
    assert "bulletin" not in qa.index.documents
    page.close()
    assert found == {}, found


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_every_control_shows_its_focus_at_three_to_one(
    browser: Browser, served: tuple[str, QA], size: str, viewport: dict[str, int]
) -> None:
    url, _ = served
    page = open_page(browser, url, viewport)
    ask(page, "What did Larijani say?")
    rings = focus_rings(page, 45)
    reached = " ".join(f"{ring['what']} {ring['name']}" for ring in rings)
    for control in ("qa-question", "qa-ask", "What did Trump say?", "qa-cite", "Copy answer"):
        assert control in reached, f"{control} was not reached with Tab"
    assert bad_rings(rings) == []
    who_said_what(page)
    choose_speaker(page, "Hassan Ahmadian")
    rings = focus_rings(page, 70)
    reached = " ".join(f"{ring['what']} {ring['name']}" for ring in rings)
    for control in ("Find a speaker", "qa-topic", "Copy with citation", "qa-doc-search", "Remove"):
        assert control in reached, f"{control} was not reached with Tab"
    assert bad_rings(rings) == []
    page.close()
