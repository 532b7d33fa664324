"""The page's look: one system font stack, readable contrast, visible focus, a phone layout."""

import gradio as gr

# One font family for every weight. Gradio's bundled Source Sans subset lacks most glyphs
# in its semibold face, so bold text came out in two fonts; the system's own sans-serif
# font has them all and needs no download.
FONT_STACK = (
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Noto Sans",
    "Liberation Sans",
    "DejaVu Sans",
    "Arial",
    "sans-serif",
)
MONO_STACK = (
    "ui-monospace",
    "SFMono-Regular",
    "Menlo",
    "Consolas",
    "DejaVu Sans Mono",
    "monospace",
)


def theme() -> gr.themes.Base:
    """Gradio's default theme with the system font stack and a darker subdued text colour."""
    return gr.themes.Default(font=FONT_STACK, font_mono=MONO_STACK).set(
        # The default subdued grey is about 1.6:1 on white; this one is above 7:1.
        body_text_color_subdued="#4b5563",
        body_text_color_subdued_dark="#d1d5db",
        # White on the default orange is 2.8:1; on orange-700 it is 5.2:1.
        button_primary_background_fill="#c2410c",
        button_primary_background_fill_hover="#9a3412",
        button_primary_background_fill_dark="#c2410c",
        button_primary_background_fill_hover_dark="#9a3412",
        button_primary_text_color="#ffffff",
        # White on the default red (#ef4444) is 3.8:1; on red-700 it is 6.5:1.
        button_cancel_background_fill="#b91c1c",
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_background_fill_dark="#b91c1c",
        button_cancel_background_fill_hover_dark="#991b1b",
        button_cancel_text_color="#ffffff",
        button_cancel_text_color_dark="#ffffff",
    )


CSS = """
.qa-header h1 { margin: 0 0 0.2em; font-size: 1.6em; }
.qa-header p { margin: 0.2em 0; }
.qa-jump { display: none; }
.qa-message p { margin: 0.3em 0; }
/* The panel layout draws answers at 80% opacity, which greys their text below 4.5:1. */
#qa-chat .message-content .prose { opacity: 1 !important; }
.qa-short { font-size: 1.1em; }
a.qa-cite {
  font-size: 0.8em; vertical-align: super; line-height: 0; margin-left: 0.15em;
  color: #1d4ed8; text-decoration: none; font-weight: 600;
}
a.qa-cite:hover, a.qa-cite:focus-visible { text-decoration: underline; }
a.qa-cite:focus-visible, .qa-copy:focus-visible {
  outline: 3px solid var(--color-accent); outline-offset: 2px;
}
.dark a.qa-cite { color: #93c5fd; }
.qa-copy {
  font: inherit; font-size: 0.85em; margin-left: 0.6em; padding: 0.1em 0.6em; cursor: pointer;
  border: 1px solid var(--border-color-primary); border-radius: 4px;
  background: var(--background-fill-primary); color: var(--body-text-color);
}
.qa-copy-text { display: none; }
mark.qa-answer {
  background: #ffe866; color: #1a1a1a; font-weight: 700;
  padding: 0 0.15em; border-radius: 2px; outline: 1px solid #8a6d00;
}
.qa-marker { font-weight: 400; font-size: 0.85em; color: #4a3a00; }
.qa-sentence { text-decoration: underline dotted; text-underline-offset: 0.2em; }
details.qa-citation, details.qa-related {
  border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: 0.3em 0.6em; margin: 0.4em 0;
}
details.qa-citation:target { border-color: var(--color-accent); }
#qa-chat details.qa-citation > summary, #qa-chat details.qa-related > summary {
  cursor: pointer; font-size: 1em !important; font-weight: 400 !important;
}
details > summary:focus-visible { outline: 3px solid var(--color-accent); outline-offset: 2px; }
.qa-number { font-weight: 700; }
.qa-title { font-weight: 700; overflow-wrap: anywhere; }
.qa-heading-sentence { overflow-wrap: anywhere; }
.qa-where, .qa-meta, .qa-file { color: var(--body-text-color-subdued); font-size: 0.9em; }
blockquote.qa-passage {
  margin: 0.4em 0; padding: 0.2em 0 0.2em 0.7em;
  border-left: 3px solid var(--border-color-accent); overflow-wrap: anywhere;
}
table.qa-sources { width: 100%; border-collapse: collapse; font-size: 0.92em; }
table.qa-sources caption { text-align: left; font-weight: 700; padding-bottom: 0.3em; }
table.qa-sources th, table.qa-sources td {
  text-align: left; vertical-align: top; padding: 0.3em 0.4em;
  border-bottom: 1px solid var(--border-color-primary);
}
table.qa-sources th[scope="row"] { font-weight: 400; overflow-wrap: anywhere; }
/* The chosen tab's name in orange-700 (5.2:1 on white), not the accent orange (2.8:1). */
#qa-tabs button[role="tab"][aria-selected="true"] { color: #c2410c; }
.dark #qa-tabs button[role="tab"][aria-selected="true"] { color: var(--color-accent); }
/* Who said what: each statement is labelled in words as quoted or reported. */
.qa-said p { margin: 0.3em 0; }
.qa-said-heading { font-size: 1.15em; margin: 0.5em 0 0.2em; }
ol.qa-statements { margin: 0.4em 0; padding-left: 1.6em; }
li.qa-statement { margin: 0.5em 0 0.9em; }
/* Gradio's prose styles run a list item's paragraphs together on one line. */
#qa-said li.qa-statement > p { display: block; }
.qa-said-text { overflow-wrap: anywhere; }
.qa-speaker { font-weight: 700; }
.qa-kind {
  display: inline-block; margin-right: 0.3em; padding: 0 0.4em; border-radius: 3px;
  border: 1px solid currentColor; font-size: 0.8em; font-weight: 700;
}
.qa-kind.qa-quoted { color: #1e3a8a; background: #dbeafe; }
.qa-kind.qa-reported { color: #374151; background: #f3f4f6; }
.dark .qa-kind.qa-quoted { color: #dbeafe; background: #1e3a8a; }
.dark .qa-kind.qa-reported { color: #f3f4f6; background: #374151; }
#qa-said details.qa-citation > summary { cursor: pointer; }
.qa-status ul { margin: 0.3em 0; padding-left: 1.2em; }
.qa-status.qa-error { color: var(--error-text-color, #b00020); }
.qa-confirm { border: 1px solid var(--error-border-color, #b00020); border-radius: 6px; }
/* One way to start over: the "New conversation" button (the chat's own bin icon is hidden). */
#qa-chat button[aria-label="Clear"] { display: none; }
#qa-clear-row { justify-content: flex-end; }
#qa-clear { flex-grow: 0; min-width: fit-content; }
/* Progress in the page's own font, not the theme's monospace. */
#qa-upload .progress-level-inner, #qa-upload .progress-text, #qa-upload .meta-text,
#qa-upload .meta-text-center { font-family: var(--font) !important; }
/* Focus: a 3px ring, 6.7:1 on white (a light border alone is about 1.8:1), on every control.
   No commas inside brackets anywhere here: Gradio splits each selector list at its commas. */
.gradio-container button:focus-visible, .gradio-container a:focus-visible,
.gradio-container summary:focus-visible, .gradio-container input:focus-visible,
.gradio-container textarea:focus-visible, .gradio-container select:focus-visible,
.gradio-container [tabindex]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important;
  /* At once: Gradio's buttons would fade the ring in from white. */
  transition: none !important;
}
.dark .gradio-container button:focus-visible, .dark .gradio-container a:focus-visible,
.dark .gradio-container summary:focus-visible, .dark .gradio-container input:focus-visible,
.dark .gradio-container textarea:focus-visible, .dark .gradio-container select:focus-visible,
.dark .gradio-container [tabindex]:focus-visible {
  outline-color: #93c5fd !important;
}
/* Index changes and Who said what say in words what they wait for and do: none of Gradio's
   figures ("queue: 1/1 | 13.1/4.9s") over them. */
#qa-sources-panel [data-testid="status-tracker"] { display: none !important; }
#qa-said-tab [data-testid="status-tracker"] { display: none !important; }
/* Nothing of Gradio's over the text: no round "scroll down" button in the chat. */
#qa-chat .scroll-down-button-container { display: none !important; }
.qa-hidden-text {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;
}
/* Small buttons inside our HTML: copy, open, remove. */
.qa-actions button, button.qa-remove-row {
  font: inherit; font-size: 0.85em; padding: 0.1em 0.6em; cursor: pointer; margin-right: 0.4em;
  border: 1px solid #6b7280; border-radius: 4px;
  background: var(--background-fill-primary); color: var(--body-text-color);
}
.qa-actions .qa-copy { margin-left: 0; }
button.qa-link {
  font: inherit; border: none; background: none; padding: 0; cursor: pointer;
  color: #1d4ed8; text-decoration: underline; text-align: left;
}
.dark button.qa-link { color: #93c5fd; }
/* The documents: a table that fits its column, scrolling inside itself when long. */
#qa-sources { max-height: 28rem; overflow-y: auto !important; }
/* An empty status takes no room. */
#qa-remove-status:not(:has(.qa-status)) { display: none; }
#qa-upload-status:not(:has(.qa-status)):not(:has(.qa-progress)) { display: none; }
table.qa-sources thead th {
  position: sticky; top: 0; background: var(--background-fill-primary); z-index: 1;
}
table.qa-sources th[scope="row"] { overflow-wrap: break-word; word-break: normal; }
table.qa-sources .qa-size { color: var(--body-text-color-subdued); font-size: 0.9em; }
td.qa-added { white-space: nowrap; }
td.qa-added .qa-time { display: block; color: var(--body-text-color-subdued); font-size: 0.9em; }
td.qa-row-action { text-align: right; width: 1%; }
#qa-docs-pages button { flex-grow: 0; min-width: fit-content; }
.qa-progress progress {
  width: 100%; height: 0.8em; appearance: none; border: none; border-radius: 4px;
  background: #e5e7eb; overflow: hidden;
}
.qa-progress progress::-webkit-progress-bar { background: #e5e7eb; }
.qa-progress progress::-webkit-progress-value { background: #1d4ed8; }
.qa-progress progress::-moz-progress-bar { background: #1d4ed8; }
.qa-progress-words { margin: 0.2em 0; }
/* Who said what: the speakers in a list that scrolls, one a line. */
#qa-speaker .wrap {
  flex-direction: column; flex-wrap: nowrap; max-height: 24rem; overflow-y: auto;
  padding: 4px; gap: 2px;
}
#qa-speaker .wrap label { width: 100%; }
/* The view's choices as small chips, several to a line. */
#qa-speaker-kind .wrap, #qa-speaker-order .wrap, #qa-said-filter .wrap { gap: 4px; }
#qa-speaker-kind label, #qa-speaker-order label, #qa-said-filter label { padding: 2px 8px; }
.qa-said-document { margin-top: 0.8em; }
.qa-paragraph-group {
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.1em 0.7em 0.4em;
  margin: 0.5em 0;
}
.qa-paragraph-group li.qa-statement { margin: 0.4em 0 0.6em; }
.qa-paragraph-label { margin: 0.3em 0 0 !important; }
.qa-paragraph-group blockquote.qa-paragraph { margin-top: 0.2em !important; }
.qa-document-heading { font-size: 1em !important; margin: 0.5em 0 0.2em !important; }
.qa-count { font-weight: 400; color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-about-name { font-size: 1.1em !important; margin: 0.8em 0 0.2em !important; }
ul.qa-also { margin: 0.1em 0 0.3em; padding-left: 1.2em; }
/* A document opened from a statement: over the page, its statement in view. */
.qa-document-view {
  position: fixed; inset: 0; z-index: 1000; display: flex; align-items: center;
  justify-content: center; padding: 3vh 3vw; background: rgba(17, 24, 39, 0.55);
}
.qa-document-box {
  display: flex; flex-direction: column; width: 100%; max-width: 52rem; max-height: 94vh;
  padding: 0.8em 1.2em 1em; border-radius: 8px; background: var(--background-fill-primary);
  color: var(--body-text-color); box-shadow: 0 10px 30px rgba(0, 0, 0, 0.35);
}
.qa-document-top {
  display: flex; align-items: flex-start; justify-content: space-between; gap: 1em;
}
.qa-document-top h2 { font-size: 1.2em; margin: 0.2em 0; }
.qa-document-close {
  font: inherit; padding: 0.2em 0.9em; cursor: pointer; border: 1px solid #6b7280;
  border-radius: 4px; background: var(--background-fill-primary); color: var(--body-text-color);
}
.qa-document-text {
  flex: 1; overflow-y: auto; line-height: 1.55; overflow-wrap: break-word; padding: 0.2em 0.4em;
  border-top: 1px solid var(--border-color-primary);
}
mark.qa-answer { scroll-margin: 3em; }
@media (max-width: 720px) {
  .qa-jump { display: inline-block; margin-top: 0.3em; }
  #qa-chat { height: auto !important; min-height: 110px; max-height: 62vh; }
  table.qa-sources { font-size: 0.85em; }
  #qa-speaker .wrap { max-height: 16rem; }
  .qa-document-view { padding: 0; }
  .qa-document-box { max-height: 100vh; height: 100%; border-radius: 0; }
}
"""
