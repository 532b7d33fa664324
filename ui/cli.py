"""The ``qa`` command: flags become Settings; the pipeline in ``qa`` does the work."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from index import QaIndexError
from qa import QA, EmptyQuestionError, Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(os.environ)
    changes: dict[str, object] = {}
    if getattr(args, "index_dir", None):
        changes["index_dir"] = Path(args.index_dir)
    if getattr(args, "top_k", None):
        changes["top_k"] = args.top_k
    return replace(settings, **changes)  # type: ignore[arg-type]


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    qa = QA(settings)
    if args.remove:
        report = qa.builder().remove(args.remove)
        print(f"removed {', '.join(report.removed)}; {report.total_chunks} chunks remain")
        return 0
    paths = [Path(p) for p in args.paths] or list(settings.documents)
    report = qa.builder().update(paths, rebuild=args.rebuild)
    for problem in report.problems:
        state = "skipped" if problem.skipped else "warning"
        print(f"{state}: {problem.path}: {problem.message}", file=sys.stderr)
    print(
        f"indexed {len(report.added)} new, {len(report.updated)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed documents; "
        f"{report.chunks_embedded} chunks embedded, {report.total_chunks} in the index "
        f"({settings.index_dir})"
    )
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
                print(f"  - {passage.title} [{passage.start}:{passage.end}] {passage.text[:160]}…")
        return 0
    print(result.text)
    print(f"\nconfidence {result.confidence:.2f}")
    for number, citation in enumerate(result.citations, start=1):
        print(
            f"[{number}] {citation.title} ({citation.source_path}, chars "
            f"{citation.start}-{citation.end}): “{citation.quote}”"
        )
    return 0


def _cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from index import IndexStore

    manifest = IndexStore(settings.index_dir).read_manifest()
    for entry in manifest["documents"]:
        print(
            f"{entry['doc_id']}\t{entry['chunks']} chunks\t{entry['size_bytes']} bytes\t"
            f"{entry['added_at']}\t{entry['source_path']}"
        )
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import serve

    if args.host:
        settings = replace(settings, host=args.host)
    if args.port:
        settings = replace(settings, port=args.port)
    serve(settings)
    return 0


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa.evaluation import evaluate, format_report, load_squad, summarise

    dataset = Path(args.dataset)
    if not dataset.is_file():
        raise FileNotFoundError(f"no evaluation file {dataset}")
    work = Path(args.work_dir) if args.work_dir else Path("data") / "eval" / dataset.stem
    corpus = load_squad(dataset, work)
    eval_settings = replace(
        settings,
        index_dir=Path(args.index_dir) if args.index_dir else work / "index",
        documents=(corpus.documents_dir,),
    )
    qa = QA(eval_settings)
    qa.update([corpus.documents_dir])
    questions = list(corpus.questions)
    if args.articles:
        wanted = {name.strip() for name in args.articles.split(",")}
        questions = [q for q in questions if q.article in wanted]
    if args.limit:
        questions = questions[: args.limit]

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done}/{total} questions", file=sys.stderr)

    results = evaluate(qa, questions, progress=progress)
    report = summarise(results)
    print(f"dataset {dataset} ({len(corpus.questions)} questions; evaluated {len(questions)})")
    print(format_report(report))
    return 0


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

    ask = with_index_dir(commands.add_parser("ask", help="ask a question"))
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--history", nargs="*", help="earlier questions, oldest first")
    ask.add_argument("--top-k", type=int, help="passages to consult (default 5)")

    with_index_dir(commands.add_parser("docs", help="list the indexed documents"))

    serve = with_index_dir(commands.add_parser("serve", help="start the web page"))
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 7860)")

    evaluation = with_index_dir(commands.add_parser("eval", help="evaluate on a SQuAD 2.0 file"))
    evaluation.add_argument("dataset", help="SQuAD 2.0-format JSON file")
    evaluation.add_argument("--articles", help="only ask questions of these articles (comma list)")
    evaluation.add_argument("--limit", type=int, help="ask at most this many questions")
    evaluation.add_argument("--work-dir", help="where paragraph files and the index are kept")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; returns the exit status."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handlers = {
        "index": _cmd_index,
        "ask": _cmd_ask,
        "docs": _cmd_docs,
        "serve": _cmd_serve,
        "eval": _cmd_eval,
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
