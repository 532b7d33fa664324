"""Ingestion cost per format, a huge text file's time and peak memory, and a no-change re-run.

Prints:
- text extraction rate for PDF (pages/s), HTML (pages/s) and plain text (MB/s), on files
  generated here (no model involved);
- for one large text file (default 50 MB): seconds and peak resident memory of a full
  ``IndexBuilder.update`` in a fresh process, with a hash embedder standing in for the model
  so that loading, cleaning, chunking, sentence splitting, sketching and writing are measured;
- the time of a re-run over a folder of unchanged files (they are hashed, not re-read).

Usage: .venv/bin/python benchmarks/ingest.py [--huge-mb 50] [--files 200]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import IndexBuilder, extract  # noqa: E402  (after the sys.path line)
from tests.index.fakes import HashEmbedder  # noqa: E402
from tests.index.pdf_files import make_pdf  # noqa: E402

PARAGRAPH = (
    "The committee met on day {n} to review the harbour accounts. Members discussed repairs "
    "to the pier, the cost of new pilings and the ferry timetable for the coming season."
)

HUGE_SCRIPT = """
import json, sys, time
from pathlib import Path
from index import IndexBuilder
from tests.index.fakes import HashEmbedder  # noqa: E402
from tests.process_memory import peak_rss_mb  # noqa: E402
started = time.monotonic()
report = IndexBuilder(HashEmbedder(), Path(sys.argv[2])).update([Path(sys.argv[1])])
print(json.dumps({
    "seconds": time.monotonic() - started,
    "chunks": report.total_chunks,
    "peak_mb": peak_rss_mb(),
}))
"""


def _rate(work: int, seconds: float) -> str:
    return f"{work / seconds:,.1f}/s" if seconds > 0 else "n/a"


def extraction_rates() -> None:
    pages = [[PARAGRAPH.format(n=n * 10 + line)[:90] for line in range(40)] for n in range(50)]
    pdf = make_pdf(pages)
    started = time.monotonic()
    extract(pdf, "pdf")
    print(
        f"PDF   : {len(pages)} pages in {time.monotonic() - started:.2f} s "
        f"({_rate(len(pages), time.monotonic() - started)} pages)"
    )
    body = "".join(f"<p>{html.escape(PARAGRAPH.format(n=n))}</p>" for n in range(60))
    page = (
        "<html><head><script>track()</script></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Harbour accounts</h1>{body}</article><footer>(c)</footer></body></html>"
    ).encode()
    count = 50
    started = time.monotonic()
    for _ in range(count):
        extract(page, "html")
    seconds = time.monotonic() - started
    print(
        f"HTML  : {count} pages of {len(page) // 1024} KiB in {seconds:.2f} s "
        f"({_rate(count, seconds)} pages)"
    )
    text = ("\n\n".join(PARAGRAPH.format(n=n) for n in range(60000))).encode()
    started = time.monotonic()
    extract(text, "text")
    seconds = time.monotonic() - started
    print(f"text  : {len(text) / 1e6:.1f} MB decoded in {seconds:.2f} s")


def huge_file(work: Path, megabytes: int) -> None:
    folder = work / "huge"
    folder.mkdir()
    with (folder / "huge.txt").open("w", encoding="utf-8") as handle:
        number = 0
        while handle.tell() < megabytes * 1024 * 1024:
            handle.write(PARAGRAPH.format(n=number) + "\n\n")
            number += 1
    done = subprocess.run(
        [sys.executable, "-c", HUGE_SCRIPT, str(folder), str(work / "huge-index")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(done.stdout)
    print(
        f"huge  : {megabytes} MB text file -> {result['chunks']:,} chunks in "
        f"{result['seconds']:.1f} s, peak memory {result['peak_mb']:.0f} MB "
        f"(hash embedder; the real model adds the embedding time)"
    )


def unchanged_rerun(work: Path, files: int) -> None:
    folder = work / "many"
    folder.mkdir()
    for number in range(files):
        (folder / f"note-{number:04d}.md").write_text(
            f"# Note {number}\n\n" + PARAGRAPH.format(n=number) + "\n", encoding="utf-8"
        )
    builder = IndexBuilder(HashEmbedder(), work / "many-index")
    started = time.monotonic()
    builder.update([folder])
    first = time.monotonic() - started
    started = time.monotonic()
    report = builder.update([folder])
    again = time.monotonic() - started
    print(
        f"rerun : {files} files indexed in {first:.2f} s; unchanged re-run {again:.2f} s "
        f"({len(report.unchanged)} unchanged, {report.chunks_embedded} chunks embedded)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--huge-mb", type=int, default=50, help="size of the large file")
    parser.add_argument("--files", type=int, default=200, help="files for the re-run check")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    extraction_rates()
    with tempfile.TemporaryDirectory() as scratch:
        huge_file(Path(scratch), args.huge_mb)
        unchanged_rerun(Path(scratch), args.files)


if __name__ == "__main__":
    main()
