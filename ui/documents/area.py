"""The page's documents panel: a searchable table of the sources, each removable after a
confirmation, and uploads with a progress bar that says what it waits for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qa import Settings
from ui.documents.progress import ProgressView, ProgressWatch, progress_html, reading_estimate_s
from ui.documents.table import matching, page_count, sources_html
from ui.documents.uploads import DocumentLibrary, IncomingFile, UploadRefused, supported_suffixes
from ui.formatting import human_size, status_html

# Index writes take the index's writer lock; one at a time, queued, never refused.
INDEX_WRITES = "index-writes"
# A row's Remove button asks the server to confirm the removal of its document.
_TABLE_JS = """
element.addEventListener("click", (event) => {
  const button = event.target.closest("button.qa-remove-row");
  if (button) trigger("ask_removal", { doc: button.dataset.doc });
});
"""
_FOCUS_QUESTION = "() => window.qaPage && window.qaPage.focus('#qa-remove-question .qa-status')"
_FOCUS_BACK = "() => window.qaPage && window.qaPage.returnFocus('#qa-doc-search input')"
_FOCUS_STATUS = "() => window.qaPage && window.qaPage.focus('#qa-remove-status .qa-status')"


@dataclass(frozen=True)
class DocumentsPanel:
    """What other parts of the page wire to.

    Attributes:
        changes: The events after which the index has changed (an upload, a removal).
        refresh: Event keywords that show the live index's documents again.
    """

    changes: tuple[Any, ...]
    refresh: dict[str, Any]


def _names(paths: list[str]) -> str:
    return ", ".join(Path(path).name for path in paths)


def documents_panel(library: DocumentLibrary, settings: Settings) -> DocumentsPanel:
    """Lay out the documents panel in the current column and wire its events.

    Args:
        library: The indexed documents and the uploads folder.
        settings: The upload size limit.
    """

    def table(search: str, page: float) -> tuple[str, Any, Any, int]:
        """The table's page for a search, and the page buttons."""
        rows = library.rows()
        pages = page_count(len(matching(rows, search or "")))
        page = min(max(int(page or 0), 0), pages - 1)
        shown = pages > 1
        return (
            sources_html(rows, search or "", page),
            gr.update(visible=shown, interactive=page > 0),
            gr.update(visible=shown, interactive=page < pages - 1),
            page,
        )

    def announce_upload(paths: list[str] | None) -> tuple[list[str], str, None]:
        # Shown at once, before the upload waits its turn behind other index changes.
        if not paths:
            return [], "", None
        busy = library.busy
        words = (
            f"Waiting for {busy} to finish; {_names(paths)} will be added next"
            if busy
            else f"Starting to add {_names(paths)}"
        )
        return list(paths), progress_html(ProgressView(0.0, words), "Upload"), None

    def run_upload(paths: list[str], search: str, page: float) -> Any:
        if not paths:
            yield (*table(search, page), "", [])
            return
        incoming = [IncomingFile(Path(path).name, Path(path)) for path in paths]
        title = f"Adding {_names(paths)}"
        sizes = [item.path.stat().st_size for item in incoming if item.path.exists()]
        watch = ProgressWatch(
            lambda report: library.add(incoming, report), reading_s=reading_estimate_s(sizes)
        )
        unchanged = (gr.update(), gr.update(), gr.update(), gr.update())
        try:
            for view in watch:
                yield (*unchanged, progress_html(view, title), paths)
        finally:
            # The framework's copy is no longer needed; ours lives in the uploads folder.
            for item in incoming:
                item.path.unlink(missing_ok=True)
        result = watch.result
        yield (*table(search, page), status_html(result.messages, ok=result.ok), [])

    def ask_removal(event: gr.EventData) -> tuple[Any, ...]:
        data = getattr(event, "_data", None)
        doc_id = str(data.get("doc", "")) if isinstance(data, dict) else ""
        row = next((r for r in library.rows() if r.doc_id == doc_id), None)
        if row is None:
            return None, gr.update(visible=False), "", gr.update()
        question = status_html(
            [
                f"Remove “{row.title}” ({row.file_name}) from the index? Its "
                f"{row.chunks} passage{'s' if row.chunks != 1 else ''} will no longer answer "
                "questions. A file uploaded here is deleted; "
                "a file from a documents folder stays out of the index when the folder is "
                "indexed again, until someone adds it by name (qa index FILE)."
            ],
            ok=False,
        )
        return doc_id, gr.update(visible=True), question, gr.update(interactive=True)

    def begin_removal(doc_id: str | None) -> tuple[str, Any, Any]:
        # Shown at once: the confirmation goes, so it cannot be clicked twice, and the
        # status says what the removal waits for.
        row = next((r for r in library.rows() if r.doc_id == doc_id), None)
        hidden, off = gr.update(visible=False), gr.update(interactive=False)
        if row is None:
            return status_html(["Choose a document to remove first."], ok=False), hidden, off
        busy = library.busy
        words = (
            f"Waiting for {busy} to finish; “{row.title}” will be removed next."
            if busy
            else f"Removing “{row.title}”…"
        )
        return status_html([words]), hidden, off

    def remove(doc_id: str | None, search: str, page: float) -> tuple[Any, ...]:
        if not doc_id:
            message = status_html(["Choose a document to remove first."], ok=False)
            return (*table(search, page), message, None)
        try:
            message, ok = library.remove(doc_id), True
        except UploadRefused as exc:
            message, ok = f"Not removed: {exc}.", False
        return (*table(search, page), status_html([message], ok=ok), None)

    gr.Markdown("## Your documents")
    search = gr.Textbox(
        label="Search your documents",
        placeholder="Part of a title or a file name",
        elem_id="qa-doc-search",
        max_length=200,
    )
    removal = gr.State(None)
    page = gr.State(0)
    with gr.Column(
        visible=False, elem_id="qa-remove-confirm", elem_classes=["qa-confirm"]
    ) as confirm_box:
        confirm_text = gr.HTML("", elem_id="qa-remove-question")
        with gr.Row():
            confirm_button = gr.Button(
                "Yes, remove it", variant="stop", size="sm", elem_id="qa-remove-yes"
            )
            cancel_button = gr.Button(
                "Cancel", variant="secondary", size="sm", elem_id="qa-remove-cancel"
            )
    remove_status = gr.HTML("", elem_id="qa-remove-status")
    first_page = table("", 0)
    sources = gr.HTML(first_page[0], elem_id="qa-sources", js_on_load=_TABLE_JS)
    with gr.Row(elem_id="qa-docs-pages"):
        previous = gr.Button("Previous page", size="sm", elem_id="qa-docs-previous", visible=False)
        following = gr.Button("Next page", size="sm", elem_id="qa-docs-next", visible=False)
    upload = gr.File(
        label=(
            f"Add documents ({', '.join(supported_suffixes())}; up to "
            f"{human_size(settings.max_upload_bytes)} each)"
        ),
        file_count="multiple",
        elem_id="qa-upload",
    )
    pending = gr.State([])
    upload_status = gr.HTML("", elem_id="qa-upload-status")

    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    table_outputs = [sources, previous, following, page]
    # On every change of its words: Gradio's input event misses deletions.
    search.change(
        lambda words: table(words, 0),
        [search],
        table_outputs,
        queue=False,
        trigger_mode="always_last",
        **quiet,
    )
    for button, step in ((previous, -1), (following, 1)):
        button.click(
            lambda words, at, step=step: table(words, at + step),
            [search, page],
            table_outputs,
            queue=False,
            **quiet,
        )
    uploaded = upload.upload(
        announce_upload, [upload], [pending, upload_status, upload], queue=False, **quiet
    ).then(
        run_upload,
        [pending, search, page],
        [*table_outputs, upload_status, pending],
        concurrency_limit=1,
        concurrency_id=INDEX_WRITES,
        **quiet,
    )
    sources.ask_removal(
        ask_removal,
        None,
        [removal, confirm_box, confirm_text, confirm_button],
        queue=False,
        **quiet,
    ).then(None, js=_FOCUS_QUESTION)
    cancel_button.click(
        lambda: (None, gr.update(visible=False), status_html(["Nothing was removed."])),
        None,
        [removal, confirm_box, remove_status],
        queue=False,
        **quiet,
    ).then(None, js=_FOCUS_BACK)
    removed = confirm_button.click(
        begin_removal,
        [removal],
        [remove_status, confirm_box, confirm_button],
        queue=False,
        **quiet,
    ).then(
        remove,
        [removal, search, page],
        [*table_outputs, remove_status, removal],
        concurrency_limit=1,
        concurrency_id=INDEX_WRITES,
        **quiet,
    )
    removed.then(None, js=_FOCUS_STATUS)
    return DocumentsPanel(
        changes=(uploaded, removed),
        refresh={
            "fn": table,
            "inputs": [search, page],
            "outputs": table_outputs,
            "api_visibility": "private",
            "show_progress": "hidden",
        },
    )
