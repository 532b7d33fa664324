"""The page's style sheet (readable highlights, a phone layout) and its one small script."""

CSS = """
.qa-message p { margin: 0.3em 0; }
.qa-short { font-size: 1.1em; }
mark.qa-answer {
  background: #ffe866; color: #1a1a1a; font-weight: 600;
  padding: 0 0.15em; border-radius: 2px; outline: 1px solid #8a6d00;
}
.qa-marker { font-weight: 400; font-size: 0.85em; color: #5c4800; }
.qa-sentence { text-decoration: underline dotted; text-underline-offset: 0.2em; }
details.qa-citation, details.qa-related {
  border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: 0.3em 0.6em; margin: 0.4em 0;
}
#qa-chat details.qa-citation > summary, #qa-chat details.qa-related > summary {
  cursor: pointer; font-size: 1em !important; font-weight: 400 !important;
}
details > summary:focus-visible { outline: 3px solid var(--color-accent); outline-offset: 2px; }
.qa-number { font-weight: 700; }
.qa-title { font-weight: 600; overflow-wrap: anywhere; }
.qa-where, .qa-meta, .qa-file { color: var(--body-text-color-subdued); font-size: 0.9em; }
blockquote.qa-passage {
  margin: 0.4em 0; padding: 0.2em 0 0.2em 0.7em;
  border-left: 3px solid var(--border-color-accent); overflow-wrap: anywhere;
}
table.qa-sources { width: 100%; border-collapse: collapse; font-size: 0.92em; }
table.qa-sources caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
table.qa-sources th, table.qa-sources td {
  text-align: left; vertical-align: top; padding: 0.3em 0.4em;
  border-bottom: 1px solid var(--border-color-primary);
}
table.qa-sources th[scope="row"] { font-weight: 400; overflow-wrap: anywhere; }
.qa-status ul { margin: 0.3em 0; padding-left: 1.2em; }
.qa-status.qa-error { color: var(--error-text-color, #b00020); }
@media (max-width: 640px) {
  #qa-chat { height: 70vh !important; }
  table.qa-sources { font-size: 0.85em; }
}
"""

# Gradio labels each chat message with its raw content, which for our answers is HTML
# markup; a screen reader would read the tags aloud. Drop those labels so the message's
# own text is what gets read.
SCRIPT = """
() => {
  const unlabel = () => {
    const messages = "#qa-chat [data-testid='bot'], #qa-chat [data-testid='user']";
    document
      .querySelectorAll(messages)
      .forEach((node) => node.removeAttribute("aria-label"));
  };
  new MutationObserver(unlabel).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
  });
  unlabel();
}
"""
