"""The Gradio chat page: ask questions of the indexed documents and see the cited evidence."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from qa import QA, EmptyQuestionError, Settings
from ui.formatting import answer_markdown

logger = logging.getLogger(__name__)

EXAMPLES = ["What did Larijani say?", "Who is Ali Larijani?", "When did Trump speak to Axios?"]


def build_app(qa: QA) -> gr.Blocks:
    """The page for one pipeline; ``qa`` must already be warmed up or will warm on first use.

    Args:
        qa: The pipeline every question goes to.

    Returns:
        The Gradio Blocks app (not launched).
    """

    def respond(message: str, history: list[dict[str, Any]]) -> str:
        try:
            answer = qa.answer(message, history=history)
        except EmptyQuestionError as exc:
            return str(exc)
        return answer_markdown(answer)

    def ask(question: str) -> dict[str, Any]:
        return qa.answer(question).to_dict()

    with gr.Blocks(title="Ask your documents") as app:
        gr.Markdown(
            "# Ask your documents\nEvery answer is copied from your documents, with sources."
        )
        gr.ChatInterface(respond, examples=EXAMPLES, api_name="chat")
        with gr.Row(visible=False):
            question = gr.Textbox()
            result = gr.JSON()
        question.submit(ask, question, result, api_name="ask")
    return app  # type: ignore[no-any-return]


def serve(settings: Settings) -> None:
    """Warm up the pipeline and serve the page until interrupted."""
    qa = QA(settings)
    qa.warm_up()
    app = build_app(qa)
    app.queue(default_concurrency_limit=2)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        allowed_paths=[],
        footer_links=["api"],
    )
