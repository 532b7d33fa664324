"""The page's Who said what tab: a searchable speaker list, and what the chosen speaker (or
everyone, about a topic) said, filtered, copied and exported."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from index.statements.statement import ORGANISATION, PERSON
from qa import QA
from ui.said.export import write_exports
from ui.said.listing import (
    ALL,
    QUOTED,
    REPORTED,
    Listing,
    ListingQuery,
    list_speaker,
    list_topic,
    speaker_rows,
)
from ui.said.view import document_html, listing_html, speaker_choices

# The listing's "Open the whole document" buttons and the opened document's "Close" send
# these events to the server; the page script (ui/page_script.py) moves the focus.
_LISTING_JS = """
element.addEventListener("click", (event) => {
  const button = event.target.closest("button.qa-open-document");
  if (!button) return;
  trigger("open_document", {
    doc: button.dataset.doc, start: Number(button.dataset.start), end: Number(button.dataset.end),
  });
});
"""
_DOCUMENT_JS = """
const close = () => trigger("close_document", {});
element.addEventListener("click", (event) => {
  if (event.target.closest("button.qa-document-close")) close();
  else if (event.target.classList.contains("qa-document-view")) close();
});
element.addEventListener("keydown", (event) => {
  if (event.key === "Escape") { event.preventDefault(); close(); return; }
  if (event.key !== "Tab") return;
  const stops = [...element.querySelectorAll("button, [tabindex='0']")];
  if (!stops.length) return;
  const first = stops[0], last = stops[stops.length - 1];
  if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault(); first.focus();
  }
});
watch("value", () => {
  if (window.qaPage) window.qaPage.documentShown(element);
});
"""
_SHOW_LISTING = "() => window.qaPage && window.qaPage.showListing()"
_KINDS = ((PERSON, "People"), (ORGANISATION, "Organisations"))
_ORDERS = [("Most statements", "statements"), ("Most documents", "documents"), ("Name", "name")]
_SAID = [("All", ALL), ("Quoted", QUOTED), ("Reported", REPORTED)]
_EVERY_DOCUMENT = ("Every document", "")


@dataclass(frozen=True)
class SaidTab:
    """What other parts of the page wire to: the tab, and how to refresh it.

    Attributes:
        tab: The tab (refreshed when opened).
        refresh: Event keywords (``fn``, ``inputs``, ``outputs``) that fill the speaker list
            from the live index and show the current listing again.
    """

    tab: gr.Tab
    refresh: dict[str, Any]


def _event_data(event: gr.EventData) -> dict[str, Any]:
    data = getattr(event, "_data", None)
    return data if isinstance(data, dict) else {}


def said_tab(qa: QA) -> SaidTab:
    """Lay out the Who said what tab inside the current ``gr.Tabs`` and wire its events."""
    exports = Path(tempfile.mkdtemp(prefix="qa-who-said-what-"))

    def speaker_list(search: str, kind: str, order: str, chosen: str) -> tuple[Any, Any]:
        """The kind choice (with counts) and the speaker list for a search."""
        store = qa.statements
        search = (search or "").strip()
        counts = {k: len(speaker_rows(store, k, search=search)) for k, _ in _KINDS}
        totals = {k: len(store.speakers(k)) for k, _ in _KINDS}
        kinds = [
            (f"{label} ({counts[k]} of {totals[k]})" if search else f"{label} ({totals[k]})", k)
            for k, label in _KINDS
        ]
        rows = speaker_rows(store, kind, order, search)
        names = {row.name for row in rows}
        noun = "people" if kind == PERSON else "organisations"
        if not totals[kind]:
            info = f"No {noun} are quoted in your documents."
        elif search:
            info = (
                f"{len(rows)} of {totals[kind]} {noun} match “{search}”."
                if rows
                else f"None of the {totals[kind]} {noun} matches “{search}”."
            )
        else:
            info = f"{totals[kind]} {noun}; choose one to see what they said."
        return gr.update(choices=kinds, value=kind), gr.update(
            choices=speaker_choices(rows),
            value=chosen if chosen in names else None,
            label=dict(_KINDS)[kind],
            info=info,
        )

    def render(query: ListingQuery | None) -> tuple[Any, ...]:
        """The listing for ``query``: its HTML, the document filter and the two exports."""
        store = qa.statements
        listing: Listing | None = None
        if query is not None and query.speaker:
            listing = list_speaker(store, query)
        elif query is not None and query.topic:
            listing = list_topic(store, qa.said_about(query.topic), query)
        html = listing_html(listing, len(store.speakers()))
        documents = [_EVERY_DOCUMENT] + [
            (title, doc_id) for doc_id, title in (listing.documents if listing else ())
        ]
        if listing is None or not listing.statements:
            empty = gr.update(value=None, interactive=False)
            kept = (
                query.document
                if query and query.document in dict(listing.documents if listing else ())
                else ""
            )
            return html, gr.update(choices=documents, value=kept), empty, empty
        as_csv, as_json = write_exports(listing, exports)
        return (
            html,
            gr.update(choices=documents, value=listing.query.document),
            gr.update(value=str(as_csv), interactive=True),
            gr.update(value=str(as_json), interactive=True),
        )

    def refresh(search: str, kind: str, order: str, query: ListingQuery | None) -> tuple[Any, ...]:
        # After the index changes, a chosen speaker stays chosen while anyone is still called
        # so, and the listing is shown again from the new index.
        chosen = query.speaker if query else ""
        return (*speaker_list(search, kind, order, chosen), *render(query))

    def choose(name: str | None) -> tuple[Any, ...]:
        query = ListingQuery(speaker=name) if name else None
        return (query, gr.update(value=ALL), "", *render(query))

    def find(words: str) -> tuple[Any, ...]:
        words = " ".join((words or "").split())
        query = ListingQuery(topic=words) if words else None
        return (query, gr.update(value=ALL), gr.update(value=None), *render(query))

    def refilter(query: ListingQuery | None, said: str, document: str) -> tuple[Any, ...]:
        query = query.filtered(said, document) if query else None
        return (query, *render(query))

    def open_document(event: gr.EventData) -> str:
        data = _event_data(event)
        record = qa.statements.documents.get(str(data.get("doc", "")))
        try:
            start, end = int(data.get("start", 0)), int(data.get("end", 0))
        except (TypeError, ValueError):
            return ""
        if record is None:
            return ""
        speakers = sorted(qa.statements.speakers_at(record.doc_id, start, end))
        return document_html(record, start, end, " and ".join(speakers))

    with gr.Tab("Who said what", id="said", elem_id="qa-said-tab") as tab:
        gr.Markdown(
            "Everyone your documents quote, and what each said: in their own words (quoted) "
            "or as the writer reports it. Choose a speaker, or find who said what about a topic."
        )
        query = gr.State(None)
        with gr.Row(equal_height=False, elem_id="qa-said-row"):
            with gr.Column(scale=2, min_width=250, elem_id="qa-speakers-column"):
                search = gr.Textbox(
                    label="Find a speaker",
                    placeholder="A name, a title or a role",
                    elem_id="qa-speaker-search",
                    max_length=200,
                )
                kind = gr.Radio(
                    choices=[(label, k) for k, label in _KINDS],
                    value=PERSON,
                    label="Show",
                    elem_id="qa-speaker-kind",
                )
                order = gr.Radio(
                    choices=_ORDERS, value="statements", label="Sort by", elem_id="qa-speaker-order"
                )
                speaker = gr.Radio(choices=[], value=None, label="People", elem_id="qa-speaker")
            with gr.Column(scale=3, min_width=300, elem_id="qa-listing-column"):
                with gr.Row(equal_height=True, elem_id="qa-topic-row"):
                    topic = gr.Textbox(
                        label="Who said what about…",
                        placeholder="A topic, for example: nuclear talks",
                        elem_id="qa-topic",
                        scale=5,
                        max_length=200,
                    )
                    find_button = gr.Button("Find", scale=1, elem_id="qa-topic-find")
                with gr.Row(equal_height=True, elem_id="qa-said-filters"):
                    said_filter = gr.Radio(
                        choices=_SAID, value=ALL, label="Statements", elem_id="qa-said-filter"
                    )
                    document_filter = gr.Dropdown(
                        choices=[_EVERY_DOCUMENT],
                        value="",
                        label="In",
                        elem_id="qa-said-document",
                    )
                with gr.Row(elem_id="qa-said-export"):
                    as_csv = gr.DownloadButton(
                        "Download CSV", size="sm", interactive=False, elem_id="qa-export-csv"
                    )
                    as_json = gr.DownloadButton(
                        "Download JSON", size="sm", interactive=False, elem_id="qa-export-json"
                    )
                said = gr.HTML(listing_html(None, 1), elem_id="qa-said", js_on_load=_LISTING_JS)
        document = gr.HTML("", elem_id="qa-document", js_on_load=_DOCUMENT_JS)

    listing_outputs = [said, document_filter, as_csv, as_json]
    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    # The search on every change of its words (Gradio's input event misses deletions); the
    # kind and the order when chosen (the kind is also set by the search).
    for listen in (search.change, kind.input, order.input):
        listen(
            speaker_list,
            [search, kind, order, speaker],
            [kind, speaker],
            trigger_mode="always_last",
            **quiet,
        )
    speaker.input(
        choose,
        [speaker],
        [query, said_filter, topic, *listing_outputs],
        **quiet,
    ).then(None, js=_SHOW_LISTING)
    for submitted in (topic.submit, find_button.click):
        submitted(
            find,
            [topic],
            [query, said_filter, speaker, *listing_outputs],
            **quiet,
        ).then(None, js=_SHOW_LISTING)
    filters: tuple[gr.Radio, gr.Dropdown] = (said_filter, document_filter)
    for said_control in filters:
        said_control.input(
            refilter,
            [query, said_filter, document_filter],
            [query, *listing_outputs],
            **quiet,
        )
    said.open_document(open_document, None, [document], **quiet)
    document.close_document(lambda: "", None, [document], queue=False, **quiet)
    # The speaker list follows the index: on load, on opening its tab, after each change.
    refresh_io = {
        "fn": refresh,
        "inputs": [search, kind, order, query],
        "outputs": [kind, speaker, *listing_outputs],
        **quiet,
    }
    tab.select(**refresh_io)
    return SaidTab(tab, refresh_io)
