"""``qa eval``: index an evaluation set's documents apart and print how the answers score."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

from qa import QA, Settings
from qa.evaluation.curve import Scored


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """``qa eval``: a SQuAD-format file, or a questions file over a documents folder."""
    from qa.evaluation.squad import evaluate, format_report, load_squad, summarise

    dataset = Path(args.dataset)
    if not dataset.is_file():
        raise FileNotFoundError(f"no evaluation file {dataset}")
    work = Path(args.work_dir) if args.work_dir else Path("data") / "eval" / dataset.stem
    from qa.evaluation.news import is_news_file

    if is_news_file(dataset):
        return _eval_news(args, settings, dataset, work)
    corpus = load_squad(dataset, work)
    eval_settings = replace(
        settings,
        index_dir=Path(args.index_dir) if args.index_dir else work / "index",
        documents=(corpus.documents_dir,),
        min_confidence=0.0 if args.curve else settings.min_confidence,
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
    print(f"dataset {dataset} ({len(corpus.questions)} questions; evaluated {len(questions)})")
    if args.curve:
        from qa.evaluation.squad import scored_squad

        print(_curve(qa, scored_squad(results), "F1", args.curve_plot, dataset.name))
        return 0
    report = summarise(results)
    print(format_report(report))
    if args.report_dir:
        from qa.evaluation.report import write_report

        reader = str(settings.reader_model_path or "qa/reader_model (shipped)")
        about = {"dataset": str(dataset), "evaluated": len(questions), "reader": reader}
        json_path, plot_path = write_report(report, results, Path(args.report_dir), about)
        print(f"report written to {json_path} and {plot_path}")
    return 0


def _eval_news(args: argparse.Namespace, settings: Settings, dataset: Path, work: Path) -> int:
    """``qa eval`` on a questions file over a documents folder (default: ``docs/`` beside it)."""
    from qa.evaluation.news import evaluate_news, format_news_report, load_news, summarise_news

    documents = Path(args.documents) if args.documents else dataset.parent / "docs"
    if not documents.is_dir():
        raise FileNotFoundError(f"no documents folder {documents} (give one with --documents)")
    eval_settings = replace(
        settings,
        index_dir=Path(args.index_dir) if args.index_dir else work / "index",
        documents=(documents,),
        min_confidence=0.0 if args.curve else settings.min_confidence,
    )
    qa = QA(eval_settings)
    qa.update([documents])
    items = load_news(dataset)
    if args.limit:
        items = items[: args.limit]
    results = evaluate_news(qa, items)
    print(f"dataset {dataset} over {documents} ({len(qa.index.documents)} documents)")
    if args.curve:
        from qa.evaluation.news import scored_news

        print(_curve(qa, scored_news(results), "right", args.curve_plot, dataset.name))
        return 0
    print(format_news_report(summarise_news(results), results))
    if args.report_dir:
        report_dir = Path(args.report_dir)
        report_dir.mkdir(parents=True, exist_ok=True)
        payload = {
            "dataset": str(dataset),
            "summary": summarise_news(results).to_dict(),
            "results": [asdict(r) for r in results],
        }
        (report_dir / "report.json").write_text(json.dumps(payload, indent=2) + "\n")
        print(f"report written to {report_dir / 'report.json'}")
    return 0


def _curve(
    qa: QA, items: list[Scored], unit: str, plot: Path | None = None, title: str = ""
) -> str:
    """The curve of a run that answered everything, with the product's own thresholds (and
    its plot, when ``plot`` names a PNG file)."""
    from qa.evaluation.curve import curve, format_curve, plot_curve, point

    chosen = point(items, qa.span_reader.calibration.threshold, qa.quotes.calibration.threshold)
    if plot is not None:
        plot_curve(curve(items), chosen, title, unit, plot)
    header = (
        "every answer given, then refused below each threshold "
        f"({len(items)} questions; quotes at the same threshold, except on the last line)"
    )
    return header + "\n" + format_curve(curve(items), chosen, unit)
