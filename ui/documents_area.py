"""The page's documents panel: the table of sources, uploads, and removal with a confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qa import Settings
from ui.formatting import human_size, sources_html, status_html
from ui.uploads import DocumentLibrary, IncomingFile, UploadRefused, supported_suffixes

# Index writes take the index's writer lock; one at a time, queued, never refused.
INDEX_WRITES = "index-writes"


@dataclass(frozen=True)
class DocumentsPanel:
    """What other parts of the page wire to.

    Attributes:
        changes: The events after which the index has changed (an upload, a removal).
        refresh: Event keywords that show the live index's documents again.
    """

    changes: tuple[Any, ...]
    refresh: dict[str, Any]


def _choices(library: DocumentLibrary) -> list[tuple[str, str]]:
    return [(f"{row.title} ({row.file_name})", row.doc_id) for row in library.rows()]


def documents_panel(library: DocumentLibrary, settings: Settings) -> DocumentsPanel:
    """Lay out the documents panel in the current column and wire its events.

    Args:
        library: The indexed documents and the uploads folder.
        settings: The upload size limit.
    """

    def refresh() -> tuple[str, Any]:
        return sources_html(library.rows()), gr.update(choices=_choices(library), value=None)

    def on_upload(
        paths: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio injects it by this default)
    ) -> tuple[str, str, Any, None]:
        if not paths:
            return (*refresh()[:1], "", gr.update(), None)
        incoming = [IncomingFile(Path(path).name, Path(path)) for path in paths]
        try:
            result = library.add(incoming, lambda done, what: progress(done, desc=what))
        finally:
            # The framework's copy is no longer needed; ours lives in the uploads folder.
            for item in incoming:
                item.path.unlink(missing_ok=True)
        table, choices = refresh()
        return table, status_html(result.messages, ok=result.ok), choices, None

    def on_choose(doc_id: str | None) -> tuple[Any, Any]:
        # Nothing can be removed until a document is chosen; a new choice hides any question.
        # The last removal's message stays: the list is emptied right after a removal.
        return gr.update(interactive=bool(doc_id)), gr.update(visible=False)

    def on_ask_removal(doc_id: str | None) -> tuple[Any, str]:
        row = next((r for r in library.rows() if r.doc_id == doc_id), None)
        if row is None:
            return gr.update(visible=False), ""
        question_text = status_html(
            [
                f"Remove {row.title!r} ({row.file_name}) from the index? Its {row.chunks} "
                "passages will no longer answer questions. A file uploaded here is deleted; "
                "a file from a documents folder stays out of the index when the folder is "
                "indexed again, until someone adds it by name (qa index FILE)."
            ],
            ok=False,
        )
        return gr.update(visible=True), question_text

    def on_remove(doc_id: str | None) -> tuple[str, str, Any, Any, Any]:
        hidden = gr.update(visible=False)
        if not doc_id:
            table, choices = refresh()
            message = status_html(["Choose a document to remove first."], ok=False)
            return table, message, choices, hidden, gr.update(interactive=False)
        try:
            message, ok = library.remove(doc_id), True
        except UploadRefused as exc:
            message, ok = f"Not removed: {exc}.", False
        table, choices = refresh()
        return table, status_html([message], ok=ok), choices, hidden, gr.update(interactive=False)

    gr.Markdown("## Your documents")
    sources = gr.HTML(sources_html(library.rows()), elem_id="qa-sources")
    upload = gr.File(
        label=(
            f"Add documents ({', '.join(supported_suffixes())}; up to "
            f"{human_size(settings.max_upload_bytes)} each)"
        ),
        file_count="multiple",
        elem_id="qa-upload",
    )
    upload_status = gr.HTML("", elem_id="qa-upload-status")
    remove_choice = gr.Dropdown(
        choices=_choices(library),
        value=None,
        label="Remove a document",
        elem_id="qa-remove-choice",
    )
    remove_button = gr.Button(
        "Remove…", variant="secondary", interactive=False, elem_id="qa-remove"
    )
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

    uploaded = upload.upload(
        on_upload,
        [upload],
        [sources, upload_status, remove_choice, upload],
        concurrency_limit=1,
        concurrency_id=INDEX_WRITES,
        show_progress="full",
        show_progress_on=[upload],
        api_visibility="private",
    )
    remove_choice.change(
        on_choose,
        [remove_choice],
        [remove_button, confirm_box],
        queue=False,
        api_visibility="private",
    )
    remove_button.click(
        on_ask_removal,
        [remove_choice],
        [confirm_box, confirm_text],
        queue=False,
        api_visibility="private",
    )
    cancel_button.click(
        lambda: (gr.update(visible=False), status_html(["Nothing was removed."])),
        None,
        [confirm_box, remove_status],
        queue=False,
        api_visibility="private",
    )
    removed = confirm_button.click(
        on_remove,
        [remove_choice],
        [sources, remove_status, remove_choice, confirm_box, remove_button],
        concurrency_limit=1,
        concurrency_id=INDEX_WRITES,
        api_visibility="private",
    )
    return DocumentsPanel(
        changes=(uploaded, removed),
        refresh={
            "fn": refresh,
            "inputs": None,
            "outputs": [sources, remove_choice],
            "api_visibility": "private",
        },
    )
