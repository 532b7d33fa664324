"""What the browser tests share: opening the page, asking, screenshots, axe and focus checks."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-output"
# The smallest desktop screen the page is made for, a larger one, and a phone.
DESKTOP = {"width": 1366, "height": 768}
LARGE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ANSWER_TIMEOUT_MS = 60_000
# Generous: the machines running the suite may be busy with other work.
PAGE_LOAD_TIMEOUT_MS = 120_000
LIGHTHOUSE = (
    "Brightwater lighthouse report\n"
    "The Brightwater lighthouse keeper is Mira Okafor, who took the post in 2019.\n"
)
BEACON = (
    "Brightwater beacon relit\n"
    '"The lamp will shine again on Sunday," said lighthouse keeper Mira Okafor.\n'
)


def open_page(
    browser: Browser, url: str, viewport: dict[str, int], permissions: tuple[str, ...] = ()
) -> Page:
    """A new page at ``viewport``, loaded until the question box is there."""
    page = browser.new_page(viewport=viewport, permissions=list(permissions))  # type: ignore[arg-type]
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    # The page keeps a heartbeat stream open: never wait for network idle.
    page.goto(url, wait_until="domcontentloaded", timeout=PAGE_LOAD_TIMEOUT_MS)
    page.locator("#qa-question textarea").wait_for(timeout=PAGE_LOAD_TIMEOUT_MS)
    return page


def ask(page: Page, question: str) -> None:
    """Type a question and press Enter, then wait for its answer to appear."""
    answers = page.locator("#qa-chat .qa-message")
    before = answers.count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    answers.nth(before).wait_for()


def words(value: str) -> str:
    return " ".join(value.split())


def shoot(page: Page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=full_page)


def who_said_what(page: Page) -> None:
    """Open the "Who said what" tab and wait for its speaker list."""
    page.get_by_role("tab", name="Who said what").click()
    expect(page.locator("#qa-speaker")).to_contain_text(re.compile(r"\d+ (people|person)"))


def speaker_option(page: Page, name: str) -> Locator:
    """The speaker list's entry for ``name`` ("Name · n statements · m documents")."""
    return page.locator("#qa-speaker").get_by_role(
        "radio", name=re.compile(f"^{re.escape(name)} ·")
    )


def choose_speaker(page: Page, name: str) -> None:
    speaker_option(page, name).check()
    expect(page.locator("#qa-said h2")).to_have_text(f"What {name} said")


def serious_violations(page: Page) -> list[tuple[str, list[Any]]]:
    """axe-core's serious and critical violations on the page as it is, experimental rules
    included (label-content-name-mismatch is one): axe leaves them out by default, and a
    screen-reader user meets what they catch all the same."""
    axe = Axe()  # axe-core's script ships inside the Python package: offline
    page.evaluate(axe.axe_script)
    experimental = page.evaluate("axe.getRules(['experimental']).map(rule => rule.ruleId)")
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": True} for rule in experimental},
    }
    results = axe.run(page, options=options)
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


# The focused element's ring: its outline's width and its contrast with what surrounds it
# (the background of the nearest painted ancestor, white when none is).
FOCUS_RING = """
() => {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  const style = getComputedStyle(node);
  const rgba = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  let behind = [255, 255, 255];
  for (let at = node.parentElement; at; at = at.parentElement) {
    const color = rgba(getComputedStyle(at).backgroundColor);
    if (color.length === 3 || (color.length === 4 && color[3] > 0.5)) { behind = color; break; }
  }
  const light = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const a = light(rgba(style.outlineColor)), b = light(behind);
  const rect = node.getBoundingClientRect();
  const holder = node.parentElement ? node.parentElement.closest("[id]") : null;
  const label = node.closest("label");
  return {
    what: `${node.tagName.toLowerCase()}#${node.id}.${node.className} in #${
      holder ? holder.id : ""}`.slice(0, 120),
    name: (node.getAttribute("aria-label") || (label && label.textContent) || node.textContent
      || node.value || "").replace(/\\s+/g, " ").trim().slice(0, 40),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
    shown: rect.width > 0 && rect.height > 0,
  };
}
"""


def focus_rings(page: Page, presses: int) -> list[dict[str, Any]]:
    """Tab through the page from its start, ``presses`` times, and return each control's
    focus ring (once per control)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(presses):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is not None:
            seen.setdefault(f"{ring['what']}|{ring['name']}", ring)
    return list(seen.values())


def bad_rings(rings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rings a sighted keyboard user cannot see: none, thinner than 2 px, or below 3:1."""
    return [
        ring
        for ring in rings
        if ring["shown"] and (ring["style"] == "none" or ring["width"] < 2 or ring["contrast"] < 3)
    ]


def focused(page: Page) -> str:
    """The focused element, described: tag, id, classes and its words."""
    return str(
        page.evaluate(
            "() => { const n = document.activeElement; return `${n.tagName.toLowerCase()}#"
            "${n.id}.${n.className} ${(n.textContent || '').trim().slice(0, 60)}`; }"
        )
    )


def in_view(locator: Locator) -> bool:
    """Whether the element is inside the window and inside every scrolling box holding it,
    and nothing else is drawn over its middle."""
    return bool(
        locator.evaluate(
            """(node) => {
              const r = node.getBoundingClientRect();
              if (r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth) {
                return false;
              }
              for (let at = node.parentElement; at; at = at.parentElement) {
                const overflow = getComputedStyle(at).overflowY;
                if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") {
                  const b = at.getBoundingClientRect();
                  if (r.top < b.top - 1 || r.bottom > b.bottom + 1) return false;
                }
              }
              const line = node.getClientRects()[0] || r;
              const top = document.elementFromPoint(
                line.left + Math.min(line.width / 2, 20), line.top + line.height / 2
              );
              return !!top && (top === node || node.contains(top));
            }"""
        )
    )
