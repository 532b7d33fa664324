"""What finding statements (who said what) costs, step by step, on real news.

For the ``news_train`` articles (read in place), each cleaned and cut as the index does:
- loading spaCy's small English pipeline;
- how many sentences are parsed (only those with a quotation mark or a speech verb);
- the time of each pipeline component over those sentences, with thinc's default matrix
  products (blis) and with NumPy's BLAS, which the index uses (``index.statements.english``);
- parsing them per document (as an index build does) against all in one batch;
- the whole extraction per document (parse and walk), and whether both kinds of matrix
  products find the same statements.
Times are the best of ``--rounds`` (default 2).

Usage: .venv/bin/python benchmarks/statement_cost.py [--docs ../shared/eval/news_train/docs]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import SHARED_EVAL
from index.sources.documents import make_document, read_bytes, scan
from index.statements.english import EnglishPipeline
from index.statements.extraction import StatementExtractor, worth_parsing
from index.statements.speakers import for_parser
from index.storage.records import DocumentRecord
from index.text.chunking import ChunkingConfig
from index.update.reading import make_record


def records(folder: Path) -> list[DocumentRecord]:
    found = []
    for number, source in enumerate(scan([folder]).files):
        raw, _ = read_bytes(source)
        document = make_document(source, raw, f"doc{number}")[0] if raw is not None else None
        if document is not None:
            found.append(make_record(document, ChunkingConfig()))
    return found


def best(rounds: int, work: object) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=SHARED_EVAL / "news_train" / "docs")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    docs = records(args.docs)
    per_document = [
        [
            for_parser(record.text[s.start : s.end])
            for s in record.sentences
            if worth_parsing(record.text[s.start : s.end])
        ]
        for record in docs
    ]
    parsed = [sentence for sentences in per_document for sentence in sentences]
    total = sum(len(record.sentences) for record in docs)
    print(
        f"{len(docs)} documents, {sum(len(r.text) for r in docs):,} characters; "
        f"{len(parsed)} of {total} sentences parsed ({sum(map(len, parsed)):,} characters)"
    )
    started = time.perf_counter()
    english = EnglishPipeline()
    english.warm_up()
    print(f"loading the pipeline: {time.perf_counter() - started:.2f} s")
    outputs = {}
    for label, blis in (("blis (thinc's default)", True), ("NumPy's BLAS (the index's)", False)):
        pipeline = EnglishPipeline(use_blis=blis)
        nlp = pipeline.nlp
        steps = {}
        for name, component in nlp.pipeline:
            docs_in = [nlp.make_doc(text) for text in parsed]
            for earlier, done in nlp.pipeline:
                if earlier == name:
                    break
                docs_in = list(done.pipe(docs_in))
            steps[name] = best(args.rounds, lambda c=component, d=docs_in: list(c.pipe(d)))
        shown = ", ".join(f"{name} {seconds:.2f}" for name, seconds in steps.items())
        print(f"{label}: components (s): {shown}; sum {sum(steps.values()):.2f} s")
        one_batch = best(args.rounds, lambda n=nlp: list(n.pipe(parsed)))
        each = best(args.rounds, lambda n=nlp: [list(n.pipe(d)) for d in per_document])
        print(f"  parsing per document {each:.2f} s, all in one batch {one_batch:.2f} s")
        extractor = StatementExtractor(pipeline)
        whole = best(
            args.rounds, lambda e=extractor: [e.extract(r.text, r.sentences) for r in docs]
        )
        outputs[label] = [extractor.extract(r.text, r.sentences).statements for r in docs]
        found = sum(map(len, outputs[label]))
        print(f"  extraction (parse and walk) {whole:.2f} s, {found} statements")
    first, second = outputs.values()
    print(f"the same statements with both: {first == second}")


if __name__ == "__main__":
    main()
