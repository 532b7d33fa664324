"""Statement extraction against hand labels: precision, recall, speaker accuracy.

Usage:
    .venv/bin/python benchmarks/statement_extraction.py [--set news_dev|news_train] [--show]

Two label files (guideline in ``statement_labels.md``) hold attributed statements as character
spans; the articles stay in ``../shared``:
- ``statement_labels.json``: 15 ``news_dev`` articles (``--set news_dev``, the default);
- ``statement_labels_news_train.json``: 16 articles of the fitting half of ``news_train``
  (``--set news_train``), with organisations' statements labelled too (``speaker_kind``).
Each article is cleaned and cut into sentences exactly as the index does, and the index's
extractor (``index.statements.extraction``) is run on it.

- A labelled statement is **found** when one extracted statement covers at least half of its
  characters (recall = found / labelled).
- An extracted statement is **right** when at least half of its characters lie inside
  labelled statements of its article (precision = right / extracted).
- The **speaker is right** when the extracted statement that covers a found label names the
  same person: the same words, ignoring case and titles ("Mr", "Dr").

Precision, recall and speaker accuracy are of people's statements: an extracted statement an
organisation makes is scored apart (found when it covers half of an organisation's labelled
statement). For ``news_dev`` figures are printed for all 15 articles, for the 10 never looked
at while the extractor was built, and for the 5 development articles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.sources.documents import Document  # noqa: E402
from index.statements.extraction import StatementExtractor  # noqa: E402
from index.statements.statement import Statement  # noqa: E402
from index.text.chunking import ChunkingConfig  # noqa: E402
from index.update.reading import make_record  # noqa: E402

LABEL_SETS = {
    "news_dev": (Path(__file__).with_name("statement_labels.json"), "news_dev/docs"),
    "news_train": (
        Path(__file__).with_name("statement_labels_news_train.json"),
        "news_train/docs",
    ),
}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "baroness", "dame", "prof"}


def _person(name: str) -> tuple[str, ...]:
    words = [w.strip(".,").lower() for w in name.split()]
    return tuple(w for w in words if w not in _TITLES)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _kind(item: dict | Statement) -> str:
    if isinstance(item, dict):
        return str(item.get("speaker_kind", "person"))
    return getattr(item, "kind", "person")


def score(
    gold: list[dict],
    found: dict[str, tuple[Statement, ...]],
    show: bool = False,
    texts: dict[str, str] | None = None,
) -> dict[str, float]:
    """Precision, recall and speaker accuracy of people's statements in ``found`` against
    the ``gold`` labels, and the recall of organisations' labelled statements."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for label in gold:
        by_doc[label["doc"]].append(label)
    labelled = extracted = right = recalled = speaker_right = 0
    organisations = organisations_found = 0
    for doc, labels in by_doc.items():
        everyone = found[doc]
        statements = [s for s in everyone if _kind(s) == "person"]
        extracted += len(statements)
        spans = [(g["start"], g["end"]) for g in labels]
        for statement in statements:
            span = (statement.start, statement.end)
            inside = sum(_overlap(span, g) for g in spans)
            if 2 * inside >= span[1] - span[0]:
                right += 1
            elif show and texts:
                print(f"  extra  {doc} {statement.speaker!r}: {texts[doc][span[0] : span[1]]!r}")
        for label in labels:
            span = (label["start"], label["end"])
            if _kind(label) != "person":
                organisations += 1
                organisations_found += any(
                    2 * _overlap(span, (s.start, s.end)) >= span[1] - span[0]
                    and _kind(s) != "person"
                    for s in everyone
                )
                continue
            cover = max(statements, key=lambda s: _overlap(span, (s.start, s.end)), default=None)
            labelled += 1
            if cover is None or 2 * _overlap(span, (cover.start, cover.end)) < span[1] - span[0]:
                if show and texts:
                    print(f"  missed {doc} {label['speaker']!r}: {texts[doc][span[0] : span[1]]!r}")
                continue
            recalled += 1
            if _person(cover.speaker) == _person(label["speaker"]):
                speaker_right += 1
            elif show:
                print(f"  speaker {doc}: {cover.speaker!r} for {label['speaker']!r}")
    return {
        "articles": len(by_doc),
        "labelled": labelled,
        "extracted": extracted,
        "precision": right / extracted if extracted else 0.0,
        "recall": recalled / labelled if labelled else 0.0,
        "speaker_right": speaker_right / recalled if recalled else 0.0,
        "organisations": organisations,
        "organisations_found": organisations_found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(LABEL_SETS), default="news_dev")
    parser.add_argument("--docs", type=Path, help="the articles' folder (default: in ../shared)")
    parser.add_argument(
        "--show", action="store_true", help="print the errors in the development articles"
    )
    args = parser.parse_args()
    labels_file, docs_folder = LABEL_SETS[args.set]
    docs = args.docs or ROOT.parent / "shared/eval" / docs_folder
    data = json.loads(labels_file.read_text(encoding="utf-8"))
    gold = data["statements"]
    texts, found = {}, {}
    extractor = StatementExtractor()
    for doc in sorted({g["doc"] for g in gold}):
        raw = (docs / doc).read_bytes()
        text = raw.decode("utf-8")
        record = make_record(
            Document(doc, doc, doc, text, hashlib.sha256(raw).hexdigest(), len(raw)),
            ChunkingConfig(),
        )
        texts[doc] = text
        found[doc] = extractor.extract(text, record.sentences).statements
    for label in gold:
        span = texts[label["doc"]][label["start"] : label["end"]]
        if hashlib.sha1(span.encode()).hexdigest()[:12] != label["sha1"]:
            raise SystemExit(f"{label['doc']} is not the labelled text (span {label['start']})")
    articles = len({g["doc"] for g in gold})
    # news_dev names the articles looked at while the extractor was built; news_train is
    # the fitting half, all of it open to development.
    development = set(data.get("development", {g["doc"] for g in gold}))
    subsets = [(f"all {articles} articles", gold)]
    held_out = [g for g in gold if g["doc"] not in development]
    if held_out:
        held = len({g["doc"] for g in held_out})
        subsets += [
            (f"{held} held-out articles", held_out),
            (
                f"{articles - held} development articles",
                [g for g in gold if g["doc"] in development],
            ),
        ]
    for name, subset in subsets:
        if args.show and (name.endswith("development articles") or not held_out):
            # Only the development articles' errors are shown: the others stay unseen.
            print("errors in the development articles:")
            score(subset, found, show=True, texts=texts)
        figures = score(subset, found)
        organisations = (
            f"; organisations' statements found {figures['organisations_found']}"
            f"/{figures['organisations']}"
            if figures["organisations"]
            else ""
        )
        print(
            f"{name}: {figures['labelled']} labelled, {figures['extracted']} extracted; "
            f"precision {figures['precision']:.3f}, recall {figures['recall']:.3f}, "
            f"speaker right {figures['speaker_right']:.3f}{organisations}"
        )


if __name__ == "__main__":
    main()
