"""The page's Ask tab: the chat, the question box, the examples and the passages setting."""

from __future__ import annotations

import uuid
from typing import Any

import gradio as gr

from qa import QA, Settings
from qa.pipeline import MAX_QUESTION_CHARS, QuestionError
from ui.formatting import answer_html, question_html

# Questions the seed article answers with confidence: a quote, a name, another quote.
EXAMPLES = (
    "What did Larijani say?",
    "Who reported from Tehran for Al Jazeera?",
    "What did Trump say?",
)
MAX_PASSAGES = 20
_FOCUS_QUESTION = "() => window.qaPage && window.qaPage.focus('#qa-question textarea')"

Message = dict[str, Any]


def ask_tab(qa: QA, settings: Settings) -> None:
    """Lay out the Ask tab inside the current ``gr.Tabs`` and wire its events.

    Args:
        qa: The pipeline every question goes to.
        settings: The default passages per question (``top_k``).
    """

    def respond(
        question: str, chat: list[Message], conversation: list[Message], passages: float
    ) -> tuple[list[Message], list[Message], str]:
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question about your documents first.")
            return chat, conversation, ""
        try:
            answer = qa.answer(question, history=conversation, k=int(passages))
        except QuestionError as exc:
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

    with gr.Tab("Ask", id="ask", elem_id="qa-ask-tab"):
        conversation = gr.State([])
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
            # Short while empty, so the question box and the examples are on the first screen;
            # it grows with the conversation, up to what leaves the question box in view.
            height=None,
            min_height=110,
            max_height="max(320px, calc(100vh - 330px))",
            autoscroll=False,
            latex_delimiters=[],
            feedback_options=None,
            buttons=[],
            placeholder="Ask a question about your documents, or pick an example below.",
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

    chat_io = {
        "fn": respond,
        "inputs": [question, chatbot, conversation, passages],
        "outputs": [chatbot, conversation, question],
        "api_visibility": "private",
        # Gradio's full progress covers the chat with a grey layer and a timer.
        "show_progress": "minimal",
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
    ).then(None, js=_FOCUS_QUESTION)
    # The chat's own bin icon empties the chat; forget the conversation with it.
    chatbot.clear(
        lambda: ([], ""), None, [conversation, question], queue=False, api_visibility="private"
    )


def ask_endpoint(qa: QA) -> Any:
    """The ``/ask`` API function: the Python API's answer as a dict, for ``gradio_client``."""

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
        if passages is not None and not 1 <= passages <= MAX_PASSAGES:
            raise gr.Error(f"passages must be between 1 and {MAX_PASSAGES}")
        try:
            return qa.answer(question, history=history or [], k=passages).to_dict()
        except QuestionError as exc:
            raise gr.Error(str(exc)) from exc

    return ask
