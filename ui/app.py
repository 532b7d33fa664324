"""The Gradio chat page: ask your documents, check the cited evidence, manage the sources."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from qa import QA, EmptyQuestionError, Settings
from ui.formatting import (
    answer_html,
    human_size,
    question_html,
    sources_html,
    status_html,
)
from ui.style import CSS, SCRIPT, theme
from ui.uploads import DocumentLibrary, IncomingFile, UploadRefused, supported_suffixes
from ui.who_said_what import said_html, speaker_choices, who_said_what

logger = logging.getLogger(__name__)

# Questions the seed article answers with confidence: a quote, a name, another quote.
EXAMPLES = (
    "What did Larijani say?",
    "Who reported from Tehran for Al Jazeera?",
    "What did Trump say?",
)
# Answering is CPU-bound; two at a time fills the two cores this runs on.
ANSWER_CONCURRENCY = 2
# Index writes take the index's writer lock; one at a time, queued, never refused.
INDEX_WRITES = "index-writes"
MAX_PASSAGES = 20
MAX_QUESTION_CHARS = 1000

Message = dict[str, Any]


def _choices(library: DocumentLibrary) -> list[tuple[str, str]]:
    return [(f"{row.title} ({row.file_name})", row.doc_id) for row in library.rows()]


def build_app(qa: QA, settings: Settings | None = None) -> gr.Blocks:
    """The page for one pipeline; ``qa`` may be warmed up already or warm on first use.

    Args:
        qa: The pipeline every question goes to.
        settings: Uploads folder, size limit and default passages (default ``qa.settings``).

    Returns:
        The Gradio Blocks app, queued, not launched (see ``launch_options``).
    """
    settings = settings or qa.settings
    library = DocumentLibrary(qa, settings.uploads_dir, settings.max_upload_bytes)
    suffixes = ", ".join(supported_suffixes())

    def respond(
        question: str, chat: list[Message], conversation: list[Message], passages: float
    ) -> tuple[list[Message], list[Message], str]:
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question about your documents first.")
            return chat, conversation, ""
        try:
            answer = qa.answer(question, history=conversation, k=int(passages))
        except EmptyQuestionError as exc:
            gr.Warning(str(exc))
            return chat, conversation, ""
        shown = [
            {"role": "user", "content": question_html(question)},
            {"role": "assistant", "content": answer_html(answer, key=uuid.uuid4().hex[:10])},
        ]
        # Follow-ups are resolved from the plain question and short answer, not the HTML.
        plain = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": "" if answer.abstained else answer.text},
        ]
        return [*chat, *shown], [*conversation, *plain], ""

    def ask(
        question: str, history: list[dict[str, str]] | None = None, passages: int | None = None
    ) -> dict[str, Any]:
        """Answer a question from the indexed documents, with citations.

        Args:
            question: The question.
            history: Earlier chat messages ({"role", "content"}), for follow-ups.
            passages: Passages to consult (default: the server's setting).

        Returns:
            The same fields as ``qa.answer(...).to_dict()``: answer, abstained, confidence,
            sentence, citations, related, question, resolved_question, index_version.
        """
        if len(question) > MAX_QUESTION_CHARS:
            raise gr.Error(f"the question is longer than {MAX_QUESTION_CHARS} characters")
        if passages is not None and not 1 <= passages <= MAX_PASSAGES:
            raise gr.Error(f"passages must be between 1 and {MAX_PASSAGES}")
        try:
            return qa.answer(question, history=history or [], k=passages).to_dict()
        except EmptyQuestionError as exc:
            raise gr.Error(str(exc)) from exc

    def refresh() -> tuple[str, Any]:
        return sources_html(library.rows()), gr.update(choices=_choices(library), value=None)

    def refresh_speakers(current: str | None) -> tuple[Any, str]:
        # After the index changes the chosen speaker stays chosen while anyone is still
        # called so, and their statements are shown again from the new index.
        store = qa.statements
        kept = current if current and store.match(current) else None
        count = len(store.speakers())
        info = (
            f"{count} {'person is' if count == 1 else 'people are'} quoted in your documents. "
            "Type to filter, or type part of a name (a surname) to see everyone it can mean."
        )
        chosen = gr.update(choices=speaker_choices(store), value=kept, info=info)
        return chosen, who_said_what(store, kept)

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

    with gr.Blocks(title="Ask your documents", delete_cache=(3600, 3600)) as app:
        conversation = gr.State([])
        gr.HTML(
            '<div class="qa-header"><h1>Ask your documents</h1>'
            "<p>Every answer is copied word for word from your documents. Click a marker "
            "such as [1] to see the passage it comes from, with the answer marked. "
            "<em>Who said what</em> lists everyone your documents quote.</p>"
            '<a class="qa-jump" href="#qa-sources-panel">Your documents and uploads ↓</a></div>',
            elem_id="qa-header",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300), gr.Tabs(elem_id="qa-tabs"):
                with gr.Tab("Ask", id="ask", elem_id="qa-ask-tab"):
                    with gr.Row(elem_id="qa-clear-row"):
                        clear = gr.Button(
                            "New conversation",
                            size="sm",
                            variant="secondary",
                            elem_id="qa-clear",
                        )
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        elem_id="qa-chat",
                        layout="panel",
                        height=620,
                        autoscroll=False,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=[],
                        placeholder=(
                            "Ask a question about your documents, or pick an example below."
                        ),
                    )
                    with gr.Row(equal_height=True):
                        question = gr.Textbox(
                            label="Your question",
                            placeholder="For example: What did Larijani say?",
                            elem_id="qa-question",
                            scale=5,
                            autofocus=True,
                            max_length=MAX_QUESTION_CHARS,
                        )
                        ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                    gr.Markdown("**Examples** (click one to ask it)")
                    with gr.Row(elem_id="qa-examples"):
                        example_buttons = [(gr.Button(text, size="sm"), text) for text in EXAMPLES]
                    with gr.Accordion("Settings", open=False, elem_id="qa-settings"):
                        passages = gr.Slider(
                            minimum=1,
                            maximum=MAX_PASSAGES,
                            value=min(settings.top_k, MAX_PASSAGES),
                            step=1,
                            label="Passages consulted per question",
                            info="More passages can find answers in more places, but take longer.",
                            elem_id="qa-passages",
                        )
                with gr.Tab("Who said what", id="said", elem_id="qa-said-tab") as said_tab:
                    gr.Markdown(
                        "Everyone your documents quote, and what each said: in their "
                        "own words (quoted) or as the writer reports it."
                    )
                    speaker = gr.Dropdown(
                        choices=[],
                        value=None,
                        label="Speaker",
                        allow_custom_value=True,
                        filterable=True,
                        elem_id="qa-speaker",
                    )
                    said = gr.HTML(said_html(None, [], 1), elem_id="qa-said")
            with gr.Column(scale=2, min_width=280, elem_id="qa-sources-panel"):
                gr.Markdown("## Your documents")
                sources = gr.HTML(sources_html(library.rows()), elem_id="qa-sources")
                upload = gr.File(
                    label=(
                        f"Add documents ({suffixes}; up to "
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

        chat_io = {
            "fn": respond,
            "inputs": [question, chatbot, conversation, passages],
            "outputs": [chatbot, conversation, question],
            "api_visibility": "private",
        }
        question.submit(**chat_io)  # type: ignore[arg-type]
        ask_button.click(**chat_io)  # type: ignore[arg-type]
        for button, text in example_buttons:
            button.click(
                lambda text=text: text, None, question, queue=False, api_visibility="private"
            ).then(**chat_io)  # type: ignore[arg-type]
        clear.click(
            lambda: ([], [], ""),
            None,
            [chatbot, conversation, question],
            queue=False,
            api_visibility="private",
        )
        # The chat's own bin icon empties the chat; forget the conversation with it.
        chatbot.clear(
            lambda: ([], ""), None, [conversation, question], queue=False, api_visibility="private"
        )
        # The speaker list follows the index: on load, on opening its tab, after each change.
        speakers_io = {
            "fn": refresh_speakers,
            "inputs": [speaker],
            "outputs": [speaker, said],
            "api_visibility": "private",
        }
        upload.upload(
            on_upload,
            [upload],
            [sources, upload_status, remove_choice, upload],
            concurrency_limit=1,
            concurrency_id=INDEX_WRITES,
            show_progress="full",
            show_progress_on=[upload],
            api_visibility="private",
        ).then(**speakers_io)  # type: ignore[arg-type]
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
        confirm_button.click(
            on_remove,
            [remove_choice],
            [sources, remove_status, remove_choice, confirm_box, remove_button],
            concurrency_limit=1,
            concurrency_id=INDEX_WRITES,
            api_visibility="private",
        ).then(**speakers_io)  # type: ignore[arg-type]
        speaker.change(
            lambda name: who_said_what(qa.statements, name),
            [speaker],
            [said],
            api_visibility="private",
        )
        said_tab.select(**speakers_io)  # type: ignore[arg-type]
        app.load(refresh, None, [sources, remove_choice], api_visibility="private")
        app.load(**speakers_io)  # type: ignore[arg-type]
        gr.api(  # type: ignore[attr-defined]
            ask, api_name="ask", concurrency_limit=ANSWER_CONCURRENCY
        )
    app.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=256)
    return app  # type: ignore[no-any-return]


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch``: address, upload limit, file access, look.

    Gradio then serves no file of ours: the index, the uploads folder and the document
    folders are blocked outright, and nothing is added to the files it may serve.
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
    }


def serve(settings: Settings) -> None:
    """Warm up the pipeline and serve the page until interrupted."""
    qa = QA(settings)
    qa.warm_up()
    app = build_app(qa, settings)
    app.launch(**launch_options(settings))
