"""A real text corpus for benchmarks: SQuAD paragraphs plus Vim's help files (Debian vim-runtime).

Both are real English prose that is on these machines without a download: the shared SQuAD
files and /usr/share/vim/vim90/doc (package vim-runtime). Documents are written as .txt files
so the product's own loader, cleaner and chunker cut them.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
VIM_DOCS = Path("/usr/share/vim/vim90/doc")


def unpack_revision(rev: str) -> Path:
    """The code at git revision ``rev``, unpacked in a new folder beside this checkout.

    Beside it, so that the baseline finds ../shared as this checkout does; the caller removes it.
    """
    folder = Path(tempfile.mkdtemp(prefix=f".baseline-{rev}-", dir=ROOT.parent))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def squad_questions(path: Path = SHARED_EVAL / "squad2_dev_subset.json") -> list[str]:
    """All questions of a SQuAD file, in file order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        qa["question"] for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]
    ]


def write_corpus(
    folder: Path, max_bytes: int | None = None, whole_articles: bool = False
) -> list[Path]:
    """Write the corpus as .txt documents under ``folder``; return their paths.

    Args:
        folder: Where to write (created).
        max_bytes: Stop adding Vim files once this much text is written (default: all).
        whole_articles: One document per SQuAD article, its paragraphs joined by blank
            lines (default False: one per paragraph).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    for name in ("squad2_dev_subset.json", "squad2_fit_pool.json"):
        data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
        for a, article in enumerate(data["data"]):
            contexts = [paragraph["context"] for paragraph in article["paragraphs"]]
            texts = ["\n\n".join(contexts)] if whole_articles else contexts
            for p, text in enumerate(texts):
                suffix = "" if whole_articles else f"_{p:03d}"
                path = folder / f"{Path(name).stem}_{a:02d}{suffix}.txt"
                path.write_text(text, encoding="utf-8")
                written.append(path)
                total += len(text)
    for source in sorted(VIM_DOCS.glob("*.txt")):
        if max_bytes is not None and total >= max_bytes:
            break
        text = source.read_text(encoding="utf-8", errors="replace")
        path = folder / f"vim_{source.stem}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        total += len(text)
    return written


def write_mixed_corpus(folder: Path, chars: int = 1_100_000) -> list[Path]:
    """About ``chars`` characters of mixed prose: each SQuAD article whole, then Vim's help
    files whole (21 documents for the default)."""
    return write_corpus(folder, max_bytes=chars, whole_articles=True)


def chunk_texts(paths: Iterable[Path]) -> list[str]:
    """The chunk texts the index makes of the files under ``paths``, in file order.

    Reads each file with the index's own functions (``scan``, ``read_bytes``,
    ``make_document``, ``make_record``); files it would refuse give no chunks.
    """
    from index import ChunkingConfig, make_record
    from index.sources.documents import make_document, read_bytes, scan

    config = ChunkingConfig()
    texts: list[str] = []
    for source in scan(paths).files:
        raw, _ = read_bytes(source)
        document = make_document(source, raw, source.path.stem)[0] if raw is not None else None
        if document is not None:
            record = make_record(document, config)
            texts.extend(record.text[c.start : c.end] for c in record.chunks)
    return texts
