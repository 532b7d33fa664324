"""Near-duplicate detection cost per document as a corpus grows.

Every document of an index update is sketched and matched against the documents accepted so
far (``index.DuplicateFinder``). Here the documents are the answer-latency benchmark's
synthetic ones: ten paragraphs of sentences drawn at random from the SQuAD paragraphs, so
every sentence recurs in many different documents, as boilerplate recurs in a real export.
Each size is run twice in the same process: with the product's cap on how many documents a
sketch value may lead to (``COMMON_VALUE_HOLDERS``), and without it (every holder followed,
as before the cap), which is the baseline.

Usage: .venv/bin/python benchmarks/duplicates.py [--sizes 1000 5000 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.answer_latency import squad_sentences
from index.sources import duplicates
from index.sources.duplicates import DuplicateFinder, sketch


def documents(count: int, sentences: list[str]) -> list[str]:
    rng = random.Random(7)
    texts = []
    for number in range(count):
        paragraphs = []
        for _ in range(10):
            paragraph: list[str] = []
            while sum(map(len, paragraph)) < 850:
                paragraph.append(rng.choice(sentences))
            paragraphs.append(" ".join(paragraph))
        texts.append(f"Synthetic document {number}\n" + "\n\n".join(paragraphs))
    return texts


def run(sketches: list[tuple[int, ...]], cap: int) -> tuple[float, float, int]:
    """(ms per document over the first tenth, over the last tenth, duplicates found)."""
    duplicates.COMMON_VALUE_HOLDERS = cap
    finder = DuplicateFinder()
    times = []
    found = 0
    for number, values in enumerate(sketches):
        began = time.perf_counter()
        if finder.match(values) is None:
            finder.add(str(number), values)
        else:
            found += 1
        times.append(1000 * (time.perf_counter() - began))
    tenth = max(1, len(times) // 10)
    return sum(times[:tenth]) / tenth, sum(times[-tenth:]) / tenth, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    args = parser.parse_args()
    sizes = " ".join(map(str, args.sizes))
    print(f"command: .venv/bin/python benchmarks/duplicates.py --sizes {sizes}")
    sentences = squad_sentences()
    product_cap = duplicates.COMMON_VALUE_HOLDERS
    print(
        "| documents | holders followed | ms/doc, first tenth | ms/doc, last tenth | duplicates |"
    )
    print("|---:|---|---:|---:|---:|")
    for size in args.sizes:
        sketches = [sketch(text) for text in documents(size, sentences)]
        for label, cap in (
            (f"at most {product_cap} (product)", product_cap),
            ("all (before)", 1 << 62),
        ):
            first, last, found = run(sketches, cap)
            print(f"| {size:,} | {label} | {first:.2f} | {last:.2f} | {found} |")
    duplicates.COMMON_VALUE_HOLDERS = product_cap


if __name__ == "__main__":
    main()
