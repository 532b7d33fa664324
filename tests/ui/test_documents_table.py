"""The documents table with hundreds of documents, and an upload's progress as the page shows it."""

from __future__ import annotations

import itertools
import threading
import time

from tests.ui.test_app import _texts
from ui.documents.progress import ProgressView, ProgressWatch, progress_html, reading_estimate_s
from ui.documents.table import PAGE_ROWS, breakable, matching, page_count, sources_html
from ui.documents.uploads import EMBEDDING, READING, Progress
from ui.formatting import SourceRow


def _rows(count: int) -> list[SourceRow]:
    return [
        SourceRow(
            doc_id=f"council_minutes_{n:03d}",
            title=f"Council minutes {n}" + (" (harbour)" if n % 50 == 0 else ""),
            file_name=f"council_minutes_{n:03d}.txt",
            size_bytes=900 + n,
            chunks=1 + n % 3,
            added_at="2026-12-07T06:46:00Z",
        )
        for n in range(count)
    ]


def test_five_hundred_documents_show_a_page_at_a_time_with_a_remove_button_each() -> None:
    rows = _rows(500)
    html = sources_html(rows)
    assert "500 documents indexed; showing 1–50" in html
    assert html.count('class="qa-remove-row"') == PAGE_ROWS
    assert page_count(500) == 10
    last = sources_html(rows, page=9)
    assert "showing 451–500" in last and 'data-doc="council&#95;minutes&#95;499"' in last
    assert sources_html(rows, page=99) == last  # clamped to the last page
    buttons, _ = _texts(html, "qa-remove-row")
    assert set(buttons) == {"Remove"}
    assert 'aria-label="Remove Council minutes 0 (harbour) (council&#95;minutes' in html


def test_a_search_narrows_the_table_and_says_how_many_match() -> None:
    rows = _rows(500)
    assert [row.doc_id for row in matching(rows, "HARBOUR minutes")] == [
        f"council_minutes_{n:03d}" for n in range(0, 500, 50)
    ]
    html = sources_html(rows, "harbour")
    assert "500 documents indexed; 10 match “harbour”" in html
    assert "showing" not in html
    none = sources_html(rows, "<b>ferry</b>")
    assert "none matches “&#60;b&#62;ferry&#60;/b&#62;”" in none


def test_the_added_column_is_a_date_and_a_time_and_names_break_between_words() -> None:
    html = sources_html(_rows(1))
    dates, _ = _texts(html, "qa-date")
    times, _ = _texts(html, "qa-time")
    assert (dates, times) == (["07 Dec 2026"], ["06:46 UTC"])
    assert breakable("council_minutes_043.txt").replace("&#95;", "_") == (
        "council_<wbr>minutes_<wbr>043.<wbr>txt"
    )
    assert breakable("<x>_y") == "&#60;x&#62;&#95;<wbr>y"


def test_progress_keeps_moving_while_a_file_is_read_and_never_goes_back() -> None:
    release = threading.Event()

    def work(report: Progress) -> str:
        report(READING[0], "Reading digest.txt")
        release.wait(2.0)  # a long read with nothing reported
        report(EMBEDDING[0], "Embedding digest.txt: 0 of 10 chunks")
        report(EMBEDDING[0] + 0.1, "Embedding digest.txt: 2 of 10 chunks")
        time.sleep(0.2)
        return "done"

    watch = ProgressWatch(work, reading_s=1.0, tick_s=0.05, max_step=0.04)
    views = []
    for view in watch:
        views.append(view)
        if len(views) == 20:
            release.set()
    assert watch.result == "done"
    fractions = [view.fraction for view in views]
    assert fractions == sorted(fractions)
    reading = [view.fraction for view in views if view.words.startswith("Reading")]
    assert reading[-1] - reading[0] > 0.1  # it moved while nothing was reported
    assert max(reading) < EMBEDDING[0]
    steps = [later - earlier for earlier, later in itertools.pairwise(fractions)]
    assert max(steps) <= 0.04 + 1e-9  # no jump, even when the read ends early
    assert views[-1].words == "Embedding digest.txt: 2 of 10 chunks"  # the words are exact
    assert reading_estimate_s([200_000]) == 10.0


def test_progress_html_says_what_happens_in_words_and_as_a_bar() -> None:
    html = progress_html(ProgressView(0.374, "Reading <x>.txt"), "Adding <x>.txt")
    assert '<progress max="100" value="37" aria-label="Adding &#60;x&#62;.txt">' in html
    words, _ = _texts(html, "qa-progress-words")
    assert words == ["Reading <x>.txt · 37%"]
