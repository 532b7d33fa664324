"""The same story saved twice is recognised; different stories are not confused."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys

from index import DuplicateFinder, extract, sketch
from index.sources.duplicates import resemblance
from tests.conftest import SEED_FILE

OTHER_STORY = """Harbour reopens after storm damage
The harbour at Port Ellen reopened on Thursday after three weeks of repairs to the pier.
Engineers replaced two damaged pilings and rebuilt the breakwater's northern end.
Ferry services to the mainland will resume on Saturday, the operator said.
Local fishermen, who had been unable to land their catch, welcomed the news.
"""


def seed_as_html() -> bytes:
    """The seed article as a news page: navigation, scripts and a footer around the text."""
    lines = [line for line in SEED_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    return (
        f"<html><head><title>{html.escape(lines[0])}</title><script>track()</script></head>"
        "<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{html.escape(lines[0])}</h1>{body}</article>"
        "<footer>All rights reserved.</footer></body></html>"
    ).encode()


def test_same_story_as_text_and_html_is_a_near_duplicate() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    page = extract(seed_as_html(), "html").text
    assert resemblance(sketch(text), sketch(page)) >= 0.9


def test_small_edits_still_match_and_other_stories_do_not() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    edited = text.replace("Wednesday", "Thursday", 1).replace("positive", "constructive", 1)
    finder = DuplicateFinder()
    finder.add("seed", sketch(text))
    finder.add("harbour", sketch(OTHER_STORY))
    match = finder.match(sketch(edited))
    assert match is not None and match.doc_id == "seed" and 0.75 <= match.resemblance < 1.0
    assert finder.match(sketch(OTHER_STORY.replace("Thursday", "Friday"))) is not None
    half = "\n".join(text.splitlines()[: len(text.splitlines()) // 3])
    assert finder.match(sketch(half)) is None, "a third of a story is not the same story"
    assert finder.match(sketch("A completely different note about gardening and roses.")) is None
    finder.discard("seed")
    assert finder.match(sketch(edited)) is None


def test_sketch_is_stable_across_runs_and_ignores_clutter() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    first = sketch(text)
    assert len(first) == 128
    # Sketches are stored in the index, so another process (other hash seed) must agree.
    script = (
        "import sys; from index import sketch; "
        "print(list(sketch(open(sys.argv[1], encoding='utf-8').read())))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(SEED_FILE)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert tuple(json.loads(other.stdout)) == first
    cluttered = text.replace("\n", "\nAdvertisement\nShare on Facebook\n", 3)
    assert sketch(cluttered) == first


def test_a_footer_every_story_carries_neither_merges_stories_nor_hides_a_resaved_copy() -> None:
    # A newsroom export: 300 different stories, each ending with the same long footer, so
    # the smallest shingle hashes of many stories come from the footer.
    footer = (
        "This article is published by the Harbour Gazette under the newsroom's standard terms. "
        "Readers may share a link to it but may not copy the text without permission from the "
        "editors, who can be reached through the contact page of the website at any time."
    )
    stories = {
        f"story-{n}": (
            f"Council meeting number {n} in district {n % 17}\n"
            f"The council met for the {n}th time and discussed budget line {n * 7}. "
            f"Members voted {n % 9} to {n % 5} on the proposal from ward {n % 23}, "
            f"and the mayor said item {n * 3} would return next month.\n{footer}\n"
        )
        for n in range(300)
    }
    finder = DuplicateFinder()
    for doc_id, text in stories.items():
        assert finder.match(sketch(text)) is None, f"{doc_id} taken for another story"
        finder.add(doc_id, sketch(text))
    resaved = stories["story-250"].replace("next month", "next month.", 1)
    match = finder.match(sketch(resaved))
    assert match is not None and match.doc_id == "story-250"
