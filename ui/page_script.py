"""The page's script, run once on load (``launch(js=SCRIPT)``).

- Gradio labels each chat message with its raw content, which for our answers is HTML markup
  a screen reader would read aloud; the labels are dropped so the text is read.
- The upload area's name is made to hold the words it shows (axe's
  label-content-name-mismatch; WCAG 2.5.3, label in name).
- A source marker [n], or a source's heading, opens the source and scrolls so that its marked
  answer is in view, in the chat and in the window.
- "Copy answer" and "Copy with citation" put their hidden lines on the clipboard.
- When an answer arrives, the chat scrolls to where it begins (its question, or its first line
  when both do not fit), never to the bottom of a long passage.
- ``window.qaPage`` moves the focus after actions: back to the button that opened a removal
  question or a document, to a status message, to the question box.
"""

SCRIPT = """
() => {
  const page = {
    opener: null,
    focus(selector) {
      const node = document.querySelector(selector);
      if (node) node.focus();
    },
    returnFocus(fallback) {
      if (this.opener && this.opener.isConnected && this.opener.offsetParent !== null) {
        this.opener.focus();
      } else if (fallback) {
        this.focus(fallback);
      }
    },
    // On a phone the listing is below the speaker list: bring its heading into view.
    showListing() {
      const heading = document.querySelector("#qa-said .qa-said-heading, #qa-said .qa-said-empty");
      if (heading && window.innerWidth <= 720) heading.scrollIntoView({ block: "start" });
    },
    // An opened document: the focus on its heading, its marked statement in view; closed,
    // the focus back on the button that opened it.
    documentShown(element) {
      const view = element.querySelector(".qa-document-view");
      if (!view) {
        this.returnFocus("#qa-said .qa-said-heading");
        return;
      }
      const box = view.querySelector(".qa-document-text");
      const mark = view.querySelector("#qa-document-mark");
      if (box && mark) {
        const top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
        box.scrollTop += top - box.clientHeight / 3;
      }
      const heading = view.querySelector("h2");
      if (heading) heading.focus({ preventScroll: true });
    },
  };
  window.qaPage = page;
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
  // The source's heading at the top of the chat when its mark fits below it; else the mark
  // in the middle. Then the window, when the mark is outside it.
  const revealMark = (source) => {
    const mark = source.querySelector("mark.qa-answer");
    const summary = source.querySelector("summary");
    if (!mark || !summary) return;
    const box = scroller(source);
    if (box) {
      const edge = box.getBoundingClientRect();
      const head = summary.getBoundingClientRect();
      const marked = mark.getBoundingClientRect();
      let delta = head.top - edge.top - 8;
      if (marked.bottom - delta > edge.bottom - 8) {
        delta = marked.top - edge.top - Math.max(8, (box.clientHeight - marked.height) / 2);
      }
      box.scrollTop += delta;
    }
    const rect = mark.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) {
      mark.scrollIntoView({ block: rect.height > window.innerHeight / 2 ? "start" : "center" });
    }
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
    const holder = button.closest(".qa-message, .qa-statement");
    const lines = holder ? holder.querySelectorAll(".qa-copy-text .qa-copy-line") : [];
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
      button.focus();
    }
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
  };
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("button.qa-open-document, button.qa-remove-row");
    if (opener) page.opener = opener;
    const marker = event.target.closest("a.qa-cite");
    if (marker) {
      event.preventDefault();
      event.stopPropagation();
      const target = (marker.getAttribute("href") || "").slice(1);
      const source = target ? document.getElementById(target) : null;
      if (source) {
        source.open = true;
        source.querySelector("summary").focus({ preventScroll: true });
        requestAnimationFrame(() => revealMark(source));
      }
      return;
    }
    const summary = event.target.closest("details.qa-citation > summary");
    if (summary) {
      const source = summary.parentElement;
      setTimeout(() => { if (source.open) revealMark(source); }, 0);
    }
    const button = event.target.closest("button.qa-copy");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  }, true);
}
"""
