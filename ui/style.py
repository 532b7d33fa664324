"""The page's look (one system font stack, readable contrast, a phone layout) and its script."""

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
@media (max-width: 720px) {
  .qa-jump { display: inline-block; margin-top: 0.3em; }
  #qa-chat { height: auto !important; min-height: 140px; max-height: 62vh; }
  table.qa-sources { font-size: 0.85em; }
}
"""

# The page's script, run once on load:
# - Gradio labels each chat message with its raw content, which for our answers is HTML
#   markup a screen reader would read aloud; the labels are dropped so the text is read.
# - The upload area's name is made to hold the words it shows (axe's
#   label-content-name-mismatch; WCAG 2.5.3, label in name).
# - A source marker [n] opens its source and brings it into view.
# - "Copy answer" puts the answer and its sources on the clipboard.
# - When an answer arrives, the chat scrolls to where it begins (its question, or its first
#   line when both do not fit), never to the bottom of a long passage.
SCRIPT = """
() => {
  const unlabel = () => {
    const messages = "#qa-chat [data-testid='bot'], #qa-chat [data-testid='user']";
    document
      .querySelectorAll(messages)
      .forEach((node) => node.removeAttribute("aria-label"));
    // Gradio names the upload area "Click to upload or drop files" while it shows "Drop File
    // Here - or - Click to Upload": a voice-control user says what they see. Its name becomes
    // the words shown, then what the area is for (the component's label).
    document.querySelectorAll("#qa-upload .upload-container").forEach((area) => {
      const shown = area.textContent.replace(/\\s+/g, " ").trim();
      const label = document.querySelector("#qa-upload [data-testid='block-label']");
      const name = label ? `${shown}: ${label.textContent.trim()}` : shown;
      if (shown && area.getAttribute("aria-label") !== name) area.setAttribute("aria-label", name);
    });
  };
  const scroller = (node) => {
    for (let at = node.parentElement; at; at = at.parentElement) {
      const overflow = getComputedStyle(at).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && at.scrollHeight > at.clientHeight) {
        return at;
      }
    }
    return null;
  };
  const seen = new WeakSet();
  const showStart = () => {
    const answers = document.querySelectorAll("#qa-chat .qa-message");
    const fresh = [...answers].filter((node) => !seen.has(node));
    fresh.forEach((node) => seen.add(node));
    const last = answers[answers.length - 1];
    if (!last || !fresh.includes(last)) return;
    const first = last.querySelector(".qa-short") || last;
    const questions = document.querySelectorAll("#qa-chat .qa-question");
    const question = questions[questions.length - 1];
    const box = scroller(last);
    if (box) {
      const top = box.getBoundingClientRect().top;
      const firstTop = first.getBoundingClientRect().top;
      const questionTop = question ? question.getBoundingClientRect().top : firstTop;
      // The question too, when it fits above the answer's first line.
      const from = firstTop - questionTop < box.clientHeight / 2 ? questionTop : firstTop;
      box.scrollTop += from - top - 8;
    }
    const rect = first.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) {
      first.scrollIntoView({ block: "center" });
    }
  };
  const observer = new MutationObserver(() => {
    unlabel();
    requestAnimationFrame(showStart);
  });
  observer.observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
  });
  unlabel();
  const copy = async (button) => {
    const message = button.closest(".qa-message");
    const lines = message ? message.querySelectorAll(".qa-copy-text .qa-copy-line") : [];
    const value = [...lines].map((line) => line.textContent).join("\\n");
    try {
      await navigator.clipboard.writeText(value);
    } catch (error) {
      const area = document.createElement("textarea");
      area.value = value;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy answer"; }, 2000);
  };
  document.addEventListener("click", (event) => {
    const marker = event.target.closest("a.qa-cite");
    if (marker) {
      event.preventDefault();
      event.stopPropagation();
      const target = (marker.getAttribute("href") || "").slice(1);
      const source = target ? document.getElementById(target) : null;
      if (source) {
        source.open = true;
        source.scrollIntoView({ block: "nearest" });
        source.querySelector("summary").focus({ preventScroll: true });
      }
      return;
    }
    const button = event.target.closest("button.qa-copy");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  }, true);
}
"""
