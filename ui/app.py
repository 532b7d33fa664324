"""The Gradio chat page: ask your documents, check the cited evidence, manage the sources."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from qa import QA, Settings
from ui.ask_area import ask_endpoint, ask_tab
from ui.documents.area import documents_panel
from ui.documents.uploads import DocumentLibrary
from ui.page_script import SCRIPT
from ui.said.area import said_tab
from ui.style import CSS, theme

logger = logging.getLogger(__name__)

# Answering is CPU-bound; two at a time fills the two cores this runs on.
ANSWER_CONCURRENCY = 2

_HEADER = (
    '<div class="qa-header"><h1>Ask your documents</h1>'
    "<p>Every answer is copied word for word from your documents. Click a marker "
    "such as [1] to see the passage it comes from, with the answer marked. "
    "<em>Who said what</em> lists everyone your documents quote.</p>"
    '<a class="qa-jump" href="#qa-sources-panel">Your documents and uploads ↓</a></div>'
)


def build_app(qa: QA, settings: Settings | None = None) -> gr.Blocks:
    """The page for one pipeline; ``qa`` may be warmed up already or warm on first use.

    The page's areas are laid out and wired by ``ask_tab``, ``said_tab`` and
    ``documents_panel``; this joins them: the speaker list follows every index change.

    Args:
        qa: The pipeline every question goes to.
        settings: Uploads folder, size limit and default passages (default ``qa.settings``).

    Returns:
        The Gradio Blocks app, queued, not launched (see ``launch_options``).
    """
    settings = settings or qa.settings
    library = DocumentLibrary(qa, settings.uploads_dir, settings.max_upload_bytes)
    # No usage reports and no check for a newer Gradio (api.gradio.app), wherever the page
    # is built: the documents and the questions stay on this machine.
    with gr.Blocks(
        title="Ask your documents", delete_cache=(3600, 3600), analytics_enabled=False
    ) as app:
        gr.HTML(_HEADER, elem_id="qa-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300), gr.Tabs(elem_id="qa-tabs"):
                ask_tab(qa, settings)
                said = said_tab(qa)
            with gr.Column(scale=2, min_width=280, elem_id="qa-sources-panel"):
                documents = documents_panel(library, settings)
        for change in documents.changes:
            change.then(**said.refresh)
        app.load(**documents.refresh)
        app.load(**said.refresh)
        gr.api(  # type: ignore[attr-defined]
            ask_endpoint(qa), api_name="ask", concurrency_limit=ANSWER_CONCURRENCY
        )
    app.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=256)
    return app  # type: ignore[no-any-return]


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch``: address, upload limit, file access, look.

    Gradio then serves no file of ours: the index, the uploads folder and the document
    folders are blocked outright, and nothing is added to the files it may serve. Nor does it
    open a public share link through Gradio's servers, even with ``GRADIO_SHARE=True`` set.
    """
    private = {settings.index_dir, settings.uploads_dir, *settings.documents}
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "blocked_paths": sorted(str(path.resolve()) for path in private),
        "max_file_size": settings.max_upload_bytes,
        "footer_links": ["api"],
        "css": CSS,
        "js": SCRIPT,
        "theme": theme(),
        "show_error": True,
        "share": False,
    }


def serve(settings: Settings) -> None:
    """Warm up the pipeline and serve the page until interrupted."""
    qa = QA(settings)
    qa.warm_up()
    app = build_app(qa, settings)
    app.launch(**launch_options(settings))
