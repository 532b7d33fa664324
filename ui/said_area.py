"""The page's Who said what tab: the speaker list and the chosen speaker's statements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from qa import QA
from ui.who_said_what import about_html, said_html, speaker_choices, who_said_what


@dataclass(frozen=True)
class SaidTab:
    """What other parts of the page wire to: the tab, and how to refresh it.

    Attributes:
        tab: The tab (refreshed when opened).
        refresh: Event keywords (``fn``, ``inputs``, ``outputs``) that fill the speaker list
            from the live index and show the chosen speaker's statements again.
    """

    tab: gr.Tab
    refresh: dict[str, Any]


def said_tab(qa: QA) -> SaidTab:
    """Lay out the Who said what tab inside the current ``gr.Tabs`` and wire its events."""

    def refresh_speakers(current: str | None) -> tuple[Any, str]:
        # After the index changes the chosen speaker stays chosen while anyone is still
        # called so, and their statements are shown again from the new index.
        store = qa.statements
        kept = current if current and store.match(current) else None
        count = len(store.speakers())
        people = len(store.speakers("person"))
        organisations = count - people
        info = (
            f"{people} {'person is' if people == 1 else 'people are'} quoted in your documents"
            + (
                f", and {organisations} organisation{'s' if organisations != 1 else ''}"
                if organisations
                else ""
            )
            + ". Type to filter, or type part of a name (a surname), a title or a role to "
            "see everyone it can mean."
        )
        chosen = gr.update(choices=speaker_choices(store), value=kept, info=info)
        return chosen, who_said_what(store, kept)

    with gr.Tab("Who said what", id="said", elem_id="qa-said-tab") as tab:
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
        with gr.Row(equal_height=True):
            topic = gr.Textbox(
                label="Who said what about…",
                placeholder="A topic, for example: nuclear talks",
                elem_id="qa-topic",
                scale=5,
                max_length=200,
            )
            find = gr.Button("Find", scale=1, elem_id="qa-topic-find")
        about = gr.HTML("", elem_id="qa-about")
    about_io = {
        "fn": lambda words: (
            about_html(words, qa.said_about(words), qa.statements)
            if words and words.strip()
            else ""
        ),
        "inputs": [topic],
        "outputs": [about],
        "api_visibility": "private",
    }
    topic.submit(**about_io)  # type: ignore[arg-type]
    find.click(**about_io)  # type: ignore[arg-type]
    speaker.change(
        lambda name: who_said_what(qa.statements, name),
        [speaker],
        [said],
        api_visibility="private",
    )
    # The speaker list follows the index: on load, on opening its tab, after each change.
    refresh = {
        "fn": refresh_speakers,
        "inputs": [speaker],
        "outputs": [speaker, said],
        "api_visibility": "private",
    }
    tab.select(**refresh)
    return SaidTab(tab, refresh)
