"""The ``qa`` command: flags become Settings; the pipeline in ``qa`` does the work."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from index import (
    INDEX_ENGINES,
    STORE_KINDS,
    BuildReport,
    IndexLockedError,
    ProgressCallback,
    QaIndexError,
)
from qa import QA, EmptyQuestionError, Settings
from qa.confidence import confidence_words
from ui.eval_command import run_eval
from ui.progress_bar import ProgressBar


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(os.environ)
    changes: dict[str, object] = {}
    if getattr(args, "index_dir", None):
        changes["index_dir"] = Path(args.index_dir)
    if getattr(args, "index_dir", None) or os.environ.get("QA_INDEX_DIR"):
        # An index folder named on purpose (perhaps mistyped) is never filled with the
        # sample: without an index there, a question gets the message `qa docs` gives.
        changes["build_missing_index"] = False
    if getattr(args, "top_k", None):
        changes["top_k"] = args.top_k
    if getattr(args, "reader_model", None):
        changes["reader_model_path"] = Path(args.reader_model)
    for name in ("vector_store", "milvus_uri", "milvus_collection", "milvus_index"):
        if getattr(args, name, None):
            changes[name] = getattr(args, name)
    if getattr(args, "engine", None):
        changes["index_engine"] = args.engine
    if getattr(args, "ray_address", None):
        changes["ray_address"] = args.ray_address
    return replace(settings, **changes)  # type: ignore[arg-type]


def _print_report(report: BuildReport, qa: QA) -> None:
    for problem in report.problems:
        state = "skipped" if problem.skipped else "warning"
        print(f"{state}: {problem.path}: {problem.message}", file=sys.stderr)
    for duplicate in report.duplicates:
        print(
            f"duplicate: {duplicate.path}: same story as {duplicate.doc_id} "
            f"({duplicate.resemblance:.0%} alike); listed as another source of it",
            file=sys.stderr,
        )
    if report.left_out:
        print(
            f"left out {len(report.left_out)} file(s) removed from the index earlier "
            f"({', '.join(report.left_out[:3])}{', …' if len(report.left_out) > 3 else ''}); "
            "to index one again, name it: qa index FILE",
            file=sys.stderr,
        )
    print(
        f"indexed {len(report.added)} new, {len(report.updated)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed documents; "
        f"{report.chunks_embedded} chunks embedded, {report.total_chunks} in the index "
        f"({qa.settings.index_dir}{_store_note(qa)})"
    )


def _store_note(qa: QA) -> str:
    location = qa.vectors_location()
    return f"; vectors in {location}" if location else ""


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    qa = QA(settings)
    builder = qa.builder()
    show_bar = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = ProgressBar(sys.stderr) if show_bar else None
    progress: ProgressCallback | None = bar
    # A rebuild with nothing named reads again what is indexed (from its recorded files);
    # an update with nothing named reads the documents folders.
    paths = [Path(p) for p in args.paths] or ([] if args.rebuild else list(settings.documents))
    for wait_s in (0.0, args.wait):
        try:
            if args.remove:
                report = builder.remove(args.remove, lock_timeout_s=wait_s)
            else:
                report = builder.update(
                    paths,
                    rebuild=args.rebuild,
                    progress=progress,
                    lock_timeout_s=wait_s,
                )
            break
        except IndexLockedError as exc:
            if not args.wait or wait_s:
                hint = "" if args.wait else "; or pass --wait SECONDS to wait for it"
                raise IndexLockedError(f"{exc}{hint}") from exc
            print(f"qa: {exc}; waiting up to {args.wait:g} s", file=sys.stderr)
        finally:
            if bar is not None:
                bar.close()
    if args.remove:
        print(
            f"removed {', '.join(report.removed)}; {report.total_chunks} chunks remain. "
            "Its file stays out when its folder is indexed again; "
            "to add it back, name the file: qa index FILE"
        )
        return 0
    _print_report(report, qa)
    return 0


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    qa = QA(settings)
    result = qa.answer(args.question, history=args.history or None)
    if args.json:
        print(result.to_json(indent=2))
        return 0
    if result.abstained:
        print(result.text)
        if result.related:
            print("\nRelated passages:")
            for passage in result.related[:3]:
                page = f"page {passage.page}, " if passage.page is not None else ""
                where = f"{page}chars {passage.start}-{passage.end}"
                preview = " ".join(passage.text.split())[:160]
                print(f"  - {passage.title} ({where}) {preview}…")
        return 0
    print(result.text)
    print(f"\nconfidence {result.confidence:.2f} ({confidence_words(result.confidence)})")
    for number, citation in enumerate(result.citations, start=1):
        page = f"page {citation.page}, " if citation.page is not None else ""
        # The quote on one line; its offsets point at the exact characters, breaks and all.
        quote = " ".join(citation.quote.split())
        print(
            f"[{number}] {citation.title} ({citation.source_path}, {page}chars "
            f"{citation.start}-{citation.end}): “{quote}”"
        )
    return 0


# The columns of ``qa docs``; ``copies`` only where other files hold the same story.
DOCS_HEADER = "doc_id\tchunks\tsize\tadded\tformat\tsource\tcopies"


def _cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    manifest = QA(settings).manifest()
    print(DOCS_HEADER)
    for entry in manifest.documents:
        kind = entry.format
        if entry.pages:
            kind += f", {entry.pages} pages"
        line = (
            f"{entry.doc_id}\t{entry.chunks} chunks\t{entry.size_bytes} bytes\t"
            f"{entry.added_at}\t{kind}\t{entry.source_path}"
        )
        if entry.duplicates:
            line += "\talso in: " + ", ".join(entry.duplicates)
        print(line)
    for path in manifest.excluded:
        print(f"(removed, left out until named again)\t{path}")
    return 0


def _cmd_quotes(args: argparse.Namespace, settings: Settings) -> int:
    from ui.quotes_command import run_quotes

    return run_quotes(args, settings)


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import serve

    if args.host:
        settings = replace(settings, host=args.host)
    if args.port:
        settings = replace(settings, port=args.port)
    serve(settings)
    return 0


def _split_history(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Take the question of ``qa ask --history EARLIER... QUESTION`` from the history.

    ``--history`` takes every word up to the next option, so that ``qa ask QUESTION
    --history A B`` keeps working; a question written after it arrives as its last word.
    """
    if args.command != "ask" or args.question is not None:
        return
    if not args.history:
        parser.error("the following arguments are required: question (qa ask QUESTION)")
    args.question = args.history.pop()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``qa`` command."""
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask questions of your own documents; every answer is cited."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_index_dir(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--index-dir", help="index folder (default data/index, env QA_INDEX_DIR)")
        return sub

    index = with_index_dir(commands.add_parser("index", help="index files and folders"))
    index.add_argument("paths", nargs="*", help="files or folders (default: the seed documents)")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything from scratch")
    index.add_argument("--remove", nargs="+", metavar="DOC", help="drop documents by id")
    index.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="if another process is updating the index, wait up to this long (default 0)",
    )
    index.add_argument(
        "--store",
        dest="vector_store",
        choices=STORE_KINDS,
        help="where to keep the vectors (default: where the index keeps them now, faiss for a "
        "new index; env QA_VECTOR_STORE)",
    )
    index.add_argument(
        "--milvus-uri",
        help="Milvus server (http://host:19530) or Milvus Lite file "
        "(default INDEX_DIR/milvus.db; env QA_MILVUS_URI)",
    )
    index.add_argument(
        "--milvus-collection",
        help="Milvus collection (default qa_chunks; env QA_MILVUS_COLLECTION)",
    )
    index.add_argument(
        "--milvus-index",
        choices=("FLAT", "HNSW"),
        help="Milvus index type (default FLAT, exact; env QA_MILVUS_INDEX)",
    )
    index.add_argument(
        "--engine",
        choices=INDEX_ENGINES,
        help="local: read and embed in this process (default); ray: on Ray workers, "
        "needs pip install 'qa-over-docs[scale]' (env QA_INDEX_ENGINE)",
    )
    index.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="with --engine ray, the Ray cluster to run on (default: a local Ray instance; "
        "env QA_RAY_ADDRESS)",
    )
    index.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when the terminal shows it)",
    )

    ask = with_index_dir(commands.add_parser("ask", help="ask a question"))
    ask.add_argument(
        "question",
        nargs="?",
        help="the question; written after --history, it is the last one given: "
        '--history "Who is Ali Larijani?" "Which country did he visit?"',
    )
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument(
        "--history",
        action="extend",
        nargs="+",
        default=[],
        metavar="EARLIER",
        help="earlier questions, oldest first; before or after the question, and repeatable",
    )
    ask.add_argument("--top-k", type=int, help="passages to consult (default 5)")

    with_index_dir(commands.add_parser("docs", help="list the indexed documents"))

    quotes = with_index_dir(
        commands.add_parser(
            "quotes",
            help="who said what: the speakers quoted in the documents, or one's statements",
        )
    )
    quotes.add_argument(
        "speaker",
        nargs="?",
        help='a name, title or role ("Larijani", "Charles Clarke", "the home secretary"); '
        "none: list the speakers, people and organisations apart",
    )
    quotes.add_argument(
        "--about", metavar="TOPIC", help='every speaker\'s statements about a topic ("ID cards")'
    )
    quotes.add_argument("--json", action="store_true", help="print JSON")

    serve = with_index_dir(commands.add_parser("serve", help="start the web page"))
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 7860)")

    evaluation = with_index_dir(
        commands.add_parser(
            "eval", help="evaluate on a SQuAD 2.0 file, or a questions file over a folder"
        )
    )
    evaluation.add_argument(
        "dataset",
        help="SQuAD 2.0-format JSON file, or a questions file (questions, conversations)",
    )
    evaluation.add_argument(
        "--documents", help="for a questions file: the documents folder (default: docs/ beside it)"
    )
    evaluation.add_argument("--articles", help="only ask questions of these articles (comma list)")
    evaluation.add_argument("--limit", type=int, help="ask at most this many questions")
    evaluation.add_argument("--work-dir", help="where paragraph files and the index are kept")
    evaluation.add_argument(
        "--report-dir", help="also write report.json and report.png (plots) into this folder"
    )
    evaluation.add_argument(
        "--curve",
        action="store_true",
        help="answer every question, then print answers kept against no-answer accuracy "
        "as the confidence needed to answer varies, with the product's own point",
    )
    evaluation.add_argument(
        "--curve-plot", type=Path, metavar="PNG", help="with --curve, also draw it into PNG"
    )
    evaluation.add_argument(
        "--reader-model",
        help="span reader model folder to read with instead of the shipped one "
        "(env QA_READER_MODEL)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; returns the exit status."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # transformers draws a progress bar for every model it loads; a CLI answer should not.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    _split_history(args, parser)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # Parser chatter about a damaged file; the per-file message says what matters.
        for chatty in ("pypdf", "trafilatura", "htmldate", "courlan", "ray"):
            logging.getLogger(chatty).setLevel(logging.ERROR)
    handlers = {
        "index": _cmd_index,
        "ask": _cmd_ask,
        "docs": _cmd_docs,
        "quotes": _cmd_quotes,
        "serve": _cmd_serve,
        "eval": run_eval,
    }
    try:
        settings = _settings(args)
        return handlers[args.command](args, settings)
    except (QaIndexError, EmptyQuestionError, FileNotFoundError, KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"qa: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
